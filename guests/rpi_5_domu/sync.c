/*
 * rpi_5_domu: two threads that take turns, each handing the other a
 * semaphore after its line and half a second, as the original's Zephyr
 * synchronization sample does.
 */
#include "rt.h"

#define TURN_MS 500

struct turn {
    const char *name;
    struct sem *mine, *other;
};

static struct sem sem_a = {.count = 1}, sem_b;

static void take_turns(void *arg)
{
    const struct turn *t = arg;

    for (;;) {
        sem_take(t->mine);
        printf("%s: Hello World from cpu 0 on xenvm!\n", t->name);
        sleep_ms(TURN_MS);
        sem_give(t->other);
    }
}

void guest_main(const char *bootargs)
{
    static const struct turn a = {"thread_a", &sem_a, &sem_b}, b = {"thread_b", &sem_b, &sem_a};

    (void)bootargs;
    printf("*** pixen guest runtime: rpi_5_domu, two threads in turn ***\n");
    thread_start(take_turns, (void *)&b, "thread_b");
    take_turns((void *)&a);
}
