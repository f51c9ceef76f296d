/*
 * The blinky guest's GPIO driving (guests/rpi_5_domd/gpio.c), on registers
 * of the host's: on the Pi 5 the ACT LED's register also holds RP1's reset
 * (line 2) and the SD card's I/O voltage, power and card detect (lines 3-5),
 * so the guest must change bit 9 and nothing else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "arch.h"
#include "gpio.h"

#define GIO_AON       0x107d517c00ull
#define BRCMSTB_DATA  0x04
#define BRCMSTB_IODIR 0x08
#define ACT_LED       (1u << 9)

/* gio_aon's first bank: what the firmware left, lines 2-5 in use. */
static uint32_t data_reg, iodir_reg;
static unsigned writes;

uint32_t mmio_read32(uint64_t addr)
{
    if (addr == GIO_AON + BRCMSTB_DATA)
        return data_reg;
    if (addr == GIO_AON + BRCMSTB_IODIR)
        return iodir_reg;
    fail_msg("read of 0x%llx, not gio_aon's DATA or IODIR", (unsigned long long)addr);
    return 0;
}

void mmio_write32(uint64_t addr, uint32_t v)
{
    writes++;
    if (addr == GIO_AON + BRCMSTB_DATA)
        data_reg = v;
    else if (addr == GIO_AON + BRCMSTB_IODIR)
        iodir_reg = v;
    else
        fail_msg("write of 0x%llx, not gio_aon's DATA or IODIR", (unsigned long long)addr);
}

static void test_blinky_changes_the_act_leds_bit_only(void **state)
{
    (void)state;
    const struct led led = {.kind = GPIO_BRCMSTB, .addr = GIO_AON, .line = 9, .active_low = true};
    /* RP1 out of reset, SD at 3.3 V and powered, every other line an input. */
    const uint32_t others = (1u << 2) | (1u << 4) | (1u << 5) | 0x00ff0000u;

    data_reg = others | ACT_LED;
    iodir_reg = 0xffffffffu & ~(1u << 2) & ~(1u << 3) & ~(1u << 4);
    writes = 0;
    gpio_output(&led);
    assert_int_equal(iodir_reg, 0xffffffffu & ~(1u << 2) & ~(1u << 3) & ~(1u << 4) & ~ACT_LED);
    for (int i = 0; i < 4; i++) {
        gpio_set(&led, true); /* active-low: on is a low line */
        assert_int_equal(data_reg, others);
        gpio_set(&led, false);
        assert_int_equal(data_reg, others | ACT_LED);
    }
    assert_int_equal(writes, 1 + 8);
    /* Whatever changes the other lines meanwhile (Dom0 has none), the LED keeps them. */
    data_reg = 0;
    gpio_set(&led, false);
    assert_int_equal(data_reg, ACT_LED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blinky_changes_the_act_leds_bit_only),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
