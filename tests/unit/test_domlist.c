/* `xu list` prints what `xl list` prints; `xstat stat` what the original's xstat prints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domlist.h"

static char *capture(void (*fn)(FILE *, const struct domain_info *), const struct domain_info *d)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    fn(out, d);
    fclose(out);
    return text;
}

static void header(FILE *out, const struct domain_info *d)
{
    (void)d;
    domlist_header(out);
}

static void test_header_and_rows_as_xl_prints_them(void **state)
{
    (void)state;
    struct domain_info dom0 = {.domid = 0,
                               .has_name = true,
                               .name = "Domain-0",
                               .flags = DOMINF_RUNNING,
                               .tot_pages = 32768,
                               .online_vcpus = 1,
                               .cpu_time_ns = 12345678901ull};
    struct domain_info guest = {.domid = 3,
                                .has_name = true,
                                .name = "linux_pv_domu",
                                .flags = DOMINF_BLOCKED | DOMINF_PAUSED,
                                .tot_pages = 65535,
                                .outstanding_pages = 1,
                                .online_vcpus = 2,
                                .cpu_time_ns = 50000000};
    struct domain_info nameless = {.domid = 12,
                                   .flags = DOMINF_DYING | DOMINF_SHUTDOWN |
                                            (3u << DOMINF_SHUTDOWN_SHIFT),
                                   .tot_pages = 4096,
                                   .online_vcpus = 1};
    char *s;

    s = capture(header, NULL);
    assert_string_equal(
        s, "Name                                        ID   Mem VCPUs\tState\tTime(s)\n");
    free(s);
    s = capture(domlist_row, &dom0);
    assert_string_equal(
        s, "Domain-0                                     0   128     1     r-----      12.3\n");
    free(s);
    s = capture(domlist_row, &guest);
    assert_string_equal(
        s, "linux_pv_domu                                3   256     2     -bp---       0.1\n");
    free(s);
    s = capture(domlist_row, &nameless);
    assert_string_equal(
        s, "(null)                                      12    16     1     ---scd       0.0\n");
    free(s);
}

static void test_shutdown_reason_letters(void **state)
{
    (void)state;
    const char *expected[] = {"---s--", "---sr-", "---ss-", "---sc-", "---sw-", "---sS-", "---s?-"};

    for (unsigned reason = 0; reason < 7; reason++) {
        struct domain_info d = {.has_name = true,
                                .name = "g",
                                .flags = DOMINF_SHUTDOWN | (reason << DOMINF_SHUTDOWN_SHIFT)};
        char *s = capture(domlist_row, &d);

        assert_non_null(strstr(s, expected[reason]));
        free(s);
    }
}

static void test_xstat_block_as_the_original_prints_it(void **state)
{
    (void)state;
    struct domain_info d = {.domid = 2,
                            .has_name = true,
                            .name = "rpi_5_domu",
                            .flags = DOMINF_SHUTDOWN | (3u << DOMINF_SHUTDOWN_SHIFT),
                            .tot_pages = 4096,
                            .max_pages = 4352,
                            .online_vcpus = 1,
                            .cpu_time_ns = 42,
                            .ssidref = 12};
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    xstat_domain(out, 1, &d);
    fclose(out);
    assert_string_equal(text, "Domain #  1     : 2 (rpi_5_domu)\n"
                              "State           : -s-c--\n"
                              "CPU ns          : 42\n"
                              "VCPUs           : 1\n"
                              "MEM reserved(K) : 16384\n"
                              "MEM allowed(K)  : 17408\n"
                              "SSID            : 12\n"
                              "---------------------------------\n");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_and_rows_as_xl_prints_them),
        cmocka_unit_test(test_shutdown_reason_letters),
        cmocka_unit_test(test_xstat_block_as_the_original_prints_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
