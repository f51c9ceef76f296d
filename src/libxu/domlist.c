#include "domlist.h"

#define PAGE_KIB 4

unsigned domain_shutdown_reason(const struct domain_info *d)
{
    return (d->flags >> DOMINF_SHUTDOWN_SHIFT) & DOMINF_SHUTDOWN_MASK;
}

void domlist_header(FILE *out)
{
    fputs("Name                                        ID   Mem VCPUs\tState\tTime(s)\n", out);
}

void domlist_row(FILE *out, const struct domain_info *d)
{
    /* xl's letter for each shutdown reason: poweroff, reboot, suspend, crash, watchdog, soft reset.
     */
    static const char reasons[] = "-rscwS";
    unsigned reason = d->flags & DOMINF_SHUTDOWN ? domain_shutdown_reason(d) : 0;
    unsigned long mem_mib =
        (unsigned long)((d->tot_pages + d->outstanding_pages) * PAGE_KIB / 1024);

    /* xl hands a missing name to printf, which glibc prints as (null); it rounds the CPU time
     * to a float first, which shows in the last digit after about ten days of it. */
    fprintf(out, "%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f\n", d->has_name ? d->name : "(null)",
            (int)d->domid, mem_mib, (int)d->online_vcpus, d->flags & DOMINF_RUNNING ? 'r' : '-',
            d->flags & DOMINF_BLOCKED ? 'b' : '-', d->flags & DOMINF_PAUSED ? 'p' : '-',
            d->flags & DOMINF_SHUTDOWN ? 's' : '-',
            reason < sizeof(reasons) - 1 ? reasons[reason] : '?',
            d->flags & DOMINF_DYING ? 'd' : '-', (double)(float)d->cpu_time_ns / 1e9);
}

void xstat_state(const struct domain_info *d, char out[7])
{
    bool shutdown = d->flags & DOMINF_SHUTDOWN;

    out[0] = d->flags & DOMINF_DYING ? 'd' : '-';
    out[1] = shutdown ? 's' : '-';
    out[2] = d->flags & DOMINF_BLOCKED ? 'b' : '-';
    out[3] = shutdown && domain_shutdown_reason(d) == SHUTDOWN_REASON_CRASH ? 'c' : '-';
    out[4] = d->flags & DOMINF_PAUSED ? 'p' : '-';
    out[5] = d->flags & DOMINF_RUNNING ? 'r' : '-';
    out[6] = '\0';
}

void xstat_domain(FILE *out, unsigned index, const struct domain_info *d)
{
    char state[7];

    xstat_state(d, state);
    fprintf(out, "Domain #%3u     : %u (%s)\n", index, d->domid, d->has_name ? d->name : "(null)");
    fprintf(out, "State           : %s\n", state);
    fprintf(out, "CPU ns          : %llu\n", (unsigned long long)d->cpu_time_ns);
    fprintf(out, "VCPUs           : %u\n", d->online_vcpus);
    fprintf(out, "MEM reserved(K) : %llu\n", (unsigned long long)(d->tot_pages * PAGE_KIB));
    fprintf(out, "MEM allowed(K)  : %llu\n", (unsigned long long)(d->max_pages * PAGE_KIB));
    fprintf(out, "SSID            : %u\n", d->ssidref);
    fputs("---------------------------------\n", out);
}
