#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[64];

const char *temp_dir(void)
{
    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/pixen-unit-XXXXXX");
        if (!mkdtemp(dir))
            abort();
    }
    return dir;
}

const char *write_temp_bytes(const char *name, const void *data, size_t len)
{
    static char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", temp_dir(), name);
    f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
        abort();
    return path;
}

const char *write_temp(const char *name, const char *text)
{
    return write_temp_bytes(name, text, strlen(text));
}
