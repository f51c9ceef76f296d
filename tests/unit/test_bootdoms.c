/* The boot-time domains xu attach finds in the device tree Dom0 booted with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "bootdoms.h"

static char blob[4096];

/* /chosen as mkboot's boot.scr leaves it, with `n` domain nodes; `config` NULL leaves it out. */
static void build(unsigned n, const char *config, unsigned memory_cells)
{
    fdt32_t memory[2] = {cpu_to_fdt32(0), cpu_to_fdt32(262144)};
    char name[16];

    assert_int_equal(fdt_create(blob, sizeof(blob)), 0);
    assert_int_equal(fdt_finish_reservemap(blob), 0);
    assert_int_equal(fdt_begin_node(blob, ""), 0);
    assert_int_equal(fdt_begin_node(blob, "chosen"), 0);
    assert_int_equal(fdt_begin_node(blob, "module@40600000"), 0);
    assert_int_equal(fdt_property_string(blob, "compatible", "multiboot,module"), 0);
    assert_int_equal(fdt_end_node(blob), 0);
    for (unsigned i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "Dom%c", 'D' + i);
        assert_int_equal(fdt_begin_node(blob, name), 0);
        assert_int_equal(fdt_property_string(blob, "compatible", "xen,domain"), 0);
        assert_int_equal(fdt_property(blob, "memory", memory, memory_cells * 4), 0);
        assert_int_equal(fdt_property_u32(blob, "cpus", 1 + i), 0);
        if (config)
            assert_int_equal(fdt_property_string(blob, "pixen,config", config), 0);
        assert_int_equal(fdt_end_node(blob), 0);
    }
    assert_int_equal(fdt_end_node(blob), 0);
    assert_int_equal(fdt_end_node(blob), 0);
    assert_int_equal(fdt_finish(blob), 0);
}

static void test_domains_are_numbered_in_tree_order(void **state)
{
    (void)state;
    struct boot_domain_node nodes[4];
    struct xu_err err = {{0}};
    size_t n;

    build(2, "domd.cfg", 2);
    assert_int_equal(bootdoms_read(blob, sizeof(blob), "fdt", nodes, 4, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(nodes[0].domid, 1);
    assert_string_equal(nodes[0].node, "DomD");
    assert_string_equal(nodes[0].config_file, "domd.cfg");
    assert_int_equal(nodes[0].memory_kib, 262144);
    assert_int_equal(nodes[0].vcpus, 1);
    assert_int_equal(nodes[1].domid, 2);
    assert_string_equal(nodes[1].node, "DomE");
    assert_int_equal(nodes[1].vcpus, 2);
}

static void test_a_1to1_domain_and_the_end_of_its_static_memory(void **state)
{
    (void)state;
    fdt32_t banks[8] = {cpu_to_fdt32(0),        cpu_to_fdt32(0x70000000), cpu_to_fdt32(0),
                        cpu_to_fdt32(0x100000), cpu_to_fdt32(0),          cpu_to_fdt32(0x60000000),
                        cpu_to_fdt32(0),        cpu_to_fdt32(0x100000)};
    struct boot_domain_node nodes[4];
    struct xu_err err = {{0}};
    size_t n;
    int off;

    build(1, "domd.cfg", 2);
    assert_int_equal(fdt_open_into(blob, blob, sizeof(blob)), 0);
    off = fdt_path_offset(blob, "/chosen/DomD");
    assert_int_equal(fdt_setprop(blob, off, "xen,static-mem", banks, sizeof(banks)), 0);
    assert_int_equal(fdt_setprop_empty(blob, off, "direct-map"), 0);
    assert_int_equal(bootdoms_read(blob, sizeof(blob), "fdt", nodes, 4, &n, &err), 0);
    assert_true(nodes[0].direct_map);
    assert_int_equal(nodes[0].static_mem_end, 0x70100000);
    assert_false(nodes[0].start_paused);
    assert_int_equal(fdt_setprop_empty(blob, off, "pixen,start-paused"), 0);
    assert_int_equal(bootdoms_read(blob, sizeof(blob), "fdt", nodes, 4, &n, &err), 0);
    assert_true(nodes[0].start_paused);
    assert_int_equal(fdt_setprop(blob, off, "xen,static-mem", banks, 12), 0);
    assert_int_equal(bootdoms_read(blob, sizeof(blob), "fdt", nodes, 4, &n, &err), -1);
    assert_string_equal(err.msg, "fdt: /chosen/DomD: xen,static-mem is not 64-bit address, size "
                                 "pairs");
}

static void test_no_domains_is_no_error(void **state)
{
    (void)state;
    struct boot_domain_node nodes[4];
    struct xu_err err = {{0}};
    size_t n = 9;

    build(0, NULL, 2);
    assert_int_equal(bootdoms_read(blob, sizeof(blob), "fdt", nodes, 4, &n, &err), 0);
    assert_int_equal(n, 0);
}

static void test_what_mkboot_did_not_write_is_refused(void **state)
{
    (void)state;
    struct boot_domain_node nodes[4];
    struct xu_err err = {{0}};
    size_t n;

    build(1, NULL, 2);
    assert_int_equal(bootdoms_read(blob, sizeof(blob), "fdt", nodes, 4, &n, &err), -1);
    assert_string_equal(err.msg,
                        "fdt: /chosen/DomD: no pixen,config: not written by pixen's mkboot");
    build(1, "domd.cfg", 1);
    assert_int_equal(bootdoms_read(blob, sizeof(blob), "fdt", nodes, 4, &n, &err), -1);
    assert_string_equal(err.msg, "fdt: /chosen/DomD: no 64-bit memory property");
    build(2, "domd.cfg", 2);
    assert_int_equal(bootdoms_read(blob, sizeof(blob), "fdt", nodes, 1, &n, &err), -1);
    assert_string_equal(err.msg, "fdt: more than 1 boot-time domains");
    /* A property whose length runs past its block: libfdt 1.6 would loop on it. */
    build(1, "domd.cfg", 2);
    {
        int off = fdt_path_offset(blob, "/chosen/DomD");
        const struct fdt_property *p = fdt_get_property(blob, off, "cpus", NULL);

        ((struct fdt_property *)p)->len = cpu_to_fdt32(0xfffffff0);
    }
    assert_int_equal(bootdoms_read(blob, sizeof(blob), "fdt", nodes, 4, &n, &err), -1);
    assert_string_equal(err.msg, "fdt: a damaged device tree: a property's value runs off the "
                                 "structure block");
    memset(blob, 0xa5, 64);
    assert_int_equal(bootdoms_read(blob, sizeof(blob), "fdt", nodes, 4, &n, &err), -1);
    assert_int_equal(bootdoms_read(blob, 10, "fdt", nodes, 4, &n, &err), -1);
    assert_string_equal(err.msg, "fdt: a damaged device tree: no device tree magic");
}

/* Xen counts the shared memory a domain owns among its pages: xu attach must too. */
static void test_the_shared_memory_a_domain_owns(void **state)
{
    (void)state;
    fdt32_t shm[6] = {cpu_to_fdt32(0),          cpu_to_fdt32(0xbbe00000), cpu_to_fdt32(0),
                      cpu_to_fdt32(0x7fe00000), cpu_to_fdt32(0),          cpu_to_fdt32(0x10000)};
    struct boot_domain_node nodes[4];
    struct xu_err err = {{0}};
    size_t n;
    int off;

    build(2, "shm.cfg", 2);
    assert_int_equal(fdt_open_into(blob, blob, sizeof(blob)), 0);
    for (int d = 0; d < 2; d++) {
        off = fdt_add_subnode(blob, fdt_path_offset(blob, d ? "/chosen/DomE" : "/chosen/DomD"),
                              "shm-ring");
        assert_true(off >= 0);
        assert_int_equal(fdt_setprop_string(blob, off, "compatible", "xen,domain-shared-memory-v1"),
                         0);
        assert_int_equal(fdt_setprop(blob, off, "xen,shared-mem", shm, sizeof(shm)), 0);
        assert_int_equal(fdt_setprop_string(blob, off, "role", d ? "borrower" : "owner"), 0);
    }
    assert_int_equal(bootdoms_read(blob, sizeof(blob), "fdt", nodes, 4, &n, &err), 0);
    assert_int_equal(nodes[0].owned_shm_kib, 64);
    assert_int_equal(nodes[1].owned_shm_kib, 0);
}

/* The pools mkboot wrote: Dom0 finds each by its CPUs, since Xen numbers them itself. */
static void test_cpu_pools_by_name_and_cpus(void **state)
{
    (void)state;
    fdt32_t cpus[2] = {cpu_to_fdt32(2), cpu_to_fdt32(3)};
    struct boot_pool_node pools[4];
    struct xu_err err = {{0}};
    size_t n;
    int off;

    build(1, "domd.cfg", 2);
    assert_int_equal(fdt_open_into(blob, blob, sizeof(blob)), 0);
    off = fdt_add_subnode(blob, fdt_path_offset(blob, "/chosen"), "cpupool-rt");
    assert_true(off >= 0);
    assert_int_equal(fdt_setprop_string(blob, off, "compatible", "xen,cpupool"), 0);
    assert_int_equal(fdt_setprop_string(blob, off, "pixen,pool-name", "rt"), 0);
    assert_int_equal(fdt_setprop(blob, off, "pixen,cpus", cpus, sizeof(cpus)), 0);
    assert_int_equal(bootdoms_read_pools(blob, sizeof(blob), "fdt", pools, 4, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(pools[0].name, "rt");
    assert_false(cpuset_has(&pools[0].cpus, 1));
    assert_true(cpuset_has(&pools[0].cpus, 2) && cpuset_has(&pools[0].cpus, 3));
    /* A pool node mkboot did not write is refused, not guessed at. */
    assert_int_equal(fdt_delprop(blob, off, "pixen,cpus"), 0);
    assert_int_equal(bootdoms_read_pools(blob, sizeof(blob), "fdt", pools, 4, &n, &err), -1);
    assert_string_equal(err.msg, "fdt: /chosen/cpupool-rt: no pixen,cpus");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu_pools_by_name_and_cpus),
        cmocka_unit_test(test_the_shared_memory_a_domain_owns),
        cmocka_unit_test(test_domains_are_numbered_in_tree_order),
        cmocka_unit_test(test_a_1to1_domain_and_the_end_of_its_static_memory),
        cmocka_unit_test(test_no_domains_is_no_error),
        cmocka_unit_test(test_what_mkboot_did_not_write_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
