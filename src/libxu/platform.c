#include "platform.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"

#define GiB(n) ((uint64_t)(n) << 30)

/* "ADDR,SIZE,what it is": SIZE takes K, M or G. */
static int parse_reserved(const struct cfg_file *f, const struct cfg_value *v, const char *key,
                          struct region *r, struct xu_err *err)
{
    char addr[32], size[32];
    const char *c1 = strchr(v->text, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;

    if (!c2 || (size_t)(c1 - v->text) >= sizeof(addr) || (size_t)(c2 - c1 - 1) >= sizeof(size) ||
        c2[1] == '\0')
        return xu_fail(err, "%s:%u: %s: \"%s\" is not \"ADDR,SIZE,what it is\"", f->path, v->line,
                       key, v->text);
    memcpy(addr, v->text, (size_t)(c1 - v->text));
    addr[c1 - v->text] = '\0';
    memcpy(size, c1 + 1, (size_t)(c2 - c1 - 1));
    size[c2 - c1 - 1] = '\0';
    if (cfg_parse_u64(addr, &r->addr) < 0 || cfg_parse_size(size, &r->size_bytes) < 0 ||
        r->size_bytes == 0 || r->addr + r->size_bytes < r->addr)
        return xu_fail(err, "%s:%u: %s: \"%s\": bad address or size", f->path, v->line, key,
                       v->text);
    snprintf(r->what, sizeof(r->what), "%s", c2 + 1);
    return 0;
}

static int copy(const struct cfg_file *f, const struct cfg_setting *s, char *dst, size_t size,
                struct xu_err *err)
{
    const char *v;

    if (cfg_get_string(f, s, &v, err) < 0)
        return -1;
    if (strlen(v) >= size)
        return xu_fail(err, "%s:%u: %s: longer than %zu characters", f->path, s->line, s->key,
                       size - 1);
    strcpy(dst, v);
    return 0;
}

const char *platform_env(const struct platform *p, const char *name)
{
    size_t len = strlen(name);

    for (size_t i = 0; i < p->n_uboot_env; i++)
        if (strncmp(p->uboot_env[i], name, len) == 0 && p->uboot_env[i][len] == '=')
            return p->uboot_env[i] + len + 1;
    return NULL;
}

static int parse_env(const struct cfg_file *f, const struct cfg_setting *s, struct platform *p,
                     struct xu_err *err)
{
    const struct cfg_value *items;
    size_t n;

    if (cfg_get_strings(f, s, &items, &n, err) < 0)
        return -1;
    if (n > PLATFORM_MAX_ENV)
        return xu_fail(err, "%s:%u: uboot_env: more than %d variables", f->path, s->line,
                       PLATFORM_MAX_ENV);
    for (size_t i = 0; i < n; i++) {
        const char *text = items[i].text, *eq = strchr(text, '=');

        if (!eq || eq == text || strlen(text) >= PLATFORM_ENV_BYTES)
            return xu_fail(err, "%s:%u: uboot_env: \"%s\" is not name=value", f->path,
                           items[i].line, text);
        for (const char *c = text; c < eq; c++)
            if (!isalnum((unsigned char)*c) && *c != '_')
                return xu_fail(err, "%s:%u: uboot_env: \"%.*s\" is not a variable name", f->path,
                               items[i].line, (int)(eq - text), text);
        strcpy(p->uboot_env[i], text);
        p->n_uboot_env = i + 1;
        for (size_t j = 0; j < i; j++)
            if (strncmp(p->uboot_env[j], text, (size_t)(eq - text) + 1) == 0)
                return xu_fail(err, "%s:%u: uboot_env: %.*s is set twice", f->path, items[i].line,
                               (int)(eq - text), text);
    }
    return 0;
}

/* Host device-tree paths; each line of the list names its own entry in messages. */
static int parse_nodes(const struct cfg_file *f, const struct cfg_setting *s,
                       struct platform_node *nodes, size_t *n_nodes, struct xu_err *err)
{
    const struct cfg_value *items;
    size_t n;

    if (cfg_get_strings(f, s, &items, &n, err) < 0)
        return -1;
    if (n > PLATFORM_MAX_NODES)
        return xu_fail(err, "%s:%u: %s: more than %d nodes", f->path, s->line, s->key,
                       PLATFORM_MAX_NODES);
    for (size_t i = 0; i < n; i++) {
        const char *path = items[i].text;

        if (path[0] != '/')
            return xu_fail(err, "%s:%u: %s: \"%s\": not a device-tree path (starting with /)",
                           f->path, items[i].line, s->key, path);
        if (strlen(path) >= PLATFORM_NODE_BYTES)
            return xu_fail(err, "%s:%u: %s: \"%s\": longer than %d characters", f->path,
                           items[i].line, s->key, path, PLATFORM_NODE_BYTES - 1);
        for (size_t j = 0; j < i; j++)
            if (strcmp(nodes[j].path, path) == 0)
                return xu_fail(err, "%s:%u: %s: \"%s\": listed twice", f->path, items[i].line,
                               s->key, path);
        strcpy(nodes[i].path, path);
        nodes[i].line = items[i].line;
    }
    *n_nodes = n;
    return 0;
}

static int apply(const struct cfg_file *f, const struct cfg_setting *s, struct platform *p,
                 struct xu_err *err)
{
    uint64_t v;

    if (strcmp(s->key, "name") == 0)
        return copy(f, s, p->name, sizeof(p->name), err);
    if (strcmp(s->key, "ram_base") == 0)
        return cfg_get_u64(f, s, 0, UINT64_MAX, &p->ram_base_addr, err);
    if (strcmp(s->key, "ram_mib") == 0) {
        if (cfg_get_u64(f, s, 16, GiB(1024) >> 20, &v, err) < 0)
            return -1;
        p->ram_size_bytes = v << 20;
        return 0;
    }
    if (strcmp(s->key, "fdt_var") == 0)
        return copy(f, s, p->fdt_var, sizeof(p->fdt_var), err);
    if (strcmp(s->key, "fdt_max_kib") == 0) {
        /* Xen maps at most 2 MiB of device tree. */
        if (cfg_get_u64(f, s, 4, 2048, &v, err) < 0)
            return -1;
        p->fdt_max_bytes = v << 10;
        return 0;
    }
    if (strcmp(s->key, "xen_cmdline") == 0)
        return copy(f, s, p->xen_cmdline, sizeof(p->xen_cmdline), err);
    if (strcmp(s->key, "uboot_env") == 0)
        return parse_env(f, s, p, err);
    if (strcmp(s->key, "uboot_env_kib") == 0) {
        if (cfg_get_u64(f, s, 4, 1024, &v, err) < 0)
            return -1;
        p->uboot_env_bytes = v << 10;
        return 0;
    }
    if (strcmp(s->key, "reserved") == 0) {
        const struct cfg_value *items;
        size_t n;

        if (cfg_get_strings(f, s, &items, &n, err) < 0)
            return -1;
        if (n > PLATFORM_MAX_RESERVED)
            return xu_fail(err, "%s:%u: reserved: more than %d regions", f->path, s->line,
                           PLATFORM_MAX_RESERVED);
        for (size_t i = 0; i < n; i++)
            if (parse_reserved(f, &items[i], s->key, &p->reserved[i], err) < 0)
                return -1;
        p->n_reserved = n;
        return 0;
    }
    if (strcmp(s->key, "guest_devices") == 0)
        return parse_nodes(f, s, p->guest_devices, &p->n_guest_devices, err);
    if (strcmp(s->key, "disabled_nodes") == 0)
        return parse_nodes(f, s, p->disabled_nodes, &p->n_disabled_nodes, err);
    return xu_fail(err, "%s:%u: unknown key '%s'", f->path, s->line, s->key);
}

/* An address the environment gives u-boot must lie where the placement keeps clear. */
static int check_env_address(const struct platform *p, const char *name, struct xu_err *err)
{
    const char *text = platform_env(p, name);
    uint64_t addr;

    if (!text)
        return 0;
    if (cfg_parse_u64(text, &addr) < 0)
        return xu_fail(err, "%s: uboot_env: %s=%s is not an address", p->source, name, text);
    for (size_t i = 0; i < p->n_reserved; i++)
        if (addr >= p->reserved[i].addr && addr - p->reserved[i].addr < p->reserved[i].size_bytes)
            return 0;
    return xu_fail(err,
                   "%s: uboot_env: %s=%s lies in no reserved region, so boot files could "
                   "be placed over it",
                   p->source, name, text);
}

/*
 * Xen gives Dom0 no access to a disabled node's MMIO and interrupts, so a
 * guest device that is also disabled could not be handed on.
 */
static int check_nodes_apart(const struct platform *p, struct xu_err *err)
{
    for (size_t i = 0; i < p->n_disabled_nodes; i++)
        for (size_t j = 0; j < p->n_guest_devices; j++)
            if (strcmp(p->disabled_nodes[i].path, p->guest_devices[j].path) == 0)
                return xu_fail(err,
                               "%s:%u: disabled_nodes: \"%s\": also in guest_devices, which "
                               "Dom0 could then not hand on",
                               p->source, p->disabled_nodes[i].line, p->disabled_nodes[i].path);
    return 0;
}

int platform_load(const char *path, struct platform *p, struct xu_err *err)
{
    static const char *const required[] = {"name", "ram_base", "ram_mib", "fdt_var", "fdt_max_kib"};
    struct cfg_file f;
    int rc = 0;

    memset(p, 0, sizeof(*p));
    snprintf(p->source, sizeof(p->source), "%s", path);
    if (cfg_load(path, &f, err) < 0)
        return -1;
    for (size_t i = 0; i < f.n_settings && rc == 0; i++)
        rc = apply(&f, &f.settings[i], p, err);
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]) && rc == 0; i++)
        if (!cfg_find(&f, required[i]))
            rc = xu_fail(err, "%s: no %s = ...", path, required[i]);
    if (rc == 0 && p->n_uboot_env && !p->uboot_env_bytes)
        rc = xu_fail(err, "%s: uboot_env needs uboot_env_kib (u-boot's CONFIG_ENV_SIZE)", path);
    if (rc == 0)
        rc = check_env_address(p, "scriptaddr", err);
    if (rc == 0)
        rc = check_env_address(p, p->fdt_var, err);
    if (rc == 0)
        rc = check_nodes_apart(p, err);
    cfg_free(&f);
    return rc;
}
