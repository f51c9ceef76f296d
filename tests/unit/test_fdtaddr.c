/*
 * Each node's parent from one walk of the tree (fdt_parents), against libfdt's
 * own lookup, on a tree with siblings, nested buses and childless leaves.
 */
#include <libfdt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fdtaddr.h"
#include "fdtwrite.h"

static void *nested_tree(void)
{
    void *fdt = tree_begin();

    node(fdt, "chosen");
    end(fdt);
    node(fdt, "soc");
    node(fdt, "bus@1000");
    node(fdt, "leaf@10");
    end(fdt);
    node(fdt, "leaf@20");
    node(fdt, "deep");
    end(fdt);
    end(fdt);
    end(fdt);
    node(fdt, "uart@2000");
    end(fdt);
    end(fdt);
    node(fdt, "memory@0");
    end(fdt);
    return tree_end(fdt);
}

static void test_every_parent_is_libfdts(void **state)
{
    void *fdt = nested_tree();
    struct fdt_parents t;
    int depth = 0, seen = 0;

    (void)state;
    assert_int_equal(fdt_parents_init(&t, fdt), 0);
    for (int node = fdt_next_node(fdt, -1, &depth); node >= 0;
         node = fdt_next_node(fdt, node, &depth), seen++)
        assert_int_equal(fdtaddr_parent(fdt, &t, node), fdt_parent_offset(fdt, node));
    assert_int_equal(seen, 9);
    assert_int_equal(t.n, 9);
    /* The root has none, as libfdt says it. */
    assert_int_equal(fdtaddr_parent(fdt, &t, 0), -FDT_ERR_NOTFOUND);
    /* Without an index, libfdt's own walk. */
    assert_int_equal(fdtaddr_parent(fdt, NULL, fdt_path_offset(fdt, "/soc/bus@1000/leaf@20/deep")),
                     fdt_path_offset(fdt, "/soc/bus@1000/leaf@20"));
    fdt_parents_free(&t);
    assert_null(t.node);
    free(fdt);
}

static void test_a_tree_deeper_than_the_walks_go_is_refused(void **state)
{
    void *fdt = tree_begin();
    struct fdt_parents t;

    (void)state;
    for (int i = 0; i < FDTADDR_MAX_DEPTH; i++)
        node(fdt, "n");
    for (int i = 0; i < FDTADDR_MAX_DEPTH; i++)
        end(fdt);
    fdt = tree_end(fdt);
    assert_int_equal(fdt_parents_init(&t, fdt), -1);
    assert_null(t.node);
    free(fdt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_parent_is_libfdts),
        cmocka_unit_test(test_a_tree_deeper_than_the_walks_go_is_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
