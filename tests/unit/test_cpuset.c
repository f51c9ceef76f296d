/* CPU sets as xl reads and prints them (xl.cfg(5) cpus, xl vcpu-pin, xl vcpu-list). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cpuset.h"

/* `text` as a set, printed over `n_cpus` CPUs as xl vcpu-list would. */
static const char *reprint(const char *text, unsigned n_cpus)
{
    static char out[256];
    char why[256];
    struct cpu_set s;

    if (cpuset_parse(text, &s, why, sizeof(why)) != 0)
        fail_msg("\"%s\": %s", text, why);
    cpuset_format(&s, n_cpus, out, sizeof(out));
    return out;
}

static void expect_refused(const char *text, const char *why_expected)
{
    char why[256];
    struct cpu_set s;

    assert_int_equal(cpuset_parse(text, &s, why, sizeof(why)), -1);
    assert_string_equal(why, why_expected);
}

static void test_xl_cfg_forms(void **state)
{
    (void)state;
    assert_string_equal(reprint("2", 4), "2");
    assert_string_equal(reprint("1-3", 4), "1-3");
    assert_string_equal(reprint("all", 4), "all");
    assert_string_equal(reprint("0,2-3", 4), "0,2-3");
    assert_string_equal(reprint("0-3,5,^1", 8), "0,2-3,5");
    assert_string_equal(reprint("all,^0", 4), "1-3");
    /* Later parts add to and take from what earlier ones made. */
    assert_string_equal(reprint("^1,1", 4), "1");
    assert_string_equal(reprint("0-1", 2), "all");
    assert_string_equal(reprint("0-2", 4), "0-2");
    assert_string_equal(reprint("127", 128), "127");
}

static void test_printed_as_xl_prints_a_map(void **state)
{
    (void)state;
    struct cpu_set s;
    char out[64];
    uint8_t map[2] = {0x0b, 0x00};

    memset(&s, 0, sizeof(s));
    assert_int_equal(cpuset_format(&s, 4, out, sizeof(out)), 4);
    assert_string_equal(out, "none");
    /* CPUs beyond the machine's are not printed. */
    cpuset_from_map(&s, map, sizeof(map));
    assert_true(cpuset_has(&s, 0) && cpuset_has(&s, 1) && cpuset_has(&s, 3));
    cpuset_format(&s, 2, out, sizeof(out));
    assert_string_equal(out, "all");
    cpuset_format(&s, 4, out, sizeof(out));
    assert_string_equal(out, "0-1,3");
    /* A short buffer is cut, as snprintf does, and says how long it would be. */
    assert_int_equal(cpuset_format(&s, 4, out, 3), 5);
    assert_string_equal(out, "0-");
    memset(map, 0, sizeof(map));
    cpuset_to_map(&s, map, 1);
    assert_int_equal(map[0], 0x0b);
    assert_int_equal(map[1], 0);
}

static void test_what_xl_refuses_and_more(void **state)
{
    (void)state;
    struct cpu_set a, b;
    char why[256];

    expect_refused("", "empty: name CPUs (\"1\", \"0-3\", \"all\")");
    expect_refused("1-", "\"1-\" is not a CPU, a range of CPUs (\"1-3\", ascending) or \"all\", "
                         "each maybe after \"^\", of CPUs below 128");
    expect_refused("3-1", "\"3-1\" is not a CPU, a range of CPUs (\"1-3\", ascending) or \"all\", "
                          "each maybe after \"^\", of CPUs below 128");
    expect_refused("0,,1", "\"\" is not a CPU, a range of CPUs (\"1-3\", ascending) or \"all\", "
                           "each maybe after \"^\", of CPUs below 128");
    expect_refused("128", "\"128\" is not a CPU, a range of CPUs (\"1-3\", ascending) or \"all\", "
                          "each maybe after \"^\", of CPUs below 128");
    expect_refused("-1", "\"-1\" is not a CPU, a range of CPUs (\"1-3\", ascending) or \"all\", "
                         "each maybe after \"^\", of CPUs below 128");
    expect_refused(" 1", "\" 1\" is not a CPU, a range of CPUs (\"1-3\", ascending) or \"all\", "
                         "each maybe after \"^\", of CPUs below 128");
    expect_refused("^all", "\"^all\": \"^\" cannot take \"all\"");
    expect_refused("nodes:0", "\"nodes:0\": Xen on Arm has no NUMA nodes; name CPUs");
    expect_refused("^0", "\"^0\" leaves no CPU (\"^N\" removes from what comes before it: "
                         "\"all,^0\")");
    expect_refused("1,^1", "\"1,^1\" leaves no CPU (\"^N\" removes from what comes before it: "
                           "\"all,^0\")");
    /* Subsets: the first CPU of one set outside another. */
    assert_int_equal(cpuset_parse("0-1", &a, why, sizeof(why)), 0);
    assert_int_equal(cpuset_parse("1,3", &b, why, sizeof(why)), 0);
    assert_int_equal(cpuset_first_outside(&b, &a), 3);
    assert_int_equal(cpuset_parse("1", &b, why, sizeof(why)), 0);
    assert_int_equal(cpuset_first_outside(&b, &a), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xl_cfg_forms),
        cmocka_unit_test(test_printed_as_xl_prints_a_map),
        cmocka_unit_test(test_what_xl_refuses_and_more),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
