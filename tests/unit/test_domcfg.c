/* The domain model: what a config file becomes, and what it is refused for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "domcfg.h"
#include "testutil.h"

static struct domain_config dc;

static void load_ok(const char *text, const char *files_dir)
{
    struct xu_err err = {{0}};
    const char *path = write_temp("d.cfg", text);

    if (domcfg_load(path, files_dir, &dc, &err) != 0)
        fail_msg("unexpected error: %s", err.msg);
}

static void expect_error(const char *text, const char *message_after_path)
{
    struct xu_err err = {{0}};
    const char *path = write_temp("d.cfg", text);
    char expected[1200];

    assert_int_equal(domcfg_load(path, NULL, &dc, &err), -1);
    snprintf(expected, sizeof(expected), "%s%s", path, message_after_path);
    assert_string_equal(err.msg, expected);
}

static void test_dom0_as_mkboot_reads_it(void **state)
{
    (void)state;
    char expected[512];

    load_ok("name = \"Domain-0\"\n"
            "memory = 128\n"
            "vcpus = 1\n"
            "kernel = \"Image\"\n"
            "ramdisk = \"dom0/initramfs.cpio.gz\"\n"
            "cmdline = \"console=hvc0 rdinit=/init\"\n",
            "/boot");
    assert_string_equal(dc.name, "Domain-0");
    assert_int_equal(dc.memory_mib, 128);
    assert_int_equal(dc.maxmem_mib, 128);
    assert_int_equal(dc.vcpus, 1);
    assert_string_equal(dc.kernel, "/boot/Image");
    assert_string_equal(dc.ramdisk, "/boot/dom0/initramfs.cpio.gz");
    assert_string_equal(dc.cmdline, "console=hvc0 rdinit=/init");
    snprintf(expected, sizeof(expected), "%s/d.cfg", temp_dir());
    assert_string_equal(dc.source, expected);
}

static void test_relative_paths_follow_the_config_file(void **state)
{
    (void)state;
    char expected[512];

    load_ok("name = 'g'\nkernel = 'img/zephyr.bin'\n", NULL);
    snprintf(expected, sizeof(expected), "%s/img/zephyr.bin", temp_dir());
    assert_string_equal(dc.kernel, expected);
    load_ok("name = 'g'\nkernel = '/abs/Image'\n", NULL);
    assert_string_equal(dc.kernel, "/abs/Image");
}

static void test_defaults_are_libxl_s(void **state)
{
    (void)state;
    load_ok("name = 'g'\nkernel = 'k'\n", NULL);
    assert_int_equal(dc.memory_mib, 32);
    assert_int_equal(dc.maxmem_mib, 32);
    assert_int_equal(dc.vcpus, 1);
    assert_string_equal(dc.ramdisk, "");
    assert_string_equal(dc.cmdline, "");
    load_ok("name = 'g'\nkernel = 'k'\nmaxmem = 512\n", NULL);
    assert_int_equal(dc.memory_mib, 512);
    load_ok("name = 'g'\nkernel = 'k'\nmemory = 256\nmaxmem = 512\ntype = 'pvh'\n", NULL);
    assert_int_equal(dc.memory_mib, 256);
    assert_int_equal(dc.maxmem_mib, 512);
}

static void test_root_and_extra_make_the_command_line(void **state)
{
    (void)state;
    load_ok("name = 'g'\nkernel = 'k'\nroot = '/dev/xvda'\nextra = 'console=hvc0'\n", NULL);
    assert_string_equal(dc.cmdline, "root=/dev/xvda console=hvc0");
    load_ok("name = 'g'\nkernel = 'k'\nextra = 'console=hvc0'\n", NULL);
    assert_string_equal(dc.cmdline, "console=hvc0");
}

static void test_refusals(void **state)
{
    (void)state;
    expect_error("name = 'g'\nkernel = 'k'\nmemroy = 5\n", ":3: unknown key 'memroy'");
    expect_error("kernel = 'k'\n", ": no name = \"...\"");
    expect_error("name = 'g'\n", ": no kernel = \"...\"");
    expect_error("name = 'g'\nkernel = 'k'\nmemory = 0\n",
                 ":3: memory: 0 is out of range [1, 1048576]");
    expect_error("name = 'g'\nkernel = 'k'\nvcpus = '2x'\n",
                 ":3: vcpus: expected a number, got \"2x\"");
    expect_error("name = 'g'\nkernel = 'k'\nmemory = 256\nmaxmem = 128\n",
                 ": maxmem (128 MiB) is below memory (256 MiB)");
    expect_error("name = 'g'\nkernel = 'k'\ntype = 'hvm'\n",
                 ":3: type: \"hvm\" is not available on Arm; use \"pvh\"");
    expect_error("name = 'a/b'\nkernel = 'k'\n",
                 ":1: name: \"a/b\" holds '/' or a control character");
    expect_error("name = 'g'\nkernel = ''\n", ":2: kernel: empty file name");
    expect_error("name = 'g'\nkernel = 'k'\ncmdline = 'x'\nextra = 'y'\n",
                 ": cmdline cannot be combined with root or extra");
    expect_error("name = [ 'g' ]\nkernel = 'k'\n", ":1: name: expected a \"string\", got a list");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dom0_as_mkboot_reads_it),
        cmocka_unit_test(test_relative_paths_follow_the_config_file),
        cmocka_unit_test(test_defaults_are_libxl_s),
        cmocka_unit_test(test_root_and_extra_make_the_command_line),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
