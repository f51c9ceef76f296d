/* Dom0's side of a console ring: what xu monitor reads out and writes in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "conio.h"

/* The guest's side, as a guest writes: bytes first, then the index. */
static void guest_writes(struct conio_ring *r, const char *text)
{
    for (size_t i = 0; text[i]; i++)
        r->out[(r->out_prod + i) % CONIO_OUT_BYTES] = text[i];
    r->out_prod += (uint32_t)strlen(text);
}

static void test_what_the_guest_wrote_is_read_once(void **state)
{
    (void)state;
    static struct conio_ring r;
    char buf[64] = "";

    guest_writes(&r, "Hello world!\n");
    assert_int_equal(conio_unread(&r), 13);
    assert_int_equal(conio_read_out(&r, buf, sizeof(buf)), 13);
    assert_memory_equal(buf, "Hello world!\n", 13);
    assert_int_equal(r.out_cons, 13);
    assert_int_equal(conio_unread(&r), 0);
    assert_int_equal(conio_read_out(&r, buf, sizeof(buf)), 0);
}

static void test_a_read_across_the_ring_end_keeps_the_order(void **state)
{
    (void)state;
    static struct conio_ring r;
    char buf[16] = "";

    /* Indexes run freely and wrap at 2^32; the ring's end is in the middle of the text. */
    r.out_cons = r.out_prod = UINT32_MAX - 3;
    guest_writes(&r, "abcdefgh");
    assert_int_equal(conio_read_out(&r, buf, 5), 5);
    assert_memory_equal(buf, "abcde", 5);
    assert_int_equal(conio_read_out(&r, buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "fgh", 3);
    assert_int_equal(r.out_cons, r.out_prod);
}

static void test_a_full_ring_is_read_whole(void **state)
{
    (void)state;
    static struct conio_ring r;
    static char buf[CONIO_OUT_BYTES];

    r.out_cons = 100;
    r.out_prod = 100 + CONIO_OUT_BYTES;
    memset(r.out, 'x', sizeof(r.out));
    assert_int_equal(conio_unread(&r), CONIO_OUT_BYTES);
    assert_int_equal(conio_read_out(&r, buf, sizeof(buf)), CONIO_OUT_BYTES);
}

static void test_indexes_that_claim_more_than_the_ring_are_left_alone(void **state)
{
    (void)state;
    static struct conio_ring r;
    char buf[16];

    r.out_cons = 0;
    r.out_prod = CONIO_OUT_BYTES + 1;
    assert_int_equal(conio_read_out(&r, buf, sizeof(buf)), -1);
    assert_int_equal(r.out_cons, 0);
    assert_int_equal(conio_unread(&r), 0);
    /* A producer behind the consumer is the same lie. */
    r.out_cons = 10;
    r.out_prod = 5;
    assert_int_equal(conio_read_out(&r, buf, sizeof(buf)), -1);
}

static void test_input_fills_the_room_there_is_and_no_more(void **state)
{
    (void)state;
    static struct conio_ring r;
    static char typed[CONIO_IN_BYTES + 100];

    memset(typed, 'k', sizeof(typed));
    r.in_prod = r.in_cons = UINT32_MAX - 10;
    assert_int_equal(conio_write_in(&r, "ls\n", 3), 3);
    assert_memory_equal(&r.in[(UINT32_MAX - 10) % CONIO_IN_BYTES], "ls\n", 3);
    assert_int_equal(conio_write_in(&r, typed, sizeof(typed)), CONIO_IN_BYTES - 3);
    assert_int_equal(conio_write_in(&r, "more", 4), 0);
    /* The guest reads some: that much room again. */
    r.in_cons += 7;
    assert_int_equal(conio_write_in(&r, typed, sizeof(typed)), 7);
    /* A guest that broke its indexes takes nothing. */
    r.in_cons = r.in_prod + 1;
    assert_int_equal(conio_write_in(&r, "x", 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_what_the_guest_wrote_is_read_once),
        cmocka_unit_test(test_a_read_across_the_ring_end_keeps_the_order),
        cmocka_unit_test(test_a_full_ring_is_read_whole),
        cmocka_unit_test(test_indexes_that_claim_more_than_the_ring_are_left_alone),
        cmocka_unit_test(test_input_fills_the_room_there_is_and_no_more),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
