/* mkboot's CPU pools: checked against the host's CPUs and the domains that name them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "cpupools.h"

static char host[4096];
static struct platform p;
static struct domain_config dom0, doms[3];
static struct boot_cpupools out;

/* A host tree with `n` cpu nodes (cpu@0 ...), phandles 1.. unless `no_phandle` names one. */
static void build_host(unsigned n, int no_phandle)
{
    char name[16];

    assert_int_equal(fdt_create(host, sizeof(host)), 0);
    assert_int_equal(fdt_finish_reservemap(host), 0);
    assert_int_equal(fdt_begin_node(host, ""), 0);
    assert_int_equal(fdt_begin_node(host, "cpus"), 0);
    assert_int_equal(fdt_begin_node(host, "cpu-map"), 0);
    assert_int_equal(fdt_end_node(host), 0);
    for (unsigned i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "cpu@%u", i);
        assert_int_equal(fdt_begin_node(host, name), 0);
        assert_int_equal(fdt_property_string(host, "device_type", "cpu"), 0);
        if ((int)i != no_phandle)
            assert_int_equal(fdt_property_u32(host, "phandle", 1 + i), 0);
        assert_int_equal(fdt_end_node(host), 0);
    }
    assert_int_equal(fdt_end_node(host), 0);
    assert_int_equal(fdt_end_node(host), 0);
    assert_int_equal(fdt_finish(host), 0);
}

static void pool(size_t i, const char *name, const char *sched, unsigned first, unsigned last)
{
    struct platform_cpupool *c = &p.cpupools[i];

    memset(c, 0, sizeof(*c));
    strcpy(c->name, name);
    strcpy(c->sched, sched);
    snprintf(c->cpus_text, sizeof(c->cpus_text), "%u-%u", first, last);
    for (unsigned cpu = first; cpu <= last; cpu++)
        cpuset_add(&c->cpus, cpu);
    c->line = 9;
    p.n_cpupools = i + 1;
}

static void domain(struct domain_config *dc, const char *name, unsigned vcpus, const char *pool)
{
    memset(dc, 0, sizeof(*dc));
    snprintf(dc->source, sizeof(dc->source), "%s.cfg", name);
    strcpy(dc->name, name);
    dc->vcpus = vcpus;
    strcpy(dc->pool, pool);
    dc->pool_line = 4;
}

static int setup(void **state)
{
    (void)state;
    memset(&p, 0, sizeof(p));
    strcpy(p.source, "platform.cfg");
    domain(&dom0, "Domain-0", 1, "");
    build_host(4, -1);
    pool(0, "rt", "null", 2, 3);
    domain(&doms[0], "DomD", 1, "");
    domain(&doms[1], "rt_jitter", 1, "rt");
    domain(&doms[2], "rt_two", 1, "rt");
    return 0;
}

static void expect_error(unsigned n_domains, const char *message)
{
    struct xu_err err = {{0}};

    assert_int_equal(cpupools_plan(&p, host, "host.dtb", &dom0, doms, n_domains, &out, &err), -1);
    assert_string_equal(err.msg, message);
}

static void test_the_host_cpus_and_the_pools_domains(void **state)
{
    (void)state;
    struct xu_err err = {{0}};

    if (cpupools_plan(&p, host, "host.dtb", &dom0, doms, 3, &out, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(out.n_cpus, 4);
    assert_string_equal(out.cpu_paths[0], "/cpus/cpu@0");
    assert_string_equal(out.cpu_paths[3], "/cpus/cpu@3");
    assert_int_equal(cpupools_of(&p, &doms[0]), -1);
    assert_int_equal(cpupools_of(&p, &doms[1]), 0);
}

static void test_refusals(void **state)
{
    (void)state;
    pool(0, "rt", "null", 2, 4);
    expect_error(2, "platform.cfg:9: cpupools: pool rt: CPU 4: the machine has CPUs 0-3 (the cpu "
                    "nodes of host.dtb)");
    pool(0, "rt", "null", 2, 3);
    build_host(4, 2);
    expect_error(2, "platform.cfg:9: cpupools: pool rt: /cpus/cpu@2 has no phandle in host.dtb "
                    "to name it by");
    build_host(4, -1);
    strcpy(doms[1].pool, "fast");
    expect_error(2, "rt_jitter.cfg:4: pool: \"fast\": no such CPU pool (platform.cfg makes "
                    "Pool-0, rt)");
    strcpy(doms[1].pool, "rt");
    doms[2].vcpus = 2;
    expect_error(3, "rt_jitter.cfg:4: pool: rt: the null scheduler gives each vCPU a CPU of its "
                    "own, and the domains Xen starts in it at boot have 3 vCPUs for its 2 CPUs "
                    "(platform.cfg:9)");
    pool(0, "rt", "arinc653", 2, 3);
    expect_error(2, "rt_jitter.cfg:4: pool: rt: Xen 4.17's ARINC 653 scheduler runs only the "
                    "domains its schedule names, which no one sets at boot");
    pool(0, "rt", "null", 2, 3);
    strcpy(dom0.pool, "rt");
    expect_error(2, "Domain-0.cfg:4: pool: Dom0 runs in Pool-0, with Xen's boot CPU");
    strcpy(dom0.pool, "Pool-0");
    {
        struct xu_err err = {{0}};

        assert_int_equal(cpupools_plan(&p, NULL, "host.dtb", &dom0, doms, 2, &out, &err), -1);
        assert_string_equal(err.msg, "platform.cfg:9: cpupools: mkboot needs the host device tree "
                                     "(--host-dtb) to name the pools' CPUs");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_the_host_cpus_and_the_pools_domains, setup),
        cmocka_unit_test_setup(test_refusals, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
