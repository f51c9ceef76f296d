/* The u-boot hush script that carries out a boot plan. */
#ifndef MKBOOT_SCRIPT_H
#define MKBOOT_SCRIPT_H

#include <stdio.h>

#include "err.h"
#include "plan.h"

/* Quotes `text` for a hush "..." string; fails on characters a script line cannot hold. */
int script_quote(const char *text, char *out, size_t size, struct xu_err *err);

int script_write(const struct boot_plan *plan, FILE *out, struct xu_err *err);

#endif
