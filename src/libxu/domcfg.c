#include "domcfg.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"

/* What the keys said before they are combined into the model. */
struct parse_state {
    const struct cfg_file *file;
    struct domain_config *dc;
    const char *files_dir;
    const char *root, *extra;
    bool has_cmdline, has_memory, has_maxmem;
    unsigned cpus_items; /* cpus: 0 none; its list's length (1 for a string, for every vCPU) */
    bool cpus_list;
};

typedef int (*key_fn)(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err);

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *where(const struct parse_state *st, unsigned line)
{
    static char buf[PATH_MAX + 16];

    snprintf(buf, sizeof(buf), "%s:%u", st->file->path, line);
    return buf;
}

static int copy_string(struct parse_state *st, const struct cfg_setting *s, char *dst, size_t size,
                       struct xu_err *err)
{
    const char *v;

    if (cfg_get_string(st->file, s, &v, err) < 0)
        return -1;
    if (strlen(v) >= size)
        return xu_fail(err, "%s: %s: longer than %zu characters", where(st, s->line), s->key,
                       size - 1);
    strcpy(dst, v);
    return 0;
}

static int resolve_path(struct parse_state *st, const struct cfg_setting *s, struct cfg_path *dst,
                        struct xu_err *err)
{
    const char *v;
    int n;

    if (cfg_get_string(st->file, s, &v, err) < 0)
        return -1;
    if (v[0] == '\0')
        return xu_fail(err, "%s: %s: empty file name", where(st, s->line), s->key);
    if (v[0] == '/') {
        n = snprintf(dst->path, PATH_MAX, "%s", v);
    } else if (st->files_dir) {
        n = snprintf(dst->path, PATH_MAX, "%s/%s", st->files_dir, v);
    } else {
        const char *slash = strrchr(st->file->path, '/');
        int dir_len = slash ? (int)(slash - st->file->path) : 1;

        n = snprintf(dst->path, PATH_MAX, "%.*s/%s", dir_len, slash ? st->file->path : ".", v);
    }
    if (n < 0 || n >= PATH_MAX)
        return xu_fail(err, "%s: %s: path too long", where(st, s->line), s->key);
    dst->line = s->line;
    return 0;
}

/* One of a fixed set of words; `names` ends with NULL and maps to 0, 1, ... */
static int pick(struct parse_state *st, const struct cfg_setting *s, const char *const *names,
                int *out, struct xu_err *err)
{
    char choices[256] = "";
    const char *v;

    if (cfg_get_string(st->file, s, &v, err) < 0)
        return -1;
    for (int i = 0; names[i]; i++) {
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            return 0;
        }
        snprintf(choices + strlen(choices), sizeof(choices) - strlen(choices), "%s%s",
                 i ? ", " : "", names[i]);
    }
    return xu_fail(err, "%s: %s: \"%s\" is not one of: %s", where(st, s->line), s->key, v, choices);
}

static int key_name(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    const char *name = st->dc->name;
    bool digits = true;

    if (copy_string(st, s, st->dc->name, sizeof(st->dc->name), err) < 0)
        return -1;
    if (name[0] == '\0')
        return xu_fail(err, "%s: name: empty", where(st, s->line));
    for (const char *p = name; *p; p++) {
        if (*p == '/' || (unsigned char)*p < ' ' || *p == 0x7f)
            return xu_fail(err, "%s: name: \"%s\" holds '/' or a control character",
                           where(st, s->line), name);
        digits = digits && isdigit((unsigned char)*p);
    }
    /* Commands take an id or a name; an all-digit name would be read as an id. */
    if (digits)
        return xu_fail(err, "%s: name: \"%s\" is all digits, which reads as a domain id",
                       where(st, s->line), name);
    return 0;
}

static int key_type(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    static const char *const names[] = {"pvh", NULL};
    const char *v;
    int i;

    /* On Arm every guest is what xl calls pvh. */
    if (cfg_get_string(st->file, s, &v, err) < 0)
        return -1;
    if (strcmp(v, "pv") == 0 || strcmp(v, "hvm") == 0)
        return xu_fail(err, "%s: type: \"%s\" is not available on Arm; use \"pvh\"",
                       where(st, s->line), v);
    return pick(st, s, names, &i, err);
}

static int key_memory(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    st->has_memory = true;
    return cfg_get_u64(st->file, s, 1, DOMCFG_MAX_MEM_MIB, &st->dc->memory_mib, err);
}

static int key_maxmem(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    st->has_maxmem = true;
    return cfg_get_u64(st->file, s, 1, DOMCFG_MAX_MEM_MIB, &st->dc->maxmem_mib, err);
}

static int key_vcpus(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    uint64_t v;

    if (cfg_get_u64(st->file, s, 1, DOMCFG_MAX_VCPUS, &v, err) < 0)
        return -1;
    st->dc->vcpus = (unsigned)v;
    return 0;
}

/* One CPU set of cpus (a string, or a list item), on `line`. */
static int parse_cpus(struct parse_state *st, const struct cfg_value *v, unsigned line,
                      struct cpu_set *out, struct xu_err *err)
{
    char why[256];

    if (v->kind == CFG_LIST)
        return xu_fail(err,
                       "%s: cpus: a list in a list; write [\"1\", \"2-3\"], a set for each "
                       "vCPU",
                       where(st, line));
    if (cpuset_parse(v->text, out, why, sizeof(why)) < 0)
        return xu_fail(err, "%s: cpus: %s", where(st, line), why);
    return 0;
}

/* xl's cpus: "2", "0-3,^1", "all" for every vCPU, or ["2", "3"], one set for each. */
static int key_cpus(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    const struct cfg_value *v = &s->value;

    st->cpus_list = v->kind == CFG_LIST;
    st->cpus_items = 0;
    st->dc->cpus_line = s->line;
    if (!st->cpus_list) {
        st->cpus_items = 1;
        return parse_cpus(st, v, s->line, &st->dc->cpus[0], err);
    }
    if (v->n_items == 0)
        return xu_fail(err, "%s: cpus: an empty list", where(st, s->line));
    if (v->n_items > DOMCFG_MAX_VCPUS)
        return xu_fail(err, "%s: cpus: more than %d sets, one for each vCPU", where(st, s->line),
                       DOMCFG_MAX_VCPUS);
    for (size_t i = 0; i < v->n_items; i++)
        if (parse_cpus(st, &v->items[i], v->items[i].line, &st->dc->cpus[i], err) < 0)
            return -1;
    st->cpus_items = (unsigned)v->n_items;
    return 0;
}

static int key_kernel(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    return resolve_path(st, s, &st->dc->kernel, err);
}

static int key_ramdisk(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    return resolve_path(st, s, &st->dc->ramdisk, err);
}

static int key_device_tree(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    return resolve_path(st, s, &st->dc->device_tree, err);
}

static int key_cmdline(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    st->has_cmdline = true;
    return copy_string(st, s, st->dc->cmdline, sizeof(st->dc->cmdline), err);
}

static int key_root(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    return cfg_get_string(st->file, s, &st->root, err);
}

static int key_extra(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    return cfg_get_string(st->file, s, &st->extra, err);
}

/* The items of a list setting, at most `max` of them. */
static int items_of(struct parse_state *st, const struct cfg_setting *s, unsigned max,
                    const struct cfg_value **items, size_t *n, struct xu_err *err)
{
    if (cfg_get_strings(st->file, s, items, n, err) < 0)
        return -1;
    if (*n > max)
        return xu_fail(err, "%s: %s: more than %u entries", where(st, s->line), s->key, max);
    return 0;
}

static int key_dtdev(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    const struct cfg_value *items;
    size_t n;

    if (items_of(st, s, DOMCFG_MAX_DTDEVS, &items, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *path = items[i].text;

        if (path[0] != '/' || strlen(path) >= DOMCFG_DTPATH_BYTES)
            return xu_fail(err, "%s: dtdev: \"%s\" is not a device-tree path like /soc/dma@0",
                           where(st, items[i].line), path);
        strcpy(st->dc->dtdevs[i], path);
        st->dc->dtdev_lines[i] = items[i].line;
    }
    st->dc->n_dtdevs = (unsigned)n;
    return 0;
}

static int key_iomem(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    const struct cfg_value *items;
    size_t n;

    if (items_of(st, s, DOMCFG_MAX_IOMEM, &items, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (iomem_parse(items[i].text, where(st, items[i].line), &st->dc->iomem[i], err) < 0)
            return -1;
        st->dc->iomem[i].line = items[i].line;
    }
    st->dc->n_iomem = (unsigned)n;
    return 0;
}

static int key_irqs(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    const struct cfg_value *items;
    size_t n;

    if (items_of(st, s, DOMCFG_MAX_IRQS, &items, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        uint64_t v;

        if (cfg_parse_u64(items[i].text, &v) < 0 || v < DOMCFG_FIRST_SPI || v > DOMCFG_LAST_SPI)
            return xu_fail(err, "%s: irqs: %s is not a shared interrupt (SPI %d..%d)",
                           where(st, items[i].line), items[i].text, DOMCFG_FIRST_SPI,
                           DOMCFG_LAST_SPI);
        for (size_t j = 0; j < i; j++)
            if (st->dc->irqs[j] == v)
                return xu_fail(err, "%s: irqs: %s is listed twice", where(st, items[i].line),
                               items[i].text);
        st->dc->irqs[i] = (unsigned)v;
        st->dc->irq_lines[i] = items[i].line;
    }
    st->dc->n_irqs = (unsigned)n;
    return 0;
}

static int key_vif(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    const struct cfg_value *items;
    size_t n;

    if (items_of(st, s, DOMCFG_MAX_VIFS, &items, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (vif_parse(items[i].text, where(st, items[i].line), &st->dc->vifs[i], err) < 0)
            return -1;
        st->dc->vifs[i].line = items[i].line;
    }
    st->dc->n_vifs = (unsigned)n;
    return 0;
}

static int key_static_shm(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    const struct cfg_value *items;
    size_t n;

    if (items_of(st, s, DOMCFG_MAX_SHM, &items, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (shm_parse(items[i].text, where(st, items[i].line), &st->dc->shm[i], err) < 0)
            return -1;
        st->dc->shm[i].line = items[i].line;
        for (size_t j = 0; j < i; j++)
            if (strcmp(st->dc->shm[j].id, st->dc->shm[i].id) == 0)
                return xu_fail(err, "%s: static_shm: id=%s given twice", where(st, items[i].line),
                               st->dc->shm[i].id);
    }
    st->dc->n_shm = (unsigned)n;
    return 0;
}

static int key_static_evtchn(struct parse_state *st, const struct cfg_setting *s,
                             struct xu_err *err)
{
    const struct cfg_value *items;
    size_t n;

    if (items_of(st, s, DOMCFG_MAX_EVTCHN, &items, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (evtchn_parse(items[i].text, where(st, items[i].line), &st->dc->evtchns[i], err) < 0)
            return -1;
        st->dc->evtchns[i].line = items[i].line;
        for (size_t j = 0; j < i; j++)
            if (st->dc->evtchns[j].port == st->dc->evtchns[i].port)
                return xu_fail(err, "%s: static_evtchn: port %u given twice",
                               where(st, items[i].line), st->dc->evtchns[i].port);
    }
    st->dc->n_evtchns = (unsigned)n;
    return 0;
}

static int key_disk(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    const struct cfg_value *items;
    size_t n;

    if (items_of(st, s, DOMCFG_MAX_DISKS, &items, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct disk_spec *d = &st->dc->disks[i];

        if (disk_parse(items[i].text, where(st, items[i].line), d, err) < 0)
            return -1;
        d->line = items[i].line;
        for (size_t j = 0; j < i; j++)
            if (st->dc->disks[j].devid == d->devid)
                return xu_fail(err, "%s: disk: vdev=%s is used twice", where(st, d->line), d->vdev);
    }
    st->dc->n_disks = (unsigned)n;
    return 0;
}

static int key_seclabel(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    if (copy_string(st, s, st->dc->seclabel, sizeof(st->dc->seclabel), err) < 0)
        return -1;
    /* A FLASK context is user:role:type. */
    const char *first = strchr(st->dc->seclabel, ':');
    if (!first || !strchr(first + 1, ':') || strchr(st->dc->seclabel, ' '))
        return xu_fail(err, "%s: seclabel: \"%s\" is not a FLASK context user:role:type",
                       where(st, s->line), st->dc->seclabel);
    return 0;
}

static int key_gic_version(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    static const char *const names[] = {"native", "v2", "v3", NULL};
    int v;

    if (pick(st, s, names, &v, err) < 0)
        return -1;
    st->dc->gic_version = (enum gic_version)v;
    return 0;
}

static int frames(struct parse_state *st, const struct cfg_setting *s, int *out, struct xu_err *err)
{
    uint64_t v;

    /* Xen's own bound (opt_max_grant_frames and friends) is far below this. */
    if (cfg_get_u64(st->file, s, 1, 4096, &v, err) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

static int key_max_grant_frames(struct parse_state *st, const struct cfg_setting *s,
                                struct xu_err *err)
{
    return frames(st, s, &st->dc->max_grant_frames, err);
}

static int key_max_maptrack_frames(struct parse_state *st, const struct cfg_setting *s,
                                   struct xu_err *err)
{
    return frames(st, s, &st->dc->max_maptrack_frames, err);
}

static const char *const action_names[] = {
    "destroy",          "restart",          "rename-restart", "preserve",
    "coredump-destroy", "coredump-restart", "soft-reset",     NULL,
};

const char *domain_action_name(enum domain_action a)
{
    return action_names[a];
}

static int action(struct parse_state *st, const struct cfg_setting *s, enum domain_action *out,
                  struct xu_err *err)
{
    int v;

    if (pick(st, s, action_names, &v, err) < 0)
        return -1;
    *out = (enum domain_action)v;
    return 0;
}

static int key_on_poweroff(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    return action(st, s, &st->dc->on_poweroff, err);
}

static int key_on_reboot(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    return action(st, s, &st->dc->on_reboot, err);
}

static int key_on_crash(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    return action(st, s, &st->dc->on_crash, err);
}

static int key_vuart(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    static const char *const names[] = {"none", "sbsa_uart", NULL};
    int v;

    if (pick(st, s, names, &v, err) < 0)
        return -1;
    st->dc->vuart = (enum vuart_type)v;
    return 0;
}

static int key_tee(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    static const char *const names[] = {"none", "optee", NULL};
    int v;

    if (pick(st, s, names, &v, err) < 0)
        return -1;
    st->dc->tee = (enum tee_type)v;
    return 0;
}

/* "ADDR,SIZE" banks of host RAM, page aligned, not overlapping. */
static int key_static_mem(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    const struct cfg_value *items;
    size_t n;

    if (items_of(st, s, DOMCFG_MAX_STATIC_MEM, &items, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct mem_bank *b = &st->dc->static_mem[i];
        char addr[32];
        const char *comma = strchr(items[i].text, ',');
        size_t len = comma ? (size_t)(comma - items[i].text) : 0;

        if (!comma || len >= sizeof(addr))
            return xu_fail(err, "%s: static_mem: \"%s\" is not \"ADDR,SIZE\" (0x60000000,256M)",
                           where(st, items[i].line), items[i].text);
        memcpy(addr, items[i].text, len);
        addr[len] = '\0';
        if (cfg_parse_u64(addr, &b->addr) < 0 || cfg_parse_size(comma + 1, &b->size_bytes) < 0 ||
            b->size_bytes == 0 || b->addr % 4096 || b->size_bytes % 4096 ||
            b->addr + b->size_bytes < b->addr)
            return xu_fail(err, "%s: static_mem: \"%s\" is not a page-aligned bank \"ADDR,SIZE\"",
                           where(st, items[i].line), items[i].text);
        for (size_t j = 0; j < i; j++) {
            const struct mem_bank *o = &st->dc->static_mem[j];

            if (b->addr < o->addr + o->size_bytes && o->addr < b->addr + b->size_bytes)
                return xu_fail(err, "%s: static_mem: \"%s\" overlaps an earlier bank",
                               where(st, items[i].line), items[i].text);
        }
    }
    st->dc->n_static_mem = (unsigned)n;
    st->dc->static_mem_line = s->line;
    return 0;
}

/* A 0 or 1 key, and the line that set it. */
static int get_flag(struct parse_state *st, const struct cfg_setting *s, bool *flag, unsigned *line,
                    struct xu_err *err)
{
    uint64_t v;

    if (cfg_get_u64(st->file, s, 0, 1, &v, err) < 0)
        return -1;
    *flag = v == 1;
    *line = s->line;
    return 0;
}

static int key_direct_map(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    return get_flag(st, s, &st->dc->direct_map, &st->dc->direct_map_line, err);
}

static int key_start_after_dom0(struct parse_state *st, const struct cfg_setting *s,
                                struct xu_err *err)
{
    return get_flag(st, s, &st->dc->start_after_dom0, &st->dc->start_after_dom0_line, err);
}

static int key_pool(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    if (copy_string(st, s, st->dc->pool, sizeof(st->dc->pool), err) < 0)
        return -1;
    if (st->dc->pool[0] == '\0')
        return xu_fail(err, "%s: pool: empty: name a CPU pool", where(st, s->line));
    st->dc->pool_line = s->line;
    return 0;
}

static int key_autostart(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    return get_flag(st, s, &st->dc->autostart, &st->dc->autostart_line, err);
}

static const struct {
    const char *key;
    key_fn fn;
} keys[] = {
    {"name", key_name},
    {"type", key_type},
    {"memory", key_memory},
    {"maxmem", key_maxmem},
    {"vcpus", key_vcpus},
    {"cpus", key_cpus},
    {"pool", key_pool},
    {"kernel", key_kernel},
    {"ramdisk", key_ramdisk},
    {"cmdline", key_cmdline},
    {"root", key_root},
    {"extra", key_extra},
    {"device_tree", key_device_tree},
    {"dtdev", key_dtdev},
    {"iomem", key_iomem},
    {"irqs", key_irqs},
    {"vif", key_vif},
    {"disk", key_disk},
    {"seclabel", key_seclabel},
    {"gic_version", key_gic_version},
    {"max_grant_frames", key_max_grant_frames},
    {"max_maptrack_frames", key_max_maptrack_frames},
    {"on_poweroff", key_on_poweroff},
    {"on_reboot", key_on_reboot},
    {"on_crash", key_on_crash},
    {"vuart", key_vuart},
    {"tee", key_tee},
    {"static_mem", key_static_mem},
    {"direct_map", key_direct_map},
    {"start_after_dom0", key_start_after_dom0},
    {"static_shm", key_static_shm},
    {"static_evtchn", key_static_evtchn},
    {"autostart", key_autostart},
};

/* xl's rule: cmdline, or else "root=<root> <extra>". */
static int build_cmdline(struct parse_state *st, struct xu_err *err)
{
    struct domain_config *dc = st->dc;
    int n;

    if (st->has_cmdline) {
        if (st->root || st->extra)
            return xu_fail(err, "%s: cmdline cannot be combined with root or extra",
                           st->file->path);
        return 0;
    }
    n = snprintf(dc->cmdline, sizeof(dc->cmdline), "%s%s%s%s", st->root ? "root=" : "",
                 st->root ? st->root : "", st->root && st->extra ? " " : "",
                 st->extra ? st->extra : "");
    if (n < 0 || (size_t)n >= sizeof(dc->cmdline))
        return xu_fail(err, "%s: root and extra make a command line longer than %zu characters",
                       st->file->path, sizeof(dc->cmdline) - 1);
    return 0;
}

static int check_readable(struct parse_state *st, const char *key, const struct cfg_path *p,
                          struct xu_err *err)
{
    struct stat sb;

    if (!p->path[0])
        return 0;
    if (stat(p->path, &sb) < 0)
        return xu_fail(err, "%s: %s: %s: %s", where(st, p->line), key, p->path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return xu_fail(err, "%s: %s: %s is not a file", where(st, p->line), key, p->path);
    if (access(p->path, R_OK) < 0)
        return xu_fail(err, "%s: %s: %s: %s", where(st, p->line), key, p->path, strerror(errno));
    return 0;
}

static int finish(struct parse_state *st, struct xu_err *err)
{
    struct domain_config *dc = st->dc;

    if (dc->name[0] == '\0')
        return xu_fail(err, "%s: no name = \"...\"", st->file->path);
    if (dc->kernel.path[0] == '\0')
        return xu_fail(err, "%s: no kernel = \"...\"", st->file->path);
    /* Defaults as libxl has them on Arm: 32 MiB, maxmem = memory. */
    if (!st->has_memory)
        dc->memory_mib = st->has_maxmem ? dc->maxmem_mib : 32;
    if (!st->has_maxmem)
        dc->maxmem_mib = dc->memory_mib;
    if (dc->maxmem_mib < dc->memory_mib)
        return xu_fail(err, "%s: maxmem (%llu MiB) is below memory (%llu MiB)", st->file->path,
                       (unsigned long long)dc->maxmem_mib, (unsigned long long)dc->memory_mib);
    if (dc->n_static_mem) {
        uint64_t total = 0;

        for (unsigned i = 0; i < dc->n_static_mem; i++)
            total += dc->static_mem[i].size_bytes;
        if (total != dc->memory_mib << 20)
            return xu_fail(err, "%s: static_mem: the banks hold %llu KiB, but memory is %llu MiB",
                           where(st, dc->static_mem_line), (unsigned long long)(total >> 10),
                           (unsigned long long)dc->memory_mib);
    }
    /* As xl: a string is every vCPU's; a list's sets beyond the last vCPU are ignored. */
    if (st->cpus_items && !st->cpus_list) {
        for (unsigned i = 1; i < dc->vcpus; i++)
            dc->cpus[i] = dc->cpus[0];
        dc->n_cpus = dc->vcpus;
    } else {
        dc->n_cpus = st->cpus_items < dc->vcpus ? st->cpus_items : dc->vcpus;
    }
    if (dc->direct_map && !dc->n_static_mem)
        return xu_fail(err, "%s: direct_map needs static_mem: a 1:1 domain owns fixed host RAM",
                       where(st, dc->direct_map_line));
    if (build_cmdline(st, err) < 0 || check_readable(st, "kernel", &dc->kernel, err) < 0 ||
        check_readable(st, "ramdisk", &dc->ramdisk, err) < 0 ||
        check_readable(st, "device_tree", &dc->device_tree, err) < 0)
        return -1;
    return 0;
}

static int from_settings(const struct cfg_file *file, const char *files_dir,
                         struct domain_config *dc, struct xu_err *err)
{
    struct parse_state st = {.file = file, .dc = dc, .files_dir = files_dir};
    int rc = 0;

    for (size_t i = 0; i < file->n_settings && rc == 0; i++) {
        const struct cfg_setting *s = &file->settings[i];
        size_t k = 0;

        while (k < COUNT(keys) && strcmp(keys[k].key, s->key) != 0)
            k++;
        if (k == COUNT(keys))
            rc = xu_fail(err, "%s:%u: unknown key '%s'", file->path, s->line, s->key);
        else
            rc = keys[k].fn(&st, s, err);
    }
    return rc == 0 ? finish(&st, err) : rc;
}

static int start(const char *path, struct domain_config *dc, struct xu_err *err)
{
    memset(dc, 0, sizeof(*dc));
    dc->vcpus = 1;
    dc->max_grant_frames = -1;
    dc->max_maptrack_frames = -1;
    dc->on_poweroff = ACTION_DESTROY;
    dc->on_reboot = ACTION_RESTART;
    dc->on_crash = ACTION_DESTROY;
    if (snprintf(dc->source, sizeof(dc->source), "%s", path) >= (int)sizeof(dc->source))
        return xu_fail(err, "%s: path too long", path);
    return 0;
}

int domcfg_load(const char *path, const char *files_dir, struct domain_config *dc,
                struct xu_err *err)
{
    struct cfg_file file;
    int rc;

    if (start(path, dc, err) < 0 || cfg_load(path, &file, err) < 0)
        return -1;
    rc = from_settings(&file, files_dir, dc, err);
    cfg_free(&file);
    return rc;
}

int domcfg_parse(const char *path, const char *text, size_t len, const char *files_dir,
                 struct domain_config *dc, struct xu_err *err)
{
    struct cfg_file file;
    int rc;

    if (start(path, dc, err) < 0 || cfg_parse(path, text, len, &file, err) < 0)
        return -1;
    rc = from_settings(&file, files_dir, dc, err);
    cfg_free(&file);
    return rc;
}
