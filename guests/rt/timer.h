/* The virtual generic timer: the guest's clock, and its one alarm. */
#ifndef RT_TIMER_H
#define RT_TIMER_H

#include <stdint.h>

#define TIMER_VIRT_PPI 27

void timer_init(void);
uint64_t timer_ticks(void);
uint64_t timer_ticks_to_ns(uint64_t ticks);
uint64_t timer_ns_to_ticks(uint64_t ns);
/* Raises TIMER_VIRT_PPI once the clock reaches `deadline_ticks`. */
void timer_arm(uint64_t deadline_ticks);
/* In the interrupt: the alarm is level-triggered, so it must be masked before its end. */
void timer_silence(void);

#endif
