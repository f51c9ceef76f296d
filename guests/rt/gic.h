/* The guest's virtual GICv2, at the addresses Xen's public arch-arm.h gives every guest. */
#ifndef RT_GIC_H
#define RT_GIC_H

#include <stdint.h>

#define GIC_SPURIOUS 1023
/* Xen raises event channels on this PPI (GUEST_EVTCHN_PPI, which its headers keep to tools). */
#define GIC_EVTCHN_PPI 31

void gic_init(void);
void gic_enable(unsigned intid);
/* The pending interrupt's acknowledgement (its id in bits 9:0), and its end. */
uint32_t gic_ack(void);
void gic_eoi(uint32_t iar);

#endif
