/*
 * pvmd.h - the daemon's one state object.
 *
 * Everything the pvmd owns hangs off a single struct pvmd that is passed
 * explicitly to every function (STYLE.md 7); each table or transport keeps
 * its own state behind its own header.  The libuv loop in `loop' owns every
 * handle: connections, child processes, their output pipes, timers and
 * signals.
 */
#ifndef PVMD_PVMD_H
#define PVMD_PVMD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <uv.h>

#include "log.h"
#include "paths.h"

struct hosttab;
struct pending_tab;
struct proc;
struct tasktab;
struct xport;
struct xport_zmq;
struct xport_tran;
struct hostmgr;
struct group_tab;
struct ctxtab;
struct mbox_tab;

/* Which file a path named when this pvmd made it (docs/design.md "pvmd
 * notes"): the inode number alone is not enough, a removed file's number
 * is soon another file's. */
struct pvmd_file_id {
    dev_t dev;
    ino_t ino;
    struct timespec ctime;
    bool set;
};

/* What keeps a pvmd whole under abuse (docs/design.md "pvmd notes",
 * "Limits").  pvmd_init sets the defaults; at start main.c lets the
 * environment variables named here override them (pvmd_limits_from_env). */
struct pvmd_limits {
    size_t hold_task;  /* PVMD_HOLD_TASK: held for one task before its senders
                          pause (64 MiB); they go on below a quarter of it */
    size_t hold_total; /* PVMD_HOLD_TOTAL: held for all local tasks together
                          (256 MiB); past it, senders to a task holding more
                          than hold_floor pause */
    size_t hold_floor; /* a task below this never pauses its senders (1 MiB) */
    size_t log_max;    /* PVMD_LOG_MAX: pvmd.log moves to pvmd.log.1 past it (16 MiB) */
    unsigned hello_ms; /* PVMD_HELLO_TIMEOUT: ms a connection may take to say hello */
    size_t hello_max;  /* the largest frame before hello (64 KiB) */
    int fd_reserve;    /* PVMD_FD_RESERVE: descriptors spawn leaves free (32) */
    int tid_max;       /* PVMD_TID_MAX: the highest local part of a tid (TID_MAX_LOCAL;
                          smaller for tests of tids handed out again) */
    int ctx_max;       /* PVMD_CTX_MAX: the highest local part of a context (TID_MAX_LOCAL;
                          smaller for tests of contexts running out) */
    size_t mbox_bytes; /* PVMD_MBOX_MAX: bytes of class names and bodies the mailbox holds
                          (MBOX_MAX_BYTES) */
};

/* Tasks registered with pvm_reg_hoster / pvm_reg_tasker / pvm_reg_rm (0:
 * none; a registration lasts while its task is connected), and the debug
 * mask pvm_tickle reads and sets (daemon/regs.c). */
struct regs {
    int hoster, tasker, rm;
    int debugmask;
    /* Tasks handed to a tasker, and to which (0: its tasker has ended, the
     * task ends when it leaves PVM): a task is ended by its own tasker only,
     * and not left in the table for ever when that tasker is gone. */
    struct regs_handed {
        int tid, tasker;
    } *handed;
    size_t nhanded, caphanded;
};

struct pvmd {
    uv_loop_t *loop;

    /* identity */
    int myhost;       /* this host's number in the host table (1: the first host) */
    int mytid;        /* tid_pvmd(myhost) */
    uint64_t epoch;   /* this pvmd's start: a restarted pvmd is a new host (never 0) */
    const char *arch; /* PVM_ARCH (common/arch.h: arch_this) */
    char hostname[256];

    /* files (docs/design.md "One host") */
    char sockdir[PATHS_MAX];
    char sockpath[PATHS_MAX];
    char pidpath[PATHS_MAX];
    char pvm_root[4096]; /* PVM_ROOT given to children and used by spawn's search */
    int lock_fd;
    struct pvmd_file_id sock_id, pid_id; /* pvmd.sock and pvmd.pid as made */

    /* options */
    bool foreground; /* -f: no daemonizing, ready line on stdout */
    bool debug;      /* -d: detailed log */
    bool spawn_fast; /* posix_spawn + pidfd (spawn.c), else uv_spawn */
    struct pvmd_limits limits;

    struct pvmd_log log;

    /* tables */
    struct tasktab *tasks;
    struct hosttab *hosts;
    struct pending_tab *pending; /* forwarded requests (pending.c) */
    struct notify_tab *notify;   /* pvm_notify requests (notify.c) */
    struct proc *procs;          /* spawned processes (spawn.c) */
    struct group_tab *groups;    /* groups, barriers (group.c) */
    struct ctxtab *ctxs;         /* contexts held by this host's tasks (ctxtab.c), NULL until asked */
    struct mbox_tab *mbox;       /* the mailbox (mbox.c) */

    /* links of every transport (xport.h), the unix listener, the mesh */
    struct xport *links;
    uv_pipe_t listener;
    bool listening;
    uv_timer_t hello_timer; /* closes connections silent too long (xport_unix.c) */
    struct xport_zmq *mesh; /* the zmq transport's state (xport_zmq.c), NULL when not started */
    const struct xport_tran *mesh_tran; /* what dials other hosts' pvmds; NULL: nothing does */
    char mesh_addr[256];                /* this pvmd's mesh endpoint, "" before it listens */
    char direct_ip[64];                 /* the address tasks accept direct routes on, "" none */
    bool direct_sealed;                 /* the mesh is encrypted: so are direct routes */
    char exe[4096];                     /* this pvmd's executable (started again for new hosts) */
    struct hostmgr *hm;                 /* hosts being added, the table's version (hostmgr.c) */
    int spawn_next;                     /* where the next spread spawn starts (placement.c) */
    struct regs regs;                   /* registered hoster, tasker, rm; tickle's mask (regs.c) */

    /* the guardian of spawned tasks (guardian.c) */
    bool guard_on;
    int guard_fd;
    pid_t guard_pid;

    /* bytes held for local tasks (route.c: route_held_add/sub) */
    size_t held;         /* now: their links' write queues, frames waiting for them to enrol */
    size_t held_peak;    /* the most since memory was last given back */
    uint64_t trimmed_at; /* uv_now of the last malloc_trim, 0 never */
    uv_timer_t trim_timer;

    /* signals and halting */
    uv_signal_t sig_term, sig_int, sig_hup;
    uv_timer_t halt_timer;
    bool halting;
    int halt_stage; /* 0 running, 1 SIGTERM sent, 2 SIGKILL sent, 3 giving up */
};

/* Sets up d's tables for host number `host' on loop (d is zeroed by the
 * caller, options and identity may be set).  Returns 0 or PvmNoMem.  Used
 * by main and by the unit tests, which drive a pvmd without its files. */
int pvmd_init(struct pvmd *d, uv_loop_t *loop, int host);

/* Overrides d->limits with the PVMD_* variables of the environment that
 * are set (sizes in bytes, with an optional k, m or g; times in ms).  A
 * malformed value is logged and ignored. */
void pvmd_limits_from_env(struct pvmd *d);

/* Records in *id which file path names now (id->set false if none). */
void pvmd_file_id_take(const char *path, struct pvmd_file_id *id);

/* True while d's socket directory is still the one whose pvmd.lock d
 * holds (d->lock_fd): one removed and made again, by a second pvmd say, is
 * not d's any more. */
bool pvmd_dir_ours(struct pvmd *d);

/* Unlinks path only while the directory is d's and path still names the
 * file *id recorded.  Returns true if removed. */
bool pvmd_unlink_own(struct pvmd *d, const char *path, const struct pvmd_file_id *id);

/* Frees d's tables once the loop has ended. */
void pvmd_fini(struct pvmd *d);

/* Starts the orderly halt of docs/design.md (idempotent): no new tasks,
 * SIGTERM to every spawned task, SIGKILL after 2 s, every connection
 * flushed and closed, files removed, the loop ends.  `why' goes to the
 * log. */
void pvmd_halt(struct pvmd *d, const char *why);

/* Called whenever a process, connection or pipe goes away while halting:
 * ends the loop once nothing is left. */
void pvmd_halt_check(struct pvmd *d);

#endif
