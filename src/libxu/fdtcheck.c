#include "fdtcheck.h"

#include <errno.h>
#include <libfdt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

static uint32_t be32_at(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int fail(const char **why, const char *reason)
{
    *why = reason;
    return -1;
}

/* The header's blocks lie inside the blob, the way version 16 and later lay them out. */
static int check_header(const uint8_t *b, size_t size, const char **why)
{
    uint64_t total, st_off, st_size, str_off, str_size, rsv_off;

    if (size < sizeof(struct fdt_header) || be32_at(b) != FDT_MAGIC)
        return fail(why, "no device tree magic");
    total = be32_at(b + 4);
    st_off = be32_at(b + 8);
    str_off = be32_at(b + 12);
    rsv_off = be32_at(b + 16);
    str_size = be32_at(b + 32);
    st_size = be32_at(b + 36);
    if (be32_at(b + 20) < 17 || be32_at(b + 24) > 17)
        return fail(why, "not a version 17 device tree");
    if (total > size || total < sizeof(struct fdt_header))
        return fail(why, "truncated");
    if (st_off % 4 || rsv_off % 8 || st_size % 4 || st_off + st_size > total ||
        str_off + str_size > total || rsv_off < sizeof(struct fdt_header) || rsv_off >= total ||
        st_off < sizeof(struct fdt_header) || str_off < sizeof(struct fdt_header))
        return fail(why, "its blocks do not lie inside it");
    /* The memory reservation map ends with an empty entry. */
    for (uint64_t off = rsv_off;; off += 16) {
        if (off + 16 > total)
            return fail(why, "unterminated memory reservation map");
        if (!memcmp(b + off, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16))
            break;
    }
    return 0;
}

int fdt_check_strict(const void *fdt, size_t size, const char **why)
{
    const uint8_t *b = fdt;
    uint32_t st_off, st_size, str_off, str_size;
    uint32_t off = 0;
    int depth = 0;
    bool ended = false, root_seen = false;

    if (check_header(b, size, why) < 0)
        return -1;
    st_off = be32_at(b + 8);
    str_off = be32_at(b + 12);
    str_size = be32_at(b + 32);
    st_size = be32_at(b + 36);
    while (!ended) {
        uint32_t tag;

        if (off + 4 > st_size)
            return fail(why, "the structure block ends without FDT_END");
        tag = be32_at(b + st_off + off);
        off += 4;
        switch (tag) {
        case FDT_BEGIN_NODE: {
            const uint8_t *name = b + st_off + off;
            const uint8_t *nul = memchr(name, '\0', st_size - off);

            if (!nul)
                return fail(why, "a node name runs off the structure block");
            if (depth == 0 && (root_seen || nul != name))
                return fail(why, "not one root node");
            root_seen = true;
            if (++depth > MAX_DEPTH)
                return fail(why, "nodes nest too deep");
            off += ((uint32_t)(nul - name) + 1 + 3) & ~3u;
            break;
        }
        case FDT_END_NODE:
            if (--depth < 0)
                return fail(why, "a node ends that never began");
            break;
        case FDT_PROP: {
            uint32_t len, nameoff;

            if (depth == 0)
                return fail(why, "a property outside any node");
            if (off + 8 > st_size)
                return fail(why, "a property runs off the structure block");
            len = be32_at(b + st_off + off);
            nameoff = be32_at(b + st_off + off + 4);
            off += 8;
            if (len > st_size - off)
                return fail(why, "a property's value runs off the structure block");
            if (nameoff >= str_size || !memchr(b + str_off + nameoff, '\0', str_size - nameoff))
                return fail(why, "a property's name is not in the strings block");
            off += (len + 3) & ~3u;
            break;
        }
        case FDT_NOP:
            break;
        case FDT_END:
            ended = true;
            break;
        default:
            return fail(why, "an unknown tag in the structure block");
        }
    }
    if (depth != 0 || !root_seen)
        return fail(why, "its nodes do not close");
    return 0;
}

int fdt_read_file(const char *path, size_t max, void **blob, size_t *len, struct xu_err *err)
{
    FILE *f = fopen(path, "rb");
    bool bad;

    *blob = NULL;
    if (!f)
        return xu_fail(err, "%s: %s", path, strerror(errno));
    /* One byte more than allowed tells a file that is too large. */
    *blob = malloc(max + 1);
    *len = *blob ? fread(*blob, 1, max + 1, f) : 0;
    bad = ferror(f);
    fclose(f);
    if (!*blob)
        return xu_fail(err, "%s: out of memory", path);
    if (bad || *len > max) {
        free(*blob);
        *blob = NULL;
        return bad ? xu_fail(err, "%s: read error", path)
                   : xu_fail(err, "%s: larger than %zu bytes: not a device tree Xen takes", path,
                             max);
    }
    return 0;
}
