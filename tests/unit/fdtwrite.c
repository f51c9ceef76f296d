#include "fdtwrite.h"

#include <libfdt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

void *tree_begin(void)
{
    void *fdt = malloc(TREE_BYTES);

    assert_non_null(fdt);
    assert_int_equal(fdt_create(fdt, TREE_BYTES), 0);
    assert_int_equal(fdt_finish_reservemap(fdt), 0);
    assert_int_equal(fdt_begin_node(fdt, ""), 0);
    return fdt;
}

void *tree_end(void *fdt)
{
    assert_int_equal(fdt_end_node(fdt), 0);
    assert_int_equal(fdt_finish(fdt), 0);
    return fdt;
}

void node(void *fdt, const char *name)
{
    assert_int_equal(fdt_begin_node(fdt, name), 0);
}

void end(void *fdt)
{
    assert_int_equal(fdt_end_node(fdt), 0);
}

void cell_array(void *fdt, const char *name, const uint32_t *v, unsigned n)
{
    fdt32_t be[256];

    assert_true(n <= 256);
    for (unsigned i = 0; i < n; i++)
        be[i] = cpu_to_fdt32(v[i]);
    assert_int_equal(fdt_property(fdt, name, be, (int)(n * sizeof(fdt32_t))), 0);
}

void cells(void *fdt, const char *name, unsigned n, ...)
{
    uint32_t v[24];
    va_list ap;

    assert_true(n <= 24);
    va_start(ap, n);
    for (unsigned i = 0; i < n; i++)
        v[i] = va_arg(ap, uint32_t);
    va_end(ap);
    cell_array(fdt, name, v, n);
}

void str(void *fdt, const char *name, const char *s)
{
    assert_int_equal(fdt_property_string(fdt, name, s), 0);
}

void flag(void *fdt, const char *name)
{
    assert_int_equal(fdt_property(fdt, name, NULL, 0), 0);
}
