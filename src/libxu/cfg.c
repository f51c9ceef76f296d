#include "cfg.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok_kind {
    TOK_EOF,
    TOK_NEWLINE, /* also ends a comment */
    TOK_IDENT,
    TOK_NUMBER,
    TOK_STRING,
    TOK_ASSIGN, /* = */
    TOK_APPEND, /* += */
    TOK_SEMI,
    TOK_COMMA,
    TOK_LBRACKET,
    TOK_RBRACKET,
};

struct token {
    enum tok_kind kind;
    unsigned line;
    char *text; /* IDENT, NUMBER, STRING: owned */
};

struct parser {
    const char *path;
    const char *p, *end;
    unsigned line;
    struct token tok;  /* the current token */
    bool key_expected; /* at the start of a statement */
    struct xu_err *err;
};

static int fail_at(struct parser *ps, unsigned line, const char *what)
{
    return xu_fail(ps->err, "%s:%u: %s", ps->path, line, what);
}

static char *dup_range(const char *start, size_t len)
{
    char *s = malloc(len + 1);

    if (s) {
        memcpy(s, start, len);
        s[len] = '\0';
    }
    return s;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* One escape after a backslash, as libxlu reads them; advances *pp. */
static int unescape(struct parser *ps, const char **pp, const char *end, char *out)
{
    const char *p = *pp;
    char c = *p++;
    int value = 0, digits = 0;

    switch (c) {
    case '"':
    case '\'':
    case '\\':
        *out = c;
        break;
    case 'a':
        *out = '\a';
        break;
    case 'b':
        *out = '\b';
        break;
    case 'f':
        *out = '\f';
        break;
    case 'n':
        *out = '\n';
        break;
    case 'r':
        *out = '\r';
        break;
    case 't':
        *out = '\t';
        break;
    case 'v':
        *out = '\v';
        break;
    case 'x':
        for (; digits < 2 && p < end && hex_digit(*p) >= 0; digits++)
            value = value * 16 + hex_digit(*p++);
        if (digits != 2)
            return fail_at(ps, ps->line, "\\x in a string needs two hex digits");
        *out = (char)value;
        break;
    default:
        if (c < '0' || c > '7')
            return fail_at(ps, ps->line, "unknown escape after a backslash in a string");
        for (p--; digits < 3 && p < end && *p >= '0' && *p <= '7'; digits++)
            value = value * 8 + (*p++ - '0');
        if (value > 255)
            return fail_at(ps, ps->line, "octal escape in a string is above \\377");
        *out = (char)value;
        break;
    }
    if (*out == '\0')
        return fail_at(ps, ps->line, "a string cannot hold a NUL character");
    *pp = p;
    return 0;
}

static int lex_string(struct parser *ps)
{
    char quote = *ps->p++;
    const char *start = ps->p;
    char *buf, *q;

    /* The dequoted text is never longer than the quoted one. */
    while (ps->p < ps->end && *ps->p != quote && *ps->p != '\n') {
        if (*ps->p == '\\' && ps->p + 1 < ps->end && ps->p[1] != '\n')
            ps->p++;
        ps->p++;
    }
    if (ps->p >= ps->end || *ps->p != quote)
        return fail_at(ps, ps->line, "string not closed on its line");
    buf = malloc((size_t)(ps->p - start) + 1);
    if (!buf)
        return fail_at(ps, ps->line, "out of memory");
    q = buf;
    for (const char *s = start; s < ps->p;) {
        if (*s == '\0') {
            free(buf);
            return fail_at(ps, ps->line, "a string cannot hold a NUL character");
        }
        if (*s != '\\') {
            *q++ = *s++;
            continue;
        }
        s++;
        if (unescape(ps, &s, ps->p, q++) < 0) {
            free(buf);
            return -1;
        }
    }
    *q = '\0';
    ps->p++; /* closing quote */
    ps->tok.kind = TOK_STRING;
    ps->tok.text = buf;
    return 0;
}

static int next(struct parser *ps)
{
    const char *start;

    free(ps->tok.text);
    ps->tok.text = NULL;

    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r'))
        ps->p++;
    ps->tok.line = ps->line;
    if (ps->p >= ps->end) {
        ps->tok.kind = TOK_EOF;
        return 0;
    }
    start = ps->p;
    switch (*ps->p) {
    case '#':
        while (ps->p < ps->end && *ps->p != '\n')
            ps->p++;
        if (ps->p < ps->end)
            ps->p++;
        ps->line++;
        ps->tok.kind = TOK_NEWLINE;
        return 0;
    case '\n':
        ps->p++;
        ps->line++;
        ps->tok.kind = TOK_NEWLINE;
        return 0;
    case '=':
        ps->p++;
        ps->tok.kind = TOK_ASSIGN;
        return 0;
    case '+':
        if (ps->p + 1 < ps->end && ps->p[1] == '=') {
            ps->p += 2;
            ps->tok.kind = TOK_APPEND;
            return 0;
        }
        break;
    case ';':
        ps->p++;
        ps->tok.kind = TOK_SEMI;
        return 0;
    case ',':
        ps->p++;
        ps->tok.kind = TOK_COMMA;
        return 0;
    case '[':
        ps->p++;
        ps->tok.kind = TOK_LBRACKET;
        return 0;
    case ']':
        ps->p++;
        ps->tok.kind = TOK_RBRACKET;
        return 0;
    case '"':
    case '\'':
        return lex_string(ps);
    default:
        break;
    }
    if (*ps->p >= 'a' && *ps->p <= 'z') {
        while (ps->p < ps->end &&
               (islower((unsigned char)*ps->p) || isdigit((unsigned char)*ps->p) || *ps->p == '_' ||
                *ps->p == '.'))
            ps->p++;
        ps->tok.kind = TOK_IDENT;
    } else if (*ps->p >= '0' && *ps->p <= '9') {
        /* The whole word, so "128M" is refused as a number, not as a stray 'M'. */
        while (ps->p < ps->end && (isalnum((unsigned char)*ps->p) || *ps->p == '_'))
            ps->p++;
        ps->tok.kind = TOK_NUMBER;
    } else {
        char what[160];

        if (isprint((unsigned char)*ps->p))
            snprintf(what, sizeof(what), "unexpected '%c'%s", *ps->p,
                     ps->key_expected && isupper((unsigned char)*ps->p) ? " (keys are lower case)"
                                                                        : "");
        else if (*ps->p == '\0')
            snprintf(what, sizeof(what),
                     "a NUL byte: UTF-16 text? save the file as UTF-8 or plain ASCII");
        else if ((unsigned char)*ps->p >= 0x80)
            snprintf(what, sizeof(what),
                     "byte 0x%02x, not ASCII, outside quotes: keys and bare values are ASCII "
                     "(text in quotes may be UTF-8)",
                     (unsigned char)*ps->p);
        else
            snprintf(what, sizeof(what), "unexpected byte 0x%02x", (unsigned char)*ps->p);
        return fail_at(ps, ps->line, what);
    }
    ps->tok.text = dup_range(start, (size_t)(ps->p - start));
    if (!ps->tok.text)
        return fail_at(ps, ps->line, "out of memory");
    return 0;
}

static void value_free(struct cfg_value *v)
{
    for (size_t i = 0; i < v->n_items; i++)
        value_free(&v->items[i]);
    free(v->items);
    free(v->text);
    memset(v, 0, sizeof(*v));
}

static int skip_newlines(struct parser *ps)
{
    while (ps->tok.kind == TOK_NEWLINE)
        if (next(ps) < 0)
            return -1;
    return 0;
}

static int list_push(struct parser *ps, struct cfg_value *list, struct cfg_value *item)
{
    struct cfg_value *grown = realloc(list->items, (list->n_items + 1) * sizeof(*grown));

    if (!grown)
        return fail_at(ps, ps->tok.line, "out of memory");
    list->items = grown;
    list->items[list->n_items++] = *item;
    return 0;
}

static int parse_value(struct parser *ps, unsigned depth, struct cfg_value *out);

/* After '[': values separated by commas, newlines allowed, a trailing comma too. */
static int parse_list(struct parser *ps, unsigned depth, struct cfg_value *out)
{
    out->kind = CFG_LIST;
    out->line = ps->tok.line;
    if (depth >= CFG_MAX_DEPTH)
        return fail_at(ps, ps->tok.line, "lists nested too deeply");
    if (next(ps) < 0 || skip_newlines(ps) < 0)
        return -1;
    while (ps->tok.kind != TOK_RBRACKET) {
        struct cfg_value item = {0};

        if (ps->tok.kind == TOK_EOF)
            return fail_at(ps, out->line, "the list opened here is not closed");
        if (parse_value(ps, depth + 1, &item) < 0 || list_push(ps, out, &item) < 0) {
            value_free(&item);
            return -1;
        }
        if (skip_newlines(ps) < 0)
            return -1;
        if (ps->tok.kind == TOK_EOF)
            return fail_at(ps, out->line, "the list opened here is not closed");
        if (ps->tok.kind == TOK_COMMA) {
            if (next(ps) < 0 || skip_newlines(ps) < 0)
                return -1;
        } else if (ps->tok.kind != TOK_RBRACKET) {
            return fail_at(ps, ps->tok.line, "expected ',' or ']' in a list");
        }
    }
    return next(ps);
}

static int parse_value(struct parser *ps, unsigned depth, struct cfg_value *out)
{
    switch (ps->tok.kind) {
    case TOK_STRING:
    case TOK_NUMBER:
        out->kind = ps->tok.kind == TOK_STRING ? CFG_STRING : CFG_NUMBER;
        out->line = ps->tok.line;
        out->text = ps->tok.text;
        ps->tok.text = NULL;
        return next(ps);
    case TOK_LBRACKET:
        return parse_list(ps, depth, out);
    default:
        return fail_at(ps, ps->tok.line, "expected a value: a \"string\", a number or a [list]");
    }
}

/* Joins `v` onto an earlier value of the same key; takes `v` in every case. */
static int append_value(struct parser *ps, struct cfg_setting *s, struct cfg_value *v)
{
    struct cfg_value *old = &s->value;
    int rc = 0;

    if (old->kind == CFG_LIST && v->kind == CFG_LIST) {
        size_t n = old->n_items + v->n_items;
        struct cfg_value *grown = n ? realloc(old->items, n * sizeof(*grown)) : old->items;

        if (n && !grown) {
            rc = fail_at(ps, v->line, "out of memory");
        } else {
            if (v->n_items)
                memcpy(grown + old->n_items, v->items, v->n_items * sizeof(*grown));
            old->items = grown;
            old->n_items = n;
            v->n_items = 0;
        }
    } else if (old->kind != CFG_LIST && v->kind != CFG_LIST) {
        size_t a = strlen(old->text), b = strlen(v->text);
        char *joined = realloc(old->text, a + b + 1);

        if (!joined) {
            rc = fail_at(ps, v->line, "out of memory");
        } else {
            memcpy(joined + a, v->text, b + 1);
            old->text = joined;
            old->kind = CFG_STRING;
        }
    } else {
        char what[160];
        snprintf(what, sizeof(what), "%s: '+=' cannot join a list and a single value", s->key);
        rc = fail_at(ps, v->line, what);
    }
    value_free(v);
    return rc;
}

/* Takes `key` and `v` in every case. */
static int store(struct parser *ps, struct cfg_file *f, char *key, unsigned line, bool append,
                 struct cfg_value *v)
{
    for (size_t i = 0; i < f->n_settings; i++) {
        struct cfg_setting *s = &f->settings[i];

        if (strcmp(s->key, key) != 0)
            continue;
        free(key);
        s->line = line;
        if (append)
            return append_value(ps, s, v);
        value_free(&s->value);
        s->value = *v;
        return 0;
    }
    if (f->n_settings == CFG_MAX_SETTINGS) {
        free(key);
        value_free(v);
        return fail_at(ps, line, "more settings than any config needs");
    }
    struct cfg_setting *grown = realloc(f->settings, (f->n_settings + 1) * sizeof(*grown));
    if (!grown) {
        free(key);
        value_free(v);
        return fail_at(ps, line, "out of memory");
    }
    f->settings = grown;
    f->settings[f->n_settings++] = (struct cfg_setting){key, line, *v};
    return 0;
}

static int parse_setting(struct parser *ps, struct cfg_file *f)
{
    unsigned line = ps->tok.line;
    char *key = ps->tok.text;
    struct cfg_value v = {0};
    bool append;

    ps->tok.text = NULL;
    ps->key_expected = false;
    if (next(ps) < 0)
        goto fail;
    if (ps->tok.kind != TOK_ASSIGN && ps->tok.kind != TOK_APPEND) {
        char what[160];
        snprintf(what, sizeof(what), "expected '=' after '%s'", key);
        fail_at(ps, line, what);
        goto fail;
    }
    append = ps->tok.kind == TOK_APPEND;
    if (next(ps) < 0)
        goto fail;
    if (ps->tok.kind == TOK_IDENT || ps->tok.kind == TOK_NEWLINE || ps->tok.kind == TOK_EOF) {
        char what[200];

        snprintf(what, sizeof(what),
                 "%s: expected a value (a \"string\", a number or a [list]), got %s%s%s", key,
                 ps->tok.kind == TOK_IDENT ? "'" : "",
                 ps->tok.kind == TOK_IDENT ? ps->tok.text : "nothing",
                 ps->tok.kind == TOK_IDENT ? "' (quote words)" : "");
        fail_at(ps, line, what);
        goto fail;
    }
    if (parse_value(ps, 0, &v) < 0)
        goto fail;
    if (ps->tok.kind != TOK_NEWLINE && ps->tok.kind != TOK_SEMI && ps->tok.kind != TOK_EOF) {
        fail_at(ps, ps->tok.line, "expected the end of the line after a value");
        goto fail;
    }
    return store(ps, f, key, line, append, &v);
fail:
    free(key);
    value_free(&v);
    return -1;
}

int cfg_parse(const char *path, const char *text, size_t len, struct cfg_file *out,
              struct xu_err *err)
{
    struct parser ps = {
        .path = path, .p = text, .end = text + len, .line = 1, .err = err, .key_expected = true};
    int rc = 0;

    memset(out, 0, sizeof(*out));
    out->path = strdup(path);
    if (!out->path)
        return xu_fail(err, "%s: out of memory", path);
    if (len > CFG_MAX_FILE_BYTES) {
        rc = xu_fail(err, "%s: larger than %u bytes; not a config file", path, CFG_MAX_FILE_BYTES);
        goto out;
    }
    /* Editors on other systems (Notepad) start UTF-8 with a byte-order mark: not the config's. */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        ps.p += 3;
    } else if (len >= 2 && (memcmp(text, "\xff\xfe", 2) == 0 || memcmp(text, "\xfe\xff", 2) == 0)) {
        rc = xu_fail(err,
                     "%s: UTF-16 text (it starts with the byte-order mark %02X %02X): save it as "
                     "UTF-8 or plain ASCII",
                     path, (unsigned char)text[0], (unsigned char)text[1]);
        goto out;
    }
    if (next(&ps) < 0) {
        rc = -1;
        goto out;
    }
    while (ps.tok.kind != TOK_EOF) {
        ps.key_expected = true;
        if (ps.tok.kind == TOK_NEWLINE || ps.tok.kind == TOK_SEMI)
            rc = next(&ps);
        else if (ps.tok.kind == TOK_IDENT)
            rc = parse_setting(&ps, out);
        else
            rc = fail_at(&ps, ps.tok.line, "expected a setting: key = value");
        if (rc < 0)
            break;
    }
out:
    free(ps.tok.text);
    if (rc < 0)
        cfg_free(out);
    return rc;
}

int cfg_read_text(const char *path, char **text, size_t *len, struct xu_err *err)
{
    FILE *fp = fopen(path, "rb");
    char *buf;

    if (!fp)
        return xu_fail(err, "%s: %s", path, strerror(errno));
    buf = malloc(CFG_MAX_FILE_BYTES + 2);
    if (!buf) {
        fclose(fp);
        return xu_fail(err, "%s: out of memory", path);
    }
    *len = fread(buf, 1, CFG_MAX_FILE_BYTES + 1, fp);
    if (ferror(fp)) {
        fclose(fp);
        free(buf);
        return xu_fail(err, "%s: read error", path);
    }
    fclose(fp);
    buf[*len] = '\0';
    *text = buf;
    return 0;
}

int cfg_load(const char *path, struct cfg_file *out, struct xu_err *err)
{
    char *text;
    size_t len;
    int rc;

    if (cfg_read_text(path, &text, &len, err) < 0)
        return -1;
    rc = cfg_parse(path, text, len, out, err);
    free(text);
    return rc;
}

void cfg_free(struct cfg_file *file)
{
    for (size_t i = 0; i < file->n_settings; i++) {
        free(file->settings[i].key);
        value_free(&file->settings[i].value);
    }
    free(file->settings);
    free(file->path);
    memset(file, 0, sizeof(*file));
}

const struct cfg_setting *cfg_find(const struct cfg_file *file, const char *key)
{
    for (size_t i = 0; i < file->n_settings; i++)
        if (strcmp(file->settings[i].key, key) == 0)
            return &file->settings[i];
    return NULL;
}

static const char *kind_name(enum cfg_kind kind)
{
    return kind == CFG_LIST ? "a list" : kind == CFG_NUMBER ? "a number" : "a string";
}

int cfg_get_string(const struct cfg_file *file, const struct cfg_setting *s, const char **out,
                   struct xu_err *err)
{
    if (s->value.kind != CFG_STRING)
        return xu_fail(err, "%s:%u: %s: expected a \"string\", got %s", file->path, s->line, s->key,
                       kind_name(s->value.kind));
    *out = s->value.text;
    return 0;
}

int cfg_parse_u64(const char *text, uint64_t *out)
{
    const char *digits = text;
    int base = 10;
    uint64_t v = 0;

    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        digits = text + 2;
    }
    if (*digits == '\0')
        return -1;
    for (const char *p = digits; *p; p++) {
        int d = hex_digit(*p);

        if (d < 0 || d >= base || v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return -1;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    *out = v;
    return 0;
}

int cfg_parse_size(const char *text, uint64_t *bytes)
{
    size_t len = strlen(text);
    unsigned shift = 0;
    char digits[32];
    uint64_t v;

    if (len == 0 || len >= sizeof(digits))
        return -1;
    switch (text[len - 1]) {
    case 'K':
    case 'k':
        shift = 10;
        break;
    case 'M':
    case 'm':
        shift = 20;
        break;
    case 'G':
    case 'g':
        shift = 30;
        break;
    default:
        break;
    }
    memcpy(digits, text, len + 1);
    if (shift)
        digits[len - 1] = '\0';
    if (cfg_parse_u64(digits, &v) < 0 || v > (UINT64_MAX >> shift))
        return -1;
    *bytes = v << shift;
    return 0;
}

int cfg_get_u64(const struct cfg_file *file, const struct cfg_setting *s, uint64_t min,
                uint64_t max, uint64_t *out, struct xu_err *err)
{
    uint64_t v;

    /* xl takes "512" as readily as 512; so do we. */
    if (s->value.kind == CFG_LIST)
        return xu_fail(err, "%s:%u: %s: expected a number, got a list", file->path, s->line,
                       s->key);
    if (cfg_parse_u64(s->value.text, &v) < 0)
        return xu_fail(err, "%s:%u: %s: expected a number, got \"%s\"", file->path, s->line, s->key,
                       s->value.text);
    if (v < min || v > max)
        return xu_fail(err, "%s:%u: %s: %s is out of range [%" PRIu64 ", %" PRIu64 "]", file->path,
                       s->line, s->key, s->value.text, min, max);
    *out = v;
    return 0;
}

int cfg_get_strings(const struct cfg_file *file, const struct cfg_setting *s,
                    const struct cfg_value **items, size_t *n, struct xu_err *err)
{
    if (s->value.kind != CFG_LIST) {
        *items = &s->value;
        *n = 1;
        return 0;
    }
    for (size_t i = 0; i < s->value.n_items; i++)
        if (s->value.items[i].kind == CFG_LIST)
            return xu_fail(err, "%s:%u: %s: item %zu is a list; expected a \"string\"", file->path,
                           s->value.items[i].line, s->key, i + 1);
    *items = s->value.items;
    *n = s->value.n_items;
    return 0;
}
