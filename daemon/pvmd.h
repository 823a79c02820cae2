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

    /* options */
    bool foreground; /* -f: no daemonizing, ready line on stdout */
    bool debug;      /* -d: detailed log */
    bool spawn_fast; /* posix_spawn + pidfd (spawn.c), else uv_spawn */

    struct pvmd_log log;

    /* tables */
    struct tasktab *tasks;
    struct hosttab *hosts;
    struct pending_tab *pending; /* forwarded requests (pending.c) */
    struct proc *procs;          /* spawned processes (spawn.c) */
    struct group_tab *groups;    /* groups, barriers (group.c) */

    /* links of every transport (xport.h), the unix listener, the mesh */
    struct xport *links;
    uv_pipe_t listener;
    bool listening;
    struct xport_zmq *mesh; /* the zmq transport's state (xport_zmq.c), NULL when not started */
    const struct xport_tran *mesh_tran; /* what dials other hosts' pvmds; NULL: nothing does */
    char mesh_addr[256];                /* this pvmd's mesh endpoint, "" before it listens */
    char exe[4096];                     /* this pvmd's executable (started again for new hosts) */
    struct hostmgr *hm;                 /* hosts being added, the table's version (hostmgr.c) */
    int spawn_next;                     /* where the next spread spawn starts (placement.c) */

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
