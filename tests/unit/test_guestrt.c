/*
 * The small guests' pure parts, on the build host: their printf, the console
 * ring's arithmetic, the device-tree reader, the LED argument and the jitter
 * statistics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "dtb.h"
#include "fmt.h"
#include "led.h"
#include "links.h"
#include "ring.h"
#include "stats.h"

#define SAME_AS_LIBC(...)                                      \
    do {                                                       \
        char ours[128], libc[128];                             \
        int n = fmt_snprintf(ours, sizeof(ours), __VA_ARGS__); \
        int m = snprintf(libc, sizeof(libc), __VA_ARGS__);     \
        assert_string_equal(ours, libc);                       \
        assert_int_equal(n, m);                                \
    } while (0)

static void test_fmt_matches_the_c_library(void **state)
{
    (void)state;
    SAME_AS_LIBC("plain text");
    SAME_AS_LIBC("%d %i %d", 0, -42, 2147483647);
    SAME_AS_LIBC("%u %x %X", 4000000000u, 0xbeefu, 0xbeefu);
    SAME_AS_LIBC("%lld %llu %llx", -9000000000000000000ll, 18446744073709551615ull,
                 0x107d517c00ull);
    SAME_AS_LIBC("%ld %lu %zu", -5l, 7ul, (size_t)12);
    SAME_AS_LIBC("[%5d] [%-5d] [%05d] [%-5s] [%8s]", 42, 42, -42, "ab", "right");
    SAME_AS_LIBC("%c%c %% %s", 'o', 'k', "done");
    SAME_AS_LIBC("%.3s|%.*s|%.10s", "abcdef", 2, "xyz", "short");
    SAME_AS_LIBC("LED state: %s\n", "ON");
}

/* Without the format attribute: the cases the compiler's format checks would refuse. */
static int unchecked(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

static void test_fmt_truncates_and_shows_what_it_does_not_know(void **state)
{
    (void)state;
    char buf[8];

    assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%s", "0123456789"), 10);
    assert_string_equal(buf, "0123456");
    unchecked(buf, sizeof(buf), "%q");
    assert_string_equal(buf, "%q");
    unchecked(buf, sizeof(buf), "%s", (const char *)NULL);
    assert_string_equal(buf, "(null)");
}

static void test_ring_space_and_wrap(void **state)
{
    (void)state;
    char ring[8] = {0};

    assert_int_equal(ring_space(0, 0, 8), 8);
    assert_int_equal(ring_space(5, 1, 8), 4);
    assert_int_equal(ring_space(9, 1, 8), 0);
    /* Free-running indices wrap at 2^32 and keep their difference. */
    assert_int_equal(ring_space(2, UINT32_MAX - 1, 8), 4);
    /* A consumer ahead of the producer, or more than a ring behind: no room, not a huge one. */
    assert_int_equal(ring_space(1, 5, 8), 0);
    assert_int_equal(ring_space(20, 1, 8), 0);

    assert_int_equal(ring_put(ring, 8, 6, 8, "abcd", 4), 4);
    assert_memory_equal(ring, "cd\0\0\0\0ab", 8);
    assert_int_equal(ring_put(ring, 8, 0, 3, "wxyz", 4), 3);
    assert_memory_equal(ring, "wxy", 3);
}

/* A tree like the one xu gives a guest: bootargs in /chosen, a GIC of the given kind. */
static size_t make_tree(char *buf, size_t size, const char *bootargs, const char *gic)
{
    assert_int_equal(fdt_create(buf, (int)size), 0);
    assert_int_equal(fdt_finish_reservemap(buf), 0);
    assert_int_equal(fdt_begin_node(buf, ""), 0);
    assert_int_equal(fdt_property_u32(buf, "#address-cells", 2), 0);
    assert_int_equal(fdt_begin_node(buf, "chosen"), 0);
    if (bootargs)
        assert_int_equal(fdt_property_string(buf, "bootargs", bootargs), 0);
    assert_int_equal(fdt_end_node(buf), 0);
    assert_int_equal(fdt_begin_node(buf, "interrupt-controller@3001000"), 0);
    assert_int_equal(fdt_property(buf, "compatible", gic, (int)strlen(gic) + 1), 0);
    assert_int_equal(fdt_begin_node(buf, "chosen"), 0); /* same name, another path */
    assert_int_equal(fdt_property_string(buf, "bootargs", "not these"), 0);
    assert_int_equal(fdt_end_node(buf), 0);
    assert_int_equal(fdt_end_node(buf), 0);
    assert_int_equal(fdt_end_node(buf), 0);
    assert_int_equal(fdt_finish(buf), 0);
    return fdt_totalsize(buf);
}

static void test_fdt_reads_bootargs_by_path(void **state)
{
    (void)state;
    char tree[1024];
    size_t size = make_tree(tree, sizeof(tree), "led=pl061,0x09030000,0", "arm,cortex-a15-gic");
    uint32_t len;

    assert_int_equal(dtb_size(tree, sizeof(tree)), size);
    assert_int_equal(dtb_size(tree, size - 1), 0);
    assert_string_equal(dtb_prop_string(tree, size, "/chosen", "bootargs"),
                        "led=pl061,0x09030000,0");
    assert_non_null(dtb_prop(tree, size, "/", "#address-cells", &len));
    assert_int_equal(len, 4);
    assert_null(dtb_prop_string(tree, size, "/chosen", "stdout-path"));
    assert_null(dtb_prop_string(tree, size, "/chos", "bootargs"));
    assert_false(dtb_has_compatible(tree, size, "arm,gic-v3"));
    assert_true(dtb_has_compatible(tree, size, "arm,cortex-a15-gic"));

    size = make_tree(tree, sizeof(tree), NULL, "arm,gic-v3");
    assert_null(dtb_prop_string(tree, size, "/chosen", "bootargs"));
    assert_string_equal(
        dtb_prop_string(tree, size, "/interrupt-controller@3001000/chosen", "bootargs"),
        "not these");
    assert_true(dtb_has_compatible(tree, size, "arm,gic-v3"));
}

static void test_fdt_refuses_damaged_trees(void **state)
{
    (void)state;
    char tree[1024], bad[1024];
    size_t size = make_tree(tree, sizeof(tree), "x", "arm,gic-400");

    memcpy(bad, tree, size);
    bad[0] = 0;
    assert_int_equal(dtb_size(bad, size), 0);
    assert_null(dtb_prop_string(bad, size, "/chosen", "bootargs"));
    /* A structure block that claims to run past the blob. */
    memcpy(bad, tree, size);
    fdt_set_size_dt_struct(bad, (uint32_t)size);
    assert_null(dtb_prop_string(bad, size, "/chosen", "bootargs"));
    /* Every truncation of the blob, its header saying so, finds nothing or the right value. */
    for (size_t cut = 0; cut < size; cut++) {
        const char *v;

        memcpy(bad, tree, size);
        fdt_set_totalsize(bad, (uint32_t)cut);
        v = dtb_prop_string(bad, cut, "/chosen", "bootargs");
        assert_true(v == NULL || strcmp(v, "x") == 0);
    }
}

/* /reserved-memory as Xen 4.17 writes it for a domain's shared regions (make_shm_memory_node). */
static size_t make_shm_tree(char *buf, size_t size)
{
    fdt32_t reg[4] = {cpu_to_fdt32(0), cpu_to_fdt32(0x7fe00000), cpu_to_fdt32(0),
                      cpu_to_fdt32(0x10000)};
    fdt32_t other[4] = {cpu_to_fdt32(0x2), cpu_to_fdt32(0), cpu_to_fdt32(0), cpu_to_fdt32(0x1000)};

    assert_int_equal(fdt_create(buf, (int)size), 0);
    assert_int_equal(fdt_finish_reservemap(buf), 0);
    assert_int_equal(fdt_begin_node(buf, ""), 0);
    assert_int_equal(fdt_begin_node(buf, "reserved-memory"), 0);
    assert_int_equal(fdt_property_u32(buf, "#address-cells", 2), 0);
    assert_int_equal(fdt_property_u32(buf, "#size-cells", 2), 0);
    assert_int_equal(fdt_begin_node(buf, "xen-shmem@7fe00000"), 0);
    assert_int_equal(fdt_property_string(buf, "compatible", "xen,shared-memory-v1"), 0);
    assert_int_equal(fdt_property(buf, "reg", reg, sizeof(reg)), 0);
    assert_int_equal(fdt_property_string(buf, "xen,id", "pingpong"), 0);
    assert_int_equal(fdt_end_node(buf), 0);
    assert_int_equal(fdt_begin_node(buf, "xen-shmem@200000000"), 0);
    assert_int_equal(fdt_property(buf, "reg", other, sizeof(other)), 0);
    assert_int_equal(fdt_property_string(buf, "xen,id", "other"), 0);
    assert_int_equal(fdt_end_node(buf), 0);
    assert_int_equal(fdt_end_node(buf), 0);
    assert_int_equal(fdt_end_node(buf), 0);
    assert_int_equal(fdt_finish(buf), 0);
    return fdt_totalsize(buf);
}

static void test_links_find_shared_regions_and_channel_ports(void **state)
{
    (void)state;
    char tree[1024];
    size_t size = make_shm_tree(tree, sizeof(tree));
    uint64_t addr = 0, bytes = 0;

    assert_true(links_shm(tree, size, "pingpong", &addr, &bytes));
    assert_int_equal(addr, 0x7fe00000);
    assert_int_equal(bytes, 0x10000);
    assert_true(links_shm(tree, size, "other", &addr, &bytes));
    assert_int_equal(addr, 0x200000000);
    assert_false(links_shm(tree, size, "ping", &addr, &bytes));
    assert_false(links_shm(tree, size - 8, "pingpong", &addr, &bytes));

    assert_int_equal(links_evtchn_port("role=ping pixen.evtchn=shm_pong:10", "shm_pong"), 10);
    assert_int_equal(links_evtchn_port("pixen.evtchn=a:3,shm_pong:1023 x=1", "shm_pong"), 1023);
    assert_int_equal(links_evtchn_port("pixen.evtchn=shm_pong:10", "shm_pon"), 0);
    assert_int_equal(links_evtchn_port("pixen.evtchn=shm_pong:1x", "shm_pong"), 0);
    assert_int_equal(links_evtchn_port("pixen.evtchn=shm_pong:", "shm_pong"), 0);
    assert_int_equal(links_evtchn_port("xpixen.evtchn=shm_pong:10", "shm_pong"), 0);
    assert_int_equal(links_evtchn_port("", "shm_pong"), 0);
}

static void test_led_parses_qemu_and_pi5(void **state)
{
    (void)state;
    struct led led;
    char why[200];

    assert_int_equal(led_parse("led=pl061,0x09030000,0", &led, why, sizeof(why)), 0);
    assert_int_equal(led.kind, GPIO_PL061);
    assert_int_equal(led.addr, 0x09030000);
    assert_int_equal(led.line, 0);
    assert_false(led.active_low);

    assert_int_equal(
        led_parse("quiet led=brcmstb,0x107d517c00,9,active-low x=1", &led, why, sizeof(why)), 0);
    assert_int_equal(led.kind, GPIO_BRCMSTB);
    assert_int_equal(led.addr, 0x107d517c00ull);
    assert_int_equal(led.line, 9);
    assert_true(led.active_low);

    /* The last one wins, as on a kernel's command line. */
    assert_int_equal(led_parse("led=pl061,0x100,1 led=pl061,0x200,2", &led, why, sizeof(why)), 0);
    assert_int_equal(led.addr, 0x200);
    /* A word that merely ends in led= is not it. */
    assert_int_equal(led_parse("xled=pl061,4,1", &led, why, sizeof(why)), -1);
}

static void test_led_errors_name_the_value(void **state)
{
    (void)state;
    struct led led;
    char why[200];

    assert_int_equal(led_parse("", &led, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "no led= in the command line"));
    assert_int_equal(led_parse("led=gpio,0x1000,1", &led, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "led=gpio,0x1000,1: unknown GPIO controller \"gpio\""));
    assert_int_equal(led_parse("led=pl061,0x9030000z,1", &led, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "bad address \"0x9030000z\""));
    assert_int_equal(led_parse("led=pl061,0x9030002,1", &led, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "bad address"));
    assert_int_equal(led_parse("led=pl061,0x9030000,8", &led, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "bad line \"8\": a PL061 has lines 0 to 7"));
    assert_int_equal(led_parse("led=brcmstb,0x1000,32", &led, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "lines 0 to 31"));
    assert_int_equal(led_parse("led=pl061,0x1000,1,inverted", &led, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "only \"active-low\" may follow the line"));
    assert_int_equal(led_parse("led=pl061,0xffffffffffffffffff,1", &led, why, sizeof(why)), -1);
}

static void test_jitter_stats(void **state)
{
    (void)state;
    struct lat_stats s;

    stats_reset(&s);
    assert_int_equal(stats_avg_ns(&s), 0);
    stats_add(&s, 300);
    stats_add(&s, 100);
    stats_add(&s, 800);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.min_ns, 100);
    assert_int_equal(s.max_ns, 800);
    assert_int_equal(stats_avg_ns(&s), 400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fmt_matches_the_c_library),
        cmocka_unit_test(test_fmt_truncates_and_shows_what_it_does_not_know),
        cmocka_unit_test(test_ring_space_and_wrap),
        cmocka_unit_test(test_fdt_reads_bootargs_by_path),
        cmocka_unit_test(test_fdt_refuses_damaged_trees),
        cmocka_unit_test(test_links_find_shared_regions_and_channel_ports),
        cmocka_unit_test(test_led_parses_qemu_and_pi5),
        cmocka_unit_test(test_led_errors_name_the_value),
        cmocka_unit_test(test_jitter_stats),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
