#include "domcfg.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"

/* What the keys said before they are combined into the model. */
struct parse_state {
    const struct cfg_file *file;
    struct domain_config *dc;
    const char *files_dir;
    const char *root, *extra;
    bool has_cmdline, has_memory, has_maxmem;
};

typedef int (*key_fn)(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err);

static int copy_string(struct parse_state *st, const struct cfg_setting *s, char *dst, size_t size,
                       struct xu_err *err)
{
    const char *v;

    if (cfg_get_string(st->file, s, &v, err) < 0)
        return -1;
    if (strlen(v) >= size)
        return xu_fail(err, "%s:%u: %s: longer than %zu characters", st->file->path, s->line,
                       s->key, size - 1);
    strcpy(dst, v);
    return 0;
}

static int resolve_path(struct parse_state *st, const struct cfg_setting *s, char *dst,
                        struct xu_err *err)
{
    const char *v;
    int n;

    if (cfg_get_string(st->file, s, &v, err) < 0)
        return -1;
    if (v[0] == '\0')
        return xu_fail(err, "%s:%u: %s: empty file name", st->file->path, s->line, s->key);
    if (v[0] == '/') {
        n = snprintf(dst, PATH_MAX, "%s", v);
    } else if (st->files_dir) {
        n = snprintf(dst, PATH_MAX, "%s/%s", st->files_dir, v);
    } else {
        const char *slash = strrchr(st->file->path, '/');
        int dir_len = slash ? (int)(slash - st->file->path) : 1;

        n = snprintf(dst, PATH_MAX, "%.*s/%s", dir_len, slash ? st->file->path : ".", v);
    }
    if (n < 0 || n >= PATH_MAX)
        return xu_fail(err, "%s:%u: %s: path too long", st->file->path, s->line, s->key);
    return 0;
}

static int key_name(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    if (copy_string(st, s, st->dc->name, sizeof(st->dc->name), err) < 0)
        return -1;
    for (const char *p = st->dc->name; *p; p++)
        if (*p == '/' || *p < ' ' || *p == 0x7f)
            return xu_fail(err, "%s:%u: name: \"%s\" holds '/' or a control character",
                           st->file->path, s->line, st->dc->name);
    if (st->dc->name[0] == '\0')
        return xu_fail(err, "%s:%u: name: empty", st->file->path, s->line);
    return 0;
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

static int key_kernel(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    return resolve_path(st, s, st->dc->kernel, err);
}

static int key_ramdisk(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    return resolve_path(st, s, st->dc->ramdisk, err);
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

static int key_type(struct parse_state *st, const struct cfg_setting *s, struct xu_err *err)
{
    const char *v;

    if (cfg_get_string(st->file, s, &v, err) < 0)
        return -1;
    /* On Arm every guest is what xl calls pvh. */
    if (strcmp(v, "pvh") != 0)
        return xu_fail(err, "%s:%u: type: \"%s\" is not available on Arm; use \"pvh\"",
                       st->file->path, s->line, v);
    return 0;
}

static const struct {
    const char *key;
    key_fn fn;
} keys[] = {
    {"name", key_name},       {"type", key_type},       {"memory", key_memory},
    {"maxmem", key_maxmem},   {"vcpus", key_vcpus},     {"kernel", key_kernel},
    {"ramdisk", key_ramdisk}, {"cmdline", key_cmdline}, {"root", key_root},
    {"extra", key_extra},
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

static int finish(struct parse_state *st, struct xu_err *err)
{
    struct domain_config *dc = st->dc;

    if (dc->name[0] == '\0')
        return xu_fail(err, "%s: no name = \"...\"", st->file->path);
    if (dc->kernel[0] == '\0')
        return xu_fail(err, "%s: no kernel = \"...\"", st->file->path);
    /* Defaults as libxl has them on Arm: 32 MiB, maxmem = memory. */
    if (!st->has_memory)
        dc->memory_mib = st->has_maxmem ? dc->maxmem_mib : 32;
    if (!st->has_maxmem)
        dc->maxmem_mib = dc->memory_mib;
    if (dc->maxmem_mib < dc->memory_mib)
        return xu_fail(err, "%s: maxmem (%llu MiB) is below memory (%llu MiB)", st->file->path,
                       (unsigned long long)dc->maxmem_mib, (unsigned long long)dc->memory_mib);
    return build_cmdline(st, err);
}

int domcfg_load(const char *path, const char *files_dir, struct domain_config *dc,
                struct xu_err *err)
{
    struct cfg_file file;
    struct parse_state st = {.file = &file, .dc = dc, .files_dir = files_dir};
    int rc = 0;

    memset(dc, 0, sizeof(*dc));
    dc->vcpus = 1;
    if (snprintf(dc->source, sizeof(dc->source), "%s", path) >= (int)sizeof(dc->source))
        return xu_fail(err, "%s: path too long", path);
    if (cfg_load(path, &file, err) < 0)
        return -1;
    for (size_t i = 0; i < file.n_settings && rc == 0; i++) {
        const struct cfg_setting *s = &file.settings[i];
        size_t k = 0;

        while (k < sizeof(keys) / sizeof(keys[0]) && strcmp(keys[k].key, s->key) != 0)
            k++;
        if (k == sizeof(keys) / sizeof(keys[0]))
            rc = xu_fail(err, "%s:%u: unknown key '%s'", path, s->line, s->key);
        else
            rc = keys[k].fn(&st, s, err);
    }
    if (rc == 0)
        rc = finish(&st, err);
    cfg_free(&file);
    return rc;
}
