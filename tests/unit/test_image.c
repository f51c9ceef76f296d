/* Kernel image probing: arm64 Image headers and gzip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "image.h"

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void make_header(uint8_t *h, uint64_t text_offset, uint64_t image_size, uint64_t flags)
{
    memset(h, 0, IMAGE_HEADER_BYTES);
    put_le64(h + 8, text_offset);
    put_le64(h + 16, image_size);
    put_le64(h + 24, flags);
    memcpy(h + 56, "ARM\x64", 4);
}

static void test_xen_like_header(void **state)
{
    (void)state;
    uint8_t h[IMAGE_HEADER_BYTES];
    struct image_info info;
    struct xu_err err = {{0}};

    make_header(h, 0, 0x10e000, (1 << 1) | (1 << 3));
    assert_int_equal(image_probe(h, sizeof(h), "xen", &info, &err), 0);
    assert_int_equal(info.kind, IMAGE_ARM64);
    assert_int_equal(info.text_offset_bytes, 0);
    assert_int_equal(info.image_size_bytes, 0x10e000);
    assert_true(info.anywhere);
}

static void test_old_linux_header_is_not_anywhere(void **state)
{
    (void)state;
    uint8_t h[IMAGE_HEADER_BYTES];
    struct image_info info;
    struct xu_err err = {{0}};

    make_header(h, 0x80000, 0, 0);
    assert_int_equal(image_probe(h, sizeof(h), "Image", &info, &err), 0);
    assert_int_equal(info.text_offset_bytes, 0x80000);
    assert_false(info.anywhere);
}

static void test_gzip(void **state)
{
    (void)state;
    const uint8_t gz[] = {0x1f, 0x8b, 0x08, 0x00};
    struct image_info info;
    struct xu_err err = {{0}};

    assert_int_equal(image_probe(gz, sizeof(gz), "Image.gz", &info, &err), 0);
    assert_int_equal(info.kind, IMAGE_GZIP);
}

static void test_refusals(void **state)
{
    (void)state;
    uint8_t h[IMAGE_HEADER_BYTES];
    struct image_info info;
    struct xu_err err = {{0}};

    make_header(h, 0, 0x1000, 0);
    assert_int_equal(image_probe(h, 40, "short", &info, &err), -1);
    assert_string_equal(err.msg, "short: not an arm64 kernel Image (no \"ARM\\x64\" magic at "
                                 "byte 56) and not gzip");
    h[56] = 'X';
    assert_int_equal(image_probe(h, sizeof(h), "elf", &info, &err), -1);
    make_header(h, 0, 0x1000, 1);
    assert_int_equal(image_probe(h, sizeof(h), "be", &info, &err), -1);
    assert_string_equal(err.msg, "be: a big-endian kernel; Xen on arm64 runs little-endian guests");
    make_header(h, 0, 0x1000, 3 << 1);
    assert_int_equal(image_probe(h, sizeof(h), "k64", &info, &err), -1);
    assert_string_equal(err.msg, "k64: built for 64 KiB pages; Xen gives guests 4 KiB pages");
    make_header(h, 0x200000, 0x1000, 0);
    assert_int_equal(image_probe(h, sizeof(h), "off", &info, &err), -1);
    assert_string_equal(err.msg, "off: text_offset 0x200000 is not a 4 KiB multiple below 2 MiB");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xen_like_header),
        cmocka_unit_test(test_old_linux_header_is_not_anywhere),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
