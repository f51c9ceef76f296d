/* Machine descriptions: the ones we ship load, and bad ones are refused with their line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "platform.h"
#include "testutil.h"

static struct platform p;

static void test_qemu_platform_as_shipped(void **state)
{
    (void)state;
    struct xu_err err = {{0}};

    if (platform_load(SOURCE_ROOT "/platform/qemu/platform.cfg", &p, &err) != 0)
        fail_msg("%s", err.msg);
    assert_string_equal(p.name, "qemu");
    assert_int_equal(p.ram_base_addr, 0x40000000);
    assert_int_equal(p.ram_size_bytes, 2048ull << 20);
    assert_int_equal(p.n_reserved, 3);
    assert_int_equal(p.reserved[0].addr, 0x40000000);
    assert_int_equal(p.reserved[0].size_bytes, 1 << 20);
    assert_string_equal(p.reserved[0].what, "firmware device tree");
    assert_int_equal(p.reserved[2].addr, 0xbc000000);
    assert_string_equal(p.fdt_var, "fdt_addr");
    assert_int_equal(p.fdt_max_bytes, 1 << 20);
    assert_string_equal(p.xen_cmdline, "console=dtuart dtuart=/pl011@9000000");
    assert_int_equal(p.uboot_env_bytes, 256 << 10);
    assert_string_equal(platform_env(&p, "bootdelay"), "0");
    assert_string_equal(platform_env(&p, "scriptaddr"), "0x40200000");
    assert_null(platform_env(&p, "boot"));
    assert_int_equal(p.n_guest_devices, 1);
    assert_string_equal(p.guest_devices[0].path, "/pl061@9030000");
    assert_int_equal(p.n_disabled_nodes, 1);
    assert_string_equal(p.disabled_nodes[0].path, "/gpio-keys");
}

static void expect_error(const char *text, const char *message_after_path)
{
    struct xu_err err = {{0}};
    const char *path = write_temp("p.cfg", text);
    char expected[1200];

    assert_int_equal(platform_load(path, &p, &err), -1);
    snprintf(expected, sizeof(expected), "%s%s", path, message_after_path);
    assert_string_equal(err.msg, expected);
}

#define BASE "name = 'm'\nram_base = 0\nram_mib = 1024\nfdt_var = 'fdt_addr'\nfdt_max_kib = 64\n"

static void test_nodes_kept_for_guests_and_switched_off(void **state)
{
    (void)state;
    struct xu_err err = {{0}};
    const char *path = write_temp("p.cfg", BASE "guest_devices = [ '/pl061@9030000',\n"
                                                "                  '/soc/gpio@7d517c00' ]\n"
                                                "disabled_nodes = [ '/gpio-keys' ]\n");

    if (platform_load(path, &p, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(p.n_guest_devices, 2);
    assert_string_equal(p.guest_devices[0].path, "/pl061@9030000");
    assert_int_equal(p.guest_devices[0].line, 6);
    assert_string_equal(p.guest_devices[1].path, "/soc/gpio@7d517c00");
    assert_int_equal(p.guest_devices[1].line, 7);
    assert_int_equal(p.n_disabled_nodes, 1);
    assert_string_equal(p.disabled_nodes[0].path, "/gpio-keys");
    assert_int_equal(p.disabled_nodes[0].line, 8);
    /* Both are optional. */
    path = write_temp("p.cfg", BASE);
    if (platform_load(path, &p, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(p.n_guest_devices, 0);
    assert_int_equal(p.n_disabled_nodes, 0);
}

static void test_refusals(void **state)
{
    (void)state;
    expect_error(BASE "reserved = [ '0x0,1M' ]\n",
                 ":6: reserved: \"0x0,1M\" is not \"ADDR,SIZE,what it is\"");
    expect_error(BASE "reserved = [ '0x0,1Q,x' ]\n",
                 ":6: reserved: \"0x0,1Q,x\": bad address or size");
    expect_error(BASE "fdt_max_kib = 4096\n", ":6: fdt_max_kib: 4096 is out of range [4, 2048]");
    expect_error(BASE "ram = 5\n", ":6: unknown key 'ram'");
    expect_error("name = 'm'\n", ": no ram_base = ...");
    expect_error(BASE "uboot_env_kib = 16\nuboot_env = [ 'a=1', 'bootdelay' ]\n",
                 ":7: uboot_env: \"bootdelay\" is not name=value");
    expect_error(BASE "uboot_env_kib = 16\nuboot_env = [ 'a b=1' ]\n",
                 ":7: uboot_env: \"a b\" is not a variable name");
    expect_error(BASE "uboot_env_kib = 16\nuboot_env = [ 'a=1',\n 'a=2' ]\n",
                 ":8: uboot_env: a is set twice");
    expect_error(BASE "uboot_env = [ 'a=1' ]\n",
                 ": uboot_env needs uboot_env_kib (u-boot's CONFIG_ENV_SIZE)");
    /* boot.scr itself must not be where boot files can go. */
    expect_error(BASE "uboot_env_kib = 16\nuboot_env = [ 'scriptaddr=0x200000' ]\n",
                 ": uboot_env: scriptaddr=0x200000 lies in no reserved region, so boot files "
                 "could be placed over it");
    expect_error(BASE "reserved = [ '0x0,1M,dt' ]\nuboot_env_kib = 16\n"
                      "uboot_env = [ 'scriptaddr=0x200000' ]\n",
                 ": uboot_env: scriptaddr=0x200000 lies in no reserved region, so boot files "
                 "could be placed over it");
}

/* BASE with `key` naming one node whose path is `len` characters long. */
static const char *with_long_path(const char *key, size_t len, char *text, char *path)
{
    path[0] = '/';
    memset(path + 1, 'n', len - 1);
    path[len] = '\0';
    sprintf(text, BASE "%s = [ '%s' ]\n", key, path);
    return text;
}

static void test_node_refusals(void **state)
{
    (void)state;
    struct xu_err err = {{0}};
    char text[1024], path[300], expected[400];

    expect_error(BASE "guest_devices = [ 'pl061@9030000' ]\n",
                 ":6: guest_devices: \"pl061@9030000\": not a device-tree path (starting with /)");
    expect_error(BASE "disabled_nodes = [ '/a',\n '' ]\n",
                 ":7: disabled_nodes: \"\": not a device-tree path (starting with /)");
    expect_error(BASE "guest_devices = 5\n",
                 ":6: guest_devices: \"5\": not a device-tree path (starting with /)");
    expect_error(BASE "guest_devices = [ '/a', '/b', '/c', '/d', '/e', '/f', '/g', '/h', '/i', "
                      "'/j', '/k', '/l', '/m', '/n', '/o', '/p', '/q' ]\n",
                 ":6: guest_devices: more than 16 nodes");
    expect_error(BASE "disabled_nodes = [\n '/a', '/b', '/c', '/d', '/e', '/f', '/g', '/h', '/i', "
                      "'/j', '/k', '/l', '/m', '/n', '/o', '/p', '/q' ]\n",
                 ":6: disabled_nodes: more than 16 nodes");
    expect_error(BASE "guest_devices = [ '/a', '/a' ]\n",
                 ":6: guest_devices: \"/a\": listed twice");
    /* Xen gives Dom0 no access to a disabled node's MMIO: it could not hand it on. */
    expect_error(BASE "guest_devices = [ '/pl061@9030000' ]\n"
                      "disabled_nodes = [ '/gpio-keys', '/pl061@9030000' ]\n",
                 ":7: disabled_nodes: \"/pl061@9030000\": also in guest_devices, which Dom0 "
                 "could then not hand on");
    /* 255 characters fit; 256 do not. */
    if (platform_load(write_temp("p.cfg", with_long_path("guest_devices", 255, text, path)), &p,
                      &err) != 0)
        fail_msg("%s", err.msg);
    assert_string_equal(p.guest_devices[0].path, path);
    with_long_path("disabled_nodes", 256, text, path);
    snprintf(expected, sizeof(expected), ":6: disabled_nodes: \"%s\": longer than 255 characters",
             path);
    expect_error(text, expected);
}

static void test_rpi5_platform_as_shipped(void **state)
{
    (void)state;
    struct xu_err err = {{0}};

    if (platform_load(SOURCE_ROOT "/platform/rpi5/platform.cfg", &p, &err) != 0)
        fail_msg("%s", err.msg);
    assert_string_equal(p.name, "rpi5");
    assert_int_equal(p.ram_base_addr, 0);
    /* The first bank of the smallest first bank seen (16 GB D0). */
    assert_int_equal(p.ram_size_bytes, 0x3f600000);
    assert_int_equal(p.n_more_ram, 1);
    assert_int_equal(p.more_ram[0].addr, 0x40000000);
    assert_int_equal(p.reserved[0].addr, 0);
    assert_int_equal(p.reserved[0].size_bytes, 512 << 10);
    assert_int_equal(p.uboot_env_bytes, 16 << 10);
    assert_null(platform_env(&p, "fdt_addr"));
    assert_string_equal(platform_env(&p, "bootdelay"), "-2");
    assert_int_equal(p.n_bus_windows, 1);
    assert_string_equal(p.bus_windows[0].bus.path, "/axi");
    assert_int_equal(p.bus_windows[0].addr, 0xfffffff000ull);
    assert_int_equal(p.bus_windows[0].size_bytes, 4096);
    assert_int_equal(p.n_page_regs, 1);
    assert_string_equal(p.page_regs[0].path, "/soc@107c000000/serial@7d001000");
    assert_int_equal(p.n_tree_edits, 8);
    assert_int_equal(p.tree_edits[0].kind, PLATFORM_EDIT_REMOVE);
    assert_string_equal(p.tree_edits[0].prop, "vqmmc-supply");
    assert_int_equal(p.tree_edits[7].kind, PLATFORM_EDIT_FLAG);
    assert_string_equal(p.tree_edits[7].prop, "non-removable");
    assert_string_equal(p.revision_var, "board_revision");
    assert_int_equal(p.revision_mask, 0xf);
    assert_int_equal(p.n_revision_trees, 1);
    assert_int_equal(p.revision_trees[0].revision, 1);
    assert_string_equal(p.revision_trees[0].file, "bcm2712-d-rpi-5-b.dtb");
    assert_string_equal(p.mac_var, "ethaddr");
    assert_string_equal(p.mac_node.path,
                        "/axi/pcie@1000120000/pci@0,0/dev@0,0/pci-ep-bus@1/ethernet@40100000");
}

static void test_tree_edits_set_texts_and_phandles(void **state)
{
    (void)state;
    struct xu_err err = {{0}};
    const char *path = write_temp(
        "p.cfg",
        BASE "tree_edits = [ \"/soc/mmc@1/wifi@1 set brcm,board-type 'raspberrypi,5-model-b'\",\n"
             "  \"/soc/pinctrl set pinctrl-0 <&/soc/pinctrl/sd2 &/soc/pinctrl/wl-on>\",\n"
             "  \"/soc/pinctrl set pinctrl-names 'default'\" ]\n");

    if (platform_load(path, &p, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(p.n_tree_edits, 3);
    assert_int_equal(p.tree_edits[0].kind, PLATFORM_EDIT_STRING);
    assert_string_equal(p.tree_edits[0].node.path, "/soc/mmc@1/wifi@1");
    assert_string_equal(p.tree_edits[0].prop, "brcm,board-type");
    assert_string_equal(p.tree_edits[0].text, "raspberrypi,5-model-b");
    assert_int_equal(p.tree_edits[1].kind, PLATFORM_EDIT_PHANDLES);
    assert_int_equal(p.tree_edits[1].n_refs, 2);
    assert_string_equal(p.tree_edits[1].refs[0].path, "/soc/pinctrl/sd2");
    assert_string_equal(p.tree_edits[1].refs[1].path, "/soc/pinctrl/wl-on");
    assert_int_equal(p.tree_edits[1].refs[1].line, 7);
    assert_string_equal(p.tree_edits[2].text, "default");
}

static void test_tree_edit_refusals(void **state)
{
    (void)state;
    expect_error(BASE "bus_windows = [ '/axi,0x1000' ]\n",
                 ":6: bus_windows: \"/axi,0x1000\" is not \"BUS PATH,ADDR,SIZE\"");
    expect_error(BASE "bus_windows = [ 'axi,0x1000,4K' ]\n",
                 ":6: bus_windows: \"axi\": not a device-tree path (starting with /)");
    expect_error(BASE "bus_windows = [ '/axi,0x1000,0' ]\n",
                 ":6: bus_windows: \"/axi,0x1000,0\": bad address or size");
    expect_error(BASE "tree_edits = [ '/soc/mmc@1 del vmmc-supply' ]\n",
                 ":6: tree_edits: \"/soc/mmc@1 del vmmc-supply\" is not \"PATH rm PROPERTY\" or "
                 "\"PATH set PROPERTY [VALUE]\"");
    expect_error(BASE "tree_edits = [ '/soc/mmc@1 set #size-cells' ]\n",
                 ":6: tree_edits: \"#size-cells\": a property boot.scr edits is named with "
                 "letters, digits and , . _ + - only");
    expect_error(BASE "tree_edits = [ '/soc/mmc@1 rm a b' ]\n",
                 ":6: tree_edits: \"/soc/mmc@1 rm a b\" is not \"PATH rm PROPERTY\" or \"PATH "
                 "set PROPERTY [VALUE]\"");
    expect_error(BASE "tree_edits = [ \"/soc/mmc@1 set p 'a$b'\" ]\n",
                 ":6: tree_edits: 'a$b': a text boot.scr sets is printable, without quotes, $, "
                 "\\, ; or `, and under 128 characters");
    expect_error(BASE "tree_edits = [ \"/soc/mmc@1 set p <&/a b>\" ]\n",
                 ":6: tree_edits: <&/a b>: \"b\" is not &NODE (a node's phandle)");
    expect_error(BASE "tree_edits = [ \"/soc/mmc@1 set p <&a>\" ]\n",
                 ":6: tree_edits: \"a\": not a device-tree path (starting with /)");
    expect_error(BASE "tree_edits = [ \"/soc/mmc@1 set p < >\" ]\n",
                 ":6: tree_edits: < >: no phandle between < and >");
    expect_error(BASE "tree_edits = [ \"/soc/mmc@1 set p <&/a &/b &/c &/d &/e>\" ]\n",
                 ":6: tree_edits: <&/a &/b &/c &/d &/e>: more than 4 phandles");
    expect_error(BASE "tree_edits = [ \"/soc/mmc@1 set p value\" ]\n",
                 ":6: tree_edits: value is not 'TEXT' or <&NODE ...>");
    expect_error(BASE "revision_trees = [ '0x1,d0.dtb' ]\n",
                 ": revision_trees needs revision_var and revision_mask");
    expect_error(BASE "revision_var = 'a b'\nrevision_mask = 0xf\n"
                      "revision_trees = [ '0x1,d0.dtb' ]\n",
                 ": revision_var: \"a b\" is not a variable name");
    expect_error(BASE "revision_trees = [ 'one,d0.dtb' ]\n",
                 ":6: revision_trees: \"one\": not a number");
    expect_error(BASE "mac_address = 'eth addr,/x'\n",
                 ":6: mac_address: \"eth addr\" is not a variable name");
    expect_error(BASE "mac_address = '/x'\n",
                 ":6: mac_address: \"/x\" is not \"U-BOOT VARIABLE,NODE PATH\"");
    expect_error(BASE "more_ram = [ '0x40000000,1G' ]\n",
                 ":6: more_ram: \"0x40000000,1G\" is not \"ADDR,SIZE,what it is\"");
}

static void test_cpu_pools(void **state)
{
    (void)state;
    struct xu_err err = {{0}};
    const char *path = write_temp("p.cfg", BASE "cpupools = [ 'rt,null,3', 'soft-rt,rtds,1-2' ]\n");

    if (platform_load(path, &p, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(p.n_cpupools, 2);
    assert_string_equal(p.cpupools[0].name, "rt");
    assert_string_equal(p.cpupools[0].sched, "null");
    assert_true(cpuset_has(&p.cpupools[0].cpus, 3));
    assert_false(cpuset_has(&p.cpupools[0].cpus, 2));
    assert_int_equal(p.cpupools[1].line, 6);
    assert_string_equal(p.cpupools[1].cpus_text, "1-2");
    assert_true(cpuset_has(&p.cpupools[1].cpus, 1) && cpuset_has(&p.cpupools[1].cpus, 2));
    assert_ptr_equal(platform_cpupool(&p, "soft-rt"), &p.cpupools[1]);
    assert_null(platform_cpupool(&p, "Pool-0"));
}

static void test_cpu_pool_refusals(void **state)
{
    (void)state;
    expect_error(BASE "cpupools = [ 'rt,null' ]\n",
                 ":6: cpupools: \"rt,null\" is not \"NAME,SCHEDULER,CPUS\"");
    expect_error(BASE "cpupools = [ 'rt,fifo,1' ]\n",
                 ":6: cpupools: rt,fifo,1: pool rt: \"fifo\" is not a scheduler pixen's Xen has "
                 "(credit, credit2, null, rtds, arinc653)");
    expect_error(BASE "cpupools = [ 'rt,null,0-1' ]\n",
                 ":6: cpupools: pool rt: CPU 0 is Xen's boot CPU: it stays in Pool-0, with Dom0");
    expect_error(BASE "cpupools = [ 'rt,null,all' ]\n",
                 ":6: cpupools: pool rt: \"all\": name the CPUs by number");
    expect_error(
        BASE "cpupools = [ 'rt,null,1-' ]\n",
        ":6: cpupools: pool rt: \"1-\" is not a CPU, a range of CPUs (\"1-3\", ascending) or "
        "\"all\", each maybe after \"^\", of CPUs below 128");
    expect_error(BASE "cpupools = [ 'Pool-0,null,1' ]\n",
                 ":6: cpupools: Pool-0 is Xen's own: it holds CPU 0 and every CPU no pool here "
                 "names");
    expect_error(BASE "cpupools = [ 'r t,null,1' ]\n",
                 ":6: cpupools: \"r t\": a pool's name is at most 31 letters, digits, - and _");
    expect_error(BASE "cpupools = [ 'a,null,1-2',\n 'b,credit2,2' ]\n",
                 ":7: cpupools: CPU 2 is in pool b and pool a (line 6)");
    expect_error(BASE "cpupools = [ 'a,null,1',\n 'a,credit2,2' ]\n",
                 ":7: cpupools: pool a is named twice (line 6)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qemu_platform_as_shipped),
        cmocka_unit_test(test_nodes_kept_for_guests_and_switched_off),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_node_refusals),
        cmocka_unit_test(test_rpi5_platform_as_shipped),
        cmocka_unit_test(test_tree_edits_set_texts_and_phandles),
        cmocka_unit_test(test_tree_edit_refusals),
        cmocka_unit_test(test_cpu_pools),
        cmocka_unit_test(test_cpu_pool_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
