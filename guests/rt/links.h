/*
 * What a guest Xen starts at boot learns of its static links: where a shared
 * region is (Xen's /reserved-memory/xen-shmem@ADDR node whose xen,id names
 * it), and its port of a static event channel (which Xen writes nowhere in
 * the guest's tree: mkboot puts "pixen.evtchn=PEER:PORT,..." on its command
 * line). Pure, so the build host's unit tests and fuzzer exercise it.
 */
#ifndef RT_LINKS_H
#define RT_LINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The guest address and size of the region `id`; false if the tree has none. */
bool links_shm(const void *fdt, size_t fdt_bytes, const char *id, uint64_t *addr,
               uint64_t *size_bytes);

/* This domain's port of its channel to `peer`, from the command line; 0 if none. */
uint32_t links_evtchn_port(const char *bootargs, const char *peer);

#endif
