/*
 * Domain construction on arm64 through Xen's own libraries (libxenctrl and
 * libxenguest's domain builder), in the order libxl follows. A failure at any
 * step undoes every earlier one: no domain, no xenstore node, no memory
 * left behind. Target only.
 */
#ifndef XU_CREATE_H
#define XU_CREATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domcfg.h"
#include "err.h"
#include "hv.h"

/*
 * Builds the domain `dc` describes and starts it, or leaves it paused.
 * `config_path` and `config_text` are the file it was read from and its text,
 * kept for a restart. Returns its id in *domid. Interrupting signals are held
 * meanwhile: one arriving ends the create as a failure does, undone.
 */
int domain_create(struct hv *hv, const struct domain_config *dc, const char *config_path,
                  const char *config_text, size_t config_len, bool paused, uint32_t *domid,
                  struct xu_err *err);

/*
 * Who takes the console of a domain created: xu monitor, over its socket
 * (conmon.h), unless the process is the monitor itself, which says so here,
 * and how it is told of a domain that stopped before its introduction.
 */
struct conserve;
void domain_create_serve_consoles(struct conserve *cs, void (*stopped_early)(uint32_t domid));

/* Destroys a domain and waits until Xen has let it go; removes its xenstore nodes. */
int domain_destroy(struct hv *hv, uint32_t domid, struct xu_err *err);

#endif
