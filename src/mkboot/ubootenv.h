/* u-boot's environment as it reads it from flash: a CRC32, then name=value\0... \0. */
#ifndef MKBOOT_UBOOTENV_H
#define MKBOOT_UBOOTENV_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "platform.h"

#define UBOOT_ENV_CRC_BYTES 4

/* Writes the platform's environment as a u-boot_env_bytes image (no redundant copy). */
int uboot_env_write(const struct platform *p, FILE *out, struct xu_err *err);

#endif
