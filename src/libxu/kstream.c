#include "kstream.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#define GZIP_TRAILER_BYTES 8  /* CRC32, then the unpacked size modulo 2^32 */
#define GZIP_MIN_BYTES     18 /* a 10-byte header, an empty stream, the trailer */
#define INPUT_BYTES        (64u << 10)
#define GZIP_WINDOW_BITS   (16 + MAX_WBITS) /* gzip framing, not zlib's */

/* Reads exactly `len` bytes at `offset`; 0 on success, or -1 with errno (0: the file ended). */
static int read_at(int fd, void *buf, size_t len, uint64_t offset)
{
    uint8_t *p = buf;

    while (len) {
        ssize_t got = pread(fd, p, len, (off_t)offset);

        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            if (got == 0)
                errno = 0;
            return -1;
        }
        p += got;
        len -= (size_t)got;
        offset += (uint64_t)got;
    }
    return 0;
}

static int read_fail(const struct kstream *ks, const char *doing, struct xu_err *err)
{
    if (errno == 0)
        return xu_fail(err, "%s: ends early (%s)", ks->what, doing);
    return xu_fail(err, "%s: cannot read it (%s): %s", ks->what, doing, strerror(errno));
}

static int gzip_fail(const struct kstream *ks, const z_stream *z, int rc, struct xu_err *err)
{
    return xu_fail(err, "%s: broken gzip data after %lu of its bytes: %s", ks->what,
                   (unsigned long)z->total_in, z->msg ? z->msg : zError(rc));
}

struct inflater {
    z_stream z;
    uint8_t in[INPUT_BYTES];
    uint64_t in_offset; /* of the file, next to read */
    int ended;
};

/* 64 KiB: not on the stack. One stream is unpacked at a time. */
static struct inflater inflater;

static int inflate_start(struct kstream *ks, struct inflater *f, struct xu_err *err)
{
    memset(f, 0, sizeof(*f));
    if (inflateInit2(&f->z, GZIP_WINDOW_BITS) != Z_OK)
        return xu_fail(err, "%s: cannot start unpacking it: out of memory", ks->what);
    return 0;
}

/* One step of unpacking into what f->z's output has room for; reads input when it runs out. */
static int inflate_step(struct kstream *ks, struct inflater *f, struct xu_err *err)
{
    int rc;

    if (!f->z.avail_in) {
        uint64_t left = ks->file_bytes - f->in_offset;
        size_t len = left < sizeof(f->in) ? (size_t)left : sizeof(f->in);

        if (!len)
            return xu_fail(err, "%s: its gzip data ends early", ks->what);
        if (read_at(ks->fd, f->in, len, f->in_offset) < 0)
            return read_fail(ks, "the kernel", err);
        f->in_offset += len;
        f->z.next_in = f->in;
        f->z.avail_in = (uInt)len;
    }
    rc = inflate(&f->z, Z_NO_FLUSH);
    if (rc == Z_STREAM_END)
        f->ended = 1;
    else if (rc != Z_OK)
        return gzip_fail(ks, &f->z, rc, err);
    return 0;
}

static int gzip_fill(struct kstream *ks, struct inflater *f, uint8_t *window, size_t room,
                     struct xu_err *err)
{
    f->z.next_out = window;
    f->z.avail_out = (uInt)room;
    while (f->z.avail_out) {
        if (f->ended)
            return xu_fail(err, "%s: unpacks to %lu bytes; its trailer says %llu", ks->what,
                           (unsigned long)f->z.total_out, (unsigned long long)ks->image_bytes);
        if (inflate_step(ks, f, err) < 0)
            return -1;
    }
    return 0;
}

/* After the last byte the trailer counts, the stream must end (zlib checks its CRC there). */
static int gzip_finish(struct kstream *ks, struct inflater *f, struct xu_err *err)
{
    uint8_t extra;

    while (!f->ended) {
        f->z.next_out = &extra;
        f->z.avail_out = 1;
        if (inflate_step(ks, f, err) < 0)
            return -1;
        if (!f->z.avail_out)
            return xu_fail(err, "%s: unpacks to more than its trailer's %llu bytes", ks->what,
                           (unsigned long long)ks->image_bytes);
    }
    return 0;
}

/* Fills `window` (of `room` bytes) with the raw bytes at `offset`. */
static int raw_fill(struct kstream *ks, uint8_t *window, size_t room, uint64_t offset,
                    struct xu_err *err)
{
    if (read_at(ks->fd, window, room, offset) < 0)
        return read_fail(ks, "the kernel", err);
    return 0;
}

int kstream_open(struct kstream *ks, const char *path, const char *what, struct xu_err *err)
{
    uint8_t size_le[4];
    struct stat st;

    memset(ks, 0, sizeof(*ks));
    ks->what = what;
    ks->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (ks->fd < 0)
        return xu_fail(err, "%s: cannot open it: %s", what, strerror(errno));
    if (fstat(ks->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        xu_fail(err, "%s: not a regular file", what);
        goto fail;
    }
    ks->file_bytes = (uint64_t)st.st_size;
    if (ks->file_bytes < 2 || read_at(ks->fd, ks->header, 2, 0) < 0) {
        xu_fail(err, "%s: too short to be a kernel (%llu bytes)", what,
                (unsigned long long)ks->file_bytes);
        goto fail;
    }
    ks->gzip = ks->header[0] == 0x1f && ks->header[1] == 0x8b;
    if (ks->gzip) {
        if (ks->file_bytes < GZIP_MIN_BYTES) {
            xu_fail(err, "%s: too short to be gzip (%llu bytes)", what,
                    (unsigned long long)ks->file_bytes);
            goto fail;
        }
        if (read_at(ks->fd, size_le, sizeof(size_le), ks->file_bytes - 4) < 0) {
            read_fail(ks, "its gzip trailer", err);
            goto fail;
        }
        ks->image_bytes = (uint64_t)size_le[0] | (uint64_t)size_le[1] << 8 |
                          (uint64_t)size_le[2] << 16 | (uint64_t)size_le[3] << 24;
        if (ks->image_bytes >= IMAGE_HEADER_BYTES) {
            int rc = inflate_start(ks, &inflater, err) < 0
                         ? -1
                         : gzip_fill(ks, &inflater, ks->header, IMAGE_HEADER_BYTES, err);

            inflateEnd(&inflater.z);
            if (rc < 0)
                goto fail;
        }
    } else {
        ks->image_bytes = ks->file_bytes;
        if (ks->file_bytes >= IMAGE_HEADER_BYTES &&
            read_at(ks->fd, ks->header, IMAGE_HEADER_BYTES, 0) < 0) {
            read_fail(ks, "its header", err);
            goto fail;
        }
    }
    if (image_probe(ks->header, ks->image_bytes < IMAGE_HEADER_BYTES ? 0 : IMAGE_HEADER_BYTES, what,
                    &ks->info, err) < 0)
        goto fail;
    if (ks->info.kind != IMAGE_ARM64) {
        xu_fail(err, "%s: gzip that holds gzip; unpack it once", what);
        goto fail;
    }
    return 0;
fail:
    kstream_close(ks);
    return -1;
}

void kstream_close(struct kstream *ks)
{
    if (ks->fd >= 0)
        close(ks->fd);
    ks->fd = -1;
}

int kstream_copy(struct kstream *ks, const struct kstream_sink *sink, struct xu_err *err)
{
    struct inflater *f = &inflater;
    int rc = -1;

    if (ks->gzip && inflate_start(ks, f, err) < 0)
        return -1;
    for (uint64_t offset = 0; offset < ks->image_bytes;) {
        uint64_t left = ks->image_bytes - offset;
        size_t data = left < sink->window_bytes ? (size_t)left : sink->window_bytes;
        size_t mapped = (data + KSTREAM_PAGE_BYTES - 1) / KSTREAM_PAGE_BYTES * KSTREAM_PAGE_BYTES;
        uint8_t *window = sink->map(sink->ctx, offset, mapped, err);
        int filled;

        if (!window)
            goto out;
        filled = ks->gzip ? gzip_fill(ks, f, window, data, err)
                          : raw_fill(ks, window, data, offset, err);
        memset(window + data, 0, mapped - data);
        if (filled < 0) {
            struct xu_err ignored;

            sink->unmap(sink->ctx, window, mapped, &ignored);
            goto out;
        }
        if (sink->unmap(sink->ctx, window, mapped, err) < 0)
            goto out;
        offset += data;
    }
    rc = ks->gzip ? gzip_finish(ks, f, err) : 0;
out:
    if (ks->gzip)
        inflateEnd(&f->z);
    return rc;
}
