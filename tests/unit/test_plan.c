/* Boot placement: every address comes from the platform and the files' sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plan.h"

#define MiB(n) ((uint64_t)(n) << 20)

static struct platform platform;
static struct domain_config dom0;
static struct boot_plan plan;

static struct boot_file file(const char *name, uint64_t size, uint64_t image_size, bool anywhere)
{
    struct boot_file f = {.size_bytes = size};

    snprintf(f.name, sizeof(f.name), "%s", name);
    f.image.kind = IMAGE_ARM64;
    f.image.image_size_bytes = image_size;
    f.image.anywhere = anywhere;
    return f;
}

static int setup(void **state)
{
    (void)state;
    memset(&platform, 0, sizeof(platform));
    strcpy(platform.name, "qemu");
    strcpy(platform.source, "platform.cfg");
    platform.ram_base_addr = 0x40000000;
    platform.ram_size_bytes = MiB(2048);
    platform.reserved[0] = (struct region){0x40000000, MiB(1), "firmware device tree"};
    platform.reserved[1] = (struct region){0x40200000, 0x10000, "boot.scr"};
    platform.reserved[2] = (struct region){0xbc000000, MiB(64), "u-boot"};
    platform.n_reserved = 3;
    strcpy(platform.fdt_var, "fdt_addr");
    platform.fdt_max_bytes = MiB(1);
    strcpy(platform.xen_cmdline, "console=dtuart");
    memset(&dom0, 0, sizeof(dom0));
    dom0.memory_mib = 128;
    dom0.maxmem_mib = 128;
    dom0.vcpus = 1;
    strcpy(dom0.cmdline, "console=hvc0");
    return 0;
}

static void test_qemu_placement(void **state)
{
    (void)state;
    struct boot_file xen = file("xen", 983048, 0x10e000, true);
    struct boot_file kernel = file("Image", 32956352, 0x2000000, true);
    struct boot_file ramdisk = file("initrd", 2217967, 0, false);
    struct xu_err err = {{0}};

    struct boot_files files = {.xen = &xen, .kernel = &kernel, .ramdisk = &ramdisk};

    assert_int_equal(plan_boot(&platform, &dom0, &files, &plan, &err), 0);
    assert_int_equal(plan.n_modules, 3);
    /* The first 2 MiB boundary past the firmware's tree and boot.scr. */
    assert_int_equal(plan.modules[0].addr, 0x40400000);
    assert_int_equal(plan.modules[0].slot_bytes, MiB(2));
    assert_int_equal(plan.fdt_addr, 0x40600000);
    assert_int_equal(plan.fdt_bytes, MiB(1) + BOOT_FDT_ROOM_BYTES);
    assert_int_equal(plan.modules[1].addr, 0x40800000);
    assert_int_equal(plan.modules[1].slot_bytes, MiB(32));
    assert_int_equal(plan.modules[2].addr, 0x42800000);
    assert_int_equal(plan.modules[2].slot_bytes, MiB(4));
    assert_string_equal(plan.xen_cmdline, "console=dtuart dom0_mem=128M,max:128M dom0_max_vcpus=1");
    assert_string_equal(plan.modules[1].bootargs, "console=hvc0");
    assert_null(plan.modules[2].bootargs);
}

static void test_xen_running_size_counts(void **state)
{
    (void)state;
    /* A file of 1 MiB whose BSS takes it to 3 MiB needs two 2 MiB granules. */
    struct boot_file xen = file("xen", MiB(1), MiB(3), true);
    struct boot_file kernel = file("Image", MiB(1), 0, true);
    struct xu_err err = {{0}};

    struct boot_files files = {.xen = &xen, .kernel = &kernel};

    assert_int_equal(plan_boot(&platform, &dom0, &files, &plan, &err), 0);
    assert_int_equal(plan.modules[0].slot_bytes, MiB(4));
    assert_int_equal(plan.fdt_addr, 0x40800000);
    assert_int_equal(plan.n_modules, 2);
}

static void test_files_too_big_for_ram(void **state)
{
    (void)state;
    struct boot_file xen = file("xen", MiB(1), MiB(1), true);
    struct boot_file kernel = file("Image", MiB(2000), 0, true);
    struct xu_err err = {{0}};

    struct boot_files files = {.xen = &xen, .kernel = &kernel};

    assert_int_equal(plan_boot(&platform, &dom0, &files, &plan, &err), -1);
    assert_string_equal(err.msg, "boot files do not fit in RAM: dom0 kernel (Image): does not "
                                 "fit: needs 2048000 KiB at a 2048 KiB boundary; the largest "
                                 "free 2048 KiB-aligned room in 0x40000000-0xbfffffff is "
                                 "2023424 KiB");
}

static void test_xen_must_be_placeable_anywhere(void **state)
{
    (void)state;
    struct boot_file xen = file("xen", MiB(1), MiB(1), false);
    struct boot_file kernel = file("Image", MiB(1), 0, true);
    struct boot_files files = {.xen = &xen, .kernel = &kernel};
    struct xu_err err = {{0}};

    assert_int_equal(plan_boot(&platform, &dom0, &files, &plan, &err), -1);
    assert_string_equal(err.msg, "xen: its Image header does not allow placement anywhere in RAM");
    xen = file("xen", MiB(1), MiB(1), true);
    xen.image.kind = IMAGE_GZIP;
    assert_int_equal(plan_boot(&platform, &dom0, &files, &plan, &err), -1);
    assert_string_equal(err.msg, "xen: Xen must be an uncompressed arm64 Image for booti");
}

static void test_a_flask_policy_is_a_module_and_turns_flask_on(void **state)
{
    (void)state;
    struct boot_file xen = file("xen", MiB(1), MiB(1), true);
    struct boot_file kernel = file("Image", MiB(30), 0, true);
    struct boot_file policy = file("xenpolicy", 10943, 0, false);
    struct boot_files files = {.xen = &xen, .kernel = &kernel, .xsm_policy = &policy};
    struct xu_err err = {{0}};

    assert_int_equal(plan_boot(&platform, &dom0, &files, &plan, &err), 0);
    assert_int_equal(plan.n_modules, 3);
    assert_string_equal(plan.modules[2].role, "xsm policy");
    assert_string_equal(plan.modules[2].compatible, "\"xen,xsm-policy\" \"multiboot,module\"");
    assert_int_equal(plan.modules[2].slot_bytes, MiB(2));
    assert_string_equal(plan.xen_cmdline,
                        "console=dtuart xsm=flask dom0_mem=128M,max:128M dom0_max_vcpus=1");
}

static struct domain_config domd;

static void domd_config(const char *name)
{
    memset(&domd, 0, sizeof(domd));
    strcpy(domd.source, "boot/domd.cfg");
    snprintf(domd.name, sizeof(domd.name), "%s", name);
    domd.memory_mib = domd.maxmem_mib = 256;
    domd.vcpus = 1;
    strcpy(domd.cmdline, "console=ttyAMA0");
}

static void test_a_boot_time_domain_gets_its_node_and_modules(void **state)
{
    (void)state;
    struct boot_file xen = file("xen", MiB(1), MiB(1), true);
    struct boot_file kernel = file("Image", MiB(30), 0, true);
    struct boot_file initrd = file("domd-initramfs.cpio.gz", MiB(5), 0, false);
    struct boot_files files = {.xen = &xen, .kernel = &kernel};
    struct xu_err err = {{0}};

    domd_config("DomD");
    files.domains[0] = (struct boot_domain_files){&domd, "domd.cfg", &kernel, &initrd, NULL, NULL};
    files.n_domains = 1;
    assert_int_equal(plan_boot(&platform, &dom0, &files, &plan, &err), 0);
    assert_int_equal(plan.n_domains, 1);
    assert_string_equal(plan.domains[0].node, "/chosen/DomD");
    assert_string_equal(plan.domains[0].config_file, "domd.cfg");
    /*
     * Its kernel is Dom0's file: one load, one slot, one address in both
     * domains' nodes (Xen 4.17 counts them as one module and frees it once).
     */
    assert_int_equal(plan.n_modules, 4);
    assert_string_equal(plan.modules[2].role, "DomD kernel");
    assert_ptr_equal(plan.modules[2].parent, plan.domains[0].node);
    assert_int_equal(plan.modules[2].addr, plan.modules[1].addr);
    assert_int_equal(plan.modules[2].loaded_by, 1);
    assert_false(plan.modules[2].copied);
    assert_string_equal(plan.modules[2].bootargs, "console=ttyAMA0");
    assert_string_equal(plan.modules[3].role, "DomD ramdisk");
    assert_int_equal(plan.modules[3].loaded_by, 3);
    assert_int_equal(plan.modules[3].addr, plan.modules[1].addr + MiB(30));
    assert_int_equal(plan.modules[3].slot_bytes, MiB(6));
    assert_string_equal(plan.modules[1].parent, "/chosen");
    /* What u-boot reads from the card: each file once. */
    assert_int_equal(plan.card_read_bytes, MiB(1) + MiB(30) + MiB(5));
    for (size_t i = 0; i < plan.layout.n_taken; i++)
        if (plan.layout.taken[i].addr == plan.modules[1].addr)
            assert_string_equal(plan.layout.taken[i].what, "dom0 kernel, DomD kernel (Image)");
}

/* A gzip kernel is unpacked by Xen in place of its module: each domain gets a copy. */
static void test_a_gzip_kernel_two_domains_boot_is_copied_not_read_again(void **state)
{
    (void)state;
    struct boot_file xen = file("xen", MiB(1), MiB(1), true);
    struct boot_file kernel = file("Image.gz", MiB(12), 0, false);
    struct boot_files files = {.xen = &xen, .kernel = &kernel};
    struct xu_err err = {{0}};

    kernel.image.kind = IMAGE_GZIP;
    domd_config("DomD");
    files.domains[0] = (struct boot_domain_files){&domd, "domd.cfg", &kernel, NULL, NULL, NULL};
    files.n_domains = 1;
    assert_int_equal(plan_boot(&platform, &dom0, &files, &plan, &err), 0);
    assert_int_equal(plan.modules[2].loaded_by, 1);
    assert_true(plan.modules[2].copied);
    assert_int_equal(plan.modules[2].addr, plan.modules[1].addr + MiB(12));
    assert_int_equal(plan.card_read_bytes, MiB(1) + MiB(12));
}

/* Different files, or one file in different roles, are each loaded. */
static void test_only_the_same_file_in_the_same_role_is_shared(void **state)
{
    (void)state;
    struct boot_file xen = file("xen", MiB(1), MiB(1), true);
    struct boot_file kernel = file("Image", MiB(30), 0, true);
    struct boot_file other = file("Image-domd", MiB(30), 0, true);
    struct boot_file initrd = file("Image", MiB(30), 0, false);
    struct boot_files files = {.xen = &xen, .kernel = &kernel};
    struct xu_err err = {{0}};

    domd_config("DomD");
    files.domains[0] = (struct boot_domain_files){&domd, "domd.cfg", &other, &initrd, NULL, NULL};
    files.n_domains = 1;
    assert_int_equal(plan_boot(&platform, &dom0, &files, &plan, &err), 0);
    assert_int_equal(plan.modules[2].loaded_by, 2);
    /* The same file as Dom0's kernel, but as a ramdisk: a module of another kind. */
    assert_int_equal(plan.modules[3].loaded_by, 3);
    assert_true(plan.modules[3].addr != plan.modules[1].addr);
    assert_int_equal(plan.card_read_bytes, MiB(1) + 3 * MiB(30));
}

static void test_a_1to1_domain_keeps_files_off_its_memory_and_its_top_from_its_kernel(void **state)
{
    (void)state;
    struct boot_file xen = file("xen", MiB(1), MiB(1), true);
    struct boot_file kernel = file("Image", MiB(30), 0, true);
    struct boot_files files = {.xen = &xen, .kernel = &kernel};
    struct xu_err err = {{0}};

    domd_config("DomD");
    /* Right where the first files would go otherwise. */
    domd.static_mem[0] = (struct mem_bank){0x40400000, MiB(256)};
    domd.n_static_mem = 1;
    domd.direct_map = true;
    files.domains[0] = (struct boot_domain_files){&domd, "domd.cfg", &kernel, NULL, NULL, NULL};
    files.n_domains = 1;
    assert_int_equal(plan_boot(&platform, &dom0, &files, &plan, &err), 0);
    assert_int_equal(plan.modules[0].addr, 0x40400000 + MiB(256));
    for (unsigned i = 0; i < plan.n_modules; i++)
        assert_true(plan.modules[i].addr >= 0x40400000 + MiB(256));
    assert_string_equal(plan.modules[2].bootargs, "console=ttyAMA0 mem=260096K");
    domd.static_mem[0] = (struct mem_bank){0xb8000000, MiB(256)};
    assert_int_equal(plan_boot(&platform, &dom0, &files, &plan, &err), -1);
    assert_string_equal(err.msg, "boot/domd.cfg:0: static_mem: 0xb8000000-0xc7ffffff lies "
                                 "outside RAM (platform.cfg)");
}

static void test_boot_time_domain_names_must_be_node_names_and_unique(void **state)
{
    (void)state;
    struct boot_file xen = file("xen", MiB(1), MiB(1), true);
    struct boot_file kernel = file("Image", MiB(30), 0, true);
    struct boot_files files = {.xen = &xen, .kernel = &kernel};
    struct xu_err err = {{0}};

    domd_config("Dom D");
    files.domains[0] = (struct boot_domain_files){&domd, "domd.cfg", &kernel, NULL, NULL, NULL};
    files.n_domains = 1;
    assert_int_equal(plan_boot(&platform, &dom0, &files, &plan, &err), -1);
    assert_string_equal(err.msg, "boot/domd.cfg: name \"Dom D\": a boot-time domain's name "
                                 "becomes a device-tree node name: letters, digits and , . _ + - "
                                 "only, up to 55");
    domd_config("DomD");
    files.domains[1] = files.domains[0];
    files.n_domains = 2;
    assert_int_equal(plan_boot(&platform, &dom0, &files, &plan, &err), -1);
    assert_string_equal(err.msg, "boot/domd.cfg: a boot-time domain named \"DomD\" already "
                                 "exists");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_qemu_placement, setup),
        cmocka_unit_test_setup(test_xen_running_size_counts, setup),
        cmocka_unit_test_setup(test_files_too_big_for_ram, setup),
        cmocka_unit_test_setup(test_xen_must_be_placeable_anywhere, setup),
        cmocka_unit_test_setup(test_a_flask_policy_is_a_module_and_turns_flask_on, setup),
        cmocka_unit_test_setup(test_a_boot_time_domain_gets_its_node_and_modules, setup),
        cmocka_unit_test_setup(test_a_gzip_kernel_two_domains_boot_is_copied_not_read_again, setup),
        cmocka_unit_test_setup(test_only_the_same_file_in_the_same_role_is_shared, setup),
        cmocka_unit_test_setup(test_boot_time_domain_names_must_be_node_names_and_unique, setup),
        cmocka_unit_test_setup(
            test_a_1to1_domain_keeps_files_off_its_memory_and_its_top_from_its_kernel, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
