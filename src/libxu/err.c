#include "err.h"

#include <stdarg.h>
#include <stdio.h>

int xu_fail(struct xu_err *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return -1;
}
