/*
 * Waiting for something xu cannot be told about (a xenstore node, a file,
 * a domain leaving Xen's list): poll it until a deadline on the monotonic
 * clock. A deadline counted in sleeps (`waited += 10` after each) overruns
 * by whatever the checks between them take, which under load is most of it:
 * a 10 s wait whose check takes 40 ms lasts 50 s.
 *
 *     struct xu_wait w;
 *
 *     xu_wait_begin(&w, PTY_WAIT_MS, 10);
 *     while (!ready())
 *         if (!xu_wait_again(&w))
 *             return xu_fail(err, "... within %u s", PTY_WAIT_MS / 1000);
 *
 * The check runs once more at the deadline: a wait never gives up on
 * something that became ready while it slept.
 */
#ifndef XU_WAIT_H
#define XU_WAIT_H

#include <stdbool.h>
#include <stdint.h>

/* Where a wait reads the time and sleeps: the process's clock, or a test's. */
struct xu_clock {
    uint64_t (*now_ms)(void *ctx);
    void (*sleep_ms)(void *ctx, unsigned ms);
    void *ctx;
};

struct xu_wait {
    const struct xu_clock *clock;
    uint64_t start_ms, deadline_ms;
    unsigned step_ms;
};

/* CLOCK_MONOTONIC and nanosleep (a signal's handler ends a sleep early, not the wait). */
extern const struct xu_clock xu_real_clock;

void xu_wait_begin(struct xu_wait *w, unsigned timeout_ms, unsigned step_ms);
void xu_wait_begin_on(struct xu_wait *w, const struct xu_clock *clock, unsigned timeout_ms,
                      unsigned step_ms);
/*
 * Before the deadline: sleeps a step (no further than the deadline) and
 * returns true, to check again. At or past it: returns false at once.
 */
bool xu_wait_again(struct xu_wait *w);
/* Since xu_wait_begin. */
uint64_t xu_wait_elapsed_ms(const struct xu_wait *w);
/* A pause that is not a wait for anything (letting a device settle, a retry's back-off). */
void xu_sleep_ms(unsigned ms);

#endif
