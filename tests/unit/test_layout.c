/* Placement: lowest free aligned address, around what is reserved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "layout.h"

#define MiB(n) ((uint64_t)(n) << 20)

static void test_places_lowest_first_around_reservations(void **state)
{
    (void)state;
    struct layout l;
    struct xu_err err = {{0}};
    uint64_t a, b, c;

    layout_init(&l, 0x40000000, MiB(64));
    assert_int_equal(layout_reserve(&l, 0x40000000, MiB(1), "fdt", &err), 0);
    assert_int_equal(layout_reserve(&l, 0x40200000, 0x10000, "script", &err), 0);
    assert_int_equal(layout_place(&l, MiB(2), MiB(2), "xen", &a, &err), 0);
    assert_int_equal(a, 0x40400000);
    assert_int_equal(layout_place(&l, MiB(1), MiB(2), "dt", &b, &err), 0);
    assert_int_equal(b, 0x40600000);
    /* A small item fills the first gap that holds it. */
    assert_int_equal(layout_place(&l, 0x1000, 0x1000, "small", &c, &err), 0);
    assert_int_equal(c, 0x40100000);
    assert_int_equal(l.n_taken, 5);
    assert_int_equal(l.taken[1].addr, 0x40100000);
}

static void test_reservations_outside_the_window_are_clipped(void **state)
{
    (void)state;
    struct layout l;
    struct xu_err err = {{0}};
    uint64_t a;

    layout_init(&l, 0x40000000, MiB(8));
    assert_int_equal(layout_reserve(&l, 0x3ff00000, MiB(2), "below", &err), 0);
    assert_int_equal(layout_reserve(&l, 0x50000000, MiB(2), "above", &err), 0);
    assert_int_equal(l.n_taken, 1);
    assert_int_equal(l.taken[0].addr, 0x40000000);
    assert_int_equal(l.taken[0].size_bytes, MiB(1));
    assert_int_equal(layout_place(&l, MiB(6), MiB(2), "big", &a, &err), 0);
    assert_int_equal(a, 0x40200000);
}

static void test_does_not_fit_says_what_and_how_much(void **state)
{
    (void)state;
    struct layout l;
    struct xu_err err = {{0}};
    uint64_t a;

    layout_init(&l, 0x40000000, MiB(16));
    assert_int_equal(layout_reserve(&l, 0x40600000, MiB(2), "firmware", &err), 0);
    assert_int_equal(layout_place(&l, MiB(10), MiB(2), "kernel", &a, &err), -1);
    assert_string_equal(err.msg, "kernel: does not fit: needs 10240 KiB at a 2048 KiB boundary; "
                                 "the largest free 2048 KiB-aligned room in "
                                 "0x40000000-0x40ffffff is 8192 KiB");
    assert_int_equal(layout_place(&l, 0, MiB(2), "nothing", &a, &err), -1);
    assert_int_equal(layout_reserve(&l, 0x40000000, 0, "empty", &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_places_lowest_first_around_reservations),
        cmocka_unit_test(test_reservations_outside_the_window_are_clipped),
        cmocka_unit_test(test_does_not_fit_says_what_and_how_much),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
