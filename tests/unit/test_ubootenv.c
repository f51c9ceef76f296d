/* u-boot's environment image: its entries, their end, the padding, and the CRC u-boot checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "ubootenv.h"

static struct platform p;

static unsigned char *render(size_t *len, int *rc, struct xu_err *err)
{
    char *image = NULL;
    FILE *out = open_memstream(&image, len);

    *rc = uboot_env_write(&p, out, err);
    fclose(out);
    return (unsigned char *)image;
}

static void test_entries_end_and_crc(void **state)
{
    (void)state;
    struct xu_err err = {{0}};
    unsigned char *image;
    size_t len;
    int rc;
    uint32_t stored;

    memset(&p, 0, sizeof(p));
    p.uboot_env_bytes = 4096;
    strcpy(p.uboot_env[0], "bootdelay=0");
    strcpy(p.uboot_env[1], "bootcmd=echo a; echo b");
    p.n_uboot_env = 2;
    image = render(&len, &rc, &err);
    assert_int_equal(rc, 0);
    assert_int_equal(len, 4096);
    assert_memory_equal(image + 4, "bootdelay=0\0bootcmd=echo a; echo b\0\0", 37);
    stored = (uint32_t)image[0] | (uint32_t)image[1] << 8 | (uint32_t)image[2] << 16 |
             (uint32_t)image[3] << 24;
    assert_int_equal(stored, crc32(0, image + 4, 4096 - 4));
    free(image);
}

static void test_an_environment_too_large_is_refused(void **state)
{
    (void)state;
    struct xu_err err = {{0}};
    size_t len;
    int rc;

    memset(&p, 0, sizeof(p));
    strcpy(p.source, "platform.cfg");
    p.uboot_env_bytes = 16;
    strcpy(p.uboot_env[0], "bootcmd=a-long-enough-command");
    p.n_uboot_env = 1;
    free(render(&len, &rc, &err));
    assert_int_equal(rc, -1);
    assert_string_equal(err.msg, "platform.cfg: uboot_env is larger than uboot_env_kib");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries_end_and_crc),
        cmocka_unit_test(test_an_environment_too_large_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
