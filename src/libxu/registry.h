/*
 * The domains Dom0 can start: NAME.cfg files in the dom0 partition's folder.
 */
#ifndef XU_REGISTRY_H
#define XU_REGISTRY_H

#include <limits.h>
#include <stddef.h>

#include "err.h"

#define REGISTRY_DIR        "/dom0"
#define REGISTRY_MAX        64
#define REGISTRY_NAME_BYTES 64

/*
 * The config names in `dir`, in the folder's own order (on the FAT card: the
 * order the files were written), without their .cfg suffix.
 */
int registry_list(const char *dir, char names[][REGISTRY_NAME_BYTES], size_t max, size_t *n,
                  struct xu_err *err);

/* The file `xu create ARG` reads: ARG itself if it names a file, else DIR/ARG.cfg. */
int registry_path(const char *dir, const char *arg, char *path, size_t size, struct xu_err *err);

#endif
