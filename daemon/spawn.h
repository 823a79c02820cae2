/*
 * spawn.h - starting tasks on this host.
 *
 * Program search (CONTRACT.md): a name with '/' is used as it is (relative
 * to the children's working directory); otherwise the host's ep= path,
 * $PVM_ROOT/bin/$PVM_ARCH, $HOME/pvm3/bin/$PVM_ARCH, then PATH.  Children
 * get a tid before exec, the environment of docs/design.md, stdin
 * /dev/null, stdout/stderr pipes to the pvmd (output.c), cwd $HOME (or
 * the request's cwd), and each leads a process group of its own.  Their
 * exit is seen through a pidfd in the loop, or uv_spawn's exit callback
 * where the kernel has no pidfds (libuv owns SIGCHLD).
 *
 * The process behind a spawned task is a struct proc, spawn.c's own
 * record (output.c reads its pipes): it lives until the process has exited
 * and its pipes are closed, which may be after its task has ended (what
 * the task started may hold the pipes), and it knows its task only by tid.
 */
#ifndef PVMD_SPAWN_H
#define PVMD_SPAWN_H

#include <stdbool.h>
#include <uv.h>

#include "ctl.h"
#include "output.h"

struct pvmd;
struct task;

struct proc {
    struct pvmd *d;
    int tid;   /* its task's tid; 0 if it never started */
    pid_t pid; /* leads its process group */
    /* the exit watch: a pidfd (spawn.c) or libuv's process handle */
    uv_process_t proc;
    uv_poll_t exitw;
    int pidfd;                   /* -1 when proc is used */
    bool handle_open;            /* proc or exitw not yet closed */
    bool live;                   /* the process has not exited */
    struct output_stream out[2]; /* stdout, stderr (output.c) */
    struct output_dest dest;     /* where output goes once the task has ended */
    bool task_gone;              /* its task has ended: dest is used */
    bool end_sent;               /* OUTPUT_END done */
    int held_on;                 /* pipes not read until this tid drains (output.c), 0 none */
    struct proc *next, *prev;    /* in d->procs */
};

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

/* Sends sig to every process spawned here that is alive or whose output
 * pipes are still held (halt). */
void spawn_signal_all(struct pvmd *d, int sig);

/* Sends sig to task t: to its whole process group when the pvmd spawned
 * it (what it started goes too), else to its process only. */
void spawn_kill(struct pvmd *d, struct task *t, int sig);

/* Halt gives up on what is left: closes the exit watch and the pipes of
 * every process record (a process stuck past SIGKILL, a pipe a
 * grandchild holds), so the records are freed with their handles. */
void spawn_abandon_all(struct pvmd *d);

/* Frees p once its process handle and both pipes are closed (called from
 * every close callback). */
void spawn_proc_release(struct proc *p);

#endif
