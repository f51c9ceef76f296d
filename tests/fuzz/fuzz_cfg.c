/*
 * Fuzz target: the xl.cfg(5) parser and the domain model on it (with its
 * iomem, vif and disk sub-parsers), which read files a user can put on the
 * SD card.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cfg.h"
#include "domcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cfg_file f;
    struct xu_err err;

    if (cfg_parse("fuzz.cfg", (const char *)data, size, &f, &err) == 0) {
        /* Walk what was built, so a dangling pointer shows up under ASan. */
        for (size_t i = 0; i < f.n_settings; i++) {
            const struct cfg_value *items;
            const char *s;
            uint64_t v;
            size_t n;

            (void)cfg_get_u64(&f, &f.settings[i], 0, UINT64_MAX, &v, &err);
            (void)cfg_get_string(&f, &f.settings[i], &s, &err);
            (void)cfg_get_strings(&f, &f.settings[i], &items, &n, &err);
        }
        cfg_free(&f);
    }
    static struct domain_config dc;
    (void)domcfg_parse("fuzz.cfg", (const char *)data, size, "/nonexistent", &dc, &err);
    return 0;
}
