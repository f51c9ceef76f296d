/* The few arm64 system-register and barrier operations the runtime needs. */
#ifndef RT_ARCH_H
#define RT_ARCH_H

#include <stdint.h>

#define sysreg_read(reg)                              \
    ({                                                \
        uint64_t v_;                                  \
        __asm__ volatile("mrs %0, " #reg : "=r"(v_)); \
        v_;                                           \
    })
#define sysreg_write(reg, v) __asm__ volatile("msr " #reg ", %0" ::"r"((uint64_t)(v)))

static inline void isb(void)
{
    __asm__ volatile("isb" ::: "memory");
}

/* Orders this vCPU's accesses to memory it shares with another domain. */
static inline void smp_wmb(void)
{
    __asm__ volatile("dmb ishst" ::: "memory");
}

static inline void smp_mb(void)
{
    __asm__ volatile("dmb ish" ::: "memory");
}

static inline void irq_enable(void)
{
    __asm__ volatile("msr daifclr, #2" ::: "memory");
}

static inline void irq_disable(void)
{
    __asm__ volatile("msr daifset, #2" ::: "memory");
}

static inline void wait_for_interrupt(void)
{
    __asm__ volatile("dsb sy; wfi" ::: "memory");
}

static inline uint32_t mmio_read32(uint64_t addr)
{
    uint32_t v = *(volatile uint32_t *)addr;

    __asm__ volatile("dmb oshld" ::: "memory");
    return v;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
    __asm__ volatile("dmb oshst" ::: "memory");
    *(volatile uint32_t *)addr = v;
}

#endif
