/*
 * The console back end of the domains xu creates, run by xu monitor: each
 * console's ring mapped, its event channel bound on one handle for all, and
 * what the guest writes appended to its log (conlog.h) as it comes, whether
 * or not anyone is attached. Input comes from `xu console` (conmon.h).
 * xenconsoled serves the rest (the boot-time domains, vuarts, xl's guests):
 * a console whose xenstore type is "xu" is one it leaves alone.
 */
#ifndef XU_CONSERVE_H
#define XU_CONSERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CONSERVE_TYPE "xu" /* console/type of the consoles served here */

struct conserve;

struct conserve *conserve_open(struct xu_err *err);
/* The descriptor to poll: readable when a served console has news. */
int conserve_fd(const struct conserve *cs);

/*
 * Serves domain `domid`'s console (its ring at guest page `gfn`, its event
 * channel the guest's `port`), logging to the log of `name`; what the ring
 * holds already is logged at once. Taking one already served does nothing.
 */
int conserve_take(struct conserve *cs, uint32_t domid, const char *name, uint64_t gfn,
                  uint32_t port, struct xu_err *err);
bool conserve_serves(const struct conserve *cs, uint32_t domid);
/* Logs what the consoles with news have written. */
void conserve_handle_events(struct conserve *cs);
/*
 * A guest that writes without pause is read at most RATE_EVENTS times a
 * period (as xenconsoled does), so it cannot take Dom0's CPU; this lets the
 * held ones go on and says how soon (ms) to call it again, -1: no need.
 */
int conserve_tick(struct conserve *cs);
/* Input for the guest; how much fitted, or -1 if the console is not served here. */
long conserve_input(struct conserve *cs, uint32_t domid, const char *buf, size_t len);
/* Logs what the ring holds now (a domain about to be destroyed, its vuart waited for). */
void conserve_drain(struct conserve *cs, uint32_t domid);
/* Logs what is left, then unmaps and unbinds: before the domain is destroyed, or once it has gone.
 */
void conserve_release(struct conserve *cs, uint32_t domid);
/* Every served console whose domain is not in `alive` (sorted domids) is released. */
void conserve_release_gone(struct conserve *cs, const uint32_t *alive, size_t n_alive);
/* Closes the log and opens it again by its name (after xu monitor has cut it). */
int conserve_reopen_log(struct conserve *cs, uint32_t domid, struct xu_err *err);

#endif
