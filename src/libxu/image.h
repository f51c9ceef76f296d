/*
 * What a kernel file is, read from its first bytes: an arm64 Image (Linux's
 * Documentation/arm64/booting.rst header, which Xen and Zephyr also carry) or
 * a gzip stream that holds one.
 */
#ifndef XU_IMAGE_H
#define XU_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define IMAGE_HEADER_BYTES 64

enum image_kind {
    IMAGE_ARM64,
    IMAGE_GZIP,
};

struct image_info {
    enum image_kind kind;
    /* ARM64 only: */
    uint64_t text_offset_bytes; /* from a 2 MiB aligned base */
    uint64_t image_size_bytes;  /* what it occupies when running, BSS included; 0: unknown */
    bool anywhere;              /* flags bit 3: the base may be anywhere in RAM */
};

/* `what` names the file in messages; `len` may be shorter than a header. */
int image_probe(const uint8_t *buf, size_t len, const char *what, struct image_info *info,
                struct xu_err *err);

#endif
