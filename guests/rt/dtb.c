#include "dtb.h"

#define FDT_MAGIC      0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE   2u
#define FDT_PROP       3u
#define FDT_NOP        4u
#define FDT_END        9u
#define HEADER_BYTES   40u
#define PATH_BYTES     256u

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static size_t str_len(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n])
        n++;
    return n;
}

static bool str_eq(const char *a, const char *b, size_t b_len)
{
    return str_len(a, b_len + 1) == b_len && (b_len == 0 || __builtin_memcmp(a, b, b_len) == 0);
}

size_t dtb_size(const void *fdt, size_t max_bytes)
{
    const uint8_t *h = fdt;
    uint32_t total;

    if (max_bytes < HEADER_BYTES || be32(h) != FDT_MAGIC)
        return 0;
    total = be32(h + 4);
    return total >= HEADER_BYTES && total <= max_bytes ? total : 0;
}

/* One property seen by the walk: its node's path, its name and value. */
typedef bool (*visit_fn)(void *ctx, const char *path, const char *name, const uint8_t *value,
                         uint32_t len);

/* Walks the structure block in order; stops early once `visit` returns true. */
static bool walk(const void *fdt, size_t size, visit_fn visit, void *ctx)
{
    const uint8_t *b = fdt;
    uint32_t off, end, strings, strings_size;
    char path[PATH_BYTES] = "";
    size_t path_len = 0, lens[PATH_BYTES / 2];
    unsigned depth = 0;

    if (dtb_size(fdt, size) == 0)
        return false;
    size = be32(b + 4);
    off = be32(b + 8);
    strings = be32(b + 12);
    strings_size = be32(b + 32);
    end = off + be32(b + 36);
    if (off % 4 || end < off || end > size || strings > size || strings_size > size - strings)
        return false;
    while (off + 4 <= end) {
        uint32_t token = be32(b + off);

        off += 4;
        if (token == FDT_BEGIN_NODE) {
            const char *name = (const char *)b + off;
            size_t n = str_len(name, end - off);

            if (n == end - off || depth >= PATH_BYTES / 2)
                return false;
            lens[depth++] = path_len;
            /* The root's name is empty; below it, names join with '/'. */
            if (depth > 1) {
                if (path_len + 1 + n >= PATH_BYTES)
                    return false;
                if (path_len != 1)
                    path[path_len++] = '/';
                __builtin_memcpy(path + path_len, name, n);
                path_len += n;
            } else {
                path[0] = '/';
                path_len = 1;
            }
            path[path_len] = '\0';
            off += ((uint32_t)n + 4) & ~3u;
        } else if (token == FDT_END_NODE) {
            if (depth == 0)
                return false;
            path_len = lens[--depth];
            path[path_len] = '\0';
        } else if (token == FDT_PROP) {
            uint32_t len, nameoff;

            if (end - off < 8 || depth == 0)
                return false;
            len = be32(b + off);
            nameoff = be32(b + off + 4);
            off += 8;
            if (len > end - off || nameoff >= strings_size)
                return false;
            const char *name = (const char *)b + strings + nameoff;
            if (str_len(name, strings_size - nameoff) == strings_size - nameoff)
                return false;
            if (visit(ctx, path, name, b + off, len))
                return true;
            off += (len + 3) & ~3u;
        } else if (token == FDT_END) {
            return false;
        } else if (token != FDT_NOP) {
            return false;
        }
    }
    return false;
}

struct find {
    const char *path, *prop;
    const uint8_t *value;
    uint32_t len;
};

static bool find_prop(void *ctx, const char *path, const char *name, const uint8_t *value,
                      uint32_t len)
{
    struct find *f = ctx;

    if (!str_eq(path, f->path, str_len(f->path, PATH_BYTES)) ||
        !str_eq(name, f->prop, str_len(f->prop, PATH_BYTES)))
        return false;
    f->value = value;
    f->len = len;
    return true;
}

const void *dtb_prop(const void *fdt, size_t size, const char *path, const char *prop,
                     uint32_t *len)
{
    struct find f = {.path = path, .prop = prop};

    if (!walk(fdt, size, find_prop, &f))
        return NULL;
    *len = f.len;
    return f.value;
}

const char *dtb_prop_string(const void *fdt, size_t size, const char *path, const char *prop)
{
    uint32_t len;
    const char *v = dtb_prop(fdt, size, path, prop, &len);

    return v && len > 0 && str_len(v, len) < len ? v : NULL;
}

static bool find_compatible(void *ctx, const char *path, const char *name, const uint8_t *value,
                            uint32_t len)
{
    const char *want = ctx;
    size_t want_len = str_len(want, PATH_BYTES);

    (void)path;
    if (!str_eq(name, "compatible", 10))
        return false;
    /* A list of NUL-terminated strings. */
    for (uint32_t i = 0; i < len;) {
        size_t n = str_len((const char *)value + i, len - i);

        if (n == want_len && __builtin_memcmp(value + i, want, n) == 0)
            return true;
        i += (uint32_t)n + 1;
    }
    return false;
}

bool dtb_has_compatible(const void *fdt, size_t size, const char *compatible)
{
    return walk(fdt, size, find_compatible, (void *)compatible);
}

struct where {
    const char *prop, *value;
    char *path_out;
    size_t path_bytes;
};

static bool find_where(void *ctx, const char *path, const char *name, const uint8_t *value,
                       uint32_t len)
{
    struct where *w = ctx;
    size_t want = str_len(w->value, PATH_BYTES), n = str_len(path, PATH_BYTES);

    if (!str_eq(name, w->prop, str_len(w->prop, PATH_BYTES)) || len != want + 1 ||
        value[want] != '\0' || __builtin_memcmp(value, w->value, want) != 0 || n >= w->path_bytes)
        return false;
    __builtin_memcpy(w->path_out, path, n + 1);
    return true;
}

bool dtb_find_node(const void *fdt, size_t size, const char *prop, const char *value,
                   char *path_out, size_t path_bytes)
{
    struct where w = {.prop = prop, .value = value, .path_out = path_out, .path_bytes = path_bytes};

    return walk(fdt, size, find_where, &w);
}
