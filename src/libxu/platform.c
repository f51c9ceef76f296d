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

static int check_path(const struct cfg_file *f, unsigned line, const char *key, const char *path,
                      size_t len, struct xu_err *err)
{
    if (len == 0 || path[0] != '/')
        return xu_fail(err, "%s:%u: %s: \"%.*s\": not a device-tree path (starting with /)",
                       f->path, line, key, (int)len, path);
    if (len >= PLATFORM_NODE_BYTES)
        return xu_fail(err, "%s:%u: %s: \"%.*s\": longer than %d characters", f->path, line, key,
                       (int)len, path, PLATFORM_NODE_BYTES - 1);
    return 0;
}

/* "PATH,ADDR,SIZE" */
static int parse_windows(const struct cfg_file *f, const struct cfg_setting *s, struct platform *p,
                         struct xu_err *err)
{
    const struct cfg_value *items;
    size_t n;

    if (cfg_get_strings(f, s, &items, &n, err) < 0)
        return -1;
    if (n > PLATFORM_MAX_NODES)
        return xu_fail(err, "%s:%u: %s: more than %d windows", f->path, s->line, s->key,
                       PLATFORM_MAX_NODES);
    for (size_t i = 0; i < n; i++) {
        struct platform_window *w = &p->bus_windows[i];
        const char *text = items[i].text, *c1 = strchr(text, ','),
                   *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        char addr[32], size[32];

        if (!c2 || (size_t)(c2 - c1 - 1) >= sizeof(addr) || strlen(c2 + 1) >= sizeof(size))
            return xu_fail(err, "%s:%u: %s: \"%s\" is not \"BUS PATH,ADDR,SIZE\"", f->path,
                           items[i].line, s->key, text);
        if (check_path(f, items[i].line, s->key, text, (size_t)(c1 - text), err) < 0)
            return -1;
        memcpy(w->bus.path, text, (size_t)(c1 - text));
        w->bus.path[c1 - text] = '\0';
        w->bus.line = items[i].line;
        memcpy(addr, c1 + 1, (size_t)(c2 - c1 - 1));
        addr[c2 - c1 - 1] = '\0';
        strcpy(size, c2 + 1);
        if (cfg_parse_u64(addr, &w->addr) < 0 || cfg_parse_size(size, &w->size_bytes) < 0 ||
            w->size_bytes == 0 || w->addr + w->size_bytes < w->addr)
            return xu_fail(err, "%s:%u: %s: \"%s\": bad address or size", f->path, items[i].line,
                           s->key, text);
    }
    p->n_bus_windows = n;
    return 0;
}

/*
 * What boot.scr may write in a value: it goes into a u-boot command line
 * between double quotes, where $ would expand and \ escape.
 */
static bool text_is_plain(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] < 0x20 || text[i] > 0x7e || strchr("'\"$\\;`", text[i]))
            return false;
    return true;
}

/* The value of "PATH set PROP VALUE": 'TEXT' or <&NODE ...>. */
static int parse_edit_value(const struct cfg_file *f, unsigned line, const char *key,
                            const char *value, struct platform_edit *e, struct xu_err *err)
{
    size_t len = strlen(value);

    if (len >= 2 && value[0] == '\'' && value[len - 1] == '\'') {
        if (len - 2 >= sizeof(e->text) || !text_is_plain(value + 1, len - 2))
            return xu_fail(err,
                           "%s:%u: %s: %s: a text boot.scr sets is printable, without quotes, "
                           "$, \\, ; or `, and under %zu characters",
                           f->path, line, key, value, sizeof(e->text));
        memcpy(e->text, value + 1, len - 2);
        e->text[len - 2] = '\0';
        e->kind = PLATFORM_EDIT_STRING;
        return 0;
    }
    if (len >= 2 && value[0] == '<' && value[len - 1] == '>') {
        const char *at = value + 1, *end = value + len - 1;

        e->kind = PLATFORM_EDIT_PHANDLES;
        e->n_refs = 0;
        while (at < end) {
            const char *stop;

            if (*at == ' ') {
                at++;
                continue;
            }
            for (stop = at; stop < end && *stop != ' '; stop++) {
            }
            if (*at != '&')
                return xu_fail(err, "%s:%u: %s: %s: \"%.*s\" is not &NODE (a node's phandle)",
                               f->path, line, key, value, (int)(stop - at), at);
            if (e->n_refs == PLATFORM_EDIT_MAX_REFS)
                return xu_fail(err, "%s:%u: %s: %s: more than %d phandles", f->path, line, key,
                               value, PLATFORM_EDIT_MAX_REFS);
            if (check_path(f, line, key, at + 1, (size_t)(stop - at - 1), err) < 0)
                return -1;
            memcpy(e->refs[e->n_refs].path, at + 1, (size_t)(stop - at - 1));
            e->refs[e->n_refs].path[stop - at - 1] = '\0';
            e->refs[e->n_refs++].line = line;
            at = stop;
        }
        if (e->n_refs == 0)
            return xu_fail(err, "%s:%u: %s: %s: no phandle between < and >", f->path, line, key,
                           value);
        return 0;
    }
    return xu_fail(err, "%s:%u: %s: %s is not 'TEXT' or <&NODE ...>", f->path, line, key, value);
}

/* "PATH rm PROP", "PATH set PROP", "PATH set PROP 'TEXT'" or "PATH set PROP <&NODE ...>" */
static int parse_edits(const struct cfg_file *f, const struct cfg_setting *s, struct platform *p,
                       struct xu_err *err)
{
    const struct cfg_value *items;
    size_t n;

    if (cfg_get_strings(f, s, &items, &n, err) < 0)
        return -1;
    if (n > PLATFORM_MAX_EDITS)
        return xu_fail(err, "%s:%u: %s: more than %d edits", f->path, s->line, s->key,
                       PLATFORM_MAX_EDITS);
    for (size_t i = 0; i < n; i++) {
        struct platform_edit *e = &p->tree_edits[i];
        const char *text = items[i].text, *sp = strchr(text, ' '), *rest;
        char verb[8];
        int used = 0;

        memset(e, 0, sizeof(*e));
        if (!sp || sscanf(sp + 1, "%7s %63s%n", verb, e->prop, &used) != 2 ||
            (sp[1 + used] != '\0' && sp[1 + used] != ' ') ||
            (strcmp(verb, "rm") != 0 && strcmp(verb, "set") != 0) ||
            (strcmp(verb, "rm") == 0 && sp[1 + used] != '\0'))
            return xu_fail(err,
                           "%s:%u: %s: \"%s\" is not \"PATH rm PROPERTY\" or \"PATH set "
                           "PROPERTY [VALUE]\"",
                           f->path, items[i].line, s->key, text);
        if (check_path(f, items[i].line, s->key, text, (size_t)(sp - text), err) < 0)
            return -1;
        if (strspn(e->prop,
                   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,._+-") !=
            strlen(e->prop))
            return xu_fail(err,
                           "%s:%u: %s: \"%s\": a property boot.scr edits is named with "
                           "letters, digits and , . _ + - only",
                           f->path, items[i].line, s->key, e->prop);
        memcpy(e->node.path, text, (size_t)(sp - text));
        e->node.path[sp - text] = '\0';
        e->node.line = items[i].line;
        rest = sp + 1 + used;
        if (strcmp(verb, "rm") == 0)
            e->kind = PLATFORM_EDIT_REMOVE;
        else if (*rest == '\0')
            e->kind = PLATFORM_EDIT_FLAG;
        else if (parse_edit_value(f, items[i].line, s->key, rest + 1, e, err) < 0)
            return -1;
    }
    p->n_tree_edits = n;
    return 0;
}

/* "VALUE,FILE" */
static int parse_revision_trees(const struct cfg_file *f, const struct cfg_setting *s,
                                struct platform *p, struct xu_err *err)
{
    const struct cfg_value *items;
    size_t n;

    if (cfg_get_strings(f, s, &items, &n, err) < 0)
        return -1;
    if (n > PLATFORM_MAX_NODES)
        return xu_fail(err, "%s:%u: %s: more than %d trees", f->path, s->line, s->key,
                       PLATFORM_MAX_NODES);
    for (size_t i = 0; i < n; i++) {
        struct platform_revision_tree *t = &p->revision_trees[i];
        const char *text = items[i].text, *comma = strchr(text, ',');
        char value[32];

        if (!comma || (size_t)(comma - text) >= sizeof(value) || !comma[1] ||
            strlen(comma + 1) >= sizeof(t->file))
            return xu_fail(err, "%s:%u: %s: \"%s\" is not \"REVISION,FILE\"", f->path,
                           items[i].line, s->key, text);
        memcpy(value, text, (size_t)(comma - text));
        value[comma - text] = '\0';
        if (cfg_parse_u64(value, &t->revision) < 0)
            return xu_fail(err, "%s:%u: %s: \"%s\": not a number", f->path, items[i].line, s->key,
                           value);
        strcpy(t->file, comma + 1);
        t->line = items[i].line;
    }
    p->n_revision_trees = n;
    return 0;
}

/* "VAR,PATH" */
static int parse_mac(const struct cfg_file *f, const struct cfg_setting *s, struct platform *p,
                     struct xu_err *err)
{
    const char *text, *comma;

    if (cfg_get_string(f, s, &text, err) < 0)
        return -1;
    comma = strchr(text, ',');
    if (!comma || comma == text || (size_t)(comma - text) >= sizeof(p->mac_var))
        return xu_fail(err, "%s:%u: %s: \"%s\" is not \"U-BOOT VARIABLE,NODE PATH\"", f->path,
                       s->line, s->key, text);
    for (const char *c = text; c < comma; c++)
        if (!isalnum((unsigned char)*c) && *c != '_')
            return xu_fail(err, "%s:%u: %s: \"%.*s\" is not a variable name", f->path, s->line,
                           s->key, (int)(comma - text), text);
    if (check_path(f, s->line, s->key, comma + 1, strlen(comma + 1), err) < 0)
        return -1;
    memcpy(p->mac_var, text, (size_t)(comma - text));
    p->mac_var[comma - text] = '\0';
    strcpy(p->mac_node.path, comma + 1);
    p->mac_node.line = s->line;
    return 0;
}

/* The schedulers pixen's Xen is built with (images/xen/pixen.kconfig), as sched= names them. */
static const char *const known_scheds[] = {"credit", "credit2", "null", "rtds", "arinc653"};

bool platform_sched_known(const char *name)
{
    for (size_t i = 0; i < sizeof(known_scheds) / sizeof(known_scheds[0]); i++)
        if (strcmp(name, known_scheds[i]) == 0)
            return true;
    return false;
}

const struct platform_cpupool *platform_cpupool(const struct platform *p, const char *name)
{
    for (size_t i = 0; i < p->n_cpupools; i++)
        if (strcmp(p->cpupools[i].name, name) == 0)
            return &p->cpupools[i];
    return NULL;
}

/* "NAME,SCHEDULER,CPUS": CPUS in xl's syntax ("2", "2-3", "1,3"), by number. */
static int parse_cpupool(const struct cfg_file *f, const struct cfg_value *v,
                         struct platform_cpupool *pool, struct xu_err *err)
{
    const char *text = v->text, *c1 = strchr(text, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
    char why[128];

    if (!c2 || c1 == text || c2 == c1 + 1 || !c2[1])
        return xu_fail(err, "%s:%u: cpupools: \"%s\" is not \"NAME,SCHEDULER,CPUS\"", f->path,
                       v->line, text);
    if ((size_t)(c1 - text) >= sizeof(pool->name) ||
        strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") <
            (size_t)(c1 - text))
        return xu_fail(err,
                       "%s:%u: cpupools: \"%.*s\": a pool's name is at most %zu letters, digits, "
                       "- and _",
                       f->path, v->line, (int)(c1 - text), text, sizeof(pool->name) - 1);
    memcpy(pool->name, text, (size_t)(c1 - text));
    pool->name[c1 - text] = '\0';
    if (strcmp(pool->name, "Pool-0") == 0)
        return xu_fail(err,
                       "%s:%u: cpupools: Pool-0 is Xen's own: it holds CPU 0 and every CPU no "
                       "pool here names",
                       f->path, v->line);
    if ((size_t)(c2 - c1 - 1) >= sizeof(pool->sched))
        return xu_fail(err, "%s:%u: cpupools: \"%.*s\": no such scheduler", f->path, v->line,
                       (int)(c2 - c1 - 1), c1 + 1);
    memcpy(pool->sched, c1 + 1, (size_t)(c2 - c1 - 1));
    pool->sched[c2 - c1 - 1] = '\0';
    if (!platform_sched_known(pool->sched))
        return xu_fail(err,
                       "%s:%u: cpupools: %s: pool %s: \"%s\" is not a scheduler pixen's Xen has "
                       "(credit, credit2, null, rtds, arinc653)",
                       f->path, v->line, text, pool->name, pool->sched);
    if (strlen(c2 + 1) >= sizeof(pool->cpus_text))
        return xu_fail(err, "%s:%u: cpupools: \"%s\": too long", f->path, v->line, c2 + 1);
    strcpy(pool->cpus_text, c2 + 1);
    if (cpuset_parse(pool->cpus_text, &pool->cpus, why, sizeof(why)) < 0)
        return xu_fail(err, "%s:%u: cpupools: pool %s: %s", f->path, v->line, pool->name, why);
    /* Only numbers: "all" or "^N" would mean different CPUs on different boards. */
    if (memcmp(pool->cpus.bits, pool->cpus.named, sizeof(pool->cpus.bits)) != 0 ||
        strchr(pool->cpus_text, '^'))
        return xu_fail(err, "%s:%u: cpupools: pool %s: \"%s\": name the CPUs by number", f->path,
                       v->line, pool->name, pool->cpus_text);
    if (cpuset_is_empty(&pool->cpus))
        return xu_fail(err, "%s:%u: cpupools: pool %s has no CPU", f->path, v->line, pool->name);
    if (cpuset_has(&pool->cpus, 0))
        return xu_fail(err,
                       "%s:%u: cpupools: pool %s: CPU 0 is Xen's boot CPU: it stays in Pool-0, "
                       "with Dom0",
                       f->path, v->line, pool->name);
    pool->line = v->line;
    return 0;
}

static int parse_cpupools(const struct cfg_file *f, const struct cfg_setting *s, struct platform *p,
                          struct xu_err *err)
{
    const struct cfg_value *items;
    size_t n;

    if (cfg_get_strings(f, s, &items, &n, err) < 0)
        return -1;
    if (n > PLATFORM_MAX_CPUPOOLS)
        return xu_fail(err, "%s:%u: cpupools: more than %d pools", f->path, s->line,
                       PLATFORM_MAX_CPUPOOLS);
    for (size_t i = 0; i < n; i++) {
        struct platform_cpupool *pool = &p->cpupools[i];

        if (parse_cpupool(f, &items[i], pool, err) < 0)
            return -1;
        for (size_t j = 0; j < i; j++) {
            int cpu = -1;

            if (strcmp(p->cpupools[j].name, pool->name) == 0)
                return xu_fail(err, "%s:%u: cpupools: pool %s is named twice (line %u)", f->path,
                               pool->line, pool->name, p->cpupools[j].line);
            for (unsigned c = 0; c < CPUSET_MAX_CPUS && cpu < 0; c++)
                if (cpuset_has(&pool->cpus, c) && cpuset_has(&p->cpupools[j].cpus, c))
                    cpu = (int)c;
            if (cpu >= 0)
                return xu_fail(err, "%s:%u: cpupools: CPU %d is in pool %s and pool %s (line %u)",
                               f->path, pool->line, cpu, pool->name, p->cpupools[j].name,
                               p->cpupools[j].line);
        }
    }
    p->n_cpupools = n;
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
    if (strcmp(s->key, "reserved") == 0 || strcmp(s->key, "more_ram") == 0) {
        bool more = strcmp(s->key, "more_ram") == 0;
        struct region *regions = more ? p->more_ram : p->reserved;
        const struct cfg_value *items;
        size_t n;

        if (cfg_get_strings(f, s, &items, &n, err) < 0)
            return -1;
        if (n > PLATFORM_MAX_RESERVED)
            return xu_fail(err, "%s:%u: %s: more than %d regions", f->path, s->line, s->key,
                           PLATFORM_MAX_RESERVED);
        for (size_t i = 0; i < n; i++)
            if (parse_reserved(f, &items[i], s->key, &regions[i], err) < 0)
                return -1;
        *(more ? &p->n_more_ram : &p->n_reserved) = n;
        return 0;
    }
    if (strcmp(s->key, "guest_devices") == 0)
        return parse_nodes(f, s, p->guest_devices, &p->n_guest_devices, err);
    if (strcmp(s->key, "disabled_nodes") == 0)
        return parse_nodes(f, s, p->disabled_nodes, &p->n_disabled_nodes, err);
    if (strcmp(s->key, "bus_windows") == 0)
        return parse_windows(f, s, p, err);
    if (strcmp(s->key, "page_regs") == 0)
        return parse_nodes(f, s, p->page_regs, &p->n_page_regs, err);
    if (strcmp(s->key, "removed_nodes") == 0)
        return parse_nodes(f, s, p->removed_nodes, &p->n_removed_nodes, err);
    if (strcmp(s->key, "tree_edits") == 0)
        return parse_edits(f, s, p, err);
    if (strcmp(s->key, "revision_var") == 0)
        return copy(f, s, p->revision_var, sizeof(p->revision_var), err);
    if (strcmp(s->key, "revision_mask") == 0)
        return cfg_get_u64(f, s, 1, UINT32_MAX, &p->revision_mask, err);
    if (strcmp(s->key, "revision_trees") == 0)
        return parse_revision_trees(f, s, p, err);
    if (strcmp(s->key, "mac_address") == 0)
        return parse_mac(f, s, p, err);
    if (strcmp(s->key, "cpupools") == 0)
        return parse_cpupools(f, s, p, err);
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
    if (rc == 0 && p->n_revision_trees && (!p->revision_var[0] || !p->revision_mask))
        rc = xu_fail(err, "%s: revision_trees needs revision_var and revision_mask", path);
    if (rc == 0 && strspn(p->revision_var, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789_") != strlen(p->revision_var))
        rc = xu_fail(err, "%s: revision_var: \"%s\" is not a variable name", path, p->revision_var);
    cfg_free(&f);
    return rc;
}
