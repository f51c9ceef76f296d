/*
 * iomem and irqs checked against Dom0's device tree before Xen sees them.
 * The tree is Dom0's as Xen 4.17 writes it for QEMU's virt machine with
 * pixen's boot.scr: RAM is Dom0's banks only, the GIC is Xen's copy, Xen's
 * UART is missing (stdout-path still names it), the guests' PL061 is
 * disabled and marked pixen,owner "guests", DomD's disk is marked "DomD";
 * plus a Raspberry Pi-like bus whose UART Xen takes by dtuart=.
 */
#include <libfdt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fdtwrite.h"
#include "hostdevs.h"

#define GIC_PH   0x8001
#define CFG      "/dom0/guests/blinky.cfg"
#define QEMU_CMD "console=dtuart dtuart=/pl011@9000000 dom0_mem=512M"
#define PI_CMD   "console=dtuart dtuart=/soc@107c000000/serial@7d001000 conring_size=1M"

static void *dom0_tree(void)
{
    void *fdt = tree_begin();

    cells(fdt, "#address-cells", 1, 2);
    cells(fdt, "#size-cells", 1, 2);
    cells(fdt, "interrupt-parent", 1, GIC_PH);
    /* Xen keeps /chosen but drops its stdout-path; /aliases stays as the host's. */
    node(fdt, "chosen");
    end(fdt);
    node(fdt, "aliases");
    str(fdt, "serial0", "/pl011@9000000");
    end(fdt);
    node(fdt, "memory@40000000");
    str(fdt, "device_type", "memory");
    cells(fdt, "reg", 4, 0, 0x40000000, 0, 0x20000000);
    end(fdt);
    /* Xen writes Dom0's GIC under this name, with the host's registers and phandle. */
    node(fdt, "interrupt-controller");
    cells(fdt, "phandle", 1, GIC_PH);
    str(fdt, "compatible", "arm,cortex-a15-gic");
    cells(fdt, "#interrupt-cells", 1, 3);
    cells(fdt, "#address-cells", 1, 2); /* Xen copies the host GIC's */
    flag(fdt, "interrupt-controller");
    cells(fdt, "reg", 8, 0, 0x8000000, 0, 0x10000, 0, 0x8010000, 0, 0x10000);
    end(fdt);
    node(fdt, "pl061@9030000");
    str(fdt, "compatible", "arm,pl061");
    cells(fdt, "reg", 4, 0, 0x9030000, 0, 0x1000);
    cells(fdt, "interrupts", 3, 0, 7, 4);
    flag(fdt, HOSTDEVS_GUESTS_PROP);
    str(fdt, "status", "disabled");
    end(fdt);
    node(fdt, "virtio_mmio@a000000");
    cells(fdt, "reg", 4, 0, 0xa000000, 0, 0x200);
    cells(fdt, "interrupts", 3, 0, 16, 1);
    end(fdt);
    node(fdt, "virtio_mmio@a000200");
    cells(fdt, "reg", 4, 0, 0xa000200, 0, 0x200);
    cells(fdt, "interrupts", 3, 0, 17, 1);
    str(fdt, HOSTDEVS_DOMAIN_PROP, "DomD");
    str(fdt, "status", "disabled");
    end(fdt);
    node(fdt, "pcie@10000000");
    str(fdt, "device_type", "pci");
    cells(fdt, "#address-cells", 1, 3);
    cells(fdt, "#size-cells", 1, 2);
    cells(fdt, "reg", 4, 0x40, 0x10000000, 0, 0x10000000);
    cells(fdt, "ranges", 7, 0x2000000, 0, 0x10000000, 0, 0x10000000, 0, 0x2eff0000);
    cells(fdt, "interrupts", 6, 0, 3, 4, 0, 4, 4);
    str(fdt, HOSTDEVS_DOMAIN_PROP, "DomD");
    str(fdt, "status", "disabled");
    end(fdt);
    /* A bridge Dom0 keeps: its INTx (SPIs 40 and 41) only in its interrupt-map. */
    node(fdt, "pcie@30000000");
    str(fdt, "device_type", "pci");
    cells(fdt, "#address-cells", 1, 3);
    cells(fdt, "#size-cells", 1, 2);
    cells(fdt, "#interrupt-cells", 1, 1);
    cells(fdt, "reg", 4, 0x40, 0x30000000, 0, 0x1000000);
    cells(fdt, "interrupt-map-mask", 4, 0x1800, 0, 0, 7);
    cells(fdt, "interrupt-map", 20, 0, 0, 0, 1, GIC_PH, 0, 0, 0, 8, 4, /* INTA */
          0, 0, 0, 2, GIC_PH, 0, 0, 0, 9, 4);                          /* INTB */
    end(fdt);
    node(fdt, "gpio-keys");
    str(fdt, "status", "disabled");
    node(fdt, "poweroff");
    cells(fdt, "gpios", 2, 0x8003, 3);
    end(fdt);
    end(fdt);
    node(fdt, "soc@107c000000");
    cells(fdt, "#address-cells", 1, 1);
    cells(fdt, "#size-cells", 1, 1);
    cells(fdt, "ranges", 4, 0x7c000000, 0x10, 0x7c000000, 0x4000000);
    node(fdt, "gpio@7d517c00");
    cells(fdt, "reg", 2, 0x7d517c00, 0x40);
    cells(fdt, "interrupts-extended", 4, GIC_PH, 0, 108, 4);
    flag(fdt, HOSTDEVS_GUESTS_PROP);
    str(fdt, "status", "disabled");
    end(fdt);
    node(fdt, "i2c@7d508200");
    cells(fdt, "reg", 2, 0x7d508200, 0x80);
    cells(fdt, "#address-cells", 1, 1);
    cells(fdt, "#size-cells", 1, 0);
    node(fdt, "rtc@51");
    cells(fdt, "reg", 1, 0x51); /* an I2C address, not memory */
    end(fdt);
    end(fdt);
    end(fdt);
    node(fdt, "hypervisor");
    str(fdt, "compatible", "xen,xen");
    cells(fdt, "reg", 8, 0, 0x38000000, 0, 0x1000000, 0, 0x60000000, 0, 0x20000000);
    end(fdt);
    return tree_end(fdt);
}

static struct domain_config dc;

static void ask_iomem(uint64_t pfn, uint64_t pages)
{
    dc.iomem[dc.n_iomem] = (struct iomem_range){pfn, pages, pfn, 10 + dc.n_iomem};
    dc.n_iomem++;
}

static void ask_irq(unsigned irq)
{
    dc.irq_lines[dc.n_irqs] = 20 + dc.n_irqs;
    dc.irqs[dc.n_irqs++] = irq;
}

static int setup(void **state)
{
    memset(&dc, 0, sizeof(dc));
    snprintf(dc.source, sizeof(dc.source), "%s", CFG);
    *state = dom0_tree();
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* Refused, with the message holding each of the NULL-ended texts. */
static void refused(void *fdt, const char *cmdline, ...)
{
    struct xu_err err = {{0}};
    const char *want;
    va_list ap;

    assert_int_equal(hostdevs_check(fdt, TREE_BYTES, "fdt", cmdline, &dc, &err), -1);
    va_start(ap, cmdline);
    while ((want = va_arg(ap, const char *)) != NULL) {
        if (!strstr(err.msg, want))
            fail_msg("\"%s\" is not in: %s", want, err.msg);
    }
    va_end(ap);
}

static void test_the_guests_devices_are_given(void **state)
{
    struct xu_err err = {{0}};

    ask_iomem(0x9030, 1);
    ask_iomem(0x107d517, 1); /* through the bus's ranges */
    ask_irq(39);
    ask_irq(140); /* by interrupts-extended */
    assert_int_equal(hostdevs_check(*state, TREE_BYTES, "fdt", QEMU_CMD, &dc, &err), 0);
}

static void test_nothing_asked_needs_no_tree(void **state)
{
    struct xu_err err = {{0}};

    (void)state;
    assert_int_equal(hostdevs_check("junk", 4, "fdt", NULL, &dc, &err), 0);
}

static void test_ram_is_refused_and_named(void **state)
{
    ask_iomem(0x40000, 1);
    refused(*state, QEMU_CMD, CFG ":10: iomem: \"0x40000,0x1\" (host 0x40000000-0x40000fff)",
            "is RAM (/memory@40000000: Dom0's)",
            "guest_devices frees (/pl061@9030000, "
            "/soc@107c000000/gpio@7d517c00)",
            NULL);
}

static void test_other_ram_is_refused_by_xens_node(void **state)
{
    ask_iomem(0x60000, 0x10);
    refused(*state, QEMU_CMD, CFG ":10:", "/hypervisor: the grant table and the RAM Dom0 maps",
            NULL);
}

static void test_the_gic_is_xens(void **state)
{
    ask_iomem(0x9030, 1);
    ask_iomem(0x8010, 2);
    refused(*state, QEMU_CMD, CFG ":11: iomem: \"0x8010,0x2\"",
            "is the GIC (/interrupt-controller), which Xen keeps", NULL);
}

static void test_xens_uart_by_path_or_alias(void **state)
{
    ask_iomem(0x9000, 1);
    refused(*state, QEMU_CMD, CFG ":10:", "holds Xen's UART (/pl011@9000000, its console)", NULL);
    refused(*state, "console=dtuart dtuart=serial0:115200n8", "holds Xen's UART (/pl011@9000000",
            NULL);
    /* Without dtuart=, Xen's UART is not named, yet the page is no guest's. */
    refused(*state, "console=dtuart", "no device platform.cfg's guest_devices frees", NULL);
}

static void test_xens_uart_from_dtuart_through_a_bus(void **state)
{
    ask_iomem(0x107d001, 1);
    refused(*state, PI_CMD,
            CFG ":10:", "holds Xen's UART (/soc@107c000000/serial@7d001000, its console)", NULL);
}

static void test_dom0s_device_is_named(void **state)
{
    ask_iomem(0xa000, 1);
    refused(*state, QEMU_CMD, "/virtio_mmio@a000000, which Dom0 keeps", NULL);
}

static void test_a_boot_time_domains_device_is_named(void **state)
{
    /* Xen itself would allow this one: Dom0 holds the permission for every device it saw. */
    ask_irq(49);
    refused(*state, QEMU_CMD,
            CFG ":20: irqs: 49 is the interrupt of /virtio_mmio@a000200, "
                "which the boot-time domain DomD has (its dtdev)",
            NULL);
}

static void test_a_bridges_windows_are_its_domains(void **state)
{
    ask_iomem(0x9030, 1);
    ask_iomem(0x20000, 0x10);
    ask_irq(36);
    refused(*state, QEMU_CMD,
            CFG ":11: iomem: \"0x20000,0x10\" (host 0x20000000-0x2000ffff) is "
                "/pcie@10000000, which the boot-time domain DomD has (its dtdev)",
            NULL);
    dc.n_iomem = 1;
    refused(*state, QEMU_CMD, CFG ":20: irqs: 36 is the interrupt of /pcie@10000000", NULL);
}

static void test_a_range_running_past_the_guests_device(void **state)
{
    ask_iomem(0x9030, 2);
    refused(*state, QEMU_CMD, CFG ":10:", "no device platform.cfg's guest_devices frees",
            "is at 0x9031000", NULL);
}

static void test_a_switched_off_device_is_not_the_guests(void **state)
{
    void *fdt = tree_begin();

    cells(fdt, "#address-cells", 1, 1);
    cells(fdt, "#size-cells", 1, 1);
    cells(fdt, "interrupt-parent", 1, GIC_PH);
    node(fdt, "intc@8000000");
    cells(fdt, "phandle", 1, GIC_PH);
    str(fdt, "compatible", "arm,gic-400");
    cells(fdt, "#interrupt-cells", 1, 3);
    flag(fdt, "interrupt-controller");
    end(fdt);
    node(fdt, "keys@1000");
    cells(fdt, "reg", 2, 0x1000, 0x100);
    cells(fdt, "interrupts", 3, 0, 9, 4);
    str(fdt, "status", "disabled");
    end(fdt);
    fdt = tree_end(fdt);
    (void)state;
    ask_iomem(0x1, 1);
    refused(fdt, NULL, "is /keys@1000, which is switched off (status \"disabled\")",
            "guest_devices frees (none on this machine)", NULL);
    dc.n_iomem = 0;
    ask_irq(41);
    refused(fdt, NULL, "irqs: 41 is the interrupt of /keys@1000, which is switched off", NULL);
    free(fdt);
}

/* A switched-off node (Pi 5: the always-on L2 interrupt controller) may share the guests' page. */
static void test_a_switched_off_neighbour_may_share_the_guests_page(void **state)
{
    void *fdt = tree_begin();
    struct xu_err err = {{0}};

    (void)state;
    cells(fdt, "#address-cells", 1, 1);
    cells(fdt, "#size-cells", 1, 1);
    node(fdt, "intc@7d517000");
    cells(fdt, "reg", 2, 0x7d517000, 0x10);
    str(fdt, "status", "disabled");
    end(fdt);
    node(fdt, "gpio@7d517c00");
    cells(fdt, "reg", 2, 0x7d517c00, 0x40);
    flag(fdt, HOSTDEVS_GUESTS_PROP);
    str(fdt, "status", "disabled");
    end(fdt);
    fdt = tree_end(fdt);
    ask_iomem(0x7d517, 1);
    assert_int_equal(hostdevs_check(fdt, TREE_BYTES, "fdt", NULL, &dc, &err), 0);
    /* One page more is nobody's: that page is named, not the switched-off neighbour. */
    dc.iomem[0].n_pages = 2;
    refused(fdt, NULL,
            "no device platform.cfg's guest_devices frees (/gpio@7d517c00) is at "
            "0x7d518000",
            NULL);
    free(fdt);
}

/* A domain's name is only a name: one called "guests" frees nothing for the guests. */
static void test_a_domain_named_guests_keeps_its_devices(void **state)
{
    void *fdt = tree_begin();

    (void)state;
    cells(fdt, "#address-cells", 1, 1);
    cells(fdt, "#size-cells", 1, 1);
    node(fdt, "bus");
    cells(fdt, "#address-cells", 1, 1);
    cells(fdt, "#size-cells", 1, 1);
    flag(fdt, "ranges");
    str(fdt, "status", "disabled");
    node(fdt, "uart@2000");
    cells(fdt, "reg", 2, 0x2000, 0x100);
    end(fdt);
    end(fdt);
    node(fdt, "eth@1000");
    cells(fdt, "reg", 2, 0x1000, 0x100);
    str(fdt, HOSTDEVS_DOMAIN_PROP, "guests");
    str(fdt, "status", "disabled");
    end(fdt);
    fdt = tree_end(fdt);
    ask_iomem(0x1, 1);
    refused(fdt, NULL, "is /eth@1000, which the boot-time domain guests has", NULL);
    /* Below a switched-off bus, a node is switched off too. */
    dc.iomem[0].start_pfn = 0x2;
    refused(fdt, NULL, "0x2000 is /bus/uart@2000, which is switched off", NULL);
    free(fdt);
}

static void test_a_range_past_the_address_space(void **state)
{
    ask_iomem(UINT64_MAX / 4096, 2);
    refused(*state, QEMU_CMD, CFG ":10: iomem: \"0xfffffffffffff,0x2\" is no range of pages", NULL);
}

static void test_an_interrupt_nobody_raises(void **state)
{
    ask_irq(100);
    refused(*state, QEMU_CMD, CFG ":20: irqs: 100: no device platform.cfg's guest_devices frees",
            "Xen keeps its own UART's", NULL);
}

static void test_dom0s_interrupt_is_named(void **state)
{
    ask_irq(39);
    ask_irq(48);
    refused(*state, QEMU_CMD,
            CFG ":21: irqs: 48 is the interrupt of /virtio_mmio@a000000, "
                "which Dom0 keeps",
            NULL);
}

static void test_a_bridges_intx_through_its_interrupt_map_is_dom0s(void **state)
{
    ask_irq(41);
    refused(*state, QEMU_CMD,
            CFG ":20: irqs: 41 is the interrupt of /pcie@30000000, which Dom0 keeps", NULL);
}

static void test_an_interrupt_map_that_cannot_be_read_names_nothing(void **state)
{
    void *fdt = *state;
    int bridge = fdt_path_offset(fdt, "/pcie@30000000");
    /* The first entry names a phandle nobody has: the second, INTB's, cannot be found. */
    fdt32_t broken[20] = {
        0, 0, 0, cpu_to_fdt32(1), cpu_to_fdt32(0x7777), 0, 0, 0, cpu_to_fdt32(8), cpu_to_fdt32(4),
        0, 0, 0, cpu_to_fdt32(2), cpu_to_fdt32(GIC_PH), 0, 0, 0, cpu_to_fdt32(9), cpu_to_fdt32(4)};

    assert_int_equal(fdt_setprop_inplace(fdt, bridge, "interrupt-map", broken, sizeof(broken)), 0);
    ask_irq(41);
    refused(fdt, QEMU_CMD, CFG ":20: irqs: 41: no device platform.cfg's guest_devices frees", NULL);
}

static void test_a_damaged_tree_is_refused(void **state)
{
    char damaged[64] = {0};

    (void)state;
    ask_irq(39);
    refused(damaged, NULL, CFG ": Dom0's device tree fdt cannot be read", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_the_guests_devices_are_given, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_asked_needs_no_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ram_is_refused_and_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_ram_is_refused_by_xens_node, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_gic_is_xens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xens_uart_by_path_or_alias, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xens_uart_from_dtuart_through_a_bus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dom0s_device_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_boot_time_domains_device_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_bridges_windows_are_its_domains, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_range_running_past_the_guests_device, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_switched_off_device_is_not_the_guests, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_switched_off_neighbour_may_share_the_guests_page,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_domain_named_guests_keeps_its_devices, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_range_past_the_address_space, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_interrupt_nobody_raises, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dom0s_interrupt_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_bridges_intx_through_its_interrupt_map_is_dom0s,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_interrupt_map_that_cannot_be_read_names_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_damaged_tree_is_refused, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
