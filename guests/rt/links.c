#include "links.h"

#include "dtb.h"

#define PATH_BYTES 128u
#define EVTCHN_ARG "pixen.evtchn="

static size_t length(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

static uint64_t cells(const uint8_t *p, uint32_t n)
{
    uint64_t v = 0;

    for (uint32_t i = 0; i < n * 4; i++)
        v = v << 8 | p[i];
    return v;
}

/* A node's #address-cells or #size-cells, as its parent says; `fallback` if it says none. */
static uint32_t n_cells(const void *fdt, size_t size, const char *parent, const char *prop,
                        uint32_t fallback)
{
    uint32_t len;
    const uint8_t *v = dtb_prop(fdt, size, parent, prop, &len);

    return v && len == 4 ? (uint32_t)cells(v, 1) : fallback;
}

bool links_shm(const void *fdt, size_t fdt_bytes, const char *id, uint64_t *addr,
               uint64_t *size_bytes)
{
    char path[PATH_BYTES], parent[PATH_BYTES];
    const uint8_t *reg;
    uint32_t len, ac, sc;
    size_t cut = 0;

    if (!dtb_find_node(fdt, fdt_bytes, "xen,id", id, path, sizeof(path)))
        return false;
    for (size_t i = 0; path[i]; i++)
        if (path[i] == '/')
            cut = i;
    /* The parent of "/a/b" is "/a"; of "/a", "/". */
    __builtin_memcpy(parent, path, cut ? cut : 1);
    parent[cut ? cut : 1] = '\0';
    ac = n_cells(fdt, fdt_bytes, parent, "#address-cells", 2);
    sc = n_cells(fdt, fdt_bytes, parent, "#size-cells", 1);
    reg = dtb_prop(fdt, fdt_bytes, path, "reg", &len);
    if (!reg || ac < 1 || ac > 2 || sc < 1 || sc > 2 || len < (ac + sc) * 4)
        return false;
    *addr = cells(reg, ac);
    *size_bytes = cells(reg + ac * 4, sc);
    return *size_bytes != 0;
}

uint32_t links_evtchn_port(const char *bootargs, const char *peer)
{
    size_t peer_len = length(peer), arg_len = length(EVTCHN_ARG);

    for (const char *p = bootargs; *p;) {
        const char *word = p;

        while (*p && *p != ' ')
            p++;
        if ((size_t)(p - word) > arg_len && __builtin_memcmp(word, EVTCHN_ARG, arg_len) == 0) {
            /* PEER:PORT, comma-separated */
            for (const char *q = word + arg_len; q < p;) {
                const char *item = q;
                uint32_t port = 0;

                while (q < p && *q != ',')
                    q++;
                if ((size_t)(q - item) > peer_len + 1 &&
                    __builtin_memcmp(item, peer, peer_len) == 0 && item[peer_len] == ':') {
                    const char *d = item + peer_len + 1;

                    while (d < q && *d >= '0' && *d <= '9' && port < 100000)
                        port = port * 10 + (uint32_t)(*d++ - '0');
                    if (d == q && port)
                        return port;
                }
                if (q < p)
                    q++;
            }
        }
        while (*p == ' ')
            p++;
    }
    return 0;
}
