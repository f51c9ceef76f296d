/* Driving one output line of the GPIO controllers led.h names. */
#include "gpio.h"

#include "arch.h"

#define PL061_DIR     0x400
#define BRCMSTB_BANK  0x20
#define BRCMSTB_DATA  0x04
#define BRCMSTB_IODIR 0x08 /* a set bit is an input */

void gpio_output(const struct led *led)
{
    uint32_t bit = 1u << (led->line % 32);

    if (led->kind == GPIO_PL061) {
        mmio_write32(led->addr + PL061_DIR, mmio_read32(led->addr + PL061_DIR) | bit);
    } else {
        uint64_t bank = led->addr + (led->line / 32) * BRCMSTB_BANK;

        mmio_write32(bank + BRCMSTB_IODIR, mmio_read32(bank + BRCMSTB_IODIR) & ~bit);
    }
}

void gpio_set(const struct led *led, bool on)
{
    bool high = on != led->active_low;
    uint32_t bit = 1u << (led->line % 32);

    if (led->kind == GPIO_PL061) {
        /* The PL061 writes only the lines whose bits address bits 9:2 select. */
        mmio_write32(led->addr + ((uint64_t)bit << 2), high ? bit : 0);
    } else {
        uint64_t data = led->addr + (led->line / 32) * BRCMSTB_BANK + BRCMSTB_DATA;
        uint32_t v = mmio_read32(data);

        mmio_write32(data, high ? v | bit : v & ~bit);
    }
}
