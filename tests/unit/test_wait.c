/* Waits end at a deadline on the clock, however long their checks take. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "wait.h"

/* A clock that moves only when told: by a sleep, or by a check that takes time. */
struct fake {
    uint64_t now_ms;
    unsigned sleeps_ms[16];
    unsigned n_sleeps;
};

static uint64_t fake_now(void *ctx)
{
    return ((struct fake *)ctx)->now_ms;
}

static void fake_sleep(void *ctx, unsigned ms)
{
    struct fake *f = ctx;

    if (f->n_sleeps < 16)
        f->sleeps_ms[f->n_sleeps] = ms;
    f->n_sleeps++;
    f->now_ms += ms;
}

#define FAKE_CLOCK(f)                                           \
    {                                                           \
        .now_ms = fake_now, .sleep_ms = fake_sleep, .ctx = &(f) \
    }

/* Polls something that costs `check_ms` per look and is there from `ready_at_ms` on. */
static unsigned poll(struct fake *f, unsigned timeout_ms, unsigned step_ms, unsigned check_ms,
                     uint64_t ready_at_ms, bool *ready)
{
    const struct xu_clock clock = FAKE_CLOCK(*f);
    struct xu_wait w;
    unsigned checks = 0;

    xu_wait_begin_on(&w, &clock, timeout_ms, step_ms);
    for (;;) {
        bool there = f->now_ms >= ready_at_ms;

        checks++;
        f->now_ms += check_ms;
        if (there) {
            *ready = true;
            return checks;
        }
        if (!xu_wait_again(&w)) {
            *ready = false;
            return checks;
        }
    }
}

static void test_what_comes_in_time_is_seen_within_a_step(void **state)
{
    struct fake f = {.now_ms = 1000};
    bool ready;

    (void)state;
    assert_int_equal(poll(&f, 10000, 10, 0, 1025, &ready), 4);
    assert_true(ready);
    assert_int_equal(f.now_ms, 1030);
}

/* The wait xu had before: `waited += 10` per sleep let a 100 ms wait of 40 ms checks run 550 ms. */
static void test_the_checks_own_time_counts_against_the_deadline(void **state)
{
    struct fake f = {0};
    bool ready;

    (void)state;
    assert_int_equal(poll(&f, 100, 10, 40, UINT64_MAX, &ready), 3);
    assert_false(ready);
    assert_int_equal(f.now_ms, 140);
}

static void test_the_last_sleep_stops_at_the_deadline_and_the_check_runs_there(void **state)
{
    struct fake f = {0};
    bool ready;

    (void)state;
    /* Ready exactly at the deadline: the look taken there sees it. */
    assert_int_equal(poll(&f, 25, 10, 0, 25, &ready), 4);
    assert_true(ready);
    assert_int_equal(f.n_sleeps, 3);
    assert_int_equal(f.sleeps_ms[0], 10);
    assert_int_equal(f.sleeps_ms[1], 10);
    assert_int_equal(f.sleeps_ms[2], 5);
}

static void test_no_time_means_one_look_and_no_sleep(void **state)
{
    struct fake f = {0};
    bool ready;

    (void)state;
    assert_int_equal(poll(&f, 0, 10, 0, UINT64_MAX, &ready), 1);
    assert_false(ready);
    assert_int_equal(f.n_sleeps, 0);
}

static void test_elapsed_is_measured_from_the_start(void **state)
{
    struct fake f = {.now_ms = 500};
    const struct xu_clock clock = FAKE_CLOCK(f);
    struct xu_wait w;

    (void)state;
    xu_wait_begin_on(&w, &clock, 100, 30);
    assert_int_equal(xu_wait_elapsed_ms(&w), 0);
    assert_true(xu_wait_again(&w));
    f.now_ms += 7;
    assert_int_equal(xu_wait_elapsed_ms(&w), 37);
}

/* On the process's clock a wait never gives up early (how late it ends is the host's). */
static void test_the_real_clock_never_gives_up_before_the_deadline(void **state)
{
    struct xu_wait w;
    unsigned looks = 1;

    (void)state;
    xu_wait_begin(&w, 30, 10);
    while (xu_wait_again(&w))
        looks++;
    assert_true(xu_wait_elapsed_ms(&w) >= 30);
    assert_true(looks >= 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_what_comes_in_time_is_seen_within_a_step),
        cmocka_unit_test(test_the_checks_own_time_counts_against_the_deadline),
        cmocka_unit_test(test_the_last_sleep_stops_at_the_deadline_and_the_check_runs_there),
        cmocka_unit_test(test_no_time_means_one_look_and_no_sleep),
        cmocka_unit_test(test_elapsed_is_measured_from_the_start),
        cmocka_unit_test(test_the_real_clock_never_gives_up_before_the_deadline),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
