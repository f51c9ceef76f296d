/* Xen's hypercalls, as this runtime uses them (interface of Xen 4.17). */
#ifndef RT_XEN_H
#define RT_XEN_H

#include <stdint.h>

/* Without it, the headers give the hypercall numbers of Xen 3.0 (sched_op 6, not 29). */
#define __XEN_INTERFACE_VERSION__ __XEN_LATEST_INTERFACE_VERSION__
#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/xen.h>

long hypercall(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4);

/* The value of an HVM parameter (the console's page and channel, say), or 0 on failure. */
uint64_t xen_hvm_param(unsigned index);
void xen_notify(evtchn_port_t port);
/* Maps shared_info where the runtime keeps a page for it; its vcpu_info[0] is vCPU 0's. */
struct shared_info *xen_shared_info(void);
/* Clears what Xen marked pending and returns how many channels fired. */
unsigned xen_events_take(void);
void xen_shutdown(unsigned reason) __attribute__((noreturn));

#endif
