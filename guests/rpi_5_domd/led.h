/*
 * Which GPIO line drives the LED, from the kernel command line the config
 * gives (`cmdline = "led=pl061,0x09030000,0"`): a controller kind, its
 * physical address (the page the config's iomem passes through) and a line,
 * optionally `,active-low`. Pure, so the build host's tests and fuzzer check it.
 */
#ifndef BLINKY_LED_H
#define BLINKY_LED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gpio_kind {
    GPIO_PL061,   /* Arm's PrimeCell GPIO (QEMU virt) */
    GPIO_BRCMSTB, /* Broadcom STB GPIO (the Pi 5's gio_aon, whose line 9 is the ACT LED) */
};

struct led {
    enum gpio_kind kind;
    uint64_t addr;
    unsigned line;
    bool active_low;
};

/* Finds `led=` in `cmdline`; 0, or -1 with the reason in `why`. */
int led_parse(const char *cmdline, struct led *led, char *why, size_t why_size);

#endif
