/*
 * conn.h - a local task's connection to the pvmd (Unix stream socket).
 *
 * The transport for tasks of this host: a uv_pipe_t accepted on pvmd.sock,
 * checked with SO_PEERCRED, read by an incremental frame reader (header,
 * then the payload straight into one allocation) and written through a
 * queue of uv_write requests, so a task that does not read never blocks
 * the daemon.  Frames read go to route_from_conn.
 */
#ifndef PVMD_CONN_H
#define PVMD_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "frame.h"
#include "wire.h"
#include "xport.h"

struct pvmd;

struct conn {
    struct xport x; /* first: the routing step sees only this */
    struct pvmd *d;
    uv_pipe_t pipe;
    struct conn *next, *prev; /* in d->conns */

    /* who is on the other end */
    pid_t peer_pid; /* SO_PEERCRED */
    uid_t peer_uid;
    int tid;     /* 0 until CTL_HELLO succeeded */
    bool exited; /* sent CTL_EXIT: later frames are refused */

    /* reader: a header being collected, then the frame being filled */
    uint8_t hdrbuf[WIRE_HDR_LEN];
    size_t hdr_got;
    struct frame *rf;
    uint64_t pay_got;

    /* writer */
    size_t wq_frames; /* frames handed to uv_write and not yet done */
    size_t wq_bytes;  /* their bytes */
    int blocked_on;   /* reading paused until this task drains (route.c) */
    bool closing;
    bool shutting; /* flushing before a close (halt) */
    uv_shutdown_t sreq;
};

/* Starts listening on d->sockpath.  Returns 0 or PvmSysErr (logged). */
int conn_listen(struct pvmd *d);

/* Stops accepting tasks (halt). */
void conn_unlisten(struct pvmd *d);

/* Closes c now (queued frames are dropped), tells the task table, logs
 * `why' when not NULL.  Idempotent; c is freed later by libuv's close
 * callback, so it stays valid until the loop runs again. */
void conn_close(struct conn *c, const char *why);

/* Closes c once the frames already queued are written (halt). */
void conn_shutdown(struct conn *c);

/* Stops reading c until conn_resume: its frames go to a task that is
 * behind (route.c).  The sender then waits in its own write. */
void conn_pause(struct conn *c, int blocked_on);

/* Reads c again after conn_pause. */
void conn_resume(struct conn *c);

#endif
