/*
 * The small languages inside some xl.cfg(5) values: iomem ranges
 * ("START,PAGES[@GFN]"), network specs (xl-network-configuration(5)) and
 * disk specs (xl-disk-configuration(5)). Each parser takes one list item and
 * names the file and line when it refuses it.
 */
#ifndef XU_DEVSPEC_H
#define XU_DEVSPEC_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

#define DEVSPEC_DOMAIN_BYTES 64
#define DEVSPEC_IFNAME_BYTES 16 /* IFNAMSIZ */

struct iomem_range {
    uint64_t start_pfn; /* the host's page frame */
    uint64_t n_pages;
    uint64_t gfn; /* where the guest sees it: start_pfn unless @GFN says otherwise */
    unsigned line;
};

struct vif_spec {
    unsigned line;
    bool has_mac;
    uint8_t mac[6];
    char bridge[DEVSPEC_IFNAME_BYTES];
    char backend[DEVSPEC_DOMAIN_BYTES]; /* a domain name or id; "" for Dom0 */
    char vifname[DEVSPEC_IFNAME_BYTES];
    char ip[64];
};

struct disk_spec {
    unsigned line;
    char target[PATH_MAX]; /* as written: a path inside the backend domain */
    char format[8];        /* "raw" */
    char vdev[16];         /* "xvda" */
    uint32_t devid;        /* the virtual-device number of xen-vbd-interface(7) */
    bool readonly;
    bool cdrom;
    char backend[DEVSPEC_DOMAIN_BYTES];
    char backendtype[8]; /* "phy" */
};

/*
 * pixen's specs for links between domains Xen starts at boot, in vif's
 * key=value style. static_shm: "id=ID,host=ADDR,guest=ADDR,size=SIZE
 * [,role=owner|borrower]", memory Xen shares (xen,domain-shared-memory-v1);
 * static_evtchn: "port=N,peer=NAME,peer_port=M", an event channel Xen
 * connects before either domain runs (xen,evtchn-v1).
 */
#define DEVSPEC_SHM_ID_BYTES 16 /* Xen's MAX_SHM_ID_LENGTH, the NUL included */

enum shm_role {
    SHM_ROLE_NONE, /* Xen's DOMID_IO owns it: every domain borrows */
    SHM_ROLE_OWNER,
    SHM_ROLE_BORROWER,
};

struct shm_spec {
    unsigned line;
    char id[DEVSPEC_SHM_ID_BYTES];
    uint64_t host_addr;
    uint64_t guest_addr;
    uint64_t size_bytes;
    enum shm_role role;
};

struct evtchn_spec {
    unsigned line;
    uint32_t port;
    char peer[DEVSPEC_DOMAIN_BYTES];
    uint32_t peer_port;
};

/* `where` is "FILE:LINE", used at the front of every message. */
int iomem_parse(const char *text, const char *where, struct iomem_range *out, struct xu_err *err);
int vif_parse(const char *text, const char *where, struct vif_spec *out, struct xu_err *err);
int disk_parse(const char *text, const char *where, struct disk_spec *out, struct xu_err *err);
int shm_parse(const char *text, const char *where, struct shm_spec *out, struct xu_err *err);
int evtchn_parse(const char *text, const char *where, struct evtchn_spec *out, struct xu_err *err);
/* The name of a role as Xen's role property spells it; NULL for SHM_ROLE_NONE. */
const char *shm_role_name(enum shm_role role);

/* The virtual-device number of a Xen disk name (xvda -> 51712); -1 if it is not one. */
int64_t vdev_to_devid(const char *vdev);

#endif
