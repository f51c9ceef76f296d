/*
 * rpi_5_domd: blinky. Toggles an LED once a second through a GPIO
 * controller the config passes through (iomem) and says so on its console,
 * as the original's Zephyr blinky does with the Pi 5's ACT LED.
 */
#include "gpio.h"
#include "led.h"
#include "rt.h"

#define BLINK_MS 1000

void guest_main(const char *bootargs)
{
    struct led led;
    char why[200];
    bool on = true;

    if (led_parse(bootargs, &led, why, sizeof(why)) < 0)
        guest_panic("rpi_5_domd: %s", why);
    printf("*** pixen guest runtime: rpi_5_domd, blinky on %s line %u at 0x%llx%s ***\n",
           led.kind == GPIO_PL061 ? "pl061" : "brcmstb", led.line, (unsigned long long)led.addr,
           led.active_low ? " (active-low)" : "");
    gpio_output(&led);
    for (;;) {
        gpio_set(&led, on);
        printf("LED state: %s\n", on ? "ON" : "OFF");
        on = !on;
        sleep_ms(BLINK_MS);
    }
}
