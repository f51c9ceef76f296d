/*
 * Cooperative threads: a thread runs until it sleeps, waits or returns; the
 * idle loop, on the boot stack, picks the next one and, when none is ready,
 * sleeps in WFI until the earliest timer. Interrupts are taken only there,
 * so nothing else needs locks.
 */
#include "arch.h"
#include "gic.h"
#include "rt.h"
#include "timer.h"
#include "xen.h"

#define MAX_THREADS 6
#define STACK_BYTES 16384
#define NO_DEADLINE UINT64_MAX

struct ctx {
    uint64_t x19_x30[12];
    uint64_t sp;
};

enum thread_state { FREE, READY, SLEEPING, WAITING, DONE };

struct thread {
    struct ctx ctx;
    enum thread_state state;
    uint64_t wake_ticks;
    struct sem *waiting;
    const char *name;
};

void ctx_switch(struct ctx *from, struct ctx *to);
void thread_trampoline(void);

static struct thread threads[MAX_THREADS];
static uint8_t stacks[MAX_THREADS][STACK_BYTES] __attribute__((aligned(16)));
static struct thread *current;
static struct ctx idle_ctx;

uint64_t now_ns(void)
{
    return timer_ticks_to_ns(timer_ticks());
}

void irq_handle(void)
{
    uint32_t iar = gic_ack();
    unsigned id = iar & 0x3ff;

    if (id == GIC_SPURIOUS)
        return;
    if (id == TIMER_VIRT_PPI)
        timer_silence();
    else if (id == GIC_EVTCHN_PPI)
        xen_events_take();
    gic_eoi(iar);
}

/* Waits, interrupts open, until the timer or an event channel wakes the vCPU. */
static void idle_until(uint64_t deadline_ticks)
{
    if (deadline_ticks != NO_DEADLINE)
        timer_arm(deadline_ticks);
    irq_enable();
    wait_for_interrupt();
    irq_disable();
}

struct thread *thread_start(void (*fn)(void *), void *arg, const char *name)
{
    for (unsigned i = 0; i < MAX_THREADS; i++) {
        struct thread *t = &threads[i];

        if (t->state != FREE && t->state != DONE)
            continue;
        *t = (struct thread){.state = READY, .name = name};
        t->ctx.x19_x30[0] = (uint64_t)fn;
        t->ctx.x19_x30[1] = (uint64_t)arg;
        t->ctx.x19_x30[11] = (uint64_t)thread_trampoline;
        t->ctx.sp = (uint64_t)(stacks[i] + STACK_BYTES);
        return t;
    }
    guest_panic("more than %d threads", MAX_THREADS);
}

static void to_idle(void)
{
    ctx_switch(&current->ctx, &idle_ctx);
}

void thread_yield(void)
{
    to_idle();
}

void thread_exit(void)
{
    current->state = DONE;
    to_idle();
    __builtin_unreachable();
}

void sleep_until_ns(uint64_t deadline_ns)
{
    uint64_t deadline = timer_ns_to_ticks(deadline_ns);

    if (!current) {
        /* Before the scheduler runs (the console at start-up): wait right here. */
        while (timer_ticks() < deadline)
            idle_until(deadline);
        return;
    }
    current->state = SLEEPING;
    current->wake_ticks = deadline;
    to_idle();
}

void sleep_ns(uint64_t ns)
{
    sleep_until_ns(now_ns() + ns);
}

void sem_give(struct sem *s)
{
    s->count++;
    for (unsigned i = 0; i < MAX_THREADS; i++)
        if (threads[i].state == WAITING && threads[i].waiting == s)
            threads[i].state = READY;
}

void sem_take(struct sem *s)
{
    while (s->count == 0) {
        current->state = WAITING;
        current->waiting = s;
        to_idle();
    }
    s->count--;
}

/* Wakes the sleepers whose time has come; returns the earliest deadline still ahead. */
static uint64_t wake_sleepers(void)
{
    uint64_t now = timer_ticks(), next = NO_DEADLINE;

    for (unsigned i = 0; i < MAX_THREADS; i++) {
        struct thread *t = &threads[i];

        if (t->state != SLEEPING)
            continue;
        if (t->wake_ticks <= now)
            t->state = READY;
        else if (t->wake_ticks < next)
            next = t->wake_ticks;
    }
    return next;
}

void sched_run(void (*first)(void *), void *arg)
{
    unsigned last = MAX_THREADS - 1;

    thread_start(first, arg, "main");
    for (;;) {
        uint64_t next = wake_sleepers();
        bool alive = false, ran = false;

        for (unsigned k = 1; k <= MAX_THREADS && !ran; k++) {
            unsigned i = (last + k) % MAX_THREADS;

            alive = alive || (threads[i].state != FREE && threads[i].state != DONE);
            if (threads[i].state != READY)
                continue;
            last = i;
            current = &threads[i];
            ctx_switch(&idle_ctx, &current->ctx);
            current = NULL;
            ran = true;
        }
        if (ran)
            continue;
        if (!alive)
            guest_poweroff();
        /*
         * Only threads and bound event channels give semaphores: with no
         * thread ready or asleep and no channel bound, no one ever will.
         */
        if (next == NO_DEADLINE && !evtchn_any_bound())
            guest_panic("deadlock: every thread waits on a semaphore");
        idle_until(next);
    }
}
