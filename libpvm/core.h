/*
 * core.h - libpvm's per-process state (struct lpvm), its connection state
 * (struct lpvm_core) and the calls the core's files (lpvm.c, io.c, send.c,
 * recv.c, task_api.c, opt.c, catchout.c) make of one another.  Not
 * installed; nothing here is exported (lpvm.h is the private interface).
 *
 * Layout of the machinery:
 *
 *   conn.c     one connection: frame reader and writer behind an ops table
 *   conn_tcp.c the TCP transport of direct routes across hosts: handshake, sealing
 *   peer.c     per-tid state: direct connection, sequence numbers, held frames
 *   direct.c   direct routes across hosts: listener, route queries, admission
 *   io.c       the one event loop: poll, accept, read, deliver (reserved-context
 *              table, deferred callbacks), progress writes
 *   lpvm.c     enrolment (hello), control requests, pvm_exit, teardown
 *   send.c     route choice and the send calls
 *   recv.c     matching and the receive calls
 *
 * Single-threaded, as PVM's libpvm is.
 */
#ifndef PVM_CORE_H
#define PVM_CORE_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <protobuf-c/protobuf-c.h>

#include "conn.h"
#include "conn_tcp.h"
#include "ctl.h"
#include "lpvm.h"
#include "paths.h"
#include "peer.h"
#include "pmsg.h"

/* Default spin before sleeping in a receive (PvmPollTime), microseconds:
 * covers a round trip to a task on the other core, so ping-pong never pays
 * a wake-up, and is short enough not to matter to an idle task. */
#define LPVM_SPIN_US 200

#define LPVM_NOPT 32 /* pvm_setopt option numbers are 1..25 */

/* PVM's API forces one implicit state per process; all of it lives in the
 * single struct lpvm below (STYLE.md 7). */
struct lpvm {
    /* message buffers (pmsg.c) */
    int sbuf; /* active send buffer id, 0 if none */
    int rbuf; /* active receive buffer id, 0 if none */

    /* options (opt.c); indexed by PvmRoute ... PvmNoReset */
    int opt[LPVM_NOPT];

    /* identity (lpvm.c) */
    int mytid;    /* 0 until enrolled */
    int parent;   /* parent's tid or PvmNoParent */
    int pvmd_tid; /* this host's pvmd */

    /* receiving (recv.c) */
    int ctx;                                   /* current context: sent with, matched by receives */
    int (*recvf)(int bufid, int tid, int tag); /* pvm_recvf's matcher, NULL: default */

    /* message handlers (mhf.c): pvm_addmhf's table, by slot (a handler's
     * id is its slot + MHF_FIRST_ID; a free slot has no func) */
    struct mhf *mhf;
    int nmhf, capmhf; /* slots used so far, allocated */
    int mhf_live;     /* handlers installed */
    int mhf_running;  /* > 0 while a handler runs: handlers never nest */

    /* everything about talking to the pvmd and other tasks (lpvm.c) */
    struct lpvm_core *core;
};

/* The one instance (state.c). */
extern struct lpvm lpvm_state;

struct lpvm_core {
    pid_t pid;               /* process that enrolled (fork check) */
    char sockdir[PATHS_MAX]; /* this host's socket directory */
    char lpath[PATHS_MAX];   /* our t<tid>.sock, "" if not listening */
    int lfd;                 /* listening socket for direct routes, or -1 */
    struct conn *pvmd;       /* connection to the pvmd (also conns[0]) */
    bool dead;               /* the pvmd connection is gone */
    int64_t alive_checked;   /* when lpvm_core_get last looked at it */

    struct conn **conns; /* every open connection, pvmd first */
    int nconns, capconns;
    struct pollfd *pfds; /* poll set: conns in order, then lfd, then tfd */
    int npfds, cappfds;
    bool pfds_dirty; /* conns changed since pfds was built */

    struct peer_tab peers;

    /* direct routes across hosts (direct.c) */
    int tfd;                                /* TCP listener, or -1 */
    uint8_t dkey[CTL_DIRECT_KEY_LEN];       /* our secret, from the hello reply */
    bool dsealed;                           /* the machine seals direct routes */
    struct conn_tcp_policy dpol;            /* who may connect (conn_tcp.h) */
    struct direct_wait *dwait;              /* route queries out: wid -> tid */
    int ndwait, capdwait;
    unsigned direct_refused;                /* connections refused at the handshake */
    int64_t tfd_paused_ns;                  /* tfd not polled before this (out of descriptors) */
    bool handshakes;                        /* direct handshakes may be under way (direct_tick) */
    int64_t looked_ns;                      /* the last look from inside a send (direct.c) */
    bool drained;                           /* direct_drain has run */
    int sending;                            /* > 0: inside a send: no at-rest callback */
    int watch_due;                          /* peers whose end is still to be asked for */
    bool exiting;                           /* pvm_exit has begun: no more requests */

    struct pmsg *rq_head, *rq_tail; /* delivered user messages, arrival order */
    unsigned rq_gen;                /* bumped on every delivery */

    /* messages parked for a callback (io_defer), run from the top of
     * io_wait's loop, never inside a read */
    struct io_deferred *dq_head, *dq_tail;
    int reading;          /* > 0 while conn_read runs (frames are being delivered) */
    unsigned sys_dropped; /* reserved-context messages dropped: no handler, or no memory */
    bool mhf_parked;      /* a run of message handlers is parked (mhf.c) */

    int next_wid;       /* wid of the next control request */
    int await_wid;      /* wid of the request being waited for, 0 none */
    struct pmsg *reply; /* its reply, once arrived */

    int *siblings; /* from the hello reply */
    int nsiblings;
    bool sib_pending; /* spawned over several hosts: the whole list is still to come */
    bool sib_final;   /* the whole list has come (it may come before the hello is applied) */
    char arch[32];

    /* pvm_catchout: where lines go, and the children whose END is due */
    FILE *catch_fp;
    int *catch_tids; /* tid: END awaited; -tid: END seen */
    int ntids, captids;
    int ncatch; /* how many ENDs are awaited */

    /* storage handed to the caller by pvm_tasks, pvm_config, pvm_getfds,
     * valid until the next such call or pvm_exit (as in PVM) */
    struct pvmtaskinfo *tasks;
    int ntasks;
    struct pvmhostinfo *hosts;
    int nhosts;
    char **host_addrs; /* the mesh address of each of hosts[], for lpvm_host_addr */
    int *fds;
    /* why each host of the last pvm_addhosts failed ("" if it did not),
     * for lpvm_host_why */
    char **host_why;
    int nhost_why;
};

/* ---- lpvm.c ------------------------------------------------------------- */

/* Enrolls the process if needed and returns its tid (> 0), or a negative
 * Pvm error (PvmSysErr: no pvmd).  Prints nothing. */
int lpvm_enroll(void);

/* Enrolls the process if it is not yet (PVM's implicit enrolment in every
 * call) and sets *out to the core.  Returns 0, or PvmSysErr (no pvmd,
 * refused), PvmBadVersion, PvmDenied, PvmNoMem.  Once the pvmd is lost
 * every call gets PvmSysErr until pvm_exit (no silent new tid); a forked
 * child enrolls afresh. */
int lpvm_core_get(struct lpvm_core **out);

/* Sends control request `type' with message req (NULL: Empty) to the pvmd
 * and waits for its reply, queueing user messages meanwhile.  On success
 * *reply is the unpacked reply (free with ctl_free) of type reply_type.
 * Returns 0, PvmSysErr (the pvmd went away), PvmBadMsg (a reply of another
 * type or malformed), PvmNoMem. */
int lpvm_request(struct lpvm_core *c, int type, const ProtobufCMessage *req, int reply_type,
                 ProtobufCMessage **reply);

/* Returns a new wait id for a control request. */
int lpvm_new_wid(struct lpvm_core *c);

/* Sends control message `type' with req (NULL: Empty) to the pvmd
 * without waiting, under wait id wid (lpvm_new_wid; the reply comes to
 * io.c's on_ctl like any frame), or 0 for a message without a reply
 * (CTL_DIRECT_PORT).  Returns 0, PvmSysErr, PvmNoMem. */
int lpvm_post(struct lpvm_core *c, int type, const ProtobufCMessage *req, int wid);

/* lpvm_request for requests answered by Status: returns its code (>= 0
 * or a negative Pvm error), or the transport error. */
int lpvm_request_status(struct lpvm_core *c, int type, const ProtobufCMessage *req);

/* Closes every connection, removes our socket, frees queued messages and
 * the core; lpvm_state forgets the tid.  Registered buffers survive. */
void lpvm_core_teardown(void);

/* Connects to the pvmd listening in sockdir (blocking connect, then a
 * non-blocking socket in *fd).  Returns 0, or PvmSysErr when none answers. */
int lpvm_connect_pvmd(const char *sockdir, int *fd);

/* ---- direct.c ------------------------------------------------------------ */

/* After enrolment: keeps our secret and listens on the host's address
 * for direct routes from other hosts, telling the pvmd the port.  Failure
 * is not fatal: peers then reach us through the pvmds. */
void direct_listen(struct lpvm_core *c, const Pvm__HelloReply *r);

/* Accepts what waits on the TCP listener. */
void direct_accept(struct lpvm_core *c);

/* p is a task of another host without a direct connection: asks the pvmd
 * for a route (no wait; the message at hand goes through the pvmds),
 * unless a query is out or the last attempt failed recently. */
void direct_want(struct lpvm_core *c, struct peer *p);

/* p->conn may carry a frame now: not a direct TCP connection whose
 * handshake is still under way (which this moves on without waiting, and
 * closes when overdue). */
bool direct_usable(struct lpvm_core *c, struct peer *p);

/* Takes a reply frame from the pvmd if it answers one of our route
 * queries (ownership of m passes), connecting when it gives a route.
 * Returns false, keeping nothing, for any other frame. */
bool direct_on_reply(struct lpvm_core *c, const struct wire_hdr *h, struct pmsg *m);

/* Closes handshakes that are overdue (5 s), dialled or accepted; returns
 * the ns until the next one is due, or -1 when none is under way.  io.c
 * runs it while core->handshakes says there may be some. */
int64_t direct_tick(struct lpvm_core *c);

/* Ends every direct TCP route gracefully before the task leaves (at most
 * 2 s in all): its end of stream, then until each peer has taken all we
 * sent (conn_tcp.h).  Once per process (pvm_exit, or exit()). */
void direct_drain(struct lpvm_core *c);

/* A direct TCP connection of p's closed: the next attempt waits. */
void direct_closed(struct lpvm_core *c, struct peer *p);

/* Closes the listener and forgets the secret (teardown). */
void direct_fini(struct lpvm_core *c);

/* ---- io.c ---------------------------------------------------------------- */

/* Adds c (owned by the core from now on) to the poll set.  PvmNoMem. */
int io_add_conn(struct lpvm_core *core, struct conn *c);

/* Closes and forgets c; the peer that used it loses its direct route. */
void io_close_conn(struct lpvm_core *core, struct conn *c);

/* Returns true when the wait is over. */
typedef bool (*io_done_fn)(struct lpvm_core *core, void *arg);

#define IO_FOREVER INT64_MAX

/* Runs the event loop until done() says so, the monotonic clock passes
 * deadline_ns (IO_FOREVER: never; 0: one non-blocking pass), or the pvmd
 * connection is lost.  Spins for PvmPollTime microseconds before sleeping.
 * If wconn is given its pending frame is written as the socket allows.
 * Returns 1 when done, 0 at the deadline, PvmSysErr when the pvmd is gone
 * (done() is checked first, so arrived messages are still seen). */
int io_wait(struct lpvm_core *core, io_done_fn done, void *arg, int64_t deadline_ns,
            struct conn *wconn);

/* Writes the frame (hdr and payload m, or hdr alone if m is NULL) on c,
 * progressing every other connection while the socket is full.  Returns
 * 0, or PvmSysErr when c failed (c is closed then; for the pvmd's
 * connection the core is marked dead). */
int io_send_frame(struct lpvm_core *core, struct conn *c, const struct wire_hdr *hdr,
                  struct pmsg *m);

/* Same with plen bytes at pre before m's body (a multicast's list). */
int io_send_frame_pre(struct lpvm_core *core, struct conn *c, const struct wire_hdr *hdr,
                      const void *pre, size_t plen, struct pmsg *m);

/* Same for a payload in a plain buffer (control messages). */
int io_send_buf(struct lpvm_core *core, struct conn *c, const struct wire_hdr *hdr, const void *buf,
                size_t len);

/* The entry of tid (peer_get), which our pvmd will tell us the end of
 * (PvmTaskExit in PVM_SYS_CTX, PVM_TAG_PEER_GONE, asked by
 * io_watch_flush): then its held messages are delivered and the entry
 * goes, so a later task with the same tid starts afresh.  NULL: no memory. */
struct peer *io_peer(struct lpvm_core *core, int tid);

/* Asks the pvmd, in one request, for the ends of the tasks io_peer met
 * since; only where a control frame may be written (no frame pending on
 * the pvmd's connection, not inside a read). */
void io_watch_flush(struct lpvm_core *core);

/* Delivers an arrived message (takes ownership): a user message joins the
 * receive queue; one in a reserved context (ctx >= PVM_SYS_CTX) goes to its
 * handler in io.c's table by tag, parked with io_defer; a reserved message
 * no handler claims is counted in sys_dropped (and reported under
 * PvmDebugMask) and dropped, never queued for the user.  Runs no callback
 * itself: it is called inside conn_read (and by a send to oneself). */
void io_deliver(struct lpvm_core *core, struct pmsg *m);

/* A callback for a parked message; consumes m. */
typedef void (*io_defer_fn)(struct lpvm_core *core, struct pmsg *m);

/* Where a parked callback may run.  Both run at the top of io_wait's loop,
 * outside any read, so they may receive and wait in turn (the nested wait
 * runs later callbacks, in order). */
enum io_when {
    /* At the top of every wait: library code that sends nothing and
     * issues no control request (catchout's printing). */
    IO_ANY_WAIT,
    /* Only in a wait at rest: not writing a frame (its connection must
     * not get a second one) and not awaiting a control reply (the core
     * awaits one at a time).  For user code: message handlers
     * (pvm_addmhf) and notifications, which may send and request. */
    IO_AT_REST,
};

/* Parks m for fn, to run from the top of io_wait's loop as `when' allows,
 * in the order parked.  Takes ownership of m; returns 0, or PvmNoMem (m is
 * freed then). */
int io_defer(struct lpvm_core *core, enum io_when when, io_defer_fn fn, struct pmsg *m);

/* Frees every parked message without running its callback (teardown). */
void io_defer_drop_all(struct lpvm_core *core);

/* Monotonic clock in nanoseconds. */
int64_t io_now_ns(void);

/* ---- recv.c ---------------------------------------------------------------- */

/* Drops every queued message, parked ones included (teardown). */
void recv_drop_all(struct lpvm_core *core);

/* Takes queued message m out of the receive queue (it stays m's caller's). */
void recv_unlink(struct lpvm_core *core, struct pmsg *m);

/* ---- mhf.c ------------------------------------------------------------------- */

/* User message m has just joined the receive queue (io_deliver: inside a
 * read, so nothing runs here).  When a message handler (pvm_addmhf) matches
 * it, it is marked for the handler, which no receive then takes, and a run
 * of the handlers is parked for the next wait at rest (IO_AT_REST). */
void mhf_arrived(struct lpvm_core *core, struct pmsg *m);

/* Where PVM's library also calls message handlers: in the calls that talk
 * to the pvmd or send, not only in receives.  With handlers installed, one
 * look at the sockets, which runs the handlers due when the core is at rest
 * and in a user context (never inside libgpvm3's own traffic). */
void mhf_point(struct lpvm_core *core);

/* Removes every message handler (pvm_exit, as PVM 3.4.6 does). */
void mhf_clear(void);
/* Frees the active receive buffer and makes m (registered here if it is
 * not yet) the new one, as a receive does.  Returns its id, or PvmNoMem
 * (m is freed then). */
int recv_make_active(struct pmsg *m);

/* ---- catchout.c ----------------------------------------------------------- */

/* Decodes output message m (common/outmsg.h) as lpvm_output_parse does. */
int catchout_parse(struct pmsg *m, int *tid, const char **bytes, int *n);

/* Handles an output message (PVM_SYS_CTX, PVM_TAG_CATCHOUT): prints it on
 * the catchout file; consumes m.  io.c's reserved-context table runs it
 * (IO_ANY_WAIT). */
void catchout_handle(struct lpvm_core *core, struct pmsg *m);

/* Records that child tid's output is collected (its END is awaited). */
void catchout_expect(struct lpvm_core *core, int tid);

/* Takes the whole sibling list a pvmd sends a task spawned over several
 * hosts (PVM_SYS_CTX, PVM_TAG_SIBLINGS; task_api.c).  Consumes m. */
void task_api_siblings(struct lpvm_core *core, struct pmsg *m);

/* Forgets every cached group (teardown: a new enrolment may get the same
 * tid in another virtual machine; lgroup.c). */
void lgroup_forget(void);

/* Takes a group-change notice (PVM_SYS_CTX, PVM_TAG_GROUP; lgroup.c). */
void lgroup_notice(struct lpvm_core *core, struct pmsg *m);

/* Frees what the last pvm_addhosts kept (host_api.c). */
void host_api_free(struct lpvm_core *core);

/* Frees the tables pvm_tasks and pvm_config returned last (task_api.c). */
void task_api_free_tables(struct lpvm_core *core);

/* Waits until every expected child's output has ended (pvm_exit). */
void catchout_drain(struct lpvm_core *core);

/* lpvm_err's report (errors.c) for any code, 0 included: PVM 3.4.6
 * prints "Error 0" where it refuses a value without an error code. */
void lpvm_report(const char *fn, int code);

/* ---- opt.c ------------------------------------------------------------------ */

/* Sends the task's own output settings (PvmSelfOutput*) to the pvmd. */
int opt_push_self_output(struct lpvm_core *core);

/* ---- mbox_api.c ------------------------------------------------------------- */

/* pvm_setopt(PvmNoReset, v) just stored v: puts this task's tid in the
 * PVMNORESETCLASS mailbox class (v != 0) or takes it out.  Returns 0 or a
 * negative Pvm error. */
int mbox_api_noreset(int what);

/* Forgets this enrolment's noreset entry (teardown). */
void mbox_api_forget(void);

/* The destination a pvmd is told for output or trace option value v:
 * PVM 3.4.6 takes any value, the pvmd only a tid; a value that is no
 * tid sends nowhere, as 0 does (to the pvmd's log). */
int opt_dest_tid(int v);

#endif
