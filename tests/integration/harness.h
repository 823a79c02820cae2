/*
 * harness.h - a private virtual machine for one integration test.
 *
 * harness_start makes a temporary directory, points PVM_TMP at it (so the
 * test's pvmd shares nothing with any other), starts the pvmd of this
 * build in the foreground in its own process group and waits for its
 * ready line.  harness_stop stops the pvmd, kills whatever is left in its
 * process group (tasks included) and removes the directory.  A watchdog
 * (SIGALRM) does the same if a test hangs, and the pvmd is sent SIGTERM
 * (halt) if the test process dies, so nothing is ever left behind.
 */
#ifndef PVM_HARNESS_H
#define PVM_HARNESS_H

#include <sys/types.h>

struct harness {
    char tmp[256];     /* the temporary directory (PVM_TMP) */
    char sockdir[256]; /* the pvmd's socket directory inside it */
    pid_t pvmd;        /* the pvmd's pid (and process group), 0 if none */
};

/* Starts a private pvmd with extra arguments argv (NULL-terminated, may be
 * NULL) and a watchdog of `timeout' seconds.  Returns 0, or -1 with a
 * message on stderr. */
int harness_start(struct harness *h, const char *const *argv, unsigned timeout);

/* Stops the pvmd and everything it started, removes the directory.
 * Safe to call twice. */
void harness_stop(struct harness *h);

/* Path of a program built for the tests (tests/integration/progs/NAME.c),
 * in static storage. */
const char *harness_prog(const char *name);

/* Runs the console of this build with `input' on its stdin in the test's
 * VM; writes up to cap-1 bytes of its stdout+stderr to out.  Returns its
 * exit status, or -1. */
int harness_console(struct harness *h, const char *args, const char *input, char *out, size_t cap);

#endif
