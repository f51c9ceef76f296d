#ifndef BLINKY_GPIO_H
#define BLINKY_GPIO_H

#include <stdbool.h>

#include "led.h"

/* Makes the LED's line an output. */
void gpio_output(const struct led *led);
void gpio_set(const struct led *led, bool on);

#endif
