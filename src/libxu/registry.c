#include "registry.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SUFFIX ".cfg"

static bool is_config(const char *name)
{
    size_t len = strlen(name), suffix = strlen(SUFFIX);

    return name[0] != '.' && len > suffix && strcasecmp(name + len - suffix, SUFFIX) == 0;
}

int registry_list(const char *dir, char names[][REGISTRY_NAME_BYTES], size_t max, size_t *n,
                  struct xu_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    *n = 0;
    if (!d)
        return xu_fail(err, "%s: %s", dir, strerror(errno));
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name) - strlen(SUFFIX);

        if (!is_config(e->d_name) || len >= REGISTRY_NAME_BYTES)
            continue;
        if (*n == max) {
            closedir(d);
            return xu_fail(err, "%s: more than %zu configs", dir, max);
        }
        memcpy(names[*n], e->d_name, len);
        names[*n][len] = '\0';
        (*n)++;
    }
    closedir(d);
    return 0;
}

int registry_path(const char *dir, const char *arg, char *path, size_t size, struct xu_err *err)
{
    int n;

    if (arg[0] == '\0')
        return xu_fail(err, "no domain config named");
    /* A path, or a file name with its suffix, is a file; anything else a name. */
    if (strchr(arg, '/') || is_config(arg))
        n = snprintf(path, size, "%s", arg);
    else
        n = snprintf(path, size, "%s/%s%s", dir, arg, SUFFIX);
    if (n < 0 || (size_t)n >= size)
        return xu_fail(err, "%s: path too long", arg);
    return 0;
}
