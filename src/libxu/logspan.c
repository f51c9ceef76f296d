#include "logspan.h"

struct log_resume log_resume_at(uint64_t shown, uint64_t base, uint64_t prev_bytes,
                                uint64_t cur_bytes)
{
    struct log_resume r = {.file_base = base};
    /* A previous file larger than the stream before the cut belongs to another run. */
    uint64_t prev_start = prev_bytes <= base ? base - prev_bytes : base;

    if (shown >= base) {
        /* Beyond the end: a position from some other log; the whole file is new to it. */
        r.file_offset = shown - base <= cur_bytes ? shown - base : 0;
        return r;
    }
    if (prev_bytes == 0 || prev_start == base) {
        r.dropped_bytes = base - shown;
        return r;
    }
    r.from_prev = true;
    r.file_base = prev_start;
    if (shown < prev_start)
        r.dropped_bytes = prev_start - shown;
    else
        r.file_offset = shown - prev_start;
    return r;
}
