/*
 * What a domain wrote to its console rings that their back end has not read
 * yet. A domain that stops at once (a guest that panics on a bad argument)
 * must not be destroyed before its last words reach its log. xu monitor
 * reads the consoles it serves to their end itself; for the vuarts, which
 * xenconsoled serves, it waits here, once, for the domains that need it.
 */
#ifndef XU_CONRING_H
#define XU_CONRING_H

#include <stdint.h>

#include "hv.h"

/*
 * Waits up to `timeout_ms` until every console ring xenconsoled serves for
 * the domain (console, vuart/0: those with a ring-ref in xenstore) has been
 * read to its end. Returns how many bytes are still unread when it gives up
 * (0: nothing would be lost). A ring whose indexes make no sense (the guest
 * owns them) counts as read: xenconsoled ignores it too.
 */
uint32_t conring_wait_read(struct hv *hv, uint32_t domid, unsigned timeout_ms);

#endif
