/*
 * Fuzz target: what a small guest reads at boot from the toolstack, its
 * device tree (/chosen/bootargs, the GIC's kind, a shared region) and, in
 * those bootargs, rpi_5_domd's led= argument and a static channel's port.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dtb.h"
#include "led.h"
#include "links.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t tree_size = dtb_size(data, size);
    char *cmdline = malloc(size + 1), why[200];
    struct led led;

    if (tree_size) {
        const char *bootargs = dtb_prop_string(data, tree_size, "/chosen", "bootargs");

        uint64_t addr, bytes;

        (void)dtb_has_compatible(data, tree_size, "arm,gic-v3");
        (void)links_shm(data, tree_size, "pingpong", &addr, &bytes);
        if (bootargs) {
            (void)led_parse(bootargs, &led, why, sizeof(why));
            (void)links_evtchn_port(bootargs, "shm_pong");
        }
    }
    if (!cmdline)
        return 0;
    memcpy(cmdline, data, size);
    cmdline[size] = '\0';
    (void)led_parse(cmdline, &led, why, sizeof(why));
    (void)links_evtchn_port(cmdline, "shm_pong");
    free(cmdline);
    return 0;
}
