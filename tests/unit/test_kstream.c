/* The streaming kernel loader: raw and gzip Images written through small windows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "kstream.h"
#include "testutil.h"

#define GUARD_BYTE 0xa5

/* Guest memory for the tests: windows are pieces of one buffer, and every map is checked. */
struct mem_sink {
    uint8_t *mem;
    size_t mem_bytes;
    unsigned maps;
    unsigned mapped_now;
    size_t biggest_window_bytes;
    unsigned fail_at_map;   /* 1-based; 0: never */
    unsigned fail_at_unmap; /* 1-based; 0: never */
    unsigned unmaps;
};

static void *mem_map(void *ctx, uint64_t offset_bytes, size_t bytes, struct xu_err *err)
{
    struct mem_sink *m = ctx;

    assert_int_equal(offset_bytes % KSTREAM_PAGE_BYTES, 0);
    assert_int_equal(bytes % KSTREAM_PAGE_BYTES, 0);
    assert_true(offset_bytes + bytes <= m->mem_bytes);
    assert_int_equal(m->mapped_now, 0); /* one window at a time */
    if (++m->maps == m->fail_at_map) {
        xu_fail(err, "guest memory: cannot map it");
        return NULL;
    }
    m->mapped_now++;
    if (bytes > m->biggest_window_bytes)
        m->biggest_window_bytes = bytes;
    return m->mem + offset_bytes;
}

static int mem_unmap(void *ctx, void *window, size_t bytes, struct xu_err *err)
{
    struct mem_sink *m = ctx;

    (void)window;
    (void)bytes;
    m->mapped_now--;
    if (++m->unmaps == m->fail_at_unmap)
        return xu_fail(err, "guest memory: cannot clean it");
    return 0;
}

static struct kstream_sink sink_over(struct mem_sink *m, size_t window_bytes)
{
    return (struct kstream_sink){
        .map = mem_map, .unmap = mem_unmap, .ctx = m, .window_bytes = window_bytes};
}

static void mem_init(struct mem_sink *m, size_t mem_bytes)
{
    memset(m, 0, sizeof(*m));
    m->mem = malloc(mem_bytes);
    assert_non_null(m->mem);
    memset(m->mem, GUARD_BYTE, mem_bytes);
    m->mem_bytes = mem_bytes;
}

/* An arm64 Image of `bytes` bytes: a valid header, then a pattern that compresses but not to
 * nothing. */
static uint8_t *make_image(size_t bytes)
{
    uint8_t *img = malloc(bytes);

    assert_non_null(img);
    for (size_t i = 0; i < bytes; i++)
        img[i] = (uint8_t)((i * 7) ^ (i >> 9));
    memset(img, 0, IMAGE_HEADER_BYTES);
    img[0] = 0x4d; /* "MZ" */
    img[1] = 0x5a;
    img[24] = 1 << 3; /* flags: anywhere */
    memcpy(img + 56, "ARM\x64", 4);
    return img;
}

/* gzip (RFC 1952) of `data`; *out_len set. */
static uint8_t *gzip_of(const uint8_t *data, size_t len, size_t *out_len)
{
    z_stream z = {0};
    size_t room;
    uint8_t *out;

    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    room = deflateBound(&z, len) + 64;
    out = malloc(room);
    assert_non_null(out);
    z.next_in = (uint8_t *)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)room;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = z.total_out;
    deflateEnd(&z);
    return out;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void test_raw_image_lands_whole_with_its_last_page_tail_zeroed(void **state)
{
    (void)state;
    const size_t image_bytes = 3 * KSTREAM_PAGE_BYTES + 100;
    uint8_t *img = make_image(image_bytes);
    const char *path = write_temp_bytes("Image", img, image_bytes);
    struct kstream ks;
    struct mem_sink m;
    struct kstream_sink sink;
    struct xu_err err = {{0}};

    mem_init(&m, 8 * KSTREAM_PAGE_BYTES);
    sink = sink_over(&m, KSTREAM_PAGE_BYTES);
    assert_int_equal(kstream_open(&ks, path, "Image", &err), 0);
    assert_false(ks.gzip);
    assert_int_equal(ks.image_bytes, image_bytes);
    assert_true(ks.info.anywhere);
    assert_int_equal(kstream_copy(&ks, &sink, &err), 0);
    kstream_close(&ks);
    assert_memory_equal(m.mem, img, image_bytes);
    for (size_t i = image_bytes; i < 4 * KSTREAM_PAGE_BYTES; i++)
        assert_int_equal(m.mem[i], 0);
    assert_int_equal(m.mem[4 * KSTREAM_PAGE_BYTES], GUARD_BYTE); /* nothing past the last page */
    assert_int_equal(m.maps, 4);
    assert_int_equal(m.biggest_window_bytes, KSTREAM_PAGE_BYTES);
    free(m.mem);
    free(img);
}

static void test_gzip_image_is_unpacked_through_windows_smaller_than_it(void **state)
{
    (void)state;
    const size_t image_bytes = 700 * 1024 + 12;
    const size_t window_bytes = 64 * 1024;
    uint8_t *img = make_image(image_bytes);
    size_t gz_bytes;
    uint8_t *gz = gzip_of(img, image_bytes, &gz_bytes);
    const char *path = write_temp_bytes("Image.gz", gz, gz_bytes);
    struct kstream ks;
    struct mem_sink m;
    struct kstream_sink sink;
    struct xu_err err = {{0}};

    mem_init(&m, 1 << 20);
    sink = sink_over(&m, window_bytes);
    assert_int_equal(kstream_open(&ks, path, "Image.gz", &err), 0);
    assert_true(ks.gzip);
    assert_int_equal(ks.file_bytes, gz_bytes);
    assert_int_equal(ks.image_bytes, image_bytes);
    assert_int_equal(kstream_copy(&ks, &sink, &err), 0);
    kstream_close(&ks);
    assert_memory_equal(m.mem, img, image_bytes);
    assert_int_equal(m.mem[image_bytes], 0);
    assert_int_equal(m.biggest_window_bytes, window_bytes);
    assert_int_equal(m.maps, (image_bytes + window_bytes - 1) / window_bytes);
    free(m.mem);
    free(gz);
    free(img);
}

/* Copies the gzip of a small Image into guest memory after `spoil` has changed it. */
static int copy_spoilt_gzip(void (*spoil)(uint8_t *gz, size_t *gz_bytes), struct xu_err *err)
{
    const size_t image_bytes = 64 * 1024;
    uint8_t *img = make_image(image_bytes);
    size_t gz_bytes;
    uint8_t *gz = gzip_of(img, image_bytes, &gz_bytes);
    const char *path;
    struct kstream ks;
    struct mem_sink m;
    struct kstream_sink sink;
    int rc;

    spoil(gz, &gz_bytes);
    path = write_temp_bytes("spoilt.gz", gz, gz_bytes);
    mem_init(&m, 1 << 20);
    sink = sink_over(&m, 16 * 1024);
    rc = kstream_open(&ks, path, "spoilt.gz", err);
    if (rc == 0) {
        rc = kstream_copy(&ks, &sink, err);
        kstream_close(&ks);
        assert_int_equal(m.mapped_now, 0);
    }
    free(m.mem);
    free(gz);
    free(img);
    return rc;
}

static void trailer_says_more(uint8_t *gz, size_t *gz_bytes)
{
    put_le32(gz + *gz_bytes - 4, 64 * 1024 + 4096);
}

static void trailer_says_less(uint8_t *gz, size_t *gz_bytes)
{
    put_le32(gz + *gz_bytes - 4, 64 * 1024 - 4096);
}

static void flip_a_byte_in_the_middle(uint8_t *gz, size_t *gz_bytes)
{
    gz[*gz_bytes / 2] ^= 0xff;
}

static void flip_a_crc_byte(uint8_t *gz, size_t *gz_bytes)
{
    gz[*gz_bytes - 8] ^= 0x01;
}

/* The deflate data cut short, its trailer kept. */
static void cut_the_middle_out(uint8_t *gz, size_t *gz_bytes)
{
    size_t keep = *gz_bytes / 2;

    memmove(gz + keep, gz + *gz_bytes - 8, 8);
    *gz_bytes = keep + 8;
}

static void test_trailer_that_overstates_the_size_is_refused(void **state)
{
    (void)state;
    struct xu_err err = {{0}};

    assert_int_equal(copy_spoilt_gzip(trailer_says_more, &err), -1);
    /* zlib itself checks the trailer's size when the data ends short of it */
    assert_non_null(strstr(err.msg, "spoilt.gz: broken gzip data after"));
    assert_non_null(strstr(err.msg, "incorrect length check"));
}

static void test_trailer_that_understates_the_size_is_refused(void **state)
{
    (void)state;
    struct xu_err err = {{0}};

    assert_int_equal(copy_spoilt_gzip(trailer_says_less, &err), -1);
    assert_non_null(strstr(err.msg, "spoilt.gz: unpacks to more than its trailer's 61440 bytes"));
}

static void test_broken_deflate_data_is_refused(void **state)
{
    (void)state;
    struct xu_err err = {{0}};

    assert_int_equal(copy_spoilt_gzip(flip_a_byte_in_the_middle, &err), -1);
    assert_non_null(strstr(err.msg, "spoilt.gz: "));
}

static void test_wrong_crc_is_refused(void **state)
{
    (void)state;
    struct xu_err err = {{0}};

    assert_int_equal(copy_spoilt_gzip(flip_a_crc_byte, &err), -1);
    assert_non_null(strstr(err.msg, "spoilt.gz: broken gzip data after"));
    assert_non_null(strstr(err.msg, "incorrect data check"));
}

static void test_gzip_cut_short_is_refused(void **state)
{
    (void)state;
    struct xu_err err = {{0}};

    assert_int_equal(copy_spoilt_gzip(cut_the_middle_out, &err), -1);
    assert_non_null(strstr(err.msg, "spoilt.gz: "));
}

static void test_a_map_that_fails_stops_the_copy_with_its_message(void **state)
{
    (void)state;
    const size_t image_bytes = 5 * KSTREAM_PAGE_BYTES;
    uint8_t *img = make_image(image_bytes);
    const char *path = write_temp_bytes("Image", img, image_bytes);
    struct kstream ks;
    struct mem_sink m;
    struct kstream_sink sink;
    struct xu_err err = {{0}};

    mem_init(&m, image_bytes);
    m.fail_at_map = 3;
    sink = sink_over(&m, KSTREAM_PAGE_BYTES);
    assert_int_equal(kstream_open(&ks, path, "Image", &err), 0);
    assert_int_equal(kstream_copy(&ks, &sink, &err), -1);
    kstream_close(&ks);
    assert_string_equal(err.msg, "guest memory: cannot map it");
    assert_int_equal(m.mapped_now, 0);
    free(m.mem);
    free(img);
}

static void test_an_unmap_that_fails_stops_the_copy_with_its_message(void **state)
{
    (void)state;
    const size_t image_bytes = 5 * KSTREAM_PAGE_BYTES;
    uint8_t *img = make_image(image_bytes);
    const char *path = write_temp_bytes("Image", img, image_bytes);
    struct kstream ks;
    struct mem_sink m;
    struct kstream_sink sink;
    struct xu_err err = {{0}};

    mem_init(&m, image_bytes);
    m.fail_at_unmap = 2;
    sink = sink_over(&m, KSTREAM_PAGE_BYTES);
    assert_int_equal(kstream_open(&ks, path, "Image", &err), 0);
    assert_int_equal(kstream_copy(&ks, &sink, &err), -1);
    kstream_close(&ks);
    assert_string_equal(err.msg, "guest memory: cannot clean it");
    assert_int_equal(m.maps, 2);
    assert_int_equal(m.mapped_now, 0);
    free(m.mem);
    free(img);
}

static void test_what_is_not_a_kernel_is_refused_at_open(void **state)
{
    (void)state;
    struct kstream ks;
    struct xu_err err = {{0}};
    const char *text = write_temp("notes.txt", "this is a text file and not a kernel at all, "
                                               "long enough to hold an Image header's 64 bytes\n");

    assert_int_equal(kstream_open(&ks, text, "notes.txt", &err), -1);
    assert_int_equal(ks.fd, -1);
    assert_non_null(strstr(err.msg, "notes.txt: "));

    assert_int_equal(kstream_open(&ks, write_temp_bytes("one", "M", 1), "one", &err), -1);
    assert_string_equal(err.msg, "one: too short to be a kernel (1 bytes)");

    assert_int_equal(kstream_open(&ks, temp_dir(), "a folder", &err), -1);
    assert_string_equal(err.msg, "a folder: not a regular file");

    assert_int_equal(kstream_open(&ks, "/nonexistent/Image", "Image", &err), -1);
    assert_string_equal(err.msg, "Image: cannot open it: No such file or directory");
}

static void test_gzip_that_holds_gzip_is_refused(void **state)
{
    (void)state;
    const size_t image_bytes = 8192;
    uint8_t *img = make_image(image_bytes);
    size_t gz_bytes, gzgz_bytes;
    uint8_t *gz = gzip_of(img, image_bytes, &gz_bytes);
    uint8_t *gzgz = gzip_of(gz, gz_bytes, &gzgz_bytes);
    struct kstream ks;
    struct xu_err err = {{0}};

    assert_int_equal(
        kstream_open(&ks, write_temp_bytes("twice.gz", gzgz, gzgz_bytes), "twice.gz", &err), -1);
    assert_string_equal(err.msg, "twice.gz: gzip that holds gzip; unpack it once");
    free(gzgz);
    free(gz);
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_image_lands_whole_with_its_last_page_tail_zeroed),
        cmocka_unit_test(test_gzip_image_is_unpacked_through_windows_smaller_than_it),
        cmocka_unit_test(test_trailer_that_overstates_the_size_is_refused),
        cmocka_unit_test(test_trailer_that_understates_the_size_is_refused),
        cmocka_unit_test(test_broken_deflate_data_is_refused),
        cmocka_unit_test(test_wrong_crc_is_refused),
        cmocka_unit_test(test_gzip_cut_short_is_refused),
        cmocka_unit_test(test_a_map_that_fails_stops_the_copy_with_its_message),
        cmocka_unit_test(test_an_unmap_that_fails_stops_the_copy_with_its_message),
        cmocka_unit_test(test_what_is_not_a_kernel_is_refused_at_open),
        cmocka_unit_test(test_gzip_that_holds_gzip_is_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
