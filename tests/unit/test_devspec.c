/* The small languages inside iomem, vif and disk values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "devspec.h"

static void test_iomem(void **state)
{
    (void)state;
    struct iomem_range r;
    struct xu_err err = {{0}};

    assert_int_equal(iomem_parse("0x9030,1@0x9030", "f:1", &r, &err), 0);
    assert_int_equal(r.start_pfn, 0x9030);
    assert_int_equal(r.n_pages, 1);
    assert_int_equal(r.gfn, 0x9030);
    /* Hex without 0x, and 1:1 when no @GFN: the Pi 5's GPIO page. */
    assert_int_equal(iomem_parse("107d517,1", "f:1", &r, &err), 0);
    assert_int_equal(r.start_pfn, 0x107d517);
    assert_int_equal(r.gfn, 0x107d517);
    assert_int_equal(iomem_parse("a000,10@2000", "f:1", &r, &err), 0);
    assert_int_equal(r.n_pages, 16);
    assert_int_equal(r.gfn, 0x2000);

    assert_int_equal(iomem_parse("9030", "f:2", &r, &err), -1);
    assert_string_equal(err.msg,
                        "f:2: iomem: \"9030\" is not \"START,PAGES[@GFN]\" (hex page numbers)");
    assert_int_equal(iomem_parse("90g0,1", "f:2", &r, &err), -1);
    assert_string_equal(err.msg, "f:2: iomem: \"90g0,1\": page numbers are hexadecimal");
    assert_int_equal(iomem_parse("9030,0", "f:2", &r, &err), -1);
    assert_string_equal(err.msg, "f:2: iomem: \"9030,0\" maps no pages");
    assert_int_equal(iomem_parse("fffffffffff,2", "f:2", &r, &err), -1);
    assert_string_equal(err.msg,
                        "f:2: iomem: \"fffffffffff,2\" runs past the physical address space");
    assert_int_equal(iomem_parse("1@2,3", "f:2", &r, &err), -1);
    /* A GFN that wraps is refused here, not by Xen later. */
    assert_int_equal(iomem_parse("1,1@ffffffffffffffff", "f:2", &r, &err), -1);
    assert_string_equal(err.msg, "f:2: iomem: \"1,1@ffffffffffffffff\" runs past the physical "
                                 "address space");
    /* Blanks before it, as xl's %x skips them. */
    assert_int_equal(iomem_parse("  9030,1", "f:2", &r, &err), 0);
    assert_int_equal(r.start_pfn, 0x9030);
}

static void test_vdev_numbers_follow_xen_vbd_interface(void **state)
{
    (void)state;
    assert_int_equal(vdev_to_devid("xvda"), 51712);
    assert_int_equal(vdev_to_devid("xvdb"), 51728);
    assert_int_equal(vdev_to_devid("xvdp"), 51952);
    /* The 17th disk moves to the extended scheme. */
    assert_int_equal(vdev_to_devid("xvdq"), (1 << 28) | (16 << 8));
    assert_int_equal(vdev_to_devid("xvdaa"), (1 << 28) | (26 << 8));
    assert_int_equal(vdev_to_devid("sda"), -1);
    assert_int_equal(vdev_to_devid("xvd"), -1);
    assert_int_equal(vdev_to_devid("xvdA"), -1);
    assert_int_equal(vdev_to_devid("xvda1"), -1);
}

static void test_vif(void **state)
{
    (void)state;
    struct vif_spec v;
    struct xu_err err = {{0}};

    assert_int_equal(vif_parse("backend=DomD,bridge=xenbr0,mac=08:00:27:ff:cb:ce", "f:3", &v, &err),
                     0);
    assert_string_equal(v.backend, "DomD");
    assert_string_equal(v.bridge, "xenbr0");
    assert_true(v.has_mac);
    assert_memory_equal(v.mac, ((uint8_t[]){0x08, 0x00, 0x27, 0xff, 0xcb, 0xce}), 6);
    assert_int_equal(
        vif_parse("bridge=xenbr0, ip=192.168.0.2, type=vif, script=vif-bridge", "f:3", &v, &err),
        0);
    assert_false(v.has_mac);
    assert_string_equal(v.ip, "192.168.0.2");
    assert_int_equal(vif_parse("", "f:3", &v, &err), 0);

    assert_int_equal(vif_parse("mac=01:00:27:ff:cb:ce", "f:3", &v, &err), -1);
    assert_string_equal(
        err.msg, "f:3: vif: mac=01:00:27:ff:cb:ce is not a unicast xx:xx:xx:xx:xx:xx address");
    assert_int_equal(vif_parse("mac=08:00:27:ff:cb", "f:3", &v, &err), -1);
    assert_int_equal(vif_parse("mac=00:-1:00:00:00:00", "f:3", &v, &err), -1);
    assert_int_equal(vif_parse("mac=00:11:22:33:44:5g", "f:3", &v, &err), -1);
    /* Blanks around = are xl's too. */
    assert_int_equal(vif_parse("bridge = xenbr0 , backend= DomD", "f:3", &v, &err), 0);
    assert_string_equal(v.bridge, "xenbr0");
    assert_string_equal(v.backend, "DomD");
    assert_int_equal(vif_parse("bridge=xen br0", "f:3", &v, &err), -1);
    assert_string_equal(err.msg, "f:3: vif: bridge=\"xen br0\" is not an interface name");
    assert_int_equal(vif_parse("bridge=averyveryverylongbridgename", "f:3", &v, &err), -1);
    assert_string_equal(
        err.msg, "f:3: vif: bridge=\"averyveryverylongbridgename\" is longer than 15 characters");
    assert_int_equal(vif_parse("model=e1000", "f:3", &v, &err), -1);
    assert_string_equal(err.msg, "f:3: vif: unknown key 'model'");
    assert_int_equal(vif_parse("type=ioemu", "f:3", &v, &err), -1);
    assert_int_equal(vif_parse("bridge", "f:3", &v, &err), -1);
    assert_string_equal(err.msg, "f:3: vif: \"bridge\" is not key=value");
}

static void test_disk(void **state)
{
    (void)state;
    struct disk_spec d;
    struct xu_err err = {{0}};

    assert_int_equal(disk_parse("backend=DomD,format=raw,vdev=xvda,access=rw,target=/srv/a,b.img",
                                "f:4", &d, &err),
                     0);
    assert_string_equal(d.backend, "DomD");
    assert_string_equal(d.vdev, "xvda");
    assert_int_equal(d.devid, 51712);
    assert_string_equal(d.target, "/srv/a,b.img");
    assert_false(d.readonly);
    /* The positional form: target,format,vdev,access. */
    assert_int_equal(disk_parse("/dev/loop0,raw,xvdb,ro", "f:4", &d, &err), 0);
    assert_string_equal(d.target, "/dev/loop0");
    assert_string_equal(d.vdev, "xvdb");
    assert_true(d.readonly);
    /* The old prefix form: phy: stands for the format, so vdev and access follow. */
    assert_int_equal(disk_parse("phy:/dev/sda,xvdb,r", "f:4", &d, &err), 0);
    assert_string_equal(d.target, "/dev/sda");
    assert_string_equal(d.vdev, "xvdb");
    assert_true(d.readonly);
    assert_int_equal(disk_parse("/srv/x.img,,xvdc", "f:4", &d, &err), 0);
    assert_string_equal(d.format, "raw");
    assert_false(d.readonly);
    assert_int_equal(disk_parse("vdev=xvdd,devtype=cdrom", "f:4", &d, &err), 0);
    assert_true(d.cdrom);
    assert_true(d.readonly);

    assert_int_equal(disk_parse("target=/a", "f:4", &d, &err), -1);
    assert_string_equal(err.msg, "f:4: disk: no vdev (the name the guest sees, e.g. xvda)");
    assert_int_equal(disk_parse("vdev=xvda", "f:4", &d, &err), -1);
    assert_string_equal(err.msg, "f:4: disk: no target (the file or device that backs xvda)");
    assert_int_equal(disk_parse("vdev=hda,target=/a", "f:4", &d, &err), -1);
    assert_string_equal(err.msg, "f:4: disk: vdev=hda is not a Xen disk name (xvda, xvdb, ...)");
    assert_int_equal(disk_parse("format=qcow2,vdev=xvda,target=/a", "f:4", &d, &err), -1);
    assert_string_equal(err.msg, "f:4: disk: format=qcow2: only raw images are served");
    assert_int_equal(disk_parse("access=rx,vdev=xvda,target=/a", "f:4", &d, &err), -1);
    assert_string_equal(err.msg, "f:4: disk: access=rx is not ro, r, rw or w");
    assert_int_equal(disk_parse("/a,raw,xvda,rw,extra", "f:4", &d, &err), -1);
    assert_string_equal(err.msg, "f:4: disk: \"extra\": more than target,format,vdev,access");
    assert_int_equal(disk_parse("color=red,vdev=xvda,target=/a", "f:4", &d, &err), -1);
    assert_string_equal(err.msg, "f:4: disk: unknown key 'color'");
}

static void expect_refused(int rc, struct xu_err *err, const char *message)
{
    assert_int_equal(rc, -1);
    assert_string_equal(err->msg, message);
}

static void test_static_shm(void **state)
{
    (void)state;
    struct shm_spec s;
    struct xu_err err = {{0}};

    assert_int_equal(shm_parse("id=ring-0, host=0xbbe00000, guest=0x7fe00000, size=64K, "
                               "role=owner",
                               "f:5", &s, &err),
                     0);
    assert_string_equal(s.id, "ring-0");
    assert_int_equal(s.host_addr, 0xbbe00000);
    assert_int_equal(s.guest_addr, 0x7fe00000);
    assert_int_equal(s.size_bytes, 64 << 10);
    assert_int_equal(s.role, SHM_ROLE_OWNER);
    assert_string_equal(shm_role_name(s.role), "owner");
    assert_int_equal(shm_parse("size=4K,guest=0x80000000,host=0x1000,id=a", "f:5", &s, &err), 0);
    assert_int_equal(s.role, SHM_ROLE_NONE);
    assert_null(shm_role_name(s.role));

    expect_refused(shm_parse("id=a,host=0x1000,size=4K", "f:5", &s, &err), &err,
                   "f:5: static_shm: \"id=a,host=0x1000,size=4K\" needs id, host, guest and size");
    expect_refused(
        shm_parse("id=sixteen-chars-xy,host=0,guest=0,size=4K", "f:5", &s, &err), &err,
        "f:5: static_shm: id=sixteen-chars-xy: an id is 1 to 15 letters, digits, - and _ "
        "(Xen's xen,shm-id)");
    expect_refused(shm_parse("id=a,host=0x1800,guest=0,size=4K", "f:5", &s, &err), &err,
                   "f:5: static_shm: host=0x1800 is not a page-aligned address");
    expect_refused(shm_parse("id=a,host=0x1000,guest=0,size=6K", "f:5", &s, &err), &err,
                   "f:5: static_shm: size=6K is not a whole number of 4 KiB pages");
    expect_refused(shm_parse("id=a,host=0,guest=0,size=4K,role=lender", "f:5", &s, &err), &err,
                   "f:5: static_shm: role=lender is not owner or borrower");
    expect_refused(shm_parse("id=a,id=b,host=0,guest=0,size=4K", "f:5", &s, &err), &err,
                   "f:5: static_shm: id given twice");
    expect_refused(shm_parse("id=a,host=0xfffffffffffff000,guest=0,size=8K", "f:5", &s, &err), &err,
                   "f:5: static_shm: \"id=a,host=0xfffffffffffff000,guest=0,size=8K\" runs past "
                   "the end of the address space");
    expect_refused(shm_parse("id=a,offset=0", "f:5", &s, &err), &err,
                   "f:5: static_shm: unknown key 'offset' (id, host, guest, size, role)");
}

static void test_static_evtchn(void **state)
{
    (void)state;
    struct evtchn_spec e;
    struct xu_err err = {{0}};

    assert_int_equal(evtchn_parse("port=10, peer=shm_pong, peer_port=11", "f:6", &e, &err), 0);
    assert_int_equal(e.port, 10);
    assert_string_equal(e.peer, "shm_pong");
    assert_int_equal(e.peer_port, 11);
    expect_refused(evtchn_parse("port=10,peer=shm_pong", "f:6", &e, &err), &err,
                   "f:6: static_evtchn: \"port=10,peer=shm_pong\" needs port, peer and peer_port");
    expect_refused(
        evtchn_parse("port=1024,peer=a,peer_port=1", "f:6", &e, &err), &err,
        "f:6: static_evtchn: port=1024 is not a port of 1-1023 (Xen's limit for a domain "
        "it starts at boot)");
    expect_refused(evtchn_parse("port=0,peer=a,peer_port=1", "f:6", &e, &err), &err,
                   "f:6: static_evtchn: port=0 is not a port of 1-1023 (Xen's limit for a domain "
                   "it starts at boot)");
    expect_refused(evtchn_parse("port=2,peer=a,peer_port=3,remote=4", "f:6", &e, &err), &err,
                   "f:6: static_evtchn: unknown key 'remote' (port, peer, peer_port)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iomem),
        cmocka_unit_test(test_vdev_numbers_follow_xen_vbd_interface),
        cmocka_unit_test(test_vif),
        cmocka_unit_test(test_disk),
        cmocka_unit_test(test_static_shm),
        cmocka_unit_test(test_static_evtchn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
