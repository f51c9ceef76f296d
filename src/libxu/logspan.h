/*
 * A guest's console log as a stream cut in files: xenconsoled appends to the
 * current file; when it grows past the cap, xu monitor moves it aside as the
 * previous file and xenconsoled starts a new one. Positions are offsets in
 * the stream (bytes since the domain was created), so a reader's place
 * survives the cut. Pure arithmetic, for the unit tests.
 */
#ifndef XU_LOGSPAN_H
#define XU_LOGSPAN_H

#include <stdbool.h>
#include <stdint.h>

/* Where a reader resumes, and how much it has missed for good. */
struct log_resume {
    bool from_prev;       /* start in the previous file, then go on to the current one */
    uint64_t file_offset; /* in the file it starts in */
    uint64_t file_base;   /* the stream offset of that file's first byte */
    uint64_t dropped_bytes;
};

/*
 * `shown`: what the reader had seen; `base`: the current file's first byte in
 * the stream; `prev_bytes`: the previous file's size (it ends at `base`; 0:
 * none); `cur_bytes`: the current file's size.
 */
struct log_resume log_resume_at(uint64_t shown, uint64_t base, uint64_t prev_bytes,
                                uint64_t cur_bytes);

#endif
