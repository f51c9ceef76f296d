/*
 * xu: the thin control domain's toolstack. One table names every command;
 * dispatch, `xu help` and usage errors all come from it. Run as `xstat`
 * (a link to xu), it takes the statistics commands instead.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "steptime.h"

#ifndef XU_VERSION
#define XU_VERSION "unknown"
#endif

static int cmd_help(struct hv *hv, int argc, char **argv, struct xu_err *err);

static const struct command xu_commands[] = {
    {"create", cmd_create, "Create a domain from its config file", "NAME|FILE [-p] [-c]",
     "NAME     /dom0/NAME.cfg; a FILE is any path (or a name ending in .cfg)\n"
     "-p       leave the domain paused\n"
     "-c       attach to its console once it runs",
     1, 3, 1},
    {"console", cmd_console, "Attach to a domain's console", "ID|NAME",
     "Shows what the domain printed since you last looked, then its live output.\n"
     "Ctrl-] detaches. With its input from a pipe or a file, xu console sends it\n"
     "to the domain and detaches once that has ended and the output is quiet.",
     1, 1, 1},
    {"pause", cmd_pause, "Pause a domain", "ID|NAME", NULL, 1, 1, 1},
    {"unpause", cmd_unpause, "Unpause a domain", "ID|NAME", NULL, 1, 1, 1},
    {"destroy", cmd_destroy, "Destroy a domain at once", "ID|NAME [-f]",
     "-f       also a driver domain that still serves other domains' devices", 1, 2, 1},
    {"shutdown", cmd_shutdown, "Ask a domain to shut down", "ID|NAME [-w]",
     "-w       wait until it has shut down and is gone", 1, 2, 1},
    {"list", cmd_list, "List domains, as xl list does", "[ID|NAME...]", NULL, 0, 64, 1},
    {"config_list", cmd_config_list, "List the domain configs in /dom0", "", NULL, 0, 0, 0},
    {"dmesg", cmd_dmesg, "Show Xen's console log, as xl dmesg does", "", NULL, 0, 0, 1},
    {"cpupool-list", cmd_cpupool_list, "List CPU pools, as xl cpupool-list does", "[-c] [POOL]",
     "-c  the CPUs of each pool instead of the counts", 0, 2, 1},
    {"cpupool-migrate", cmd_cpupool_migrate, "Move a domain to another CPU pool", "ID|NAME POOL",
     NULL, 2, 2, 1},
    {"vcpu-list", cmd_vcpu_list, "List vCPUs: where each runs and may run, as xl vcpu-list does",
     "[ID|NAME...]", NULL, 0, 64, 1},
    {"vcpu-pin", cmd_vcpu_pin, "Set the CPUs a domain's vCPU may run on, as xl vcpu-pin does",
     "ID|NAME VCPU|all HARD|-|all [SOFT|-|all]",
     "HARD, SOFT  CPUs as in a config's cpus: \"1\", \"0-3,^2\", \"all\"; - leaves it as it is", 3,
     4, 1},
    {"attach", cmd_attach,
     "Connect the domains Xen built at boot to xenstore and start those it held (run by init)",
     "[--fdt FILE] [--boot-dir DIR]",
     "--fdt FILE      the device tree Dom0 booted with (/sys/firmware/fdt)\n"
     "--boot-dir DIR  the boot partition, where their configs are (/boot)",
     0, 4, 1},
    {"autostart", cmd_autostart,
     "Start the configs that say autostart = 1, once their backends serve (run by init)", "", NULL,
     0, 0, 1},
    {"devd", cmd_devd, "Serve the PV backends of this driver domain (run by DomD's init)", "",
     "Joins vifs to their bridge, gives disk files a loop device, and undoes both\n"
     "when the guest goes.",
     0, 0, 0},
    {"monitor", cmd_monitor,
     "Serve the consoles of the domains xu creates, act on domains that power off, reboot or "
     "crash, and cut console logs (run by init)",
     "[--background] [--log-cut-kib N]",
     "Logs each console xu create hands it, takes `xu console`'s input for it, and\n"
     "applies each domain's on_poweroff, on_reboot and on_crash.\n"
     "--background     returns once it is serving, and goes on in the background\n"
     "--log-cut-kib N  a console log past N KiB is moved aside as .log.0 and started\n"
     "                 again, so each domain keeps its last N to 2N KiB (512)",
     0, 3, 1},
    {"help", cmd_help, "Show the commands, or one command's usage", "[COMMAND]", NULL, 0, 1, 0},
};

static const struct command xstat_commands[] = {
    {"version", cmd_xstat_version, "Xen's version", "", NULL, 0, 0, 1},
    {"physinfo", cmd_xstat_physinfo, "CPUs, their frequency, total and free memory", "", NULL, 0, 0,
     1},
    {"stat", cmd_xstat_stat, "Per domain: id, name, state, CPU time, vCPUs, memory, SSID", "", NULL,
     0, 0, 1},
    {"top", cmd_xstat_top, "version, physinfo and stat together", "", NULL, 0, 0, 1},
};

static const char *program = "xu";
static const struct command *table = xu_commands;
static size_t table_len = sizeof(xu_commands) / sizeof(xu_commands[0]);

const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < table_len; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

static void print_usage(FILE *out, const struct command *c)
{
    fprintf(out, "usage: %s %s%s%s\n\n%s.\n", program, c->name, c->usage[0] ? " " : "", c->usage,
            c->summary);
    if (c->help)
        fprintf(out, "\n%s\n", c->help);
}

int usage_error(const struct command *cmd, struct xu_err *err, const char *why)
{
    return xu_fail(err, "%s: %s\nusage: %s %s %s", cmd->name, why, program, cmd->name, cmd->usage);
}

int command_args(const char *name, int argc, char **argv, const char *flags, bool *set,
                 const char **target, struct xu_err *err)
{
    *target = NULL;
    for (int i = 0; i < argc; i++) {
        const char *flag =
            argv[i][0] == '-' && argv[i][1] && !argv[i][2] ? strchr(flags, argv[i][1]) : NULL;

        if (flag)
            set[flag - flags] = true;
        else if (argv[i][0] == '-' || *target)
            return usage_error(find_command(name), err, "unexpected argument");
        else
            *target = argv[i];
    }
    return 0;
}

static void print_commands(FILE *out)
{
    fprintf(out, "usage: %s COMMAND [ARGS]\n\n", program);
    for (size_t i = 0; i < table_len; i++)
        fprintf(out, "  %-12s %s\n", table[i].name, table[i].summary);
    fprintf(out, "\n'%s help COMMAND' shows one command's usage; '%s --version' the version.\n",
            program, program);
}

static int cmd_help(struct hv *hv, int argc, char **argv, struct xu_err *err)
{
    (void)hv;
    if (argc == 0) {
        print_commands(stdout);
        return 0;
    }
    const struct command *c = find_command(argv[0]);
    if (!c)
        return xu_fail(err, "help: no command '%s'", argv[0]);
    print_usage(stdout, c);
    return 0;
}

int main(int argc, char **argv)
{
    const struct command *cmd;
    struct xu_err err = {{0}};
    struct hv hv;
    int rc;

    step_done(NULL);

    if (strcmp(basename(argv[0]), "xstat") == 0) {
        program = "xstat";
        table = xstat_commands;
        table_len = sizeof(xstat_commands) / sizeof(xstat_commands[0]);
    }
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        print_commands(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("%s (pixen) %s\n", program, XU_VERSION);
        return 0;
    }
    cmd = find_command(argv[1]);
    if (!cmd) {
        fprintf(stderr, "%s: no command '%s' ('%s help' lists them)\n", program, argv[1], program);
        return 2;
    }
    if (argc - 2 < cmd->min_args || argc - 2 > cmd->max_args) {
        usage_error(cmd, &err,
                    argc - 2 < cmd->min_args ? "missing arguments" : "too many arguments");
        fprintf(stderr, "%s: %s\n", program, err.msg);
        return 2;
    }
    if (cmd->needs_hv && hv_open(&hv, &err) < 0) {
        fprintf(stderr, "%s: %s\n", program, err.msg);
        return 1;
    }
    rc = cmd->run(cmd->needs_hv ? &hv : NULL, argc - 2, argv + 2, &err);
    if (cmd->needs_hv)
        hv_close(&hv);
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", program, err.msg);
        return 1;
    }
    return 0;
}
