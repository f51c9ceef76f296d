/*
 * A strict, bounded check of a flattened device tree's structure before
 * libfdt reads it. Debian's libfdt 1.6 loops forever on some damaged blobs,
 * in fdt_check_full() and in fdt_path_offset() alike (found by fuzzing); a
 * blob that passes here has every tag, name and property inside its blocks,
 * so libfdt's walks end.
 */
#ifndef XU_FDTCHECK_H
#define XU_FDTCHECK_H

#include <stddef.h>

#include "err.h"

#define FDT_BOOT_MAX_BYTES (2u << 20) /* Xen's limit for the tree it boots with */

/* 0 if `fdt` (of `size` bytes available) is sound; else -1 and a reason in *why. */
int fdt_check_strict(const void *fdt, size_t size, const char **why);

/*
 * Reads a device-tree file whole (at most `max` bytes, else an error) for
 * fdt_check_strict; *blob is malloc'ed, *len long.
 */
int fdt_read_file(const char *path, size_t max, void **blob, size_t *len, struct xu_err *err);

#endif
