/* mkboot's static links: memory shared and event channels between boot-time domains. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "links.h"

static struct domain_config doms[3];
static struct boot_links out;

static void domain(struct domain_config *dc, const char *name)
{
    memset(dc, 0, sizeof(*dc));
    snprintf(dc->source, sizeof(dc->source), "%s.cfg", name);
    strcpy(dc->name, name);
    dc->memory_mib = 16;
    dc->vcpus = 1;
}

static void shm(struct domain_config *dc, const char *text)
{
    struct xu_err err = {{0}};

    if (shm_parse(text, "t", &dc->shm[dc->n_shm], &err) < 0)
        fail_msg("%s", err.msg);
    dc->shm[dc->n_shm++].line = 7;
}

static void evtchn(struct domain_config *dc, const char *text)
{
    struct xu_err err = {{0}};

    if (evtchn_parse(text, "t", &dc->evtchns[dc->n_evtchns], &err) < 0)
        fail_msg("%s", err.msg);
    dc->evtchns[dc->n_evtchns++].line = 8;
}

/* DomD (no links), and a pair that shares "ring" and a channel between ports 10 and 11. */
static int setup(void **state)
{
    (void)state;
    domain(&doms[0], "DomD");
    doms[0].direct_map = true;
    doms[0].static_mem[0] = (struct mem_bank){0x60000000, 256u << 20};
    doms[0].n_static_mem = 1;
    domain(&doms[1], "ping");
    shm(&doms[1], "id=ring,host=0xbbe00000,guest=0x7fe00000,size=64K,role=owner");
    evtchn(&doms[1], "port=10,peer=pong,peer_port=11");
    domain(&doms[2], "pong");
    shm(&doms[2], "id=ring,host=0xbbe00000,guest=0x80000000,size=64K,role=borrower");
    evtchn(&doms[2], "port=11,peer=ping,peer_port=10");
    return 0;
}

static void expect_error(const char *message)
{
    struct xu_err err = {{0}};

    assert_int_equal(links_plan(doms, 3, NULL, "host.dtb", &out, &err), -1);
    assert_string_equal(err.msg, message);
}

static void test_each_channel_end_names_the_other(void **state)
{
    (void)state;
    struct xu_err err = {{0}};

    if (links_plan(doms, 3, NULL, "host.dtb", &out, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(out.n_ends, 2);
    assert_int_equal(out.first_end[1], 0);
    assert_int_equal(out.first_end[2], 1);
    assert_int_equal(out.peer_end[0], 1);
    assert_int_equal(out.peer_end[1], 0);
}

static void test_regions_that_xen_would_refuse_or_that_would_clash(void **state)
{
    (void)state;
    doms[2].shm[0].size_bytes = 128 << 10;
    expect_error(
        "ping.cfg:7: static_shm: id=ring is 0xbbe00000+0x10000 here but 0xbbe00000+0x20000 "
        "in pong.cfg (line 7): one id, one region");
    setup(NULL);
    shm(&doms[2], "id=other,host=0xbbe08000,guest=0x90000000,size=4K");
    expect_error("ping.cfg:7: static_shm: id=ring overlaps id=other (pong.cfg, line 7) in host "
                 "memory");
    setup(NULL);
    doms[2].n_shm = 0;
    expect_error("ping.cfg:7: static_shm: id=ring: no other domain Xen starts at boot shares it");
    setup(NULL);
    doms[2].shm[0].role = SHM_ROLE_OWNER;
    expect_error("ping.cfg:7: static_shm: id=ring: 2 domains say role=owner; one owns it");
    setup(NULL);
    doms[2].shm[0].role = SHM_ROLE_NONE;
    expect_error("ping.cfg:7: static_shm: id=ring: either one sharer says role=owner and the "
                 "others role=borrower, or none names a role");
    setup(NULL);
    doms[1].shm[0].guest_addr = 0x40800000;
    expect_error("ping.cfg:7: static_shm: id=ring: guest=0x40800000 lies in ping's RAM "
                 "(0x40000000-0x40ffffff)");
    setup(NULL);
    doms[1].shm[0].guest_addr = 0x22000000;
    expect_error("ping.cfg:7: static_shm: id=ring: guest=0x22000000: a guest sees shared memory "
                 "in a RAM window, 0x40000000-0xffffffff or 0x200000000-0xffffffffff, outside its "
                 "own RAM");
    setup(NULL);
    doms[1].shm[0].host_addr = doms[2].shm[0].host_addr = 0x6ff00000;
    expect_error("ping.cfg:7: static_shm: id=ring overlaps DomD's static_mem");
    setup(NULL);
    doms[0].shm[0] = doms[2].shm[0];
    doms[0].n_shm = 1;
    expect_error("DomD.cfg:7: static_shm: id=ring: DomD sees host addresses (direct_map): its "
                 "guest address is its host address, 0xbbe00000");
}

static void test_channels_need_both_ends_and_a_free_port(void **state)
{
    (void)state;
    doms[2].evtchns[0].peer_port = 12;
    expect_error("ping.cfg:8: static_evtchn: pong.cfg has no \"port=11,peer=ping,peer_port=10\", "
                 "the other end of this channel");
    setup(NULL);
    strcpy(doms[1].evtchns[0].peer, "pang");
    expect_error("ping.cfg:8: static_evtchn: peer=pang: no domain Xen starts at boot has that "
                 "name");
    setup(NULL);
    strcpy(doms[1].evtchns[0].peer, "ping");
    expect_error("ping.cfg:8: static_evtchn: peer=ping is the domain itself");
    setup(NULL);
    doms[1].evtchns[0].port = 1;
    expect_error("ping.cfg:8: static_evtchn: port=1 is the xenstore channel Xen gives the domain "
                 "first");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_each_channel_end_names_the_other, setup),
        cmocka_unit_test_setup(test_regions_that_xen_would_refuse_or_that_would_clash, setup),
        cmocka_unit_test_setup(test_channels_need_both_ends_and_a_free_port, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
