#include "links.h"

#include <libfdt.h>
#include <string.h>

#include "guest.h"

/* Xen gives an enhanced (xenstore) domain its xenstore channel first: port 1. */
#define XENSTORE_PORT 1u

static const struct domain_config *by_name(const struct domain_config *configs, unsigned n,
                                           const char *name)
{
    for (unsigned i = 0; i < n; i++)
        if (strcmp(configs[i].name, name) == 0)
            return &configs[i];
    return NULL;
}

static bool overlap(uint64_t a, uint64_t a_bytes, uint64_t b, uint64_t b_bytes)
{
    return a < b + b_bytes && b < a + a_bytes;
}

/* The guest address must be clear of the domain's RAM; a 1:1 domain sees host addresses. */
static int check_guest_side(const struct domain_config *dc, const struct shm_spec *s,
                            struct xu_err *err)
{
    struct guest_bank banks[GMAP_RAM_BANKS];

    if (dc->direct_map) {
        if (s->guest_addr != s->host_addr)
            return xu_fail(err,
                           "%s:%u: static_shm: id=%s: %s sees host addresses (direct_map): its "
                           "guest address is its host address, 0x%llx",
                           dc->source, s->line, s->id, dc->name, (unsigned long long)s->host_addr);
        for (unsigned i = 0; i < dc->n_static_mem; i++)
            if (overlap(s->host_addr, s->size_bytes, dc->static_mem[i].addr,
                        dc->static_mem[i].size_bytes))
                return xu_fail(err, "%s:%u: static_shm: id=%s lies in %s's own static_mem",
                               dc->source, s->line, s->id, dc->name);
        return 0;
    }
    /* Below the first RAM window Xen puts the GIC, the UART, grant and magic pages. */
    if (!(s->guest_addr >= GMAP_RAM0_BASE &&
          s->guest_addr + s->size_bytes <= GMAP_RAM0_BASE + GMAP_RAM0_SIZE) &&
        !(s->guest_addr >= GMAP_RAM1_BASE &&
          s->guest_addr + s->size_bytes <= GMAP_RAM1_BASE + GMAP_RAM1_SIZE))
        return xu_fail(err,
                       "%s:%u: static_shm: id=%s: guest=0x%llx: a guest sees shared memory in "
                       "a RAM window, 0x%llx-0x%llx or 0x%llx-0x%llx, outside its own RAM",
                       dc->source, s->line, s->id, (unsigned long long)s->guest_addr,
                       GMAP_RAM0_BASE, GMAP_RAM0_BASE + GMAP_RAM0_SIZE - 1, GMAP_RAM1_BASE,
                       GMAP_RAM1_BASE + GMAP_RAM1_SIZE - 1);
    guest_ram_banks(dc->memory_mib, banks);
    for (unsigned i = 0; i < GMAP_RAM_BANKS; i++)
        if (banks[i].size_bytes &&
            overlap(s->guest_addr, s->size_bytes, banks[i].base_addr, banks[i].size_bytes))
            return xu_fail(err,
                           "%s:%u: static_shm: id=%s: guest=0x%llx lies in %s's RAM "
                           "(0x%llx-0x%llx)",
                           dc->source, s->line, s->id, (unsigned long long)s->guest_addr, dc->name,
                           (unsigned long long)banks[i].base_addr,
                           (unsigned long long)(banks[i].base_addr + banks[i].size_bytes - 1));
    return 0;
}

static int check_region(const struct domain_config *configs, unsigned n, unsigned d,
                        const struct shm_spec *s, struct xu_err *err)
{
    const struct domain_config *dc = &configs[d];
    unsigned sharers = 0, owners = 0, roles = 0;

    if (check_guest_side(dc, s, err) < 0)
        return -1;
    for (unsigned i = 0; i < n; i++) {
        for (unsigned j = 0; j < configs[i].n_shm; j++) {
            const struct shm_spec *o = &configs[i].shm[j];

            if (strcmp(o->id, s->id) == 0) {
                if (o->host_addr != s->host_addr || o->size_bytes != s->size_bytes)
                    return xu_fail(err,
                                   "%s:%u: static_shm: id=%s is 0x%llx+0x%llx here but "
                                   "0x%llx+0x%llx in %s (line %u): one id, one region",
                                   dc->source, s->line, s->id, (unsigned long long)s->host_addr,
                                   (unsigned long long)s->size_bytes,
                                   (unsigned long long)o->host_addr,
                                   (unsigned long long)o->size_bytes, configs[i].source, o->line);
                sharers++;
                owners += o->role == SHM_ROLE_OWNER;
                roles += o->role != SHM_ROLE_NONE;
            } else if (overlap(o->host_addr, o->size_bytes, s->host_addr, s->size_bytes)) {
                return xu_fail(err,
                               "%s:%u: static_shm: id=%s overlaps id=%s (%s, line %u) in host "
                               "memory",
                               dc->source, s->line, s->id, o->id, configs[i].source, o->line);
            }
        }
        for (unsigned j = 0; j < configs[i].n_static_mem; j++)
            if (overlap(configs[i].static_mem[j].addr, configs[i].static_mem[j].size_bytes,
                        s->host_addr, s->size_bytes))
                return xu_fail(err, "%s:%u: static_shm: id=%s overlaps %s's static_mem", dc->source,
                               s->line, s->id, configs[i].name);
    }
    if (sharers < 2)
        return xu_fail(err,
                       "%s:%u: static_shm: id=%s: no other domain Xen starts at boot shares it",
                       dc->source, s->line, s->id);
    if (owners > 1)
        return xu_fail(err, "%s:%u: static_shm: id=%s: %u domains say role=owner; one owns it",
                       dc->source, s->line, s->id, owners);
    /* Without a role Xen gives the region to DOMID_IO, which an owner elsewhere would contest. */
    if (roles && (roles != sharers || !owners))
        return xu_fail(err,
                       "%s:%u: static_shm: id=%s: either one sharer says role=owner and the "
                       "others role=borrower, or none names a role",
                       dc->source, s->line, s->id);
    return 0;
}

static int end_index(const struct boot_links *out, const struct domain_config *configs,
                     const struct domain_config *dc, uint32_t port)
{
    unsigned d = (unsigned)(dc - configs);

    for (unsigned i = 0; i < dc->n_evtchns; i++)
        if (dc->evtchns[i].port == port)
            return (int)(out->first_end[d] + i);
    return -1;
}

static int check_channel(const struct domain_config *configs, unsigned n, unsigned d,
                         const struct evtchn_spec *e, struct boot_links *out, unsigned index,
                         struct xu_err *err)
{
    const struct domain_config *dc = &configs[d], *peer = by_name(configs, n, e->peer);
    const struct evtchn_spec *back = NULL;
    int peer_end;

    if (e->port == XENSTORE_PORT)
        return xu_fail(err,
                       "%s:%u: static_evtchn: port=1 is the xenstore channel Xen gives the "
                       "domain first",
                       dc->source, e->line);
    if (!peer)
        return xu_fail(err,
                       "%s:%u: static_evtchn: peer=%s: no domain Xen starts at boot has that "
                       "name",
                       dc->source, e->line, e->peer);
    if (peer == dc)
        return xu_fail(err, "%s:%u: static_evtchn: peer=%s is the domain itself", dc->source,
                       e->line, e->peer);
    peer_end = end_index(out, configs, peer, e->peer_port);
    if (peer_end >= 0)
        back = &peer->evtchns[(unsigned)peer_end - out->first_end[peer - configs]];
    if (!back || strcmp(back->peer, dc->name) != 0 || back->peer_port != e->port)
        return xu_fail(err,
                       "%s:%u: static_evtchn: %s has no \"port=%u,peer=%s,peer_port=%u\", the "
                       "other end of this channel",
                       dc->source, e->line, peer->source, e->peer_port, dc->name, e->port);
    out->peer_end[index] = (unsigned)peer_end;
    return 0;
}

int links_plan(const struct domain_config *configs, unsigned n, const void *host,
               const char *host_name, struct boot_links *out, struct xu_err *err)
{
    memset(out, 0, sizeof(*out));
    for (unsigned d = 0; d < n; d++) {
        if (out->n_ends + configs[d].n_evtchns > LINKS_MAX_ENDS)
            return xu_fail(err, "%s: more than %d static event channel ends", configs[d].source,
                           LINKS_MAX_ENDS);
        out->first_end[d] = out->n_ends;
        out->n_ends += configs[d].n_evtchns;
    }
    for (unsigned d = 0; d < n; d++) {
        for (unsigned i = 0; i < configs[d].n_shm; i++)
            if (check_region(configs, n, d, &configs[d].shm[i], err) < 0)
                return -1;
        for (unsigned i = 0; i < configs[d].n_evtchns; i++)
            if (check_channel(configs, n, d, &configs[d].evtchns[i], out, out->first_end[d] + i,
                              err) < 0)
                return -1;
    }
    if (out->n_ends && host && fdt_get_max_phandle(host) >= LINKS_PHANDLE_BASE)
        return xu_fail(err, "%s: a phandle at 0x%x or above, where boot.scr numbers event channels",
                       host_name, LINKS_PHANDLE_BASE);
    return 0;
}
