#include "fmt.h"

#include <stdbool.h>
#include <stdint.h>

struct spec {
    bool left, zero;
    unsigned width;
    int precision; /* %s only: at most this many bytes; -1: all */
    int size;      /* 0 int, 1 long, 2 long long / size_t */
};

/* Its length, reading no further than `max` bytes (a %.*s may not be terminated). */
static size_t text_len(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n])
        n++;
    return n;
}

static int pad(fmt_sink sink, void *ctx, char c, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        sink(ctx, &c, 1);
    return (int)n;
}

/* A field: sign or prefix, then `body`, padded to the width. */
static int field(fmt_sink sink, void *ctx, const struct spec *sp, const char *sign,
                 const char *body, size_t len)
{
    size_t sign_len = text_len(sign, SIZE_MAX), total = sign_len + len;
    unsigned fill = sp->width > total ? sp->width - (unsigned)total : 0;
    int n = 0;

    if (!sp->left && !sp->zero)
        n += pad(sink, ctx, ' ', fill);
    sink(ctx, sign, sign_len);
    if (!sp->left && sp->zero)
        n += pad(sink, ctx, '0', fill);
    sink(ctx, body, len);
    if (sp->left)
        n += pad(sink, ctx, ' ', fill);
    return n + (int)total;
}

static int number(fmt_sink sink, void *ctx, const struct spec *sp, uint64_t v, unsigned base,
                  bool upper, const char *sign)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];
    size_t i = sizeof(buf);

    do {
        buf[--i] = digits[v % base];
        v /= base;
    } while (v);
    return field(sink, ctx, sp, sign, buf + i, sizeof(buf) - i);
}

int fmt_v(fmt_sink sink, void *ctx, const char *fmt, va_list ap)
{
    int total = 0;

    while (*fmt) {
        struct spec sp = {.precision = -1};
        const char *start = fmt;
        int64_t sv;
        uint64_t uv;

        if (*fmt != '%') {
            while (*fmt && *fmt != '%')
                fmt++;
            sink(ctx, start, (size_t)(fmt - start));
            total += (int)(fmt - start);
            continue;
        }
        fmt++;
        for (;; fmt++) {
            if (*fmt == '-')
                sp.left = true;
            else if (*fmt == '0')
                sp.zero = true;
            else
                break;
        }
        while (*fmt >= '0' && *fmt <= '9')
            sp.width = sp.width * 10 + (unsigned)(*fmt++ - '0');
        if (*fmt == '.') {
            fmt++;
            sp.precision = 0;
            if (*fmt == '*') {
                sp.precision = va_arg(ap, int);
                fmt++;
            }
            while (*fmt >= '0' && *fmt <= '9')
                sp.precision = sp.precision * 10 + (*fmt++ - '0');
        }
        if (*fmt == 'z') {
            sp.size = 2;
            fmt++;
        }
        while (*fmt == 'l') {
            sp.size++;
            fmt++;
        }
        switch (*fmt) {
        case 'd':
        case 'i':
            sv = sp.size == 0   ? va_arg(ap, int)
                 : sp.size == 1 ? va_arg(ap, long)
                                : va_arg(ap, long long);
            uv = sv < 0 ? 0 - (uint64_t)sv : (uint64_t)sv;
            total += number(sink, ctx, &sp, uv, 10, false, sv < 0 ? "-" : "");
            break;
        case 'u':
        case 'x':
        case 'X':
            uv = sp.size == 0   ? va_arg(ap, unsigned)
                 : sp.size == 1 ? va_arg(ap, unsigned long)
                                : va_arg(ap, unsigned long long);
            total += number(sink, ctx, &sp, uv, *fmt == 'u' ? 10 : 16, *fmt == 'X', "");
            break;
        case 'p':
            total +=
                number(sink, ctx, &sp, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, false, "0x");
            break;
        case 'c': {
            char c = (char)va_arg(ap, int);

            total += field(sink, ctx, &sp, "", &c, 1);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);

            if (!s)
                s = "(null)";
            size_t len = text_len(s, sp.precision >= 0 ? (size_t)sp.precision : SIZE_MAX);

            sp.zero = false;
            total += field(sink, ctx, &sp, "", s, len);
            break;
        }
        case '%':
            sink(ctx, "%", 1);
            total++;
            break;
        default:
            /* Not ours: shown as written, so the mistake is visible. */
            if (!*fmt)
                fmt--;
            sink(ctx, start, (size_t)(fmt + 1 - start));
            total += (int)(fmt + 1 - start);
            break;
        }
        fmt++;
    }
    return total;
}

struct buf {
    char *p;
    size_t size, used;
};

static void buf_sink(void *ctx, const char *s, size_t len)
{
    struct buf *b = ctx;

    for (size_t i = 0; i < len; i++, b->used++)
        if (b->used + 1 < b->size)
            b->p[b->used] = s[i];
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buf b = {.p = buf, .size = size};
    int n = fmt_v(buf_sink, &b, fmt, ap);

    if (size)
        buf[b.used < size ? b.used : size - 1] = '\0';
    return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
