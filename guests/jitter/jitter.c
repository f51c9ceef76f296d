/*
 * jitter: wakes on a periodic timer and reports, once a second, how late
 * it woke (the timer's deadline to the thread running again: Xen's timer,
 * its scheduling and the interrupt's delivery), in the spirit of Jailhouse's
 * gic-demo: what sharing the CPUs costs a small guest.
 */
#include "rt.h"
#include "stats.h"

#define PERIOD_US    10000ull
#define REPORT_EVERY 100u /* wake-ups: one second */

void guest_main(const char *bootargs)
{
    struct lat_stats s;
    uint64_t deadline = now_ns();

    (void)bootargs;
    printf("jitter: a timer every %llu us; latency = its deadline to the guest running again\n",
           (unsigned long long)PERIOD_US);
    stats_reset(&s);
    for (;;) {
        uint64_t late;

        deadline += PERIOD_US * 1000;
        sleep_until_ns(deadline);
        late = now_ns() - deadline;
        stats_add(&s, late);
        /* After a pause, start a new period rather than catch up on the missed ones. */
        if (late > PERIOD_US * 1000)
            deadline = now_ns();
        if (s.n == REPORT_EVERY) {
            printf("jitter: %llu wake-ups, latency min %llu avg %llu max %llu us\n",
                   (unsigned long long)s.n, (unsigned long long)(s.min_ns / 1000),
                   (unsigned long long)(stats_avg_ns(&s) / 1000),
                   (unsigned long long)(s.max_ns / 1000));
            stats_reset(&s);
        }
    }
}
