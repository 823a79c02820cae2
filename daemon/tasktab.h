/*
 * tasktab.h - the tasks of this host.
 *
 * A task is a process that enrolled (CTL_HELLO) or that this pvmd spawned.
 * Tids are host number (bits 18-29, this host's number from the host
 * table) and a local part 1..TID_MAX_LOCAL handed out in increasing order
 * and reused only after wrap-around, so a stale tid does not name a new
 * task soon after.
 *
 * Records are opaque: other files read them through the calls below and
 * change them only through tasktab_* calls.  A record lives from
 * tasktab_add to tasktab_end (process exit for a spawned task; connection
 * close or CTL_EXIT for one started from a shell); the process and its
 * output pipes are spawn.c's, and may outlive it.  tasktab_start and
 * tasktab_end raise EVENT_TASK_START and EVENT_TASK_EXIT (event.h).
 */
#ifndef PVMD_TASKTAB_H
#define PVMD_TASKTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct frame;
struct pvmd;
struct task;
struct xport;

/* Where a task's output and trace go (PvmOutputTid/Code/Context and
 * PvmTraceTid/Code/Context): inherited from the spawner, changed by
 * CTL_SET_OUTPUT. */
struct task_io {
    int out_tid, out_code, out_ctx;
    int trace_tid, trace_code, trace_ctx;
    int ctx; /* the context it starts in: its spawner's at spawn time */
};

/* Creates the table for host number `host'.  Returns NULL when out of
 * memory. */
struct tasktab *tasktab_new(int host);

/* Frees the table and every record left in it (no events). */
void tasktab_destroy(struct tasktab **tt);

/* Allocates a fresh tid and adds a record for it (ptid PvmNoParent, no
 * name, flags 0).  Returns the record (owned by the table), or NULL with
 * *err = PvmOutOfRes (no free tid) or PvmNoMem. */
struct task *tasktab_add(struct pvmd *d, int *err);

/* Raises EVENT_TASK_START for t once its attributes are set. */
void tasktab_start(struct pvmd *d, struct task *t);

/* Ends task t: EVENT_TASK_EXIT is raised (t still findable), frames
 * queued for it are dropped, and its record is freed.  Its link, if any,
 * stays open (frames it sent just before are still to be routed). */
void tasktab_end(struct pvmd *d, struct task *t, const char *why);

/* Returns the task with that tid, or NULL. */
struct task *tasktab_find(struct tasktab *tt, int tid);

/* Walks the tasks in tid allocation order: first, then next (NULL at the
 * end).  The walk must not end tasks. */
struct task *tasktab_first(struct tasktab *tt);
struct task *tasktab_next(const struct task *t);

/* Number of tasks. */
size_t tasktab_count(struct tasktab *tt);

/* ---- reading a record ---------------------------------------------------- */

int tasktab_tid(const struct task *t);
int tasktab_ptid(const struct task *t);           /* parent, PvmNoParent or PvmParentNotSet */
pid_t tasktab_pid(const struct task *t);          /* its process (spawned) or the peer's pid */
const char *tasktab_name(const struct task *t);   /* never NULL */
int tasktab_flags(const struct task *t);          /* TF_CONN, TF_SPAWNED, TF_CLOSE (defs.h) */
struct xport *tasktab_link(const struct task *t); /* NULL when not connected */
const int *tasktab_siblings(const struct task *t, size_t *n);
const struct task_io *tasktab_io(const struct task *t);
size_t tasktab_queued_bytes(const struct task *t); /* held until it connects */

/* ---- changing a record ------------------------------------------------- */

/* Makes t a spawned task: parent, program name (copied), inherited output
 * and trace settings.  Returns 0 or PvmNoMem. */
int tasktab_set_spawned(struct task *t, int ptid, const char *name, const struct task_io *io);

/* Makes t a task started from a shell: its process and name (copied).
 * Returns 0 or PvmNoMem. */
int tasktab_set_shell(struct task *t, pid_t pid, const char *name);

/* Records the process a spawned task runs as. */
void tasktab_set_pid(struct task *t, pid_t pid);

/* Records the tids started by the same spawn (copied).  PvmNoMem. */
int tasktab_set_siblings(struct task *t, const int *tids, size_t n);

/* Changes where t's output goes (CTL_SET_OUTPUT). */
void tasktab_set_output(struct task *t, int out_tid, int out_code, int out_ctx);

/* Connects t to link x (its enrolment) and hands x every frame queued
 * for it, in order. */
void tasktab_connect(struct pvmd *d, struct task *t, struct xport *x);

/* t left PVM (CTL_EXIT) or its link x went down: t is no longer
 * connected; a task started from a shell ends. */
void tasktab_disconnect(struct pvmd *d, struct task *t, const char *why);

/* Whether t's whole sibling list is still to come (a spawn over several
 * hosts: CTL_SIBLINGS). */
/* Direct routes across hosts (common/direct.h): the task's secret
 * (CTL_DIRECT_KEY_LEN bytes, made when the task is added) and the TCP port
 * it accepts them on (0: none). */
const uint8_t *tasktab_direct_key(const struct task *t);
uint16_t tasktab_direct_port(const struct task *t);
void tasktab_set_direct_port(struct task *t, uint16_t port);

bool tasktab_siblings_later(const struct task *t);
void tasktab_set_siblings_later(struct task *t, bool later);

/* Back-pressure (route.c): whether some links wait for t to drain. */
bool tasktab_paused(const struct task *t);
void tasktab_set_paused(struct task *t, bool paused);

/* Queues a frame for spawned task t until it connects (ownership
 * passes); counted in d->held until it leaves the queue. */
void tasktab_queue(struct pvmd *d, struct task *t, struct frame *f);

#endif
