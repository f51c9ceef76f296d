#include "led.h"

#include "fmt.h"

#define KEY       "led="
#define MAX_LINES 32u /* PL061: 8; brcmstb: 32 per bank, one bank here */
#define SYNTAX    "led=pl061|brcmstb,ADDRESS,LINE[,active-low]"

/* The next comma-separated field of [p, end): its start and length. */
static const char *field(const char **p, const char *end, size_t *len)
{
    const char *start = *p, *q = start;

    while (q < end && *q != ',')
        q++;
    *len = (size_t)(q - start);
    *p = q < end ? q + 1 : q;
    return start;
}

static bool starts_with(const char *s, const char *prefix)
{
    while (*prefix && *s == *prefix) {
        s++;
        prefix++;
    }
    return *prefix == '\0';
}

static bool same(const char *s, size_t len, const char *word)
{
    size_t n = 0;

    while (word[n])
        n++;
    return n == len && __builtin_memcmp(s, word, n) == 0;
}

/* A number in decimal or 0x hex, all of the field, no overflow. */
static bool number(const char *s, size_t len, uint64_t *v)
{
    unsigned base = 10;

    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        len -= 2;
    }
    if (len == 0)
        return false;
    *v = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 99;

        if (d >= base || *v > (UINT64_MAX - d) / base)
            return false;
        *v = *v * base + d;
    }
    return true;
}

int led_parse(const char *cmdline, struct led *led, char *why, size_t why_size)
{
    const char *arg = NULL, *p, *end, *f;
    uint64_t line;
    size_t len;
    int n;

    /* The last led= wins, as a kernel's command line does. */
    for (p = cmdline; *p; p++)
        if ((p == cmdline || p[-1] == ' ') && starts_with(p, KEY))
            arg = p + sizeof(KEY) - 1;
    if (!arg) {
        fmt_snprintf(why, why_size, "no led= in the command line \"%s\" (%s)", cmdline, SYNTAX);
        return -1;
    }
    for (end = arg; *end && *end != ' ';)
        end++;
    n = (int)(end - arg);
    p = arg;
    f = field(&p, end, &len);
    if (same(f, len, "pl061"))
        led->kind = GPIO_PL061;
    else if (same(f, len, "brcmstb"))
        led->kind = GPIO_BRCMSTB;
    else {
        fmt_snprintf(why, why_size, "led=%.*s: unknown GPIO controller \"%.*s\" (%s)", n, arg,
                     (int)len, f, SYNTAX);
        return -1;
    }
    f = field(&p, end, &len);
    if (!number(f, len, &led->addr) || led->addr % 4) {
        fmt_snprintf(why, why_size, "led=%.*s: bad address \"%.*s\" (%s)", n, arg, (int)len, f,
                     SYNTAX);
        return -1;
    }
    f = field(&p, end, &len);
    if (!number(f, len, &line) || line >= (led->kind == GPIO_PL061 ? 8u : MAX_LINES)) {
        fmt_snprintf(why, why_size, "led=%.*s: bad line \"%.*s\": %s has lines 0 to %u (%s)", n,
                     arg, (int)len, f, led->kind == GPIO_PL061 ? "a PL061" : "a brcmstb bank",
                     led->kind == GPIO_PL061 ? 7u : MAX_LINES - 1, SYNTAX);
        return -1;
    }
    led->line = (unsigned)line;
    led->active_low = false;
    if (p < end) {
        f = field(&p, end, &len);
        if (!same(f, len, "active-low") || p < end) {
            fmt_snprintf(why, why_size, "led=%.*s: only \"active-low\" may follow the line (%s)", n,
                         arg, SYNTAX);
            return -1;
        }
        led->active_low = true;
    }
    return 0;
}
