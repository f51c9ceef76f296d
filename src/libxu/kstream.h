/*
 * A guest kernel read from its file a piece at a time, unpacked as it goes
 * when it is gzip, and written into whatever windows the caller maps. Dom0
 * never holds the whole kernel: libxenguest's loader read the file whole
 * and copied it through a mapping of the whole segment (twice the kernel's
 * size at its peak); this takes a window and a read buffer (docs/design.md).
 * Host-buildable: the unit tests and the fuzz target give it memory windows.
 */
#ifndef XU_KSTREAM_H
#define XU_KSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "image.h"

struct kstream {
    int fd;
    const char *what;     /* the name messages give the file */
    uint64_t file_bytes;  /* as stored */
    uint64_t image_bytes; /* unpacked: what the guest's memory receives */
    struct image_info info;
    uint8_t header[IMAGE_HEADER_BYTES]; /* the unpacked Image's first bytes */
    int gzip;
};

/*
 * Where the bytes go: `map` returns `bytes` of writable memory for the image
 * at `offset_bytes` (page-aligned; `bytes` a multiple of the page) or NULL
 * with the message set; `unmap` lets the window go and makes what was
 * written through it reach its destination (a guest's memory: cleaned from
 * Dom0's caches), or fails with the message set.
 */
struct kstream_sink {
    void *(*map)(void *ctx, uint64_t offset_bytes, size_t bytes, struct xu_err *err);
    int (*unmap)(void *ctx, void *window, size_t bytes, struct xu_err *err);
    void *ctx;
    size_t window_bytes; /* a multiple of KSTREAM_PAGE_BYTES */
};

#define KSTREAM_PAGE_BYTES 4096u

/*
 * Opens `path` (named `what` in messages), reads the Image's header (a gzip
 * one's by unpacking its start) and its unpacked size (gzip: the trailer's,
 * checked again when it is unpacked in full). Refuses what is not an arm64
 * Image or gzip holding one.
 */
int kstream_open(struct kstream *ks, const char *path, const char *what, struct xu_err *err);

/*
 * Writes the whole image through the sink, from offset 0, the last page's
 * tail zeroed. Fails, naming the file, when it is shorter or longer than it
 * said or its gzip data is broken; what was written by then is garbage the
 * caller throws away with the domain.
 */
int kstream_copy(struct kstream *ks, const struct kstream_sink *sink, struct xu_err *err);

void kstream_close(struct kstream *ks);

#endif
