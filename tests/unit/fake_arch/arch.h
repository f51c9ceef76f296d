/*
 * The small guests' arch.h for host tests: MMIO goes to a host array
 * (test_gpio.c's registers), so a test sees every access a driver makes.
 */
#ifndef FAKE_ARCH_H
#define FAKE_ARCH_H

#include <stdint.h>

uint32_t mmio_read32(uint64_t addr);
void mmio_write32(uint64_t addr, uint32_t v);

#endif
