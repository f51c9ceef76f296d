/* Where `xu console` resumes in a log that xu monitor has cut. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "logspan.h"

static void test_an_uncut_log_resumes_where_it_was_left(void **state)
{
    (void)state;
    struct log_resume r = log_resume_at(100, 0, 0, 250);

    assert_false(r.from_prev);
    assert_int_equal(r.file_offset, 100);
    assert_int_equal(r.file_base, 0);
    assert_int_equal(r.dropped_bytes, 0);
    /* A position past the end is another log's: show this one whole. */
    r = log_resume_at(400, 0, 0, 250);
    assert_int_equal(r.file_offset, 0);
}

static void test_a_reader_behind_the_cut_starts_in_the_previous_file(void **state)
{
    (void)state;
    /* Stream: previous file [1000, 1600), current [1600, 1700). */
    struct log_resume r = log_resume_at(1200, 1600, 600, 100);

    assert_true(r.from_prev);
    assert_int_equal(r.file_base, 1000);
    assert_int_equal(r.file_offset, 200);
    assert_int_equal(r.dropped_bytes, 0);
    r = log_resume_at(1600, 1600, 600, 100);
    assert_false(r.from_prev);
    assert_int_equal(r.file_base, 1600);
    assert_int_equal(r.file_offset, 0);
}

static void test_what_no_file_holds_any_more_is_counted_as_dropped(void **state)
{
    (void)state;
    struct log_resume r = log_resume_at(300, 1600, 600, 100);

    assert_true(r.from_prev);
    assert_int_equal(r.file_offset, 0);
    assert_int_equal(r.file_base, 1000);
    assert_int_equal(r.dropped_bytes, 700);
    /* No previous file left: everything before the current one is gone. */
    r = log_resume_at(300, 1600, 0, 100);
    assert_false(r.from_prev);
    assert_int_equal(r.file_offset, 0);
    assert_int_equal(r.dropped_bytes, 1300);
    /* A previous file larger than the stream before the cut is not trusted. */
    r = log_resume_at(10, 50, 80, 5);
    assert_false(r.from_prev);
    assert_int_equal(r.dropped_bytes, 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_an_uncut_log_resumes_where_it_was_left),
        cmocka_unit_test(test_a_reader_behind_the_cut_starts_in_the_previous_file),
        cmocka_unit_test(test_what_no_file_holds_any_more_is_counted_as_dropped),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
