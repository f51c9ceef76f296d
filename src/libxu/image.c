#include "image.h"

#include <string.h>

#define ARM64_MAGIC_OFFSET 56
#define FLAG_BIG_ENDIAN    (1u << 0)
#define FLAG_PAGE_SHIFT    1
#define FLAG_PAGE_MASK     (3u << FLAG_PAGE_SHIFT)
#define FLAG_PAGE_4K       (1u << FLAG_PAGE_SHIFT)
#define FLAG_ANYWHERE      (1u << 3)

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

int image_probe(const uint8_t *buf, size_t len, const char *what, struct image_info *info,
                struct xu_err *err)
{
    uint64_t flags;

    memset(info, 0, sizeof(*info));
    if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b) {
        info->kind = IMAGE_GZIP;
        return 0;
    }
    if (len < IMAGE_HEADER_BYTES || memcmp(buf + ARM64_MAGIC_OFFSET, "ARM\x64", 4) != 0)
        return xu_fail(err,
                       "%s: not an arm64 kernel Image (no \"ARM\\x64\" magic at byte 56) "
                       "and not gzip",
                       what);
    info->kind = IMAGE_ARM64;
    info->text_offset_bytes = le64(buf + 8);
    info->image_size_bytes = le64(buf + 16);
    flags = le64(buf + 24);
    if (flags & FLAG_BIG_ENDIAN)
        return xu_fail(err, "%s: a big-endian kernel; Xen on arm64 runs little-endian guests",
                       what);
    if ((flags & FLAG_PAGE_MASK) != 0 && (flags & FLAG_PAGE_MASK) != FLAG_PAGE_4K)
        return xu_fail(err, "%s: built for %s KiB pages; Xen gives guests 4 KiB pages", what,
                       (flags & FLAG_PAGE_MASK) == (2u << FLAG_PAGE_SHIFT) ? "16" : "64");
    if (info->text_offset_bytes >= (2u << 20) || info->text_offset_bytes % 4096)
        return xu_fail(err, "%s: text_offset 0x%llx is not a 4 KiB multiple below 2 MiB", what,
                       (unsigned long long)info->text_offset_bytes);
    info->anywhere = (flags & FLAG_ANYWHERE) != 0;
    return 0;
}
