/*
 * The text layer of xl.cfg(5) files: `key = value` settings whose values are
 * strings, numbers or (nested) lists. It knows no key's meaning; the models
 * built on it (platform, domain) do. Semantics follow Xen's libxlu: the last
 * assignment of a key wins and `+=` appends to a string or list.
 */
#ifndef XU_CFG_H
#define XU_CFG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Bounds that keep a hostile file from costing more than a sane one. */
#define CFG_MAX_FILE_BYTES (1u << 20)
#define CFG_MAX_DEPTH      8
#define CFG_MAX_SETTINGS   1024 /* keys are looked up one by one; this keeps that cheap */

enum cfg_kind {
    CFG_STRING, /* quoted text, escapes resolved */
    CFG_NUMBER, /* a bare number, as written: "512", "0x9030" */
    CFG_LIST,
};

struct cfg_value {
    enum cfg_kind kind;
    unsigned line;
    char *text; /* STRING and NUMBER */
    struct cfg_value *items;
    size_t n_items; /* LIST */
};

struct cfg_setting {
    char *key;
    unsigned line;
    struct cfg_value value;
};

struct cfg_file {
    char *path; /* as given; every message starts with it */
    struct cfg_setting *settings;
    size_t n_settings;
};

/* Parses `len` bytes of `text`; `path` names them in messages. */
int cfg_parse(const char *path, const char *text, size_t len, struct cfg_file *out,
              struct xu_err *err);
/* Reads and parses a file. */
int cfg_load(const char *path, struct cfg_file *out, struct xu_err *err);
/* Reads a config file's text (at most CFG_MAX_FILE_BYTES) into a malloc'ed, NUL-ended buffer. */
int cfg_read_text(const char *path, char **text, size_t *len, struct xu_err *err);
void cfg_free(struct cfg_file *file);

const struct cfg_setting *cfg_find(const struct cfg_file *file, const char *key);

/*
 * Typed views of one setting. Each names the file, line and key when the value
 * does not fit, e.g. `dom0.cfg:3: memory: expected a number, got "12x"`.
 */
int cfg_get_string(const struct cfg_file *file, const struct cfg_setting *s, const char **out,
                   struct xu_err *err);
int cfg_get_u64(const struct cfg_file *file, const struct cfg_setting *s, uint64_t min,
                uint64_t max, uint64_t *out, struct xu_err *err);
/* A list of strings (a single string is taken as a one-item list, as xl does). */
int cfg_get_strings(const struct cfg_file *file, const struct cfg_setting *s,
                    const struct cfg_value **items, size_t *n, struct xu_err *err);

/* Parses a whole number: decimal or 0x hex; no sign, no trailing text. */
int cfg_parse_u64(const char *text, uint64_t *out);
/* Parses a size in bytes with an optional K, M or G suffix (binary units). */
int cfg_parse_size(const char *text, uint64_t *bytes);

#endif
