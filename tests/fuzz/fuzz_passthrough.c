/*
 * Fuzz target: a boot-time domain's dtdev, read from the host device tree
 * (the firmware's, or a file the user names) and copied into the partial
 * device tree Xen gives the domain. The input is the host tree; the devices
 * are the usual ones on QEMU virt and the Raspberry Pi, or one node of the
 * tree on its own, picked by the input's size.
 */
#include <libfdt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdtcheck.h"
#include "passthrough.h"
#include "treefix.h"

#define MAX_NODES 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const usual[] = {"/pcie@10000000", "/pl061@9030000", "/soc/gpio@7e200000"};
/* The Raspberry Pi 5's DomD: RP1's bridge, its MSI controller and reset controller. */
static const char *const pi5[] = {"/axi/pcie@1000120000", "/axi/msi-controller@1000130000",
                                  "/soc/reset-controller@119500"};

/* Its Wi-Fi: the SDIO host, the GPIO block and its interrupt controller, the regulator. */
static const char *const wifi[] = {"/soc/mmc@1100000", "/soc/gpio@7d508500",
                                   "/soc/interrupt-controller@7d508400", "/wl-on-reg"};

static struct domain_config dc;
static struct pt_plan plan;

/* Plans dc's devices in `host` and, if they can be given to the domain, writes the partial tree. */
static void run(const void *host, size_t size)
{
    struct xu_err err;
    void *blob;
    size_t bytes;

    if (pt_plan_devices(host, size, "fuzz.dtb", &dc, &plan, &err) == 0 &&
        pt_partial_fdt(host, &plan, &dc, &blob, &bytes, &err) == 0) {
        if (bytes != fdt_totalsize(blob))
            abort();
        free(blob);
    }
}

static void set_dtdev(unsigned i, const char *path)
{
    snprintf(dc.dtdevs[i], sizeof(dc.dtdevs[i]), "%s", path);
    dc.dtdev_lines[i] = i + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* libfdt wants the blob aligned as a file read into malloc'ed memory is. */
    void *host = malloc(size ? size : 1);
    const char *why;
    int node, n = 0;
    /* One of the three below per input, picked by its size: each plan walks the whole tree. */
    unsigned scenario = size % 3;

    if (!host)
        return 0;
    memcpy(host, data, size);
    memset(&dc, 0, sizeof(dc));
    strcpy(dc.source, "fuzz.cfg");

    /* All the usual devices at once, in Xen's guest memory map. */
    if (scenario == 0) {
        for (unsigned i = 0; i < sizeof(usual) / sizeof(usual[0]); i++)
            set_dtdev(i, usual[i]);
        dc.n_dtdevs = sizeof(usual) / sizeof(usual[0]);
        run(host, size);
    }

    /*
     * The Pi 5's devices, direct-mapped, on the tree as boot.scr edits it:
     * the MSI page added to /axi's ranges, the UART's reg a page.
     */
    if (scenario == 1) {
        static struct platform pf, pw;
        static struct tree_fixes fx;
        struct xu_err err;
        void *fixed = malloc(size ? size : 1);
        size_t fixed_size = size;

        memset(&pf, 0, sizeof(pf));
        strcpy(pf.bus_windows[0].bus.path, "/axi");
        pf.bus_windows[0].addr = 0xfffffff000ull;
        pf.bus_windows[0].size_bytes = 0x1000;
        pf.n_bus_windows = 1;
        strcpy(pf.page_regs[0].path, "/soc/serial@7d001000");
        pf.n_page_regs = 1;
        if (fixed && fdt_check_strict(host, size, &why) == 0) {
            memcpy(fixed, data, size);
            if (treefix_apply(&pf, &fixed, &fixed_size, "fuzz.dtb", &fx, &err) == 0) {
                for (unsigned i = 0; i < sizeof(pi5) / sizeof(pi5[0]); i++)
                    set_dtdev(i, pi5[i]);
                dc.n_dtdevs = sizeof(pi5) / sizeof(pi5[0]);
                dc.direct_map = true;
                dc.static_mem[0] = (struct mem_bank){0x40000000, 0x10000000};
                dc.n_static_mem = 1;
                run(fixed, fixed_size);
                /*
                 * Then ENABLE_WIFI's edits, where the tree has what they
                 * edit (a pin hog by phandles, a text, a node switched
                 * off), and its devices.
                 */
                memset(&pw, 0, sizeof(pw));
                strcpy(pw.tree_edits[0].node.path, "/soc/pinctrl");
                strcpy(pw.tree_edits[0].prop, "pinctrl-0");
                pw.tree_edits[0].kind = PLATFORM_EDIT_PHANDLES;
                strcpy(pw.tree_edits[0].refs[0].path, "/soc/pinctrl/sd2");
                strcpy(pw.tree_edits[0].refs[1].path, "/soc/pinctrl/wl-on");
                pw.tree_edits[0].n_refs = 2;
                strcpy(pw.tree_edits[1].node.path, "/soc/mmc@1100000/wifi@1");
                strcpy(pw.tree_edits[1].prop, "brcm,board-type");
                pw.tree_edits[1].kind = PLATFORM_EDIT_STRING;
                strcpy(pw.tree_edits[1].text, "raspberrypi,5-model-b");
                strcpy(pw.tree_edits[2].node.path, "/soc/mmc@1100000");
                strcpy(pw.tree_edits[2].prop, "pinctrl-0");
                pw.tree_edits[2].kind = PLATFORM_EDIT_REMOVE;
                strcpy(pw.tree_edits[3].node.path, "/wl-on-reg");
                strcpy(pw.tree_edits[3].prop, "pinctrl-0");
                pw.tree_edits[3].kind = PLATFORM_EDIT_REMOVE;
                pw.n_tree_edits = 4;
                strcpy(pw.disabled_nodes[0].path, "/soc/i2c@7d508200");
                strcpy(pw.disabled_nodes[1].path, "/soc/interrupt-controller@7d508380");
                pw.n_disabled_nodes = 2;
                if (treefix_apply(&pw, &fixed, &fixed_size, "fuzz.dtb", &fx, &err) == 0) {
                    for (unsigned i = 0; i < sizeof(wifi) / sizeof(wifi[0]); i++)
                        set_dtdev(i, wifi[i]);
                    dc.n_dtdevs = sizeof(wifi) / sizeof(wifi[0]);
                    run(fixed, fixed_size);
                }
            }
        }
        free(fixed);
    }

    /* One node on its own, for a direct-mapped domain (the plan checks the blob first too). */
    if (scenario == 2 && fdt_check_strict(host, size, &why) == 0) {
        dc.direct_map = true;
        dc.static_mem[0] = (struct mem_bank){0x50000000, 0x10000000};
        dc.n_static_mem = 1;
        dc.n_dtdevs = 1;
        for (node = fdt_next_node(host, -1, NULL); node >= 0 && n < MAX_NODES;
             node = fdt_next_node(host, node, NULL), n++) {
            char path[DOMCFG_DTPATH_BYTES];

            if ((size_t)n != (size / 3) % MAX_NODES)
                continue;
            if (fdt_get_path(host, node, path, sizeof(path)) == 0) {
                set_dtdev(0, path);
                run(host, size);
            }
            break;
        }
    }
    free(host);
    return 0;
}
