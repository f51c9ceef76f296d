/* XU_TIMING=1: each step's time to stderr, to see where a command spends it. */
#ifndef XU_STEPTIME_H
#define XU_STEPTIME_H

/* Ends the step named `what` (the time since the step before it); NULL only starts the clock. */
void step_done(const char *what);

#endif
