/* The domain model: what a config file becomes, and what it is refused for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "domcfg.h"
#include "testutil.h"

static struct domain_config dc;

static int make_files(void **state)
{
    (void)state;
    write_temp("Image", "kernel");
    write_temp("initrd", "ramdisk");
    write_temp("pass.dtb", "dtb");
    return 0;
}

static void load_ok(const char *text)
{
    struct xu_err err = {{0}};
    const char *path = write_temp("d.cfg", text);

    if (domcfg_load(path, NULL, &dc, &err) != 0)
        fail_msg("unexpected error: %s", err.msg);
}

static void expect_error(const char *text, const char *message_after_path)
{
    struct xu_err err = {{0}};
    const char *path = write_temp("d.cfg", text);
    char expected[1400];

    assert_int_equal(domcfg_load(path, NULL, &dc, &err), -1);
    snprintf(expected, sizeof(expected), "%s%s", path, message_after_path);
    assert_string_equal(err.msg, expected);
}

static void in_temp(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", temp_dir(), name);
}

#define OK "name = 'g'\nkernel = 'Image'\n"

static void test_files_resolve_against_the_config_or_a_given_folder(void **state)
{
    (void)state;
    char expected[512];
    struct xu_err err = {{0}};
    const char *path;

    load_ok(OK "ramdisk = 'initrd'\ndevice_tree = 'pass.dtb'\n");
    in_temp(expected, sizeof(expected), "Image");
    assert_string_equal(dc.kernel.path, expected);
    assert_int_equal(dc.kernel.line, 2);
    in_temp(expected, sizeof(expected), "pass.dtb");
    assert_string_equal(dc.device_tree.path, expected);
    assert_int_equal(dc.device_tree.line, 4);
    /* mkboot names files on the boot partition, staged in another folder. */
    mkdir("/tmp/pixen-unit-files", 0755);
    fclose(fopen("/tmp/pixen-unit-files/Image", "w"));
    path = write_temp("dom0.cfg", OK);
    assert_int_equal(domcfg_load(path, "/tmp/pixen-unit-files", &dc, &err), 0);
    assert_string_equal(dc.kernel.path, "/tmp/pixen-unit-files/Image");
}

static void test_defaults_are_libxl_s(void **state)
{
    (void)state;
    load_ok(OK);
    assert_int_equal(dc.memory_mib, 32);
    assert_int_equal(dc.maxmem_mib, 32);
    assert_int_equal(dc.vcpus, 1);
    assert_string_equal(dc.ramdisk.path, "");
    assert_string_equal(dc.cmdline, "");
    assert_int_equal(dc.gic_version, GIC_NATIVE);
    assert_int_equal(dc.max_grant_frames, -1);
    assert_int_equal(dc.max_maptrack_frames, -1);
    assert_int_equal(dc.on_poweroff, ACTION_DESTROY);
    assert_int_equal(dc.on_reboot, ACTION_RESTART);
    assert_int_equal(dc.on_crash, ACTION_DESTROY);
    assert_int_equal(dc.vuart, VUART_NONE);
    assert_int_equal(dc.tee, TEE_NONE);
    load_ok(OK "maxmem = 512\n");
    assert_int_equal(dc.memory_mib, 512);
}

static void test_the_original_guests(void **state)
{
    (void)state;
    /* linux_pv_domu as the original has it, with its PV devices. */
    load_ok("name = 'linux_pv_domu'\ntype = 'pvh'\nmemory = 256\nvcpus = 2\nkernel = 'Image'\n"
            "ramdisk = 'initrd'\nextra = 'console=hvc0'\n"
            "vif = [ 'backend=DomD,bridge=xenbr0,mac=08:00:27:ff:cb:ce' ]\n"
            "disk = [ 'backend=DomD,format=raw,vdev=xvda,access=rw,target=/srv/pv.img' ]\n");
    assert_int_equal(dc.memory_mib, 256);
    assert_int_equal(dc.vcpus, 2);
    assert_string_equal(dc.cmdline, "console=hvc0");
    assert_int_equal(dc.n_vifs, 1);
    assert_string_equal(dc.vifs[0].backend, "DomD");
    assert_string_equal(dc.vifs[0].bridge, "xenbr0");
    assert_int_equal(dc.vifs[0].mac[5], 0xce);
    assert_int_equal(dc.vifs[0].line, 8);
    assert_int_equal(dc.n_disks, 1);
    assert_string_equal(dc.disks[0].target, "/srv/pv.img");
    assert_int_equal(dc.disks[0].devid, 51712);
    assert_false(dc.disks[0].readonly);
    /* rpi_5_domd: a GPIO page and its interrupt passed through. */
    load_ok(OK "memory = 16\niomem = [ '0x9030,1@0x9030' ]\nirqs = [ 39 ]\n"
               "device_tree = 'pass.dtb'\ndtdev = [ '/pl061@9030000' ]\n"
               "seclabel = 'system_u:system_r:domU_t'\ngic_version = 'v2'\n"
               "max_grant_frames = 8\nmax_maptrack_frames = 0x10\non_reboot = 'destroy'\n"
               "vuart = 'sbsa_uart'\ntee = 'optee'\n");
    assert_int_equal(dc.n_iomem, 1);
    assert_int_equal(dc.iomem[0].start_pfn, 0x9030);
    assert_int_equal(dc.iomem[0].gfn, 0x9030);
    assert_int_equal(dc.irqs[0], 39);
    assert_string_equal(dc.dtdevs[0], "/pl061@9030000");
    assert_string_equal(dc.seclabel, "system_u:system_r:domU_t");
    assert_int_equal(dc.gic_version, GIC_V2);
    assert_int_equal(dc.max_grant_frames, 8);
    assert_int_equal(dc.max_maptrack_frames, 16);
    assert_int_equal(dc.on_reboot, ACTION_DESTROY);
    assert_int_equal(dc.vuart, VUART_SBSA);
    assert_int_equal(dc.tee, TEE_OPTEE);
}

static void test_root_and_extra_make_the_command_line(void **state)
{
    (void)state;
    load_ok(OK "root = '/dev/xvda'\nextra = 'console=hvc0'\n");
    assert_string_equal(dc.cmdline, "root=/dev/xvda console=hvc0");
    load_ok(OK "extra = 'console=hvc0'\n");
    assert_string_equal(dc.cmdline, "console=hvc0");
}

static void test_cpus_places_each_vcpu(void **state)
{
    (void)state;
    /* A string is every vCPU's. */
    load_ok(OK "vcpus = 3\ncpus = \"0-3,^1\"\n");
    assert_int_equal(dc.n_cpus, 3);
    assert_int_equal(dc.cpus_line, 4);
    for (unsigned i = 0; i < 3; i++) {
        assert_true(cpuset_has(&dc.cpus[i], 0) && cpuset_has(&dc.cpus[i], 3));
        assert_false(cpuset_has(&dc.cpus[i], 1));
    }
    /* A list is one set for each vCPU, from 0; the rest run anywhere (xl). */
    load_ok(OK "cpus = [ '1', '0-1' ]\nvcpus = 3\n");
    assert_int_equal(dc.n_cpus, 2);
    assert_true(cpuset_has(&dc.cpus[0], 1) && !cpuset_has(&dc.cpus[0], 0));
    assert_true(cpuset_has(&dc.cpus[1], 0) && cpuset_has(&dc.cpus[1], 1));
    /* Sets beyond the last vCPU are ignored, as xl does. */
    load_ok(OK "cpus = [ '1', '0' ]\n");
    assert_int_equal(dc.n_cpus, 1);
    /* A bare number is a CPU too. */
    load_ok(OK "cpus = 1\n");
    assert_true(cpuset_has(&dc.cpus[0], 1));
    load_ok(OK);
    assert_int_equal(dc.n_cpus, 0);
}

static void test_pool(void **state)
{
    (void)state;
    load_ok(OK "pool = 'rt'\n");
    assert_string_equal(dc.pool, "rt");
    assert_int_equal(dc.pool_line, 3);
    load_ok(OK);
    assert_string_equal(dc.pool, "");
    expect_error(OK "pool = ''\n", ":3: pool: empty: name a CPU pool");
}

/* A 0 or 1 key of pixen's: set on line 3, off when absent, nothing else taken. */
static void check_flag_key(const char *key, const bool *flag, const unsigned *line)
{
    char text[256], message[128];

    snprintf(text, sizeof(text), OK "%s = 1\n", key);
    load_ok(text);
    assert_true(*flag);
    assert_int_equal(*line, 3);
    load_ok(OK);
    assert_false(*flag);
    snprintf(text, sizeof(text), OK "%s = 2\n", key);
    snprintf(message, sizeof(message), ":3: %s: 2 is out of range [0, 1]", key);
    expect_error(text, message);
}

static void test_autostart(void **state)
{
    (void)state;
    check_flag_key("autostart", &dc.autostart, &dc.autostart_line);
}

static void test_start_after_dom0(void **state)
{
    (void)state;
    check_flag_key("start_after_dom0", &dc.start_after_dom0, &dc.start_after_dom0_line);
}

static void test_refusals(void **state)
{
    (void)state;
    expect_error(OK "memroy = 5\n", ":3: unknown key 'memroy'");
    expect_error(OK "cpus = '1-'\n",
                 ":3: cpus: \"1-\" is not a CPU, a range of CPUs (\"1-3\", ascending) or "
                 "\"all\", each maybe after \"^\", of CPUs below 128");
    expect_error(OK "cpus = [ '1',\n  'x' ]\n",
                 ":4: cpus: \"x\" is not a CPU, a range of CPUs (\"1-3\", ascending) or "
                 "\"all\", each maybe after \"^\", of CPUs below 128");
    expect_error(OK "cpus = [ ]\n", ":3: cpus: an empty list");
    expect_error(OK "cpus = [ [ '1' ] ]\n",
                 ":3: cpus: a list in a list; write [\"1\", \"2-3\"], a set for each vCPU");
    expect_error(OK "cpus = '^0'\n", ":3: cpus: \"^0\" leaves no CPU (\"^N\" removes from what "
                                     "comes before it: \"all,^0\")");
    expect_error("kernel = 'Image'\n", ": no name = \"...\"");
    expect_error("name = 'g'\n", ": no kernel = \"...\"");
    expect_error(OK "memory = 0\n", ":3: memory: 0 is out of range [1, 1043456]");
    expect_error(OK "vcpus = '2x'\n", ":3: vcpus: expected a number, got \"2x\"");
    expect_error(OK "memory = 256\nmaxmem = 128\n", ": maxmem (128 MiB) is below memory (256 MiB)");
    expect_error(OK "type = 'hvm'\n", ":3: type: \"hvm\" is not available on Arm; use \"pvh\"");
    expect_error(OK "type = 'pvhx'\n", ":3: type: \"pvhx\" is not one of: pvh");
    expect_error("name = 'a/b'\nkernel = 'Image'\n",
                 ":1: name: \"a/b\" holds '/' or a control character");
    expect_error("name = '42'\nkernel = 'Image'\n",
                 ":1: name: \"42\" is all digits, which reads as a domain id");
    expect_error("name = 'g'\nkernel = ''\n", ":2: kernel: empty file name");
    expect_error(OK "cmdline = 'x'\nextra = 'y'\n",
                 ": cmdline cannot be combined with root or extra");
    expect_error("name = [ 'g' ]\nkernel = 'Image'\n",
                 ":1: name: expected a \"string\", got a list");
    expect_error(OK "gic_version = 'v4'\n",
                 ":3: gic_version: \"v4\" is not one of: native, v2, v3");
    expect_error(OK "on_crash = 'explode'\n",
                 ":3: on_crash: \"explode\" is not one of: destroy, restart, rename-restart, "
                 "preserve, coredump-destroy, coredump-restart, soft-reset");
    expect_error(OK "irqs = [ 39, 16 ]\n", ":3: irqs: 16 is not a shared interrupt (SPI 32..1019)");
    expect_error(OK "irqs = [ 39,\n 39 ]\n", ":4: irqs: 39 is listed twice");
    expect_error(OK "dtdev = [ 'soc/x' ]\n",
                 ":3: dtdev: \"soc/x\" is not a device-tree path like /soc/dma@0");
    expect_error(OK "seclabel = 'domU_t'\n",
                 ":3: seclabel: \"domU_t\" is not a FLASK context user:role:type");
    expect_error(OK "max_grant_frames = 0\n", ":3: max_grant_frames: 0 is out of range [1, 4096]");
    expect_error(OK "disk = [ 'vdev=xvda,target=a', 'vdev=xvda,target=b' ]\n",
                 ":3: disk: vdev=xvda is used twice");
}

static void test_files_must_be_readable(void **state)
{
    (void)state;
    char missing[600];

    in_temp(missing, sizeof(missing), "nothere");
    /* The message names the key, the resolved path and the reason. */
    struct xu_err err = {{0}};
    const char *path = write_temp("d.cfg", "name = 'g'\n\nkernel = 'nothere'\n");
    char expected[1400];

    assert_int_equal(domcfg_load(path, NULL, &dc, &err), -1);
    snprintf(expected, sizeof(expected), "%s:3: kernel: %s: No such file or directory", path,
             missing);
    assert_string_equal(err.msg, expected);
    path = write_temp("d.cfg", OK "ramdisk = '.'\n");
    assert_int_equal(domcfg_load(path, NULL, &dc, &err), -1);
    snprintf(expected, sizeof(expected), "%s:3: ramdisk: %s/. is not a file", path, temp_dir());
    assert_string_equal(err.msg, expected);
}

static void test_static_memory_for_boot_time_domains(void **state)
{
    (void)state;
    load_ok(OK "memory = 256\nstatic_mem = [ '0x60000000,128M', '0x70000000,0x8000000' ]\n"
               "direct_map = 1\n");
    assert_int_equal(dc.n_static_mem, 2);
    assert_int_equal(dc.static_mem[0].addr, 0x60000000);
    assert_int_equal(dc.static_mem[0].size_bytes, 128u << 20);
    assert_int_equal(dc.static_mem[1].addr, 0x70000000);
    assert_true(dc.direct_map);
    expect_error(OK "memory = 256\nstatic_mem = [ '0x60000000,128M' ]\n",
                 ":4: static_mem: the banks hold 131072 KiB, but memory is 256 MiB");
    expect_error(OK "memory = 256\nstatic_mem = [ '0x60000000,128M', '0x67000000,128M' ]\n",
                 ":4: static_mem: \"0x67000000,128M\" overlaps an earlier bank");
    expect_error(OK "static_mem = [ '0x60000800,32M' ]\n",
                 ":3: static_mem: \"0x60000800,32M\" is not a page-aligned bank \"ADDR,SIZE\"");
    expect_error(OK "static_mem = [ '0x60000000' ]\n",
                 ":3: static_mem: \"0x60000000\" is not \"ADDR,SIZE\" (0x60000000,256M)");
    expect_error(OK "direct_map = 1\n",
                 ":3: direct_map needs static_mem: a 1:1 domain owns fixed host RAM");
}

/* The configs the build puts on the card, as xu will read them (their images stand in). */
static void test_the_shipped_small_guest_configs(void **state)
{
    static const struct {
        const char *file, *name, *kernel;
    } shipped[] = {
        {"platform/qemu/guests/rpi_5_domd.cfg", "rpi_5_domd", "z_blinky.bin"},
        {"guests/rpi_5_domu/rpi_5_domu.cfg", "rpi_5_domu", "z_sync.bin"},
        {"guests/helloworld_xen-arm64/helloworld_xen-arm64.cfg", "helloworld_xen-arm64",
         "helloworld_xen-arm64"},
        {"guests/jitter/jitter.cfg", "jitter", "jitter.bin"},
        {"guests/isolation_probe/isolation_probe.cfg", "isolation_probe", "isolation_probe.bin"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
        struct xu_err err = {{0}};
        char path[512], kernel[512];
        const char *dir;

        write_temp(shipped[i].kernel, "image");
        dir = temp_dir();
        snprintf(path, sizeof(path), "%s/%s", SOURCE_ROOT, shipped[i].file);
        snprintf(kernel, sizeof(kernel), "%s/%s", dir, shipped[i].kernel);
        if (domcfg_load(path, dir, &dc, &err) != 0)
            fail_msg("%s: %s", shipped[i].file, err.msg);
        assert_string_equal(dc.name, shipped[i].name);
        assert_string_equal(dc.kernel.path, kernel);
        /* As the original's: 16 MiB and one vCPU. */
        assert_int_equal(dc.memory_mib, 16);
        assert_int_equal(dc.vcpus, 1);
    }
    /* The blinky's GPIO page, where its command line says the LED is. */
    write_temp("z_blinky.bin", "image");
    assert_int_equal(domcfg_load(SOURCE_ROOT "/platform/qemu/guests/rpi_5_domd.cfg", temp_dir(),
                                 &dc, &(struct xu_err){{0}}),
                     0);
    assert_int_equal(dc.n_iomem, 1);
    assert_int_equal(dc.iomem[0].start_pfn, 0x9030);
    assert_int_equal(dc.iomem[0].gfn, 0x9030);
    assert_string_equal(dc.cmdline, "led=pl061,0x09030000,0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_static_memory_for_boot_time_domains, make_files),
        cmocka_unit_test(test_files_resolve_against_the_config_or_a_given_folder),
        cmocka_unit_test(test_defaults_are_libxl_s),
        cmocka_unit_test(test_the_original_guests),
        cmocka_unit_test(test_the_shipped_small_guest_configs),
        cmocka_unit_test(test_root_and_extra_make_the_command_line),
        cmocka_unit_test(test_cpus_places_each_vcpu),
        cmocka_unit_test(test_pool),
        cmocka_unit_test(test_autostart),
        cmocka_unit_test(test_start_after_dom0),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_files_must_be_readable),
    };
    return cmocka_run_group_tests(tests, make_files, NULL);
}
