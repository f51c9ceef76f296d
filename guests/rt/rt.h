/*
 * pixen's guest runtime: what a small bare-metal Xen guest needs to be
 * started by xu like Linux and to talk on its console like Linux.
 *
 * A guest provides guest_main(); it runs as the first cooperative thread,
 * with the device tree's /chosen/bootargs (the config's cmdline) as its
 * argument. Nothing here preempts: a thread runs until it sleeps, waits on
 * a semaphore or returns.
 */
#ifndef RT_RT_H
#define RT_RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void guest_main(const char *bootargs);

/*
 * Console: the PV console ring that xenconsoled serves (what `xu console`
 * shows), or for a guest Xen starts at boot, its emulated UART.
 */
void con_write(const char *s, size_t len);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int con_vprintf(const char *fmt, va_list ap);

/* Time, from the virtual generic timer. */
uint64_t now_ns(void);
void sleep_ns(uint64_t ns);
void sleep_until_ns(uint64_t deadline_ns);
static inline void sleep_ms(uint64_t ms)
{
    sleep_ns(ms * 1000000ull);
}

/* Cooperative threads and counting semaphores. */
struct thread;
struct thread *thread_start(void (*fn)(void *), void *arg, const char *name);
void thread_yield(void);
void thread_exit(void) __attribute__((noreturn));

struct sem {
    unsigned count;
};
void sem_give(struct sem *s);
void sem_take(struct sem *s);

/*
 * Static links of a guest Xen starts at boot (its config's static_shm and
 * static_evtchn): the shared region `id`, mapped (NULL if the guest has
 * none); its port of the channel to `peer` (0 if none); a semaphore given
 * at each event on `port`; a notification to the other end.
 */
void *shm_map(const char *id, size_t *size_bytes);
uint32_t evtchn_static_port(const char *peer);
void evtchn_bind(uint32_t port, struct sem *s);
void evtchn_notify(uint32_t port);

/* Ends the domain as a power-off does (the config's on_poweroff applies). */
void guest_poweroff(void) __attribute__((noreturn));
/* A message on the console, then a crash (the config's on_crash applies). */
void guest_panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Internal to the runtime. */
void mmu_enable(void);
void mmu_map_normal(uint64_t addr, uint64_t bytes);
void links_init(const void *fdt, size_t fdt_bytes, const char *bootargs);
void evtchn_fired(uint32_t port);
bool evtchn_any_bound(void);
void con_init(const void *fdt, size_t fdt_bytes);
void rt_start(const void *fdt);
void irq_handle(void);
void fault_handle(uint64_t esr, uint64_t elr, uint64_t far);
void sched_run(void (*first)(void *), void *arg) __attribute__((noreturn));

#endif
