/*
 * tasktab.h - the tasks of this host.
 *
 * A task is a process that enrolled (CTL_HELLO) or that this pvmd spawned.
 * Tids are host number (bits 18-29, this host's number from the host
 * table) and a local part 1..TID_MAX_LOCAL handed out in increasing order
 * and reused only after wrap-around, so a stale tid does not name a new
 * task soon after.
 *
 * A task leaves the table when it ends (process exit for a spawned task;
 * connection close or CTL_EXIT for one started from a shell).  Its record
 * may outlive that while libuv still owns its handles (process, output
 * pipes); it is freed once they are all closed.
 */
#ifndef PVMD_TASKTAB_H
#define PVMD_TASKTAB_H

#include <stdbool.h>
#include <sys/types.h>
#include <uv.h>

#include "frame.h"
#include "output.h"

struct pvmd;
struct conn;

struct task {
    struct pvmd *d;
    int tid;
    int ptid;          /* parent's tid, or PvmNoParent */
    pid_t pid;         /* spawned: the child's pid; else the peer's (SO_PEERCRED) */
    char *name;        /* program name as requested or as the task said */
    int flags;         /* TF_CONN, TF_SPAWNED (common/defs.h) */
    struct conn *conn; /* NULL when not connected */
    int *siblings;     /* tids started by the same spawn request, in order */
    size_t nsib;

    /* where its output and trace go (inherited from the spawner, changed by
     * CTL_SET_OUTPUT) */
    int out_tid, out_code, out_ctx;
    int trace_tid, trace_code, trace_ctx;

    struct frame_queue pending; /* user frames waiting for it to connect */
    bool senders_paused;        /* some connections wait for it to drain */

    /* the process (spawned tasks): watched through a pidfd where the
     * kernel has them (spawn.c), else through libuv's own process handle */
    uv_process_t proc;
    uv_poll_t exitw;             /* readable once the process has exited */
    int pidfd;                   /* -1 when proc is used */
    bool proc_open;              /* proc or exitw handle not yet closed */
    bool own_group;              /* leads its own process group (spawned) */
    bool proc_live;              /* the process has not exited */
    struct output_stream out[2]; /* stdout, stderr */
    bool end_sent;               /* OUTPUT_END done */

    bool in_table;
    bool lingers;             /* ended, handles still open: on the lingering list */
    struct task *next, *prev; /* in the table's list, while in_table */
};

/* Creates the table for host number `host'.  Returns NULL when out of
 * memory. */
struct tasktab *tasktab_new(int host);

/* Frees the table and every record (handles must be closed already). */
void tasktab_destroy(struct tasktab **tt);

/* Allocates a fresh tid and adds a record for it (zeroed, ptid
 * PvmNoParent).  Returns the record (owned by the table), or NULL with
 * *err = PvmOutOfRes (no free tid) or PvmNoMem. */
struct task *tasktab_add(struct pvmd *d, int *err);

/* Returns the live task with that tid, or NULL. */
struct task *tasktab_find(struct tasktab *tt, int tid);

/* Returns the first live task (in tid allocation order), or NULL; follow
 * ->next for the others. */
struct task *tasktab_first(struct tasktab *tt);

/* Returns the first ended task whose handles are still open (its output
 * pipes may be held by what it started), or NULL; follow ->next. */
struct task *tasktab_first_lingering(struct tasktab *tt);

/* Number of live tasks. */
size_t tasktab_count(struct tasktab *tt);

/* Ends task t: it leaves the table, frames queued for it are dropped,
 * its connection (if any) no longer belongs to a task.  The record is
 * freed when no libuv handle of it is open any more. */
void tasktab_end(struct pvmd *d, struct task *t, const char *why);

/* Frees t if it is out of the table and none of its handles is open.
 * Called from every handle close callback. */
void tasktab_release(struct task *t);

/* Connection c is closing: its task (if any) loses it; a task started
 * from a shell ends. */
void tasktab_conn_closed(struct pvmd *d, struct conn *c);

/* Sets t's connection and hands it every queued frame, in order. */
void tasktab_connect(struct pvmd *d, struct task *t, struct conn *c);

#endif
