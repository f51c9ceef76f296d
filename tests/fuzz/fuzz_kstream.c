/*
 * Fuzz target: the streaming kernel loader, which reads and unpacks whatever
 * file a config names as its kernel. The input goes to a memory file (the
 * loader reads by path) and is copied into a window reused for every map,
 * so a gzip that claims gigabytes costs time, not memory.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kstream.h"

#define WINDOW_BYTES (4 * KSTREAM_PAGE_BYTES)
/* Stops a small input that unpacks to a lot from taking minutes per run. */
#define MAX_IMAGE_BYTES (64u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t window[WINDOW_BYTES];

static void *map_window(void *ctx, uint64_t offset_bytes, size_t bytes, struct xu_err *err)
{
    (void)ctx;
    (void)offset_bytes;
    (void)err;
    return bytes <= sizeof(window) ? window : NULL;
}

static int unmap_window(void *ctx, void *w, size_t bytes, struct xu_err *err)
{
    (void)ctx;
    (void)w;
    (void)bytes;
    (void)err;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    const struct kstream_sink sink = {
        .map = map_window, .unmap = unmap_window, .window_bytes = WINDOW_BYTES};
    struct kstream ks;
    struct xu_err err;

    if (fd < 0) {
        fd = memfd_create("kernel", 0);
        if (fd < 0)
            return 0;
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        return 0;
    if (kstream_open(&ks, path, "fuzz", &err) < 0)
        return 0;
    if (ks.image_bytes <= MAX_IMAGE_BYTES)
        (void)kstream_copy(&ks, &sink, &err);
    kstream_close(&ks);
    return 0;
}
