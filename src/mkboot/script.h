/* The u-boot hush script that carries out a boot plan. */
#ifndef MKBOOT_SCRIPT_H
#define MKBOOT_SCRIPT_H

#include <stdio.h>

#include "err.h"
#include "plan.h"

#define SCRIPT_IMAGE_HEADER_BYTES 64 /* what mkimage puts before the script */

/*
 * Quotes `text` as a single-quoted word of u-boot's hush, which removes one
 * backslash there (so \ stands for \) and nothing else, and expands nothing.
 * Fails on what a script line cannot hold, and on a leading < or [, which
 * `fdt set` would take for cells or bytes.
 */
int script_quote(const char *text, char *out, size_t size, struct xu_err *err);

/* Whether `name` is a file name boot.scr can give `load` as it is: no quoting, no "..". */
int script_check_file_name(const char *name, struct xu_err *err);

int script_write(const struct boot_plan *plan, FILE *out, struct xu_err *err);

#endif
