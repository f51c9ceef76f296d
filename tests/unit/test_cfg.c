/* The xl.cfg(5) text layer: what parses, what it means, and each error's words and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cfg.h"

static struct cfg_file parse_ok(const char *text)
{
    struct cfg_file f;
    struct xu_err err = {{0}};

    if (cfg_parse("t.cfg", text, strlen(text), &f, &err) != 0)
        fail_msg("unexpected error: %s", err.msg);
    return f;
}

static void expect_error(const char *text, const char *message)
{
    struct cfg_file f;
    struct xu_err err = {{0}};

    assert_int_equal(cfg_parse("t.cfg", text, strlen(text), &f, &err), -1);
    assert_string_equal(err.msg, message);
}

static void test_values_of_every_kind(void **state)
{
    (void)state;
    struct cfg_file f = parse_ok("# a domain\n"
                                 "name = \"linux_pv_domu\"\n"
                                 "memory = 256\n"
                                 "iomem = [ '0x9030,1@0x9030' ]\n"
                                 "irqs = [ 39, 0x28, ]\n"
                                 "empty = []\n"
                                 "nested = [ [ 1, 2 ], 'x' ]\n");

    assert_int_equal(f.n_settings, 6);
    assert_string_equal(f.settings[0].key, "name");
    assert_int_equal(f.settings[0].value.kind, CFG_STRING);
    assert_string_equal(f.settings[0].value.text, "linux_pv_domu");
    assert_int_equal(f.settings[0].line, 2);
    assert_int_equal(f.settings[1].value.kind, CFG_NUMBER);
    assert_string_equal(f.settings[1].value.text, "256");
    assert_int_equal(f.settings[2].value.kind, CFG_LIST);
    assert_int_equal(f.settings[2].value.n_items, 1);
    assert_string_equal(f.settings[2].value.items[0].text, "0x9030,1@0x9030");
    assert_int_equal(f.settings[3].value.n_items, 2);
    assert_string_equal(f.settings[3].value.items[1].text, "0x28");
    assert_int_equal(f.settings[4].value.n_items, 0);
    assert_int_equal(f.settings[5].value.items[0].kind, CFG_LIST);
    assert_int_equal(f.settings[5].value.items[0].n_items, 2);
    cfg_free(&f);
}

static void test_lists_span_lines_and_lines_are_counted(void **state)
{
    (void)state;
    struct cfg_file f = parse_ok("vif = [\n"
                                 "  'bridge=xenbr0',\n"
                                 "\n"
                                 "  'bridge=xenbr1'\n"
                                 "]\n"
                                 "vcpus = 2; memory = 64\n");

    assert_int_equal(f.n_settings, 3);
    assert_int_equal(f.settings[0].value.n_items, 2);
    assert_int_equal(f.settings[0].value.items[1].line, 4);
    assert_int_equal(f.settings[1].line, 6);
    assert_int_equal(f.settings[2].line, 6);
    assert_non_null(cfg_find(&f, "memory"));
    assert_null(cfg_find(&f, "maxmem"));
    cfg_free(&f);
}

static void test_escapes_as_libxlu_reads_them(void **state)
{
    (void)state;
    struct cfg_file f = parse_ok("a = \"q\\\"s\\'b\\\\ t\\tn\\nx\\x41o\\101\"\n"
                                 "b = 'single \"quoted\"'\n");

    assert_string_equal(f.settings[0].value.text, "q\"s'b\\ t\tn\nxAoA");
    assert_string_equal(f.settings[1].value.text, "single \"quoted\"");
    cfg_free(&f);
}

static void test_last_assignment_wins_and_append_joins(void **state)
{
    (void)state;
    struct cfg_file f = parse_ok("memory = 64\n"
                                 "extra = \"console=hvc0\"\n"
                                 "disk = [ 'a' ]\n"
                                 "memory = 128\n"
                                 "extra += \" quiet\"\n"
                                 "disk += [ 'b', 'c' ]\n"
                                 "fresh += 'x'\n");

    assert_int_equal(f.n_settings, 4);
    assert_string_equal(cfg_find(&f, "memory")->value.text, "128");
    assert_int_equal(cfg_find(&f, "memory")->line, 4);
    assert_string_equal(cfg_find(&f, "extra")->value.text, "console=hvc0 quiet");
    assert_int_equal(cfg_find(&f, "disk")->value.n_items, 3);
    assert_string_equal(cfg_find(&f, "disk")->value.items[2].text, "c");
    assert_string_equal(cfg_find(&f, "fresh")->value.text, "x");
    cfg_free(&f);
}

static void test_no_newline_at_end_and_crlf(void **state)
{
    (void)state;
    struct cfg_file f = parse_ok("name = 'a'\r\nvcpus = 1");

    assert_int_equal(f.n_settings, 2);
    assert_string_equal(f.settings[1].value.text, "1");
    cfg_free(&f);
}

static void test_errors_name_the_line(void **state)
{
    (void)state;
    expect_error("name = 'a'\nmemory 5\n", "t.cfg:2: expected '=' after 'memory'");
    expect_error(
        "\n\nname = \n",
        "t.cfg:3: name: expected a value (a \"string\", a number or a [list]), got nothing");
    expect_error("memory = lots\n", "t.cfg:1: memory: expected a value (a \"string\", a number "
                                    "or a [list]), got 'lots' (quote words)");
    expect_error("name = 'abc\n", "t.cfg:1: string not closed on its line");
    expect_error("Memory = 5\n", "t.cfg:1: unexpected 'M' (keys are lower case)");
    expect_error("memory = 5 6\n", "t.cfg:1: expected the end of the line after a value");
    expect_error("irqs = [ 1 2 ]\n", "t.cfg:1: expected ',' or ']' in a list");
    expect_error("irqs = [ 1,\n 2\n", "t.cfg:1: the list opened here is not closed");
    expect_error("a = 'x\\qy'\n", "t.cfg:1: unknown escape after a backslash in a string");
    expect_error("a = 'x\\x4'\n", "t.cfg:1: \\x in a string needs two hex digits");
    expect_error("a = 'x\\000'\n", "t.cfg:1: a string cannot hold a NUL character");
    expect_error("a = [1]\na += 'x'\n", "t.cfg:2: a: '+=' cannot join a list and a single value");
    expect_error("= 5\n", "t.cfg:1: expected a setting: key = value");
    expect_error("a = (1)\n", "t.cfg:1: unexpected '('");
    expect_error("a = 'x' B\n", "t.cfg:1: unexpected 'B'");
    expect_error("a = [[[[[[[[[1]]]]]]]]]\n", "t.cfg:1: lists nested too deeply");
}

static void test_nul_byte_in_text(void **state)
{
    (void)state;
    struct cfg_file f;
    struct xu_err err = {{0}};
    static const char text[] = "a = 1\nb\0 = 2\n";

    assert_int_equal(cfg_parse("t.cfg", text, sizeof(text) - 1, &f, &err), -1);
    assert_string_equal(err.msg,
                        "t.cfg:2: a NUL byte: UTF-16 text? save the file as UTF-8 or plain ASCII");
}

/* A config saved by Notepad: UTF-8 with a byte-order mark, CRLF line ends. */
static void test_a_byte_order_mark_is_no_part_of_the_config(void **state)
{
    (void)state;
    struct cfg_file f = parse_ok("\xef\xbb\xbfname = \"caf\xc3\xa9\"\r\nmemory = 64\r\n");

    assert_int_equal(f.n_settings, 2);
    assert_string_equal(f.settings[0].key, "name");
    assert_string_equal(f.settings[0].value.text, "caf\xc3\xa9");
    assert_int_equal(f.settings[1].line, 2);
    cfg_free(&f);
    expect_error("\xef\xbb\xbf\xef\xbb\xbfname = 1\n",
                 "t.cfg:1: byte 0xef, not ASCII, outside quotes: keys and bare values are ASCII "
                 "(text in quotes may be UTF-8)");
    expect_error("memory = 64\n\xc3\xa9t\xc3\xa9 = 1\n",
                 "t.cfg:2: byte 0xc3, not ASCII, outside quotes: keys and bare values are ASCII "
                 "(text in quotes may be UTF-8)");
    {
        struct xu_err err = {{0}};
        static const char utf16[] = "\xff\xfen\0a\0m\0e\0";

        assert_int_equal(cfg_parse("t.cfg", utf16, sizeof(utf16) - 1, &f, &err), -1);
        assert_string_equal(err.msg,
                            "t.cfg: UTF-16 text (it starts with the byte-order mark FF FE): "
                            "save it as UTF-8 or plain ASCII");
    }
}

static void test_typed_views(void **state)
{
    (void)state;
    struct cfg_file f = parse_ok("memory = 128\nquoted = \"64\"\nbad = \"12x\"\nlist = [1]\n"
                                 "huge = 0x10000000000000000\nname = 5\none = 'x'\nunit = 128M\n");
    struct xu_err err = {{0}};
    const struct cfg_value *items;
    const char *s;
    uint64_t v;
    size_t n;

    assert_int_equal(cfg_get_u64(&f, cfg_find(&f, "memory"), 1, 1024, &v, &err), 0);
    assert_int_equal(v, 128);
    assert_int_equal(cfg_get_u64(&f, cfg_find(&f, "quoted"), 1, 1024, &v, &err), 0);
    assert_int_equal(v, 64);
    assert_int_equal(cfg_get_u64(&f, cfg_find(&f, "memory"), 1, 64, &v, &err), -1);
    assert_string_equal(err.msg, "t.cfg:1: memory: 128 is out of range [1, 64]");
    assert_int_equal(cfg_get_u64(&f, cfg_find(&f, "bad"), 0, 9, &v, &err), -1);
    assert_string_equal(err.msg, "t.cfg:3: bad: expected a number, got \"12x\"");
    assert_int_equal(cfg_get_u64(&f, cfg_find(&f, "list"), 0, 9, &v, &err), -1);
    assert_string_equal(err.msg, "t.cfg:4: list: expected a number, got a list");
    assert_int_equal(cfg_get_u64(&f, cfg_find(&f, "huge"), 0, UINT64_MAX, &v, &err), -1);
    assert_int_equal(cfg_get_string(&f, cfg_find(&f, "name"), &s, &err), -1);
    assert_string_equal(err.msg, "t.cfg:6: name: expected a \"string\", got a number");
    assert_int_equal(cfg_get_u64(&f, cfg_find(&f, "unit"), 0, 9999, &v, &err), -1);
    assert_string_equal(err.msg, "t.cfg:8: unit: expected a number, got \"128M\"");
    assert_int_equal(cfg_get_strings(&f, cfg_find(&f, "one"), &items, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].text, "x");
    cfg_free(&f);
}

static void test_numbers_and_sizes(void **state)
{
    (void)state;
    uint64_t v;

    assert_int_equal(cfg_parse_u64("0x9030", &v), 0);
    assert_int_equal(v, 0x9030);
    assert_int_equal(cfg_parse_u64("18446744073709551615", &v), 0);
    assert_int_equal(cfg_parse_u64("18446744073709551616", &v), -1);
    assert_int_equal(cfg_parse_u64("0x", &v), -1);
    assert_int_equal(cfg_parse_u64("12a", &v), -1);
    assert_int_equal(cfg_parse_u64("", &v), -1);
    assert_int_equal(cfg_parse_size("64K", &v), 0);
    assert_int_equal(v, 64 << 10);
    assert_int_equal(cfg_parse_size("0x10M", &v), 0);
    assert_int_equal(v, 16 << 20);
    assert_int_equal(cfg_parse_size("3G", &v), 0);
    assert_int_equal(v, 3ull << 30);
    assert_int_equal(cfg_parse_size("4096", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(cfg_parse_size("M", &v), -1);
    assert_int_equal(cfg_parse_size("1T", &v), -1);
}

static void test_load_reports_missing_file(void **state)
{
    (void)state;
    struct cfg_file f;
    struct xu_err err = {{0}};

    assert_int_equal(cfg_load("/nonexistent/x.cfg", &f, &err), -1);
    assert_string_equal(err.msg, "/nonexistent/x.cfg: No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_of_every_kind),
        cmocka_unit_test(test_lists_span_lines_and_lines_are_counted),
        cmocka_unit_test(test_escapes_as_libxlu_reads_them),
        cmocka_unit_test(test_last_assignment_wins_and_append_joins),
        cmocka_unit_test(test_no_newline_at_end_and_crlf),
        cmocka_unit_test(test_errors_name_the_line),
        cmocka_unit_test(test_nul_byte_in_text),
        cmocka_unit_test(test_a_byte_order_mark_is_no_part_of_the_config),
        cmocka_unit_test(test_typed_views),
        cmocka_unit_test(test_numbers_and_sizes),
        cmocka_unit_test(test_load_reports_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
