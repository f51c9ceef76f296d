/* Helpers shared by the unit tests. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stddef.h>

/* Writes `text` to `name` inside a fresh temporary folder; returns the path (static). */
const char *write_temp(const char *name, const char *text);
/* The folder write_temp used last. */
const char *temp_dir(void);
/* Writes `len` bytes to `name` in the same folder; returns the path (static). */
const char *write_temp_bytes(const char *name, const void *data, size_t len);

#endif
