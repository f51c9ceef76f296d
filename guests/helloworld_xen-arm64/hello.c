/*
 * helloworld_xen-arm64: a unikernel-style image that greets, names its
 * arguments (the config's cmdline) and then animates a monkey, as the
 * original's Unikraft "helloworld" and "monkey" do.
 */
#include "rt.h"

#define FRAME_MS 500

static const char *const banner = "Powered by\n"
                                  "       _\n"
                                  " _ __ (_)_  _____ _ __\n"
                                  "| '_ \\| \\ \\/ / _ \\ '_ \\\n"
                                  "| |_) | |>  <  __/ | | |\n"
                                  "| .__/|_/_/\\_\\___|_| |_|\n"
                                  "|_|     guest runtime\n";

/* Two frames of two lines: the monkey blinks and swings its tail. */
static const char *const frames[][2] = {
    {"    c'_'o  .--'", "    (| |)_/"},
    {"    c'o'o  .--.", "    (| |)_/"},
};

void guest_main(const char *bootargs)
{
    unsigned n = 0;

    printf("%s", banner);
    printf("Hello world!\n");
    printf("Arguments:  \"helloworld\"%s%s\n", bootargs[0] ? " " : "", bootargs);
    printf("\n");
    for (;;) {
        const char *const *f = frames[n++ % 2];

        /* Redraw in place: two lines up, then the frame over the old one. */
        if (n > 1)
            printf("\033[2A");
        printf("\r%s\033[K\n%s\033[K\n", f[0], f[1]);
        sleep_ms(FRAME_MS);
    }
}
