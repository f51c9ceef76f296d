/*
 * Reading the device tree Xen's toolstack hands the guest (x0 at entry):
 * a property of a node given by its path, and whether a compatible string
 * is anywhere in it. Every offset is checked against the blob's size, so a
 * damaged tree gives "not found", never a read outside it. Pure, so the
 * build host's unit tests and fuzzer exercise it.
 */
#ifndef RT_DTB_H
#define RT_DTB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The blob's size from its header, if it is a device tree no larger than `max_bytes`; else 0. */
size_t dtb_size(const void *fdt, size_t max_bytes);

/* The value of `prop` in the node at `path` ("/chosen"): its bytes and length, or NULL. */
const void *dtb_prop(const void *fdt, size_t size, const char *path, const char *prop,
                     uint32_t *len);

/* A property's value as a string, if it is one (NUL-terminated within its length). */
const char *dtb_prop_string(const void *fdt, size_t size, const char *path, const char *prop);

bool dtb_has_compatible(const void *fdt, size_t size, const char *compatible);

/*
 * The path of the first node whose string property `prop` is `value`
 * (the /reserved-memory node whose xen,id names a shared region), into
 * path_out; false if none, or if it does not fit.
 */
bool dtb_find_node(const void *fdt, size_t size, const char *prop, const char *value,
                   char *path_out, size_t path_bytes);

#endif
