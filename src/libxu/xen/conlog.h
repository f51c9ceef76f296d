/*
 * A domain's console output as its back end logs it (xu monitor for the
 * domains xu creates, xenconsoled's --log=guest for the others), and how far
 * `xu console` has shown it. The log is written before anything reaches the
 * console's pty, whether or not anyone is attached, so it is the one source
 * of output: replaying it from the last position and then following it loses
 * nothing and repeats nothing.
 */
#ifndef XU_CONLOG_H
#define XU_CONLOG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CONLOG_DIR       "/var/log/xen/console" /* xenconsoled's --log-dir */
#define CONLOG_STATE_DIR "/run/xu/console"
#define CONLOG_PID_FILE  "/run/xen/xenconsoled.pid"
/* A log past this is cut (see logspan.h): each domain keeps its last CUT to 2 x CUT bytes. */
#define CONLOG_CUT_BYTES (512u << 10)

/* The log file of the domain named `name`, and the part cut off it last (".0"). */
void conlog_path(const char *name, char *path, size_t size);
void conlog_prev_path(const char *name, char *path, size_t size);

/* Before a new domain's console connects: keep the old log as .1, start an empty one. */
int conlog_start(const char *name, uint32_t domid, struct xu_err *err);
/* After a failed create: drop the new log and put the previous one back. */
void conlog_abandon(const char *name);
/* How much of the output has been shown, as a stream offset; 0 if nothing is recorded. */
uint64_t conlog_position(uint32_t domid);
void conlog_save(uint32_t domid, uint64_t offset);
/*
 * Where the log file with inode `ino` starts in the stream; -1 while a cut is
 * under way and the record is not that file's yet (ask again shortly).
 */
int conlog_file_base(uint32_t domid, uint64_t ino, uint64_t *base);
/* The current file's start as last recorded: for messages. */
uint64_t conlog_base(uint32_t domid);
/*
 * Moves the log aside as .0 (the older .0 goes), has its writer start a new
 * one and records the new base. Run by xu monitor only, one cut at a time.
 * The writer is xenconsoled (reopen NULL: it is sent SIGHUP) or the caller,
 * whose `reopen` closes the old file and makes the new one.
 */
typedef int conlog_reopen_fn(void *ctx, uint32_t domid, struct xu_err *err);
int conlog_cut(const char *name, uint32_t domid, conlog_reopen_fn *reopen, void *ctx,
               struct xu_err *err);
void conlog_forget(uint32_t domid);

#endif
