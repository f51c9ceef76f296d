/* xu's commands: one table each for xu and xstat, and what every handler shares. */
#ifndef XU_COMMANDS_H
#define XU_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "hv.h"

struct command {
    const char *name;
    int (*run)(struct hv *hv, int argc, char **argv, struct xu_err *err);
    const char *summary;
    const char *usage; /* the arguments, after the command's name */
    const char *help;  /* options, one per line; NULL if none */
    int min_args, max_args;
    int needs_hv; /* 0 for commands that work without Xen (help, config_list) */
};

/*
 * The arguments of a command that takes one domain (or config) and
 * single-letter flags: each "-X" whose X is flags[i] sets set[i]; anything
 * else unexpected is a usage error. *target is NULL if none was given.
 */
int command_args(const char *name, int argc, char **argv, const char *flags, bool *set,
                 const char **target, struct xu_err *err);

/* The domains `argv` names, in that order, or every domain when it names none (xl's rule). */
int domains_named(struct hv *hv, int argc, char **argv, struct domain_info *out, size_t *n,
                  struct xu_err *err);

/* Sets err to a usage message for `cmd`; returns -1. */
int usage_error(const struct command *cmd, struct xu_err *err, const char *why);
const struct command *find_command(const char *name);

int cmd_list(struct hv *hv, int argc, char **argv, struct xu_err *err);
int cmd_dmesg(struct hv *hv, int argc, char **argv, struct xu_err *err);
int cmd_config_list(struct hv *hv, int argc, char **argv, struct xu_err *err);
int cmd_create(struct hv *hv, int argc, char **argv, struct xu_err *err);
int cmd_console(struct hv *hv, int argc, char **argv, struct xu_err *err);
int cmd_pause(struct hv *hv, int argc, char **argv, struct xu_err *err);
int cmd_unpause(struct hv *hv, int argc, char **argv, struct xu_err *err);
int cmd_destroy(struct hv *hv, int argc, char **argv, struct xu_err *err);
int cmd_shutdown(struct hv *hv, int argc, char **argv, struct xu_err *err);
int cmd_attach(struct hv *hv, int argc, char **argv, struct xu_err *err);
int cmd_devd(struct hv *hv, int argc, char **argv, struct xu_err *err);
int cmd_monitor(struct hv *hv, int argc, char **argv, struct xu_err *err);
int cmd_autostart(struct hv *hv, int argc, char **argv, struct xu_err *err);
int cmd_cpupool_list(struct hv *hv, int argc, char **argv, struct xu_err *err);
int cmd_cpupool_migrate(struct hv *hv, int argc, char **argv, struct xu_err *err);
int cmd_vcpu_list(struct hv *hv, int argc, char **argv, struct xu_err *err);
int cmd_vcpu_pin(struct hv *hv, int argc, char **argv, struct xu_err *err);
int console_attach(struct hv *hv, uint32_t domid, struct xu_err *err);

int cmd_xstat_version(struct hv *hv, int argc, char **argv, struct xu_err *err);
int cmd_xstat_physinfo(struct hv *hv, int argc, char **argv, struct xu_err *err);
int cmd_xstat_stat(struct hv *hv, int argc, char **argv, struct xu_err *err);
int cmd_xstat_top(struct hv *hv, int argc, char **argv, struct xu_err *err);

#endif
