/*
 * A small printf for the guests: %d %i %u %x %X %c %s %p %%, the l, ll and z
 * sizes, a width, the '-' and '0' flags, and a precision for %s (.N, .*). Pure, so the build host's
 * unit tests check it against the C library's.
 */
#ifndef RT_FMT_H
#define RT_FMT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*fmt_sink)(void *ctx, const char *s, size_t len);

/* Writes the formatted text to `sink` in pieces; returns its length. */
int fmt_v(fmt_sink sink, void *ctx, const char *fmt, va_list ap);
/* As snprintf: always terminates (if size > 0), returns the full length. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
