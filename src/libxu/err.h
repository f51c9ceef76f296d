/* An error message, built where the context is known and printed once at the top. */
#ifndef XU_ERR_H
#define XU_ERR_H

struct xu_err {
    char msg[1024];
};

/* Sets the message and returns -1, so a caller can write `return xu_fail(err, ...)`. */
int xu_fail(struct xu_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
