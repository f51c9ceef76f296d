/*
 * Writing device trees in unit tests, node by node with libfdt's sequential
 * writer; every step asserts. tree_begin() opens the root; tree_end() closes
 * it and returns the finished blob (malloc'ed, TREE_BYTES long).
 */
#ifndef FDTWRITE_H
#define FDTWRITE_H

#include <stdint.h>

#define TREE_BYTES 65536

void *tree_begin(void);
void *tree_end(void *fdt);
void node(void *fdt, const char *name);
void end(void *fdt);
void cell_array(void *fdt, const char *name, const uint32_t *v, unsigned n);
/* A property of `n` cells, given as the arguments that follow. */
void cells(void *fdt, const char *name, unsigned n, ...);
void str(void *fdt, const char *name, const char *s);
void flag(void *fdt, const char *name);

#endif
