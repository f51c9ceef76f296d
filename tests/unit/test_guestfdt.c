/* The guest device tree, decompiled with dtc and compared with what a guest must see. */
#include <libfdt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guestfdt.h"
#include "testutil.h"

#define MiB(n) ((uint64_t)(n) << 20)

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = calloc(1, 1 << 20);

    if (!f || !buf)
        abort();
    if (fread(buf, 1, (1 << 20) - 1, f) == 0 && ferror(f))
        abort();
    fclose(f);
    return buf;
}

/* dtc's view of a blob, as text. */
static char *decompile(const void *blob)
{
    char cmd[600];
    const char *dtb = write_temp_bytes("guest.dtb", blob, fdt_totalsize(blob));

    snprintf(cmd, sizeof(cmd), "dtc -q -I dtb -O dts -o %s/guest.dts %s", temp_dir(), dtb);
    if (system(cmd) != 0)
        fail_msg("dtc failed on the blob");
    snprintf(cmd, sizeof(cmd), "%s/guest.dts", temp_dir());
    return read_all(cmd);
}

static void assert_matches_file(const char *text, const char *expected_name)
{
    char path[512];
    char *expected;

    snprintf(path, sizeof(path), "%s/tests/unit/data/%s", SOURCE_ROOT, expected_name);
    expected = read_all(path);
    if (strcmp(text, expected) != 0) {
        fprintf(stderr, "--- got:\n%s--- expected (%s):\n%s", text, path, expected);
        fail();
    }
    free(expected);
}

static void test_linux_guest_on_gicv2(void **state)
{
    (void)state;
    struct guest_fdt_config c = {
        .vcpus = 2,
        .gic = GIC_V2,
        .bootargs = "console=hvc0",
        .has_ramdisk = true,
        .xen_major = 4,
        .xen_minor = 17,
    };
    struct guest_bank banks[GMAP_RAM_BANKS], ext[GMAP_EXT_REGIONS_MAX];
    struct xu_err err = {{0}};
    void *blob;
    unsigned n_ext;
    size_t size;
    char *text;

    assert_int_equal(guest_fdt_build(&c, &blob, &err), 0);
    size = fdt_totalsize(blob);
    guest_ram_banks(256, banks);
    n_ext = guest_extended_regions(banks, 40, NULL, 0, ext);
    assert_int_equal(n_ext, 2);
    assert_int_equal(guest_fdt_finalise(blob, banks, 0x48000000, 0x48200000, ext, n_ext, &err), 0);
    assert_int_equal(fdt_totalsize(blob), size);
    text = decompile(blob);
    assert_matches_file(text, "guest-gicv2.dts");
    free(text);
    free(blob);
}

static void test_small_guest_on_gicv3_with_vuart_optee_and_passthrough(void **state)
{
    (void)state;
    static const uint8_t seed[GUEST_RNG_SEED_BYTES] = {1, 2, 3};
    char cmd[600], path[600];
    struct guest_fdt_config c = {
        .vcpus = 1,
        .gic = GIC_V3,
        .clock_frequency = 62500000,
        .bootargs = "",
        .vuart = VUART_SBSA,
        .tee = TEE_OPTEE,
        .xen_major = 4,
        .xen_minor = 17,
        .rng_seed = seed,
        .partial_name = "pl061.dtb",
    };
    struct guest_bank banks[GMAP_RAM_BANKS], ext[GMAP_EXT_REGIONS_MAX];
    struct xu_err err = {{0}};
    void *blob;
    char *partial, *text;
    size_t len;

    write_temp("pl061.dts", "/dts-v1/;\n/ {\n\tpassthrough {\n\t\tcompatible = \"simple-bus\";\n"
                            "\t\tranges;\n\t\t#address-cells = <2>;\n\t\t#size-cells = <2>;\n"
                            "\t\tgpio@9030000 {\n\t\t\tcompatible = \"arm,pl061\", "
                            "\"arm,primecell\";\n\t\t\treg = <0x0 0x9030000 0x0 0x1000>;\n"
                            "\t\t\tinterrupts = <0x0 0x7 0x4>;\n\t\t};\n\t};\n"
                            "\taliases {\n\t\tgpio0 = \"/passthrough/gpio@9030000\";\n\t};\n"
                            "\tignored {\n\t};\n};\n");
    snprintf(cmd, sizeof(cmd), "dtc -q -I dts -O dtb -o %s/pl061.dtb %s/pl061.dts", temp_dir(),
             temp_dir());
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof(path), "%s/pl061.dtb", temp_dir());
    partial = read_all(path);
    len = fdt_totalsize(partial);
    c.partial = partial;
    c.partial_bytes = len;
    assert_int_equal(guest_fdt_build(&c, &blob, &err), 0);
    guest_ram_banks(16, banks);
    /* A 32-bit address space leaves bank 1 out of reach. */
    assert_int_equal(guest_extended_regions(banks, 32, NULL, 0, ext), 1);
    assert_int_equal(guest_fdt_finalise(blob, banks, 0, 0, ext, 1, &err), 0);
    text = decompile(blob);
    assert_matches_file(text, "guest-gicv3-passthrough.dts");
    free(text);
    free(blob);
    free(partial);
}

static void test_partial_device_trees_that_are_refused(void **state)
{
    (void)state;
    struct guest_fdt_config c = {.vcpus = 1, .gic = GIC_V2, .partial_name = "p.dtb"};
    struct xu_err err = {{0}};
    char buf[256] = "not a device tree";
    void *blob;

    c.partial = buf;
    c.partial_bytes = sizeof(buf);
    assert_int_equal(guest_fdt_build(&c, &blob, &err), -1);
    assert_string_equal(err.msg,
                        "p.dtb: not a device tree blob (no FDT magic); compile it with dtc");
    assert_int_equal(fdt_create_empty_tree(buf, sizeof(buf)), 0);
    c.partial_bytes = 100;
    assert_int_equal(guest_fdt_build(&c, &blob, &err), -1);
    assert_string_equal(err.msg, "p.dtb: a damaged device tree blob: truncated");
    c.partial_bytes = sizeof(buf);
    assert_int_equal(guest_fdt_build(&c, &blob, &err), -1);
    assert_string_equal(err.msg, "p.dtb: no /passthrough node; the nodes a guest gets go there");
}

/* Pages passed through where the guest's RAM banks have room are not offered for grants. */
static void test_extended_regions_leave_out_passed_through_pages(void **state)
{
    (void)state;
    struct guest_bank banks[GMAP_RAM_BANKS], ext[GMAP_EXT_REGIONS_MAX];
    /* The Pi 5's gio_aon page at 64 GiB + 0x7d517000 (bank 1), and one in bank 0. */
    const struct iomem_range pi5[] = {{.start_pfn = 0x107d517, .n_pages = 1, .gfn = 0x107d517}};
    const struct iomem_range low[] = {{.start_pfn = 0x9030, .n_pages = 1, .gfn = 0x80000}};
    const struct iomem_range many[] = {{.start_pfn = 1, .n_pages = 1, .gfn = 0x100000},
                                       {.start_pfn = 2, .n_pages = 1, .gfn = 0x200000},
                                       {.start_pfn = 3, .n_pages = 1, .gfn = 0x300000},
                                       {.start_pfn = 4, .n_pages = 1, .gfn = 0x400000},
                                       {.start_pfn = 5, .n_pages = 1, .gfn = 0x500000}};

    guest_ram_banks(16, banks);
    assert_int_equal(guest_extended_regions(banks, 40, pi5, 1, ext), 3);
    assert_int_equal(ext[0].base_addr, 0x41000000ull);
    assert_int_equal(ext[1].base_addr, 0x200000000ull);
    /* Up to the 2 MiB boundary below the page, and from the one above it. */
    assert_int_equal(ext[1].base_addr + ext[1].size_bytes, 0x107d400000ull);
    assert_int_equal(ext[2].base_addr, 0x107d600000ull);
    assert_int_equal(ext[2].base_addr + ext[2].size_bytes, 1ull << 40);

    /* A page at 2 GiB splits bank 0's region. */
    assert_int_equal(guest_extended_regions(banks, 40, low, 1, ext), 3);
    assert_int_equal(ext[0].base_addr, 0x41000000ull);
    assert_int_equal(ext[0].base_addr + ext[0].size_bytes, 0x80000000ull);
    assert_int_equal(ext[1].base_addr, 0x80200000ull);
    assert_int_equal(ext[2].base_addr, 0x200000000ull);

    /* Pages outside the banks' room change nothing (QEMU's PL061 at its own address). */
    const struct iomem_range pl061[] = {{.start_pfn = 0x9030, .n_pages = 1, .gfn = 0x9030}};
    assert_int_equal(guest_extended_regions(banks, 40, pl061, 1, ext), 2);

    /* More pieces than a guest is offered: the largest, in address order. */
    assert_int_equal(guest_extended_regions(banks, 40, many, 5, ext), GMAP_EXT_REGIONS_MAX);
    for (unsigned i = 1; i < GMAP_EXT_REGIONS_MAX; i++)
        assert_true(ext[i - 1].base_addr < ext[i].base_addr);
    assert_int_equal(ext[GMAP_EXT_REGIONS_MAX - 1].base_addr, 0x500200000ull);
}

static void test_memory_map_rules(void **state)
{
    (void)state;
    struct guest_bank banks[GMAP_RAM_BANKS], ext[GMAP_EXT_REGIONS_MAX];

    guest_ram_banks(4096, banks);
    assert_int_equal(banks[0].size_bytes, 0xc0000000ull);
    assert_int_equal(banks[1].base_addr, 0x200000000ull);
    assert_int_equal(banks[1].size_bytes, MiB(1024));
    assert_int_equal(guest_extended_regions(banks, 40, NULL, 0, ext), 1);
    assert_int_equal(ext[0].base_addr, 0x240000000ull);
    assert_int_equal(ext[0].size_bytes, 0xffffffffffull - 0x240000000ull + 1);
    /* An odd size rounds up to 2 MiB before the region starts. */
    guest_ram_banks(129, banks);
    guest_extended_regions(banks, 40, NULL, 0, ext);
    assert_int_equal(ext[0].base_addr, 0x48200000ull);
    assert_int_equal(guest_vcpu_mpidr(0), 0);
    assert_int_equal(guest_vcpu_mpidr(15), 15);
    assert_int_equal(guest_vcpu_mpidr(16), 0x100);
    assert_int_equal(guest_vcpu_mpidr(17), 0x101);
    assert_int_equal(guest_paging_pool_bytes(1, 512), 3584 << 10);
    assert_int_equal(guest_maxmem_kib(256), 256 * 1024 + 1024);
}

static void test_spis_cover_the_highest_interrupt(void **state)
{
    (void)state;
    static struct domain_config dc;

    assert_int_equal(guest_nr_spis(&dc), 0);
    dc.vuart = VUART_SBSA;
    assert_int_equal(guest_nr_spis(&dc), 1);
    dc.irqs[0] = 39;
    dc.irqs[1] = 35;
    dc.n_irqs = 2;
    assert_int_equal(guest_nr_spis(&dc), 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux_guest_on_gicv2),
        cmocka_unit_test(test_small_guest_on_gicv3_with_vuart_optee_and_passthrough),
        cmocka_unit_test(test_partial_device_trees_that_are_refused),
        cmocka_unit_test(test_memory_map_rules),
        cmocka_unit_test(test_extended_regions_leave_out_passed_through_pages),
        cmocka_unit_test(test_spis_cover_the_highest_interrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
