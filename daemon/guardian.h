/*
 * guardian.h - no orphans when a pvmd dies unannounced (docs/design.md,
 * "Failures").
 *
 * At start the pvmd forks a small guardian process that holds the read end
 * of a pipe.  Each spawned task's process group is written to it when the
 * task starts and when its process is gone.  A pvmd that halts says so
 * first, and the guardian leaves quietly; a pvmd killed (or crashed) closes
 * the pipe by dying, and the guardian ends every group still listed:
 * SIGTERM, then SIGKILL after a second.  Tasks started from a shell are
 * not the pvmd's children and are not touched: their next PVM call fails
 * with PvmSysErr.
 */
#ifndef PVMD_GUARDIAN_H
#define PVMD_GUARDIAN_H

#include <stddef.h>
#include <sys/types.h>

struct pvmd;

/* Forks the guardian; call before any thread exists.  The guardian's copy
 * of nwipe bytes at wipe (a secret the pvmd holds) is wiped at once.
 * Returns 0, or -1 (logged: the pvmd runs on without one). */
int guardian_start(struct pvmd *d, void *wipe, size_t nwipe);

/* A spawned task's process group starts, or is gone. */
void guardian_add(struct pvmd *d, pid_t pgid);
void guardian_remove(struct pvmd *d, pid_t pgid);

/* An orderly end: the guardian leaves without touching anything. */
void guardian_stop(struct pvmd *d);

#endif
