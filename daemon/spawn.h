/*
 * spawn.h - starting tasks on this host.
 *
 * Program search (CONTRACT.md): a name with '/' is used as it is (relative
 * to the children's working directory); otherwise the host's ep= path,
 * $PVM_ROOT/bin/$PVM_ARCH, $HOME/pvm3/bin/$PVM_ARCH, then PATH.  Children
 * get a tid before exec, the environment of docs/design.md, stdin
 * /dev/null, stdout/stderr pipes to the pvmd (output.c), cwd $HOME (or
 * the request's cwd), and stay in the pvmd's process group.  Their exit is
 * reported by uv_spawn's exit callback (libuv owns SIGCHLD).
 */
#ifndef PVMD_SPAWN_H
#define PVMD_SPAWN_H

#include <stdbool.h>

#include "ctl.h"

struct pvmd;
struct task;

/* Starts req->count copies of req->file as children of task `parent'.
 * Writes per copy a tid or a negative error into tids[0..count-1]:
 * PvmNoHost (`where' is not this host or arch), PvmNoFile (not found or
 * not executable: nothing is started), PvmOutOfRes / PvmSysErr.  Returns
 * how many were started. */
int spawn_run(struct pvmd *d, int parent, const Pvm__SpawnRequest *req, int *tids);

/* True when `name' names this host: its name, "localhost", ".", or a
 * numeric address of one of its interfaces. */
bool spawn_names_this_host(struct pvmd *d, const char *name);

/* True when this kernel lets the pvmd watch children through pidfds, so
 * spawn can use posix_spawn (no fork); else spawn uses uv_spawn.  Setting
 * PVMD_SPAWN=uv in the pvmd's environment forces the latter (tests). */
bool spawn_fast_available(void);

/* Kills every live spawned task with signal sig (halt). */
void spawn_signal_all(struct pvmd *d, int sig);

/* Sends sig to task t: to its whole process group when the pvmd spawned
 * it (what it started goes too), else to its process only. */
void spawn_kill(struct task *t, int sig);

#endif
