#include "steptime.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void step_done(const char *what)
{
    static struct timespec last;
    struct timespec now;

    if (!getenv("XU_TIMING"))
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (what && (last.tv_sec || last.tv_nsec))
        fprintf(stderr, "xu: %-28s %6.3f s\n", what,
                (double)(now.tv_sec - last.tv_sec) + (double)(now.tv_nsec - last.tv_nsec) / 1e9);
    last = now;
}
