/* XU_TIMING's lines: what bench/create_parts.py and the system tests read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "steptime.h"

/* Runs `steps` with stderr in a temporary file and returns what it got (static). */
static const char *stderr_of(void (*steps)(void))
{
    static char text[1024];
    FILE *tmp = tmpfile();
    int saved = dup(STDERR_FILENO);
    size_t n;

    assert_non_null(tmp);
    fflush(stderr);
    assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
    steps();
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    n = fread(text, 1, sizeof(text) - 1, tmp);
    text[n] = '\0';
    fclose(tmp);
    return text;
}

static void three_steps(void)
{
    step_done(NULL);
    step_done("checks");
    usleep(20000);
    step_done("image: memory populated");
}

static void test_each_step_is_a_line_with_its_seconds(void **state)
{
    (void)state;
    double seconds = 0;
    char name[64];

    setenv("XU_TIMING", "1", 1);
    const char *out = stderr_of(three_steps);

    assert_non_null(strstr(out, "xu: checks "));
    assert_int_equal(
        sscanf(strstr(out, "xu: image"), "xu: image: memory populated %lf s", &seconds), 1);
    assert_true(seconds >= 0.019 && seconds < 5);
    /* Two lines: starting the clock says nothing. */
    unsigned lines = 0;
    for (const char *p = out; (p = strstr(p, "xu: ")) != NULL; p++)
        lines++;
    assert_int_equal(lines, 2);
    assert_int_equal(sscanf(out, "xu: %63s", name), 1);
    assert_string_equal(name, "checks");
}

static void test_without_xu_timing_nothing_is_said(void **state)
{
    (void)state;
    unsetenv("XU_TIMING");
    assert_string_equal(stderr_of(three_steps), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_step_is_a_line_with_its_seconds),
        cmocka_unit_test(test_without_xu_timing_nothing_is_said),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
