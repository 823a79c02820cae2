/*
 * io.c - libpvm's one event loop.
 *
 * Every wait in libpvm (a receive, a control reply, a send whose socket is
 * full, pvm_exit collecting output) runs io_wait: poll() over the pvmd
 * connection, the listening socket for direct routes and every peer
 * connection; whatever arrives is read at once into the receive queue, so
 * two tasks writing large messages to each other both progress.
 *
 * A wait first spins with non-blocking polls for PvmPollTime microseconds
 * (a reply usually comes back within a round trip, and sleeping costs a
 * wake-up of tens of microseconds on another core), then sleeps in poll():
 * an idle task uses no CPU.
 *
 * Nothing but queueing happens inside a read: a message in libpvm's
 * reserved context goes to its handler through a table, and handlers (and
 * pvm_addmhf's message handlers, mhf.c) are parked and run from the top of
 * the loop.  A callback that receives therefore runs a wait of its
 * own without re-entering the reader of the connection it came from.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core.h"
#include "ctl.h"
#include "defs.h"
#include "enc.h"
#include "sock.h"
#include "tid.h"

int64_t io_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ======================================================================== */
/* The connection set                                                       */
/* ======================================================================== */

int io_add_conn(struct lpvm_core *core, struct conn *c)
{
    if (core->nconns == core->capconns) {
        int ncap = core->capconns ? core->capconns * 2 : 8;
        struct conn **n = realloc(core->conns, (size_t)ncap * sizeof *n);
        if (!n)
            return PvmNoMem;
        core->conns = n;
        core->capconns = ncap;
    }
    core->conns[core->nconns++] = c;
    core->pfds_dirty = true;
    return 0;
}

void io_close_conn(struct lpvm_core *core, struct conn *c)
{
    if (c->closed)
        return;
    /* Freed later by reap(): callers up the stack may still hold c. */
    c->closed = true;
    core->pfds_dirty = true;
    if (c == core->pvmd)
        core->dead = true;
    if (c->peer_tid) {
        struct peer *p = peer_find(&core->peers, c->peer_tid);
        if (p && p->conn == c) {
            p->conn = NULL;
            if (conn_is_tcp(c))
                direct_closed(core, p);
        }
    }
}

/* Frees the connections closed since the last pass. */
static void reap(struct lpvm_core *core)
{
    int j = 0;
    for (int i = 0; i < core->nconns; i++) {
        struct conn *c = core->conns[i];
        if (c->closed && c != core->pvmd && c->pins == 0)
            conn_destroy(&c);
        else
            core->conns[j++] = c;
    }
    if (j < core->nconns)
        core->pfds_dirty = true;
    core->nconns = j;
}

static int build_pfds(struct lpvm_core *core)
{
    int need = core->nconns + 2;
    if (need > core->cappfds) {
        struct pollfd *n = realloc(core->pfds, (size_t)need * sizeof *n);
        if (!n)
            return PvmNoMem;
        core->pfds = n;
        core->cappfds = need;
    }
    int k = 0;
    for (int i = 0; i < core->nconns; i++) {
        struct conn *c = core->conns[i];
        /* A closed connection keeps its slot (index = conns index) but is
         * not polled: a negative fd is ignored by poll. */
        core->pfds[k++] = (struct pollfd){.fd = c->closed ? -1 : c->fd, .events = POLLIN};
    }
    core->pfds[k++] = (struct pollfd){.fd = core->lfd, .events = POLLIN};
    core->pfds[k++] =
        (struct pollfd){.fd = core->tfd_paused_ns ? -1 : core->tfd, .events = POLLIN};
    core->npfds = k;
    core->pfds_dirty = false;
    return 0;
}

/* ======================================================================== */
/* Reserved contexts                                                        */
/* ======================================================================== */

/* What libpvm does with a message in its reserved context PVM_SYS_CTX, one
 * line per reserved tag (common/defs.h).  Each handler runs deferred
 * (io_defer), never inside the read that brought the message.  Slots the
 * later issues fill, each with a PVM_TAG_* of its own in common/defs.h:
 *
 *   notify    task and host events the library follows for itself (a
 *             group member's end); IO_AT_REST where they reach user code
 *   group     libgpvm3's collectives: barrier and bcast traffic, queued
 *             for the group library's own receive
 *   control   requests a pvmd makes of a task (e.g. a tickle, a trace
 *             setting), answered from here
 *
 * A tag without a line is dropped and counted: a newer peer's message, or
 * a bug; never a user's message. */
struct sys_handler {
    enum io_when when;
    io_defer_fn run;
};

static void peer_gone(struct lpvm_core *core, struct pmsg *m);

static const struct sys_handler sys_handlers[] = {
    [PVM_TAG_CATCHOUT] = {IO_ANY_WAIT, catchout_handle},   /* output for pvm_catchout */
    [PVM_TAG_SIBLINGS] = {IO_ANY_WAIT, task_api_siblings}, /* a spawn over several hosts */
    [PVM_TAG_GROUP] = {IO_ANY_WAIT, lgroup_notice},        /* a watched group changed */
    /* At rest only: it frees a peer entry, which a send in progress may hold. */
    [PVM_TAG_PEER_GONE] = {IO_AT_REST, peer_gone}, /* a task we talked to ended */
};

#define NSYS_HANDLERS ((int)(sizeof sys_handlers / sizeof sys_handlers[0]))

static const struct sys_handler *sys_handler(const struct pmsg *m)
{
    if (m->ctx != PVM_SYS_CTX || m->tag < 0 || m->tag >= NSYS_HANDLERS)
        return NULL;
    const struct sys_handler *h = &sys_handlers[m->tag];
    return h->run ? h : NULL;
}

static void sys_drop(struct lpvm_core *core, struct pmsg *m)
{
    core->sys_dropped++;
    if (lpvm_state.opt[PvmDebugMask])
        fprintf(stderr,
                "libpvm [t%x]: dropped a message in reserved context 0x%x, tag %d, from t%x\n",
                (unsigned)lpvm_state.mytid, (unsigned)m->ctx, m->tag, (unsigned)m->src);
    pmsg_destroy(&m);
}

/* ======================================================================== */
/* Deferred callbacks                                                       */
/* ======================================================================== */

struct io_deferred {
    struct io_deferred *next;
    enum io_when when;
    io_defer_fn fn;
    struct pmsg *m;
};

int io_defer(struct lpvm_core *core, enum io_when when, io_defer_fn fn, struct pmsg *m)
{
    struct io_deferred *d = malloc(sizeof *d);
    if (!d) {
        pmsg_destroy(&m);
        return PvmNoMem;
    }
    *d = (struct io_deferred){.when = when, .fn = fn, .m = m};
    if (core->dq_tail)
        core->dq_tail->next = d;
    else
        core->dq_head = d;
    core->dq_tail = d;
    return 0;
}

/* Unlinks and returns the first parked entry allowed to run now, or NULL.
 * One at a time: a callback may wait, and the nested wait runs the next
 * ones, so the queue is re-read after every callback. */
static struct io_deferred *defer_next(struct lpvm_core *core, bool at_rest)
{
    struct io_deferred *prev = NULL;
    for (struct io_deferred *d = core->dq_head; d; prev = d, d = d->next) {
        if (d->when == IO_AT_REST && !at_rest)
            continue;
        if (prev)
            prev->next = d->next;
        else
            core->dq_head = d->next;
        if (core->dq_tail == d)
            core->dq_tail = prev;
        return d;
    }
    return NULL;
}

/* Runs what is parked (the top of io_wait's loop: no read is under way). */
static void defer_run(struct lpvm_core *core, bool at_rest)
{
    struct io_deferred *d;
    while ((d = defer_next(core, at_rest))) {
        io_defer_fn fn = d->fn;
        struct pmsg *m = d->m;
        free(d);
        fn(core, m);
    }
}

void io_defer_drop_all(struct lpvm_core *core)
{
    while (core->dq_head) {
        struct io_deferred *d = core->dq_head;
        core->dq_head = d->next;
        pmsg_destroy(&d->m);
        free(d);
    }
    core->dq_tail = NULL;
}

/* ======================================================================== */
/* Arriving frames                                                          */
/* ======================================================================== */

void io_deliver(struct lpvm_core *core, struct pmsg *m)
{
    if (m->ctx >= PVM_SYS_CTX) {
        /* libpvm's own messages never reach the user's queue. */
        const struct sys_handler *h = sys_handler(m);
        if (!h)
            sys_drop(core, m);
        else if (io_defer(core, h->when, h->run, m) < 0)
            core->sys_dropped++; /* no memory: m is gone, but counted */
        return;
    }
    m->next = NULL;
    m->queued = true;
    if (core->rq_tail)
        core->rq_tail->next = m;
    else
        core->rq_head = m;
    core->rq_tail = m;
    core->rq_gen++;
    mhf_arrived(core, m);
}

static void deliver_cb(void *arg, struct pmsg *m)
{
    io_deliver(arg, m);
}

/* The first frame on an accepted connection names the peer. */
static int peer_hello(struct lpvm_core *core, struct conn *c, struct pmsg *m)
{
    ProtobufCMessage *pm = NULL;
    int cc = ctl_unpack(PVM__CTL_TYPE__CTL_PEER_HELLO, pmsg_body(m), m->len, &pm);
    if (cc < 0)
        return PvmBadMsg;
    Pvm__PeerHello *ph = (Pvm__PeerHello *)pm;
    if (ph->proto_version != CTL_PROTO_VERSION || !tid_is_task(ph->tid)) {
        ctl_free(&pm);
        return PvmBadVersion;
    }
    c->peer_tid = ph->tid;
    ctl_free(&pm);
    struct peer *p = io_peer(core, c->peer_tid);
    if (!p)
        return PvmNoMem;
    /* The connection works both ways: answer on it rather than making a
     * second one (unless we made ours already). */
    if (!p->conn)
        p->conn = c;
    return 0;
}

static int on_ctl(struct lpvm_core *core, struct conn *c, const struct wire_hdr *h, struct pmsg *m)
{
    int cc = 0;
    /* Only our pvmd answers our requests (before the hello tells us its
     * tid, whatever comes on its connection is its own). */
    if ((h->flags & WIRE_F_REPLY) && c == core->pvmd && core->await_wid &&
        h->wid == core->await_wid && !core->reply &&
        (!lpvm_state.pvmd_tid || h->src == lpvm_state.pvmd_tid)) {
        core->reply = m;
        return 0;
    }
    /* The answer to a route query of ours (direct.c takes it). */
    if ((h->flags & WIRE_F_REPLY) && c == core->pvmd && direct_on_reply(core, h, m))
        return 0;
    if (h->tag == PVM__CTL_TYPE__CTL_PEER_HELLO && c->kind == CONN_IN && !c->peer_tid &&
        !conn_is_tcp(c))
        cc = peer_hello(core, c, m);
    /* Anything else (a late reply, an unknown control type) is ignored:
     * a newer pvmd may send what this library does not know. */
    pmsg_destroy(&m);
    return cc;
}

static int on_frame(void *arg, struct conn *c, const struct wire_hdr *h, struct pmsg *m)
{
    struct lpvm_core *core = arg;
    if (h->flags & WIRE_F_CTL)
        return on_ctl(core, c, h, m);
    if (h->flags & WIRE_F_MCAST) {
        /* A destination list is for pvmds only: not a message for us. */
        pmsg_destroy(&m);
        return 0;
    }
    if (c != core->pvmd && h->src != c->peer_tid) {
        /* User frames before the peer's hello, or claiming to come from
         * another task than the one at the other end. */
        pmsg_destroy(&m);
        return PvmBadMsg;
    }
    /* libpvm's own context comes from a pvmd only, over our pvmd's
     * connection (which checks what tasks send): a task could forge
     * catchout output and stall our pvm_exit, or a sibling list. */
    bool from_pvmd = tid_is_pvmd(h->src) || h->src == WIRE_SRC_PVMD; /* notices: the latter */
    if (h->ctx >= PVM_SYS_CTX && (c != core->pvmd || !from_pvmd)) {
        sys_drop(core, m);
        return 0;
    }
    if ((h->flags & WIRE_F_NOSEQ) || h->seq == 0 || !tid_is_valid(h->src)) {
        io_deliver(core, m);
        return 0;
    }
    struct peer *p = io_peer(core, h->src);
    if (!p) {
        pmsg_destroy(&m);
        return PvmNoMem;
    }
    /* A direct connection from another host's task answers it too, once
     * a frame (sealed: under keys only the dialler can have) came on it. */
    if (!p->conn && c->kind == CONN_IN && conn_is_tcp(c))
        p->conn = c;
    if (p->gone_ns && h->seq == 1 && p->recv_next > 1) {
        /* A later task with an ended task's tid: it starts afresh, in
         * place (a send in progress may hold the entry). */
        while (p->held) {
            struct pmsg *old = p->held;
            p->held = old->next;
            pmsg_destroy(&old);
        }
        p->nheld = 0;
        p->recv_next = 1;
        p->gone_ns = 0;
        p->watched = false;
        io_peer(core, h->src); /* its end is to be told too */
    }
    peer_arrive(p, m, deliver_cb, core);
    return 0;
}

/* ======================================================================== */
/* Peers' ends                                                              */
/* ======================================================================== */

struct peer *io_peer(struct lpvm_core *core, int tid)
{
    struct peer *p = peer_get(&core->peers, tid);
    if (p && !p->watched && !p->watch_due && tid_is_task(tid) && tid != lpvm_state.mytid) {
        p->watch_due = true;
        core->watch_due++;
    }
    return p;
}

struct watch_list {
    int32_t *tids;
    size_t n;
};

static void take_due(struct peer *p, void *arg)
{
    struct watch_list *w = arg;
    if (!p->watch_due)
        return;
    p->watch_due = false;
    p->watched = true;
    w->tids[w->n++] = p->tid;
}

void io_watch_flush(struct lpvm_core *core)
{
    if (!core->watch_due || core->dead || core->exiting || core->reading ||
        conn_pending(core->pvmd))
        return;
    struct watch_list w = {malloc((size_t)core->watch_due * sizeof(int32_t)), 0};
    if (!w.tids)
        return;
    core->watch_due = 0;
    peer_each(&core->peers, take_due, &w);
    /* One-way: the pvmd's Status (wait id 0) is nobody's reply. */
    Pvm__NotifyRequest q = PVM__NOTIFY_REQUEST__INIT;
    q.what = PvmTaskExit;
    q.tag = PVM_TAG_PEER_GONE;
    q.ctx = PVM_SYS_CTX;
    q.tids = w.tids;
    q.n_tids = w.n;
    if (w.n)
        lpvm_post(core, PVM__CTL_TYPE__CTL_NOTIFY, &q.base, 0);
    free(w.tids);
}

/* Ended tasks' entries are kept this long after the notice: a message of
 * theirs that comes later (a killed task's last frames, still on their
 * way) still finds its sequence number. */
#define PEER_GONE_KEEP_NS (60 * 1000 * 1000 * 1000LL)

struct sweep {
    int64_t now;
    int *tids;
    size_t n, cap;
};

static void sweep_gone(struct peer *p, void *arg)
{
    struct sweep *s = arg;
    if (!p->gone_ns || s->now - p->gone_ns <= PEER_GONE_KEEP_NS)
        return;
    if (s->n == s->cap) {
        size_t ncap = s->cap ? 2 * s->cap : 16;
        int *n = realloc(s->tids, ncap * sizeof *n);
        if (!n)
            return; /* next time */
        s->tids = n;
        s->cap = ncap;
    }
    s->tids[s->n++] = p->tid;
}

/* A task we talked to has ended (our pvmd says so: only it sends from
 * PVM's pvmd tid).  What it sent before is in our sockets or comes
 * shortly: read what is there, deliver what it holds behind a gap
 * (nothing will fill it), and mark its entry ended.  A message numbered 1
 * to an ended entry is a later task with the same tid, which starts
 * afresh (io_peer_arrive); ended entries go after a minute, so the table
 * shrinks as tasks end. */
static void peer_gone(struct lpvm_core *core, struct pmsg *m)
{
    int tid = m->src == WIRE_SRC_PVMD && m->len >= 4 ? enc_get_int(pmsg_body(m)) : 0;
    pmsg_destroy(&m);
    struct peer *p = tid_is_task(tid) ? peer_find(&core->peers, tid) : NULL;
    if (!p)
        return;
    for (int i = 0; i < core->nconns; i++) {
        struct conn *c = core->conns[i];
        if (c->closed || c == core->pvmd || c->peer_tid != tid)
            continue;
        c->pins++;
        core->reading++;
        if (conn_read(c, on_frame, core) < 0)
            io_close_conn(core, c);
        core->reading--;
        c->pins--;
    }
    if ((p = peer_find(&core->peers, tid))) {
        while (p->held) {
            struct pmsg *h = p->held;
            p->held = h->next;
            p->nheld--;
            p->recv_next = h->seq + 1;
            h->next = NULL;
            io_deliver(core, h);
        }
        p->gone_ns = io_now_ns();
        /* What we send a later task with this tid is numbered from 1, and
         * never goes on a connection to this one. */
        p->sent_seq = 0;
        p->conn = NULL;
    }
    /* Entries ended long ago go now (found first: removal moves entries). */
    struct sweep s = {.now = io_now_ns()};
    peer_each(&core->peers, sweep_gone, &s);
    for (size_t k = 0; k < s.n; k++)
        peer_del(&core->peers, s.tids[k]);
    free(s.tids);
}

static void accept_peers(struct lpvm_core *core)
{
    for (;;) {
        int fd;
        int cc = sock_accept_unix(core->lfd, &fd); /* our own user's only */
        if (cc == PvmDenied)
            continue;
        if (cc <= 0)
            return;
        struct conn *c = conn_new_unix(fd, CONN_IN);
        if (!c)
            continue;
        if (io_add_conn(core, c) < 0)
            conn_destroy(&c);
    }
}

/* ======================================================================== */
/* The loop                                                                 */
/* ======================================================================== */

/* Handles what one poll() reported.  Sets *writable when wconn can take
 * more bytes. */
static void handle(struct lpvm_core *core, int n, struct conn *wconn, bool *writable)
{
    int nc = core->npfds - 2; /* conns polled; then the two listeners */
    for (int i = 0; i < nc && n > 0; i++) {
        short re = core->pfds[i].revents;
        if (!re)
            continue;
        n--;
        struct conn *c = core->conns[i];
        if (c->closed)
            continue;
        if (c == wconn && (re & POLLOUT))
            *writable = true;
        else if ((re & POLLOUT) && conn_flush(c) < 0) {
            /* Bytes of its own (a handshake) went out, or could not. */
            io_close_conn(core, c);
            continue;
        }
        if (re & (POLLIN | POLLHUP | POLLERR)) {
            /* A frame handler may wait in turn (and reap): keep c. */
            c->pins++;
            core->reading++;
            int cc = conn_read(c, on_frame, core);
            core->reading--;
            if (cc < 0)
                io_close_conn(core, c);
            c->pins--;
        }
    }
    if (core->lfd >= 0 && (core->pfds[nc].revents & POLLIN))
        accept_peers(core);
    if (core->tfd >= 0 && (core->pfds[nc + 1].revents & POLLIN))
        direct_accept(core);
}

int io_wait(struct lpvm_core *core, io_done_fn done, void *arg, int64_t deadline_ns,
            struct conn *wconn)
{
    bool writable = true; /* try the write once before polling for room */
    bool polled = false;
    bool writing = wconn != NULL; /* even once the frame is out: see io_when */
    int64_t spin_end = -1;
    for (;;) {
        /* Callbacks first, so that done() sees what they did and nothing
         * read in the last pass is left parked when the wait returns. */
        if (core->dq_head)
            defer_run(core, !writing && !core->await_wid && !core->sending);
        io_watch_flush(core);
        reap(core);
        if (core->tfd_paused_ns && io_now_ns() >= core->tfd_paused_ns) {
            core->tfd_paused_ns = 0;
            core->pfds_dirty = true;
        }
        /* Overdue direct handshakes close even in a long wait. */
        int64_t hs_due = core->handshakes ? direct_tick(core) : -1;
        if (wconn) {
            if (wconn->closed)
                return PvmSysErr;
            if (writable) {
                int cc = conn_flush(wconn);
                if (cc < 0) {
                    io_close_conn(core, wconn);
                    return PvmSysErr;
                }
                writable = false;
                if (cc == 1)
                    wconn = NULL;
            }
        }
        if (done && done(core, arg))
            return 1;
        if (!done && !wconn && polled)
            return 1; /* a write-only wait */
        if (core->dead)
            return PvmSysErr;

        int64_t now = io_now_ns();
        int64_t wait_ns; /* -1: block */
        if (deadline_ns == 0) {
            if (polled)
                return 0;
            wait_ns = 0;
        } else {
            if (spin_end < 0)
                spin_end = now + (int64_t)lpvm_state.opt[PvmPollTime] * 1000;
            if (deadline_ns != IO_FOREVER && now >= deadline_ns)
                return 0;
            if (now < spin_end)
                wait_ns = 0;
            else
                wait_ns = deadline_ns == IO_FOREVER ? -1 : deadline_ns - now;
            /* ... and a paused listener is polled again when its pause is over. */
            int64_t other = hs_due;
            if (core->tfd_paused_ns && (other < 0 || core->tfd_paused_ns - now < other))
                other = core->tfd_paused_ns - now;
            if (other >= 0 && (wait_ns < 0 || other < wait_ns))
                wait_ns = other < 0 ? 0 : other;
        }

        if (core->pfds_dirty && build_pfds(core) < 0)
            return PvmNoMem;
        for (int i = 0; i < core->npfds; i++)
            core->pfds[i].events = POLLIN;
        /* Connections with bytes to write that no wait is writing (a
         * direct route's handshake) are written as they take them. */
        for (int i = 0; i < core->nconns; i++)
            if (!core->conns[i]->closed && core->conns[i] != wconn && conn_pending(core->conns[i]))
                core->pfds[i].events |= POLLOUT;
        if (wconn) {
            for (int i = 0; i < core->nconns; i++)
                if (core->conns[i] == wconn)
                    core->pfds[i].events |= POLLOUT;
        }
        struct timespec ts, *tp = NULL;
        if (wait_ns >= 0) {
            ts.tv_sec = wait_ns / 1000000000;
            ts.tv_nsec = wait_ns % 1000000000;
            tp = &ts;
        }
        int n = ppoll(core->pfds, (nfds_t)core->npfds, tp, NULL);
        polled = true;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return PvmSysErr;
        }
        int nconns = core->nconns;
        if (n > 0)
            handle(core, n, wconn, &writable);
        else if (wait_ns == 0 && deadline_ns != 0)
            /* Spinning: let a task sharing this core (perhaps the one we
             * wait for) run instead of burning our time slice. */
            sched_yield();
        /* A connection accepted in this pass may hold a peer's first
         * message already: a one-look wait (pvm_nrecv, pvm_probe) reads it
         * too rather than answer that nothing came. */
        if (deadline_ns == 0 && core->nconns > nconns)
            polled = false;
    }
}

/* ======================================================================== */
/* Sending a frame                                                          */
/* ======================================================================== */

static bool frame_written(struct lpvm_core *core, void *arg)
{
    (void)core;
    struct conn *c = arg;
    return !c->closed && !conn_pending(c);
}

static int finish_send(struct lpvm_core *core, struct conn *c)
{
    int cc = conn_flush(c);
    if (cc == 1)
        return 0;
    /* The wait reads every connection, c too: if its peer hangs up, c is
     * closed there, and must outlive the wait for us to look at it. */
    c->pins++;
    if (cc == 0)
        cc = io_wait(core, frame_written, c, IO_FOREVER, c);
    if (cc != 1)
        io_close_conn(core, c);
    c->pins--;
    return cc == 1 ? 0 : PvmSysErr;
}

int io_send_frame(struct lpvm_core *core, struct conn *c, const struct wire_hdr *hdr,
                  struct pmsg *m)
{
    if (!c || c->closed)
        return PvmSysErr;
    int cc = conn_start_msg(c, hdr, m);
    if (cc < 0)
        return cc;
    return finish_send(core, c);
}

int io_send_frame_pre(struct lpvm_core *core, struct conn *c, const struct wire_hdr *hdr,
                      const void *pre, size_t plen, struct pmsg *m)
{
    if (!c || c->closed)
        return PvmSysErr;
    int cc = conn_start_msg_pre(c, hdr, pre, plen, m);
    if (cc < 0)
        return cc;
    return finish_send(core, c);
}

int io_send_buf(struct lpvm_core *core, struct conn *c, const struct wire_hdr *hdr, const void *buf,
                size_t len)
{
    if (!c || c->closed)
        return PvmSysErr;
    int cc = conn_start_buf(c, hdr, buf, len);
    if (cc < 0)
        return cc;
    return finish_send(core, c);
}
