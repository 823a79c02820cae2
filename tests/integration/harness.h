/*
 * harness.h - private virtual machines for integration tests.
 *
 * harness_start makes a temporary directory, points PVM_TMP at it (so the
 * VM shares nothing with any other), starts the pvmd of this build in the
 * foreground in its own process group and waits for its ready line.  A test
 * may start several: each is a separate virtual machine.  harness_prepare
 * makes the directory only, for a test that starts its pvmd itself
 * (pvm_start_pvmd, a daemonizing pvmd).  harness_stop ends everything that
 * runs in a VM -- the pvmd, what it spawned, a daemonized pvmd found by the
 * environment it inherited or by its pvmd.pid -- and removes the directory.
 *
 * Nothing is ever left behind: every VM is also in a registry of the test
 * process, so one a test did not stop is stopped
 *   - at exit (a cmocka assertion longjmps out of a test past its own
 *     harness_stop; the program then ends normally),
 *   - by the watchdog (SIGALRM) if the test hangs, which then exits 99,
 *   - by a guardian process, if the test process dies any other way (a
 *     crash, a sanitizer abort, SIGKILL): it holds the other end of a pipe
 *     and cleans up what is still registered when that pipe closes.
 */
#ifndef PVM_HARNESS_H
#define PVM_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct harness {
    char tmp[256];     /* the temporary directory (its PVM_TMP) */
    char sockdir[256]; /* the pvmd's socket directory inside it */
    pid_t pvmd;        /* the pvmd's pid (and process group), 0 if none */
};

/* Starts a private pvmd with extra arguments argv (NULL-terminated, may be
 * NULL) and points PVM_TMP at its directory (harness_use).  The watchdog
 * fires `timeout' seconds (0: 60) from now unless every VM started with a
 * timeout is stopped before.  Returns 0, or -1 with a message on stderr. */
int harness_start(struct harness *h, const char *const *argv, unsigned timeout);

/* Like harness_start, but starts no pvmd (h->pvmd is 0): the test starts
 * one in h->tmp itself and harness_stop ends it. */
int harness_prepare(struct harness *h, unsigned timeout);

/* Points PVM_TMP at h's directory (and clears PVM_SOCKDIR, PVM_TASK_TID,
 * PVM_VMID), so that libpvm -- after pvm_exit -- and programs the test
 * starts join h's VM. */
void harness_use(const struct harness *h);

/* Stops the pvmd and everything running in h's VM, removes the directory.
 * Safe to call twice.  PVM_TMP is left alone. */
void harness_stop(struct harness *h);

/* Stops every VM this process started and has not stopped (what runs at
 * exit).  Usable as a cmocka teardown: returns 0. */
int harness_stop_all(void **state);

/* Path of a program built for the tests (tests/integration/progs/NAME.c),
 * in static storage. */
const char *harness_prog(const char *name);

/* Runs the console of this build with `input' on its stdin in h's VM;
 * writes up to cap-1 bytes of its stdout+stderr to out.  Returns its exit
 * status, or -1. */
int harness_console(struct harness *h, const char *args, const char *input, char *out, size_t cap);

/* True while pid is a process that has not exited (a zombie has). */
bool harness_pid_alive(pid_t pid);

/* The pid of the pvmd of h's host `addr' (a 127.x address it added: its
 * pvmd.pid), or 0 when there is none. */
pid_t harness_host_pvmd(const struct harness *h, const char *addr);

/* Number of live processes (zombies do not count) that belong to the VM
 * in directory tmp: whose environment has PVM_TMP=tmp or a PVM_SOCKDIR
 * inside it.  For tests that check that nothing was left behind. */
int harness_vm_processes(const char *tmp);

#endif
