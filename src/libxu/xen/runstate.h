/*
 * What xu keeps in Dom0's /run about a domain it created: the config text as
 * it was at creation, so that a restart (on_reboot = "restart") builds the
 * domain that was asked for, whatever has happened to the file since.
 */
#ifndef XU_RUNSTATE_H
#define XU_RUNSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define RUNSTATE_DIR "/run/xu/domains"

int runstate_save_config(uint32_t domid, const char *text, size_t len, struct xu_err *err);
/* The saved text, malloc'ed and NUL-ended. */
int runstate_load_config(uint32_t domid, char **text, size_t *len, struct xu_err *err);
void runstate_forget(uint32_t domid);

#endif
