/*
 * The platform's edits of the firmware's tree (bus_windows, page_regs,
 * tree_edits): computed from the host tree, refused where they would not
 * do what they say, and applied to mkboot's copy of it. The trees are
 * written here with libfdt, after the Raspberry Pi 5's.
 */
#include <libfdt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "treefix.h"

#define TREE_BYTES 8192

static struct platform p;

static void cells(void *fdt, const char *name, unsigned n, ...)
{
    fdt32_t v[32];
    va_list ap;

    va_start(ap, n);
    for (unsigned i = 0; i < n; i++)
        v[i] = cpu_to_fdt32(va_arg(ap, uint32_t));
    va_end(ap);
    assert_int_equal(fdt_property(fdt, name, v, (int)(n * sizeof(fdt32_t))), 0);
}

enum twist { PLAIN, NEIGHBOUR_IN_PAGE, UNALIGNED_UART, OTHER_RANGES };

/* /axi with 1:1 ranges (64 GiB at 0, 4 GiB at 0x10_0000_0000), /soc at 0x10_0000_0000. */
static void *pi_tree(enum twist twist)
{
    void *fdt = malloc(TREE_BYTES);

    assert_int_equal(fdt_create(fdt, TREE_BYTES), 0);
    assert_int_equal(fdt_finish_reservemap(fdt), 0);
    assert_int_equal(fdt_begin_node(fdt, ""), 0);
    cells(fdt, "#address-cells", 1, 2);
    cells(fdt, "#size-cells", 1, 2);
    assert_int_equal(fdt_begin_node(fdt, "axi"), 0);
    cells(fdt, "#address-cells", 1, 2);
    cells(fdt, "#size-cells", 1, 2);
    if (twist == OTHER_RANGES)
        cells(fdt, "ranges", 6, 0, 0, 0, 0, 0x10, 0);
    else
        cells(fdt, "ranges", 12, 0, 0, 0, 0, 0x10, 0, 0x10, 0, 0x10, 0, 1, 0);
    assert_int_equal(fdt_end_node(fdt), 0);
    assert_int_equal(fdt_begin_node(fdt, "soc"), 0);
    cells(fdt, "#address-cells", 1, 1);
    cells(fdt, "#size-cells", 1, 1);
    cells(fdt, "ranges", 4, 0, 0x10, 0, 0x80000000);
    assert_int_equal(fdt_begin_node(fdt, "serial@7d001000"), 0);
    cells(fdt, "reg", 2, twist == UNALIGNED_UART ? 0x7d001100 : 0x7d001000, 0x200);
    assert_int_equal(fdt_end_node(fdt), 0);
    if (twist == NEIGHBOUR_IN_PAGE) {
        assert_int_equal(fdt_begin_node(fdt, "serial@7d001800"), 0);
        cells(fdt, "reg", 2, 0x7d001800, 0x200);
        assert_int_equal(fdt_end_node(fdt), 0);
    }
    assert_int_equal(fdt_begin_node(fdt, "mmc@fff000"), 0);
    cells(fdt, "reg", 2, 0xfff000, 0x260);
    cells(fdt, "vmmc-supply", 1, 7);
    assert_int_equal(fdt_end_node(fdt), 0);
    /* Pin states: two a hog can name, one without a phandle. */
    assert_int_equal(fdt_begin_node(fdt, "pinctrl@7d504100"), 0);
    cells(fdt, "reg", 2, 0x7d504100, 0x30);
    assert_int_equal(fdt_begin_node(fdt, "sd2"), 0);
    cells(fdt, "phandle", 1, 0x14);
    assert_int_equal(fdt_end_node(fdt), 0);
    assert_int_equal(fdt_begin_node(fdt, "wl-on"), 0);
    cells(fdt, "phandle", 1, 0x2f);
    assert_int_equal(fdt_end_node(fdt), 0);
    assert_int_equal(fdt_begin_node(fdt, "bare"), 0);
    assert_int_equal(fdt_end_node(fdt), 0);
    assert_int_equal(fdt_end_node(fdt), 0);
    assert_int_equal(fdt_end_node(fdt), 0);
    assert_int_equal(fdt_end_node(fdt), 0);
    assert_int_equal(fdt_finish(fdt), 0);
    return fdt;
}

static void node(struct platform_node *n, const char *path, unsigned line)
{
    snprintf(n->path, sizeof(n->path), "%s", path);
    n->line = line;
}

/* The Pi 5's edits: the MSI page on /axi, the UART's reg a page, an SD regulator gone. */
static void pi_platform(void)
{
    memset(&p, 0, sizeof(p));
    strcpy(p.source, "platform.cfg");
    node(&p.bus_windows[0].bus, "/axi", 5);
    p.bus_windows[0].addr = 0xfffffff000ull;
    p.bus_windows[0].size_bytes = 0x1000;
    p.n_bus_windows = 1;
    node(&p.page_regs[0], "/soc/serial@7d001000", 6);
    p.n_page_regs = 1;
    node(&p.tree_edits[0].node, "/soc/mmc@fff000", 7);
    strcpy(p.tree_edits[0].prop, "vmmc-supply");
    p.tree_edits[0].kind = PLATFORM_EDIT_REMOVE;
    node(&p.tree_edits[1].node, "/soc/mmc@fff000", 8);
    strcpy(p.tree_edits[1].prop, "non-removable");
    p.tree_edits[1].kind = PLATFORM_EDIT_FLAG;
    node(&p.tree_edits[2].node, "/soc/pinctrl@7d504100", 9);
    strcpy(p.tree_edits[2].prop, "pinctrl-0");
    p.tree_edits[2].kind = PLATFORM_EDIT_PHANDLES;
    node(&p.tree_edits[2].refs[0], "/soc/pinctrl@7d504100/sd2", 9);
    node(&p.tree_edits[2].refs[1], "/soc/pinctrl@7d504100/wl-on", 9);
    p.tree_edits[2].n_refs = 2;
    node(&p.tree_edits[3].node, "/soc/pinctrl@7d504100", 10);
    strcpy(p.tree_edits[3].prop, "pinctrl-names");
    p.tree_edits[3].kind = PLATFORM_EDIT_STRING;
    strcpy(p.tree_edits[3].text, "default");
    p.n_tree_edits = 4;
    node(&p.disabled_nodes[0], "/soc/mmc@fff000", 11);
    p.n_disabled_nodes = 1;
}

static uint32_t cell(const void *fdt, const char *path, const char *prop, int i, int *len)
{
    const fdt32_t *v = fdt_getprop(fdt, fdt_path_offset(fdt, path), prop, len);

    assert_non_null(v);
    return fdt32_to_cpu(v[i]);
}

static void test_edits_are_computed_and_applied(void **state)
{
    (void)state;
    static struct tree_fixes fx;
    struct xu_err err = {{0}};
    void *host = pi_tree(PLAIN);
    size_t bytes = fdt_totalsize(host);
    int len;

    pi_platform();
    if (treefix_apply(&p, &host, &bytes, "host.dtb", &fx, &err) != 0)
        fail_msg("%s", err.msg);
    /* /axi's two ranges and the new 1:1 window, in its 2 + 2 + 2 cells. */
    assert_int_equal(fx.ranges[0].n_cells, 18);
    assert_int_equal(fx.ranges[0].cells[12], 0xff);
    assert_int_equal(fx.ranges[0].cells[13], 0xfffff000);
    assert_int_equal(fx.ranges[0].cells[14], 0xff);
    assert_int_equal(fx.ranges[0].cells[15], 0xfffff000);
    assert_int_equal(fx.ranges[0].cells[17], 0x1000);
    /* The UART at its address, its size a page. */
    assert_int_equal(fx.regs[0].n_cells, 2);
    assert_int_equal(fx.regs[0].cells[0], 0x7d001000);
    assert_int_equal(fx.regs[0].cells[1], 0x1000);
    /* mkboot's copy is the tree Xen will get. */
    assert_int_equal(cell(host, "/axi", "ranges", 13, &len), 0xfffff000);
    assert_int_equal(len, 18 * 4);
    assert_int_equal(cell(host, "/soc/serial@7d001000", "reg", 1, &len), 0x1000);
    assert_null(fdt_getprop(host, fdt_path_offset(host, "/soc/mmc@fff000"), "vmmc-supply", NULL));
    assert_non_null(
        fdt_getprop(host, fdt_path_offset(host, "/soc/mmc@fff000"), "non-removable", &len));
    assert_int_equal(len, 0);
    /* A pin-control hog, by the phandles the tree has; the node switched off, as boot.scr does. */
    assert_int_equal(cell(host, "/soc/pinctrl@7d504100", "pinctrl-0", 0, &len), 0x14);
    assert_int_equal(cell(host, "/soc/pinctrl@7d504100", "pinctrl-0", 1, &len), 0x2f);
    assert_int_equal(len, 8);
    assert_string_equal(
        fdt_getprop(host, fdt_path_offset(host, "/soc/pinctrl@7d504100"), "pinctrl-names", NULL),
        "default");
    assert_string_equal(fdt_getprop(host, fdt_path_offset(host, "/soc/mmc@fff000"), "status", NULL),
                        "disabled");
    free(host);
}

static void expect_refused(enum twist twist, void (*change)(void), const char *message)
{
    static struct tree_fixes fx;
    struct xu_err err = {{0}};
    void *host = pi_tree(twist);
    size_t bytes = fdt_totalsize(host);

    pi_platform();
    if (change)
        change();
    assert_int_equal(treefix_apply(&p, &host, &bytes, "host.dtb", &fx, &err), -1);
    assert_string_equal(err.msg, message);
    free(host);
}

static void window_already_there(void)
{
    p.bus_windows[0].addr = 0x1000000000ull;
}

static void no_such_node(void)
{
    strcpy(p.page_regs[0].path, "/soc/serial@7d002000");
}

static void nothing_to_remove(void)
{
    strcpy(p.tree_edits[0].prop, "vqmmc-supply");
}

static void a_node_without_a_phandle(void)
{
    node(&p.tree_edits[2].refs[1], "/soc/pinctrl@7d504100/bare", 9);
}

static void test_edits_that_would_not_do_what_they_say_are_refused(void **state)
{
    (void)state;
    expect_refused(PLAIN, window_already_there,
                   "platform.cfg:5: bus_windows: 0x1000000000 is already in /axi's ranges "
                   "(host.dtb): nothing to add");
    expect_refused(NEIGHBOUR_IN_PAGE, NULL,
                   "platform.cfg:6: page_regs: widening /soc/serial@7d001000 to a page would "
                   "cover serial@7d001800 (host.dtb)");
    expect_refused(UNALIGNED_UART, NULL,
                   "platform.cfg:6: page_regs: /soc/serial@7d001000's reg 0x7d001100 does not "
                   "start a page (host.dtb)");
    expect_refused(PLAIN, no_such_node,
                   "platform.cfg:6: page_regs: \"/soc/serial@7d002000\": no such node in "
                   "host.dtb");
    expect_refused(PLAIN, nothing_to_remove,
                   "platform.cfg:7: tree_edits: /soc/mmc@fff000 has no vqmmc-supply to remove "
                   "(host.dtb)");
    expect_refused(PLAIN, a_node_without_a_phandle,
                   "platform.cfg:9: tree_edits: /soc/pinctrl@7d504100/bare has no phandle to "
                   "refer to (host.dtb)");
}

/* A tree boot.scr may load instead (a D0 board's) must take the same edits. */
static void test_a_board_tree_must_take_the_same_edits(void **state)
{
    (void)state;
    static struct tree_fixes fx;
    struct xu_err err = {{0}};
    void *host = pi_tree(PLAIN), *same = pi_tree(PLAIN), *other = pi_tree(OTHER_RANGES);
    size_t bytes = fdt_totalsize(host);

    pi_platform();
    if (treefix_apply(&p, &host, &bytes, "host.dtb", &fx, &err) != 0)
        fail_msg("%s", err.msg);
    if (treefix_check_other(&fx, same, "d0.dtb", &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(treefix_check_other(&fx, other, "d0.dtb", &err), -1);
    assert_string_equal(err.msg, "platform.cfg:5: bus_windows: /axi's ranges differ in d0.dtb; "
                                 "boot.scr writes one value for both trees");
    free(host);
    free(same);
    free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edits_are_computed_and_applied),
        cmocka_unit_test(test_edits_that_would_not_do_what_they_say_are_refused),
        cmocka_unit_test(test_a_board_tree_must_take_the_same_edits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
