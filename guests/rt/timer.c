#include "timer.h"

#include "arch.h"

#define NS_PER_S   1000000000ull
#define CTL_ENABLE 1u
#define CTL_IMASK  2u

static uint64_t freq_hz;

void timer_init(void)
{
    freq_hz = sysreg_read(cntfrq_el0);
    sysreg_write(cntv_ctl_el0, CTL_IMASK);
}

uint64_t timer_ticks(void)
{
    isb();
    return sysreg_read(cntvct_el0);
}

/* In two parts, so that neither product overflows 64 bits. */
uint64_t timer_ticks_to_ns(uint64_t ticks)
{
    return ticks / freq_hz * NS_PER_S + ticks % freq_hz * NS_PER_S / freq_hz;
}

uint64_t timer_ns_to_ticks(uint64_t ns)
{
    return ns / NS_PER_S * freq_hz + ns % NS_PER_S * freq_hz / NS_PER_S;
}

void timer_arm(uint64_t deadline_ticks)
{
    sysreg_write(cntv_cval_el0, deadline_ticks);
    sysreg_write(cntv_ctl_el0, CTL_ENABLE);
    isb();
}

void timer_silence(void)
{
    sysreg_write(cntv_ctl_el0, CTL_IMASK);
    isb();
}
