/* Which configs `xu config_list` shows and which file `xu create` reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "registry.h"
#include "testutil.h"

static void test_lists_cfg_files_by_name(void **state)
{
    (void)state;
    char names[REGISTRY_MAX][REGISTRY_NAME_BYTES], dir[600];
    struct xu_err err = {{0}};
    size_t n;

    write_temp("keep", "");
    snprintf(dir, sizeof(dir), "%s/registry", temp_dir());
    mkdir(dir, 0755);
    for (const char *const *f =
             (const char *const[]){"registry/linux_pv_domu.cfg", "registry/rpi_5_domd.CFG",
                                   "registry/Image", "registry/.hidden.cfg", "registry/.cfg", NULL};
         *f; f++)
        write_temp(*f, "name = 'x'\n");
    assert_int_equal(registry_list(dir, names, REGISTRY_MAX, &n, &err), 0);
    assert_int_equal(n, 2);
    /* The folder's order is the card's; compare as a set. */
    assert_true((strcmp(names[0], "linux_pv_domu") == 0 && strcmp(names[1], "rpi_5_domd") == 0) ||
                (strcmp(names[1], "linux_pv_domu") == 0 && strcmp(names[0], "rpi_5_domd") == 0));
    assert_int_equal(registry_list(dir, names, 1, &n, &err), -1);
    assert_int_equal(registry_list("/nonexistent", names, REGISTRY_MAX, &n, &err), -1);
    assert_string_equal(err.msg, "/nonexistent: No such file or directory");
}

static void test_names_and_paths(void **state)
{
    (void)state;
    char path[256];
    struct xu_err err = {{0}};

    assert_int_equal(registry_path("/dom0", "linux_pv_domu", path, sizeof(path), &err), 0);
    assert_string_equal(path, "/dom0/linux_pv_domu.cfg");
    assert_int_equal(registry_path("/dom0", "/tmp/g.conf", path, sizeof(path), &err), 0);
    assert_string_equal(path, "/tmp/g.conf");
    assert_int_equal(registry_path("/dom0", "g.cfg", path, sizeof(path), &err), 0);
    assert_string_equal(path, "g.cfg");
    assert_int_equal(registry_path("/dom0", "", path, sizeof(path), &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists_cfg_files_by_name),
        cmocka_unit_test(test_names_and_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
