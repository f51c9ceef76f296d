#include "wait.h"

#include <time.h>

static uint64_t real_now_ms(void *ctx)
{
    struct timespec t;

    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void real_sleep_ms(void *ctx, unsigned ms)
{
    struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

    (void)ctx;
    /* Interrupted, the caller checks again: xu's signal handlers only raise flags. */
    nanosleep(&t, NULL);
}

const struct xu_clock xu_real_clock = {.now_ms = real_now_ms, .sleep_ms = real_sleep_ms};

void xu_wait_begin_on(struct xu_wait *w, const struct xu_clock *clock, unsigned timeout_ms,
                      unsigned step_ms)
{
    w->clock = clock;
    w->start_ms = clock->now_ms(clock->ctx);
    w->deadline_ms = w->start_ms + timeout_ms;
    w->step_ms = step_ms ? step_ms : 1;
}

void xu_wait_begin(struct xu_wait *w, unsigned timeout_ms, unsigned step_ms)
{
    xu_wait_begin_on(w, &xu_real_clock, timeout_ms, step_ms);
}

bool xu_wait_again(struct xu_wait *w)
{
    uint64_t now = w->clock->now_ms(w->clock->ctx);
    uint64_t left;

    if (now >= w->deadline_ms)
        return false;
    left = w->deadline_ms - now;
    w->clock->sleep_ms(w->clock->ctx, left < w->step_ms ? (unsigned)left : w->step_ms);
    return true;
}

uint64_t xu_wait_elapsed_ms(const struct xu_wait *w)
{
    return w->clock->now_ms(w->clock->ctx) - w->start_ms;
}

void xu_sleep_ms(unsigned ms)
{
    real_sleep_ms(NULL, ms);
}
