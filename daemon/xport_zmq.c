/*
 * xport_zmq.c - the "zmq" transport: the mesh between pvmds (see
 * xport_zmq.h for the topology, the link protocol and what it costs).
 *
 * libzmq inside libuv, as ../shared/FACTS.md measured it must be: ZMQ_FD
 * is edge-triggered, so every socket is drained until EAGAIN (in bounded
 * batches) after every wake-up, ZMQ_EVENTS is read again after every send
 * and receive, and a socket that may still hold messages is marked
 * pending: a uv_check_t drains pending sockets after each loop turn and a
 * uv_prepare_t keeps a uv_idle_t running while any is pending, so the loop
 * never blocks with work left inside libzmq.
 *
 * The mesh's security (CurveZMQ or plain, the ZAP handler, the monitor
 * that counts refused strangers) is mesh_guard.c's; the state the two
 * share is in xport_zmq_int.h.
 */
#include "xport_zmq.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "ctl.h"
#include "frame.h"
#include "mesh_guard.h"
#include "pvm3.h"
#include "pvmd.h"
#include "pvmerr.h"
#include "tid.h"
#include "wire.h"
#include "xport_zmq_int.h"

/* Time a socket keeps trying to deliver what is queued when it is closed:
 * never 0 (FACTS.md: LINGER=0 discards queued messages silently), and
 * bounded because zmq_ctx_term waits for it. */
#define MESH_LINGER_MS 1000
/* Nothing received for this long: the link is down, and its host is lost
 * (a first host lost ends the others).  A host whose pvmd died, froze or
 * was cut off is thus seen within 2 s (tick included), while six
 * heartbeats in a row must go missing first: a pvmd stalled by its own
 * loop (a big copy) does not count its stall, and until the time-out a
 * link keeps its sequence state and libzmq reconnects underneath. */
#define MESH_TIMEOUT_MS 1500
/* A halting pvmd waits at most this long for a silent peer (which has
 * most likely halted too) before it lets the link go. */
#define MESH_HALT_WAIT_MS 500
#define MESH_PING_MS 250 /* nothing sent for this long: send a heartbeat */
/* Unacknowledged bytes a dialled link may have in flight (at least one
 * frame whatever its size): bounds what a peer holds for us and what we
 * resend after a reconnect. */
#define MESH_WINDOW ((size_t)16 << 20)
/* Parts of one message: routing id, link part, header, and the payload's
 * parts (MESH_PART_MAX each) of the largest frame there can be. */
#define MESH_MAX_PARTS (3 + (int)(WIRE_MAX_PAYLOAD / MESH_PART_MAX))
#define MESH_FEW_PARTS 8 /* parts a message is taken into before it needs more room */
/* A connection that has not finished its ZMTP / CURVE handshake by then
 * is dropped (libzmq's default is 30 s): a stranger holding connections
 * open costs little, but not for long. */
#define MESH_HANDSHAKE_MS 10000

/* A payload shared between our resend queue and libzmq (zero copy): the
 * last of the two to let go frees it.  libzmq lets go on its I/O thread,
 * where only the atomic decrement and free() run. */
struct zref {
    atomic_int refs;
    uint8_t *buf;
};

/* A frame on a link's send side: waiting to go, or gone and not yet
 * acknowledged. */
struct zout {
    struct zout *next;
    struct frame *f; /* its payload moved to ref */
    struct zref *ref;
    uint64_t seq;
};

struct zq {
    struct zout *head, *tail;
    size_t n;
    size_t bytes;
};

struct zlink {
    struct xport x; /* first: the daemon sees only this */
    struct xport_zmq *m;
    struct zlink *next, *prev; /* in m->links until freed */

    /* dialled: its own DEALER; accepted: the routing id on the ROUTER */
    void *sock;
    uv_poll_t poll;
    uint8_t rid[255];
    size_t ridlen;
    bool hello_done; /* the link protocol runs (accepted links: always) */

    /* sending */
    struct zq unsent, sent;
    uint64_t tx_seq; /* last number given to a frame */
    uint64_t tx_hi;  /* highest number written to the socket */
    bool stalled;    /* the socket said EAGAIN: try again on the tick */

    /* receiving */
    uint64_t rx_seq;   /* highest number taken in order */
    uint64_t rx_dlv;   /* highest number delivered to the daemon */
    uint64_t ack_sent; /* rx_dlv as last told to the peer */
    uint64_t nack_seq, nack_at;
    bool nacked;
    struct frame_queue held; /* taken while paused, in order */
    bool paused;

    bool pending; /* its socket may hold messages: drain in the check */
    bool closing;
    bool shutting; /* close once everything is acknowledged (halt) */
    uint64_t last_rx, last_tx;
};

static const struct xport_ops zmq_ops;
static void link_close(struct zlink *l, const char *why);
static void flush(struct zlink *l);
static void mesh_unlisten(struct pvmd *d);

static uint64_t now_ms(const struct xport_zmq *m)
{
    return uv_now(m->d->loop);
}

/* ===================================================================== */
/* The link part                                                          */
/* ===================================================================== */

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

void xport_zmq_link_encode(uint8_t out[XPORT_ZMQ_LINK_LEN], int kind, uint64_t seq, uint64_t ack)
{
    memset(out, 0, XPORT_ZMQ_LINK_LEN);
    out[0] = XPORT_ZMQ_LINK_VERSION;
    out[1] = (uint8_t)kind;
    put64(out + 8, seq);
    put64(out + 16, ack);
}

int xport_zmq_link_decode(const uint8_t *in, size_t n, int *kind, uint64_t *seq, uint64_t *ack)
{
    if (n != XPORT_ZMQ_LINK_LEN || in[0] != XPORT_ZMQ_LINK_VERSION || in[1] < XPORT_ZMQ_DATA ||
        in[1] > XPORT_ZMQ_NACK)
        return PvmBadMsg;
    for (int i = 2; i < 8; i++)
        if (in[i])
            return PvmBadMsg;
    *kind = in[1];
    *seq = get64(in + 8);
    *ack = get64(in + 16);
    return 0;
}

/* ===================================================================== */
/* Send queues                                                            */
/* ===================================================================== */

static void zref_release(struct zref *r)
{
    if (r && atomic_fetch_sub(&r->refs, 1) == 1) {
        free(r->buf);
        free(r);
    }
}

/* libzmq is done with a payload (its I/O thread, or ours on a failed send). */
static void zmq_let_go(void *data, void *hint)
{
    (void)data;
    zref_release(hint);
}

static size_t zout_bytes(const struct zout *o)
{
    return WIRE_HDR_LEN + (size_t)o->f->h.len;
}

static void zout_free(struct zout *o)
{
    zref_release(o->ref);
    frame_free(&o->f);
    free(o);
}

/* Wraps f for sending: its payload becomes shared (NULL: no memory, f
 * freed). */
static struct zout *zout_new(struct frame *f)
{
    struct zout *o = calloc(1, sizeof *o);
    if (!o) {
        frame_free(&f);
        return NULL;
    }
    o->f = f;
    if (f->h.len > 0) {
        o->ref = malloc(sizeof *o->ref);
        if (!o->ref) {
            zout_free(o);
            return NULL;
        }
        atomic_init(&o->ref->refs, 1);
        o->ref->buf = f->payload;
        f->payload = NULL;
    }
    return o;
}

static void zq_push(struct zq *q, struct zout *o)
{
    o->next = NULL;
    if (q->tail)
        q->tail->next = o;
    else
        q->head = o;
    q->tail = o;
    q->n++;
    q->bytes += zout_bytes(o);
}

static struct zout *zq_pop(struct zq *q)
{
    struct zout *o = q->head;
    if (!o)
        return NULL;
    q->head = o->next;
    if (!q->head)
        q->tail = NULL;
    q->n--;
    q->bytes -= zout_bytes(o);
    o->next = NULL;
    return o;
}

static void zq_clear(struct zq *q)
{
    struct zout *o;
    while ((o = zq_pop(q)))
        zout_free(o);
}

/* ===================================================================== */
/* Writing to a socket                                                    */
/* ===================================================================== */

/* Marks s pending when ZMQ_EVENTS says a message is waiting: after a send
 * or receive the edge on ZMQ_FD may already have been consumed. */
static void recheck(struct xport_zmq *m, void *s, struct zlink *owner)
{
    int ev = 0;
    size_t len = sizeof ev;
    if (zmq_getsockopt(s, ZMQ_EVENTS, &ev, &len) < 0 || !(ev & ZMQ_POLLIN))
        return;
    if (owner)
        owner->pending = true;
    else
        m->router_pending = true;
}

/* Writes one message: [rid] [link part] [header [payload part]...], the
 * payload cut into parts of at most MESH_PART_MAX bytes that share ref
 * (no copy).  Returns 0,
 * 1 when the socket cannot take it now (EAGAIN, or EHOSTUNREACH: the
 * peer's connection is not there), or -1 when the socket failed part-way
 * (the link must close). */
static int wire_out(struct xport_zmq *m, void *s, struct zlink *owner, const uint8_t *rid,
                    size_t ridlen, int kind, uint64_t seq, uint64_t ack, struct frame *f,
                    struct zref *ref)
{
    uint8_t lp[XPORT_ZMQ_LINK_LEN];
    xport_zmq_link_encode(lp, kind, seq, ack);
    int r = 0;
    bool first = true;
    if (rid) {
        if (zmq_send(s, rid, ridlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
            goto failed;
        first = false;
    }
    if (zmq_send(s, lp, sizeof lp, (f ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT) < 0)
        goto failed;
    first = false;
    if (f) {
        uint8_t hdr[WIRE_HDR_LEN];
        wire_encode(&f->h, hdr);
        if (zmq_send(s, hdr, sizeof hdr, (f->h.len ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT) < 0)
            goto failed;
        size_t len = (size_t)f->h.len;
        for (size_t off = 0; off < len; off += MESH_PART_MAX) {
            size_t n = len - off < MESH_PART_MAX ? len - off : MESH_PART_MAX;
            zmq_msg_t pm;
            atomic_fetch_add(&ref->refs, 1);
            if (zmq_msg_init_data(&pm, ref->buf + off, n, zmq_let_go, ref) < 0) {
                zref_release(ref);
                goto failed;
            }
            if (zmq_msg_send(&pm, s, (off + n < len ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&pm); /* lets go of ref */
                goto failed;
            }
        }
    }
    goto done;
failed:
    r = first && (errno == EAGAIN || errno == EHOSTUNREACH) ? 1 : -1;
done:
    recheck(m, s, owner);
    return r;
}

/* Writes a message on link l (link part carries its acknowledgement). */
static int link_out(struct zlink *l, int kind, uint64_t seq, struct frame *f, struct zref *ref)
{
    struct xport_zmq *m = l->m;
    int r;
    if (l->sock)
        r = wire_out(m, l->sock, l, NULL, 0, kind, seq, l->rx_dlv, f, ref);
    else if (m->listening)
        r = wire_out(m, m->router, NULL, l->rid, l->ridlen, kind, seq, l->rx_dlv, f, ref);
    else
        return 1;
    if (r == 0) {
        l->ack_sent = l->rx_dlv;
        l->last_tx = now_ms(m);
    }
    return r;
}

/* A heartbeat; also an acknowledgement. */
static void send_ping(struct zlink *l)
{
    if (link_out(l, XPORT_ZMQ_PING, l->tx_hi, NULL, NULL) < 0)
        link_close(l, "cannot write a heartbeat");
}

static void maybe_nack(struct zlink *l)
{
    uint64_t now = now_ms(l->m);
    if (l->nacked && l->nack_seq == l->rx_seq && now - l->nack_at < l->m->ping_ms)
        return;
    if (link_out(l, XPORT_ZMQ_NACK, l->rx_seq, NULL, NULL) < 0) {
        link_close(l, "cannot write a resend request");
        return;
    }
    l->nacked = true;
    l->nack_seq = l->rx_seq;
    l->nack_at = now;
}

/* Writes a control frame (a hello or its reply: sequence 0) through the
 * socket; f is freed.  Returns link_out's / wire_out's result. */
static int send_ctl0(struct xport_zmq *m, struct zlink *l, const uint8_t *rid, size_t ridlen,
                     struct frame *f)
{
    if (!f)
        return -1;
    struct zout *o = zout_new(f);
    if (!o)
        return -1;
    int r;
    if (l)
        r = link_out(l, XPORT_ZMQ_DATA, 0, o->f, o->ref);
    else
        r = m->listening
                ? wire_out(m, m->router, NULL, rid, ridlen, XPORT_ZMQ_DATA, 0, 0, o->f, o->ref)
                : 1;
    zout_free(o);
    return r;
}

static struct frame *hello_reply(struct pvmd *d, int to, int status)
{
    Pvm__LinkHelloReply r = PVM__LINK_HELLO_REPLY__INIT;
    r.status = status;
    if (status == PvmOk) {
        r.tid = d->mytid;
        r.epoch = d->epoch;
    }
    return frame_ctl(d->mytid, tid_is_pvmd(to) ? to : 0, PVM__CTL_TYPE__CTL_LINK_HELLO_REPLY,
                     WIRE_F_REPLY, 0, &r.base);
}

/* Answers a peer we keep no link for with a refusal, so that a dialler
 * whose link we dropped (or a pvmd that restarted here) learns it now
 * instead of at its timeout. */
static void refuse_rid(struct xport_zmq *m, const uint8_t *rid, size_t ridlen, int to, int status)
{
    (void)send_ctl0(m, NULL, rid, ridlen, hello_reply(m->d, to, status));
}

/* Writes what the window allows from l's unsent queue. */
static void flush(struct zlink *l)
{
    if (!l->hello_done || l->closing || l->stalled)
        return;
    struct zout *o;
    while ((o = l->unsent.head)) {
        if (l->sent.n && l->sent.bytes + zout_bytes(o) > MESH_WINDOW)
            break;
        int r = link_out(l, XPORT_ZMQ_DATA, o->seq, o->f, o->ref);
        if (r > 0) {
            l->stalled = true;
            break;
        }
        if (r < 0) {
            char why[128];
            snprintf(why, sizeof why, "cannot write a frame: %s", zmq_strerror(errno));
            link_close(l, why);
            return;
        }
        if (o->seq > l->tx_hi)
            l->tx_hi = o->seq;
        zq_push(&l->sent, zq_pop(&l->unsent));
    }
    if (l->shutting && !l->unsent.n && !l->sent.n)
        link_close(l, NULL);
}

/* ===================================================================== */
/* Links                                                                  */
/* ===================================================================== */

static void on_tick(uv_timer_t *h);

/* Heartbeats and time-outs tick only while there are links: an idle pvmd
 * of a one-host machine wakes for nothing. */
static void tick_start(struct xport_zmq *m)
{
    if (m->finishing || uv_is_active((uv_handle_t *)&m->tick) ||
        uv_is_closing((uv_handle_t *)&m->tick))
        return;
    uint64_t tick = m->ping_ms / 4 ? m->ping_ms / 4 : 1;
    m->last_tick = now_ms(m);
    uv_timer_start(&m->tick, on_tick, tick, tick);
}

static void link_insert(struct xport_zmq *m, struct zlink *l)
{
    l->prev = NULL;
    l->next = m->links;
    if (m->links)
        m->links->prev = l;
    m->links = l;
    tick_start(m);
}

static void link_free(struct zlink *l)
{
    struct xport_zmq *m = l->m;
    if (l->prev)
        l->prev->next = l->next;
    else
        m->links = l->next;
    if (l->next)
        l->next->prev = l->prev;
    free(l);
}

static void on_link_poll_closed(uv_handle_t *h)
{
    struct zlink *l = h->data;
    struct xport_zmq *m = l->m;
    struct pvmd *d = m->d;
    zmq_close(l->sock); /* lingers MESH_LINGER_MS at most, in libzmq */
    link_free(l);
    m->open_handles--;
    if (m->finishing && m->open_handles == 0)
        xport_zmq_fini(d);
    pvmd_halt_check(d);
}

static void link_close(struct zlink *l, const char *why)
{
    if (l->closing)
        return;
    l->closing = true;
    struct pvmd *d = l->x.d;
    if (why)
        log_info(d, "mesh link %s t%x closed: %s", l->x.inbound ? "from" : "to",
                 (unsigned)l->x.peer, why);
    zq_clear(&l->unsent);
    zq_clear(&l->sent);
    frame_queue_clear(&l->held);
    if (l->sock) {
        uv_poll_stop(&l->poll);
        uv_close((uv_handle_t *)&l->poll, on_link_poll_closed);
    } else {
        l->m->ndead++;
    }
    /* The daemon forgets the link now; it is freed from the loop later. */
    xport_up_down(&l->x, why ? why : "closed");
}

/* Frees accepted links that closed (never in the call that closed them). */
static void sweep(struct xport_zmq *m)
{
    if (!m->ndead)
        return;
    for (struct zlink *l = m->links, *next; l; l = next) {
        next = l->next;
        if (l->closing && !l->sock) {
            link_free(l);
            m->ndead--;
        }
    }
}

static int zmq_send_frame(struct xport *x, struct frame *f)
{
    struct zlink *l = (struct zlink *)x;
    if (l->closing || l->shutting) {
        log_debug(x->d, "frame to t%x dropped: its mesh link is closing", (unsigned)f->h.dst);
        frame_free(&f);
        return PvmSysErr;
    }
    struct zout *o = zout_new(f);
    if (!o) {
        log_error(x->d, "mesh: out of memory queueing a frame");
        return PvmSysErr;
    }
    o->seq = ++l->tx_seq;
    zq_push(&l->unsent, o);
    flush(l);
    return 0;
}

static void zmq_close_link(struct xport *x, const char *why)
{
    link_close((struct zlink *)x, why);
}

static void zmq_shutdown(struct xport *x)
{
    struct zlink *l = (struct zlink *)x;
    if (l->closing || l->shutting)
        return;
    l->shutting = true;
    if (!l->unsent.n && !l->sent.n)
        link_close(l, NULL);
}

static size_t zmq_queued(const struct xport *x)
{
    const struct zlink *l = (const struct zlink *)x;
    return l->unsent.bytes + l->sent.bytes;
}

static void zmq_pause(struct xport *x)
{
    ((struct zlink *)x)->paused = true;
}

static void deliver(struct zlink *l, struct frame *f)
{
    l->rx_dlv++;
    xport_up_frame(&l->x, f);
}

static void zmq_resume(struct xport *x)
{
    struct zlink *l = (struct zlink *)x;
    if (!l->paused)
        return;
    l->paused = false;
    struct frame *f;
    while (!l->paused && !l->closing && (f = frame_queue_pop(&l->held)))
        deliver(l, f);
    /* The sender's window opens with the acknowledgement. */
    if (!l->closing && l->rx_dlv > l->ack_sent)
        send_ping(l);
}

static const struct xport_ops zmq_ops = {
    .send = zmq_send_frame,
    .close = zmq_close_link,
    .shutdown = zmq_shutdown,
    .queued = zmq_queued,
    .pause = zmq_pause,
    .resume = zmq_resume,
};

/* ===================================================================== */
/* The link protocol, receiving side                                      */
/* ===================================================================== */

/* The peer has delivered everything up to `ack'. */
static void take_ack(struct zlink *l, uint64_t ack)
{
    if (ack > l->tx_hi) {
        link_close(l, "acknowledgement of frames never sent");
        return;
    }
    size_t freed = 0;
    struct zout *o;
    while ((o = l->sent.head) && o->seq <= ack) {
        freed += zout_bytes(o);
        zout_free(zq_pop(&l->sent));
    }
    /* A stale resend request may have moved acknowledged frames back. */
    while ((o = l->unsent.head) && o->seq <= ack) {
        freed += zout_bytes(o);
        zout_free(zq_pop(&l->unsent));
    }
    if (freed) {
        xport_up_drained(&l->x);
        if (!l->closing)
            flush(l);
    }
}

/* The peer lost what came after seq: everything sent after it goes again. */
static void resend_after(struct zlink *l, uint64_t seq)
{
    struct zq again = {0}, keep = {0};
    struct zout *o;
    while ((o = zq_pop(&l->sent)))
        zq_push(o->seq > seq ? &again : &keep, o);
    if (!again.n)
        return;
    log_debug(l->x.d, "mesh link to t%x: %zu frames sent again after #%llu", (unsigned)l->x.peer,
              again.n, (unsigned long long)seq);
    while ((o = zq_pop(&l->unsent)))
        zq_push(&again, o);
    l->sent = keep;
    l->unsent = again;
    l->stalled = false;
    flush(l);
}

/* Sequence 0 on a known link: the reply to our hello, or a refusal. */
static void link_ctl(struct zlink *l, struct frame *f)
{
    struct pvmd *d = l->x.d;
    char why[160];
    if (!(f->h.flags & WIRE_F_CTL) || f->h.tag != PVM__CTL_TYPE__CTL_LINK_HELLO_REPLY ||
        l->x.inbound) {
        frame_free(&f);
        link_close(l, "refused an unnumbered frame that is not a link hello reply");
        return;
    }
    ProtobufCMessage *msg = NULL;
    int cc = ctl_unpack(PVM__CTL_TYPE__CTL_LINK_HELLO_REPLY, f->payload, (size_t)f->h.len, &msg);
    frame_free(&f);
    if (cc < 0) {
        link_close(l, "refused a malformed link hello reply");
        return;
    }
    const Pvm__LinkHelloReply *r = (const Pvm__LinkHelloReply *)msg;
    if (r->status != PvmOk) {
        snprintf(why, sizeof why, "%s: %s",
                 l->hello_done ? "the peer no longer knows this link (restarted?)"
                               : "refused by the peer",
                 pvmerr_text(r->status));
        ctl_free(&msg);
        link_close(l, why);
        return;
    }
    if (l->hello_done) {
        ctl_free(&msg);
        return;
    }
    if (l->x.peer && r->tid != l->x.peer) {
        snprintf(why, sizeof why, "answered by t%x, not the pvmd dialled", (unsigned)r->tid);
        ctl_free(&msg);
        link_close(l, why);
        return;
    }
    l->x.peer = r->tid;
    l->x.epoch = r->epoch;
    l->hello_done = true;
    ctl_free(&msg);
    log_debug(d, "mesh link to t%x is up", (unsigned)l->x.peer);
    xport_up_link(&l->x);
    flush(l);
}

/* A message on a known link. */
static void link_input(struct zlink *l, int kind, uint64_t seq, uint64_t ack, struct frame *f)
{
    l->last_rx = now_ms(l->m);
    if (kind == XPORT_ZMQ_DATA && seq == 0) {
        link_ctl(l, f);
        return;
    }
    if (!l->hello_done) {
        frame_free(&f);
        link_close(l, "refused a message before the hello reply");
        return;
    }
    take_ack(l, ack);
    if (l->closing) {
        frame_free(&f);
        return;
    }
    switch (kind) {
    case XPORT_ZMQ_PING:
        if (seq > l->rx_seq)
            maybe_nack(l); /* the tail of what it sent was lost */
        return;
    case XPORT_ZMQ_NACK:
        resend_after(l, seq);
        return;
    default:
        break;
    }
    if (seq <= l->rx_seq) {
        frame_free(&f); /* a duplicate: sent again after a resend request */
        return;
    }
    if (seq > l->rx_seq + 1) {
        frame_free(&f); /* after a gap: it comes again once asked for */
        maybe_nack(l);
        return;
    }
    l->rx_seq = seq;
    l->nacked = false;
    if (l->paused || l->held.n)
        frame_queue_push(&l->held, f);
    else
        deliver(l, f);
}

static struct zlink *find_rid(struct xport_zmq *m, const uint8_t *rid, size_t n)
{
    for (struct zlink *l = m->links; l; l = l->next)
        if (!l->closing && !l->sock && l->ridlen == n && memcmp(l->rid, rid, n) == 0)
            return l;
    return NULL;
}

/* A CTL_LINK_HELLO from a new dialler on the ROUTER. */
static void accept_hello(struct xport_zmq *m, const uint8_t *rid, size_t ridlen, struct frame *f)
{
    struct pvmd *d = m->d;
    ProtobufCMessage *msg = NULL;
    int from = f->h.src;
    int cc = ctl_unpack(PVM__CTL_TYPE__CTL_LINK_HELLO, f->payload, (size_t)f->h.len, &msg);
    frame_free(&f);
    if (cc < 0) {
        log_info(d, "mesh: refused a malformed link hello from t%x", (unsigned)from);
        refuse_rid(m, rid, ridlen, from, PvmBadMsg);
        return;
    }
    const Pvm__LinkHello *h = (const Pvm__LinkHello *)msg;
    int status = PvmOk;
    if (h->proto_version != CTL_PROTO_VERSION)
        status = PvmBadVersion;
    else if (h->to != 0 && h->to != d->mytid)
        status = PvmNoHost;
    else if (h->tid != from || h->tid == d->mytid)
        status = PvmBadMsg;
    if (status != PvmOk) {
        log_info(d, "mesh: refused a link from t%x (protocol %u, for t%x): %s", (unsigned)h->tid,
                 h->proto_version, (unsigned)h->to, pvmerr_text(status));
        refuse_rid(m, rid, ridlen, h->tid, status);
        ctl_free(&msg);
        return;
    }
    int tid = h->tid;
    uint64_t epoch = h->epoch;
    ctl_free(&msg);
    /* An older link from that pvmd is over; one that restarted is a new
     * host, so our own link to its old self goes too. */
    for (struct zlink *o = m->links; o; o = o->next) {
        if (o->closing || o->x.peer != tid)
            continue;
        if (o->x.inbound)
            link_close(o, o->x.epoch == epoch ? "replaced by a new link from the same pvmd"
                                              : "the pvmd restarted (new epoch)");
        else if (o->x.epoch && o->x.epoch != epoch)
            link_close(o, "the pvmd restarted (new epoch)");
    }
    struct zlink *l = calloc(1, sizeof *l);
    if (!l) {
        log_error(d, "mesh: out of memory accepting a link from t%x", (unsigned)tid);
        refuse_rid(m, rid, ridlen, tid, PvmNoMem);
        return;
    }
    xport_init(&l->x, d, &zmq_ops, &xport_zmq);
    l->m = m;
    l->x.peer = tid;
    l->x.inbound = true;
    l->x.epoch = epoch;
    l->hello_done = true;
    memcpy(l->rid, rid, ridlen);
    l->ridlen = ridlen;
    l->last_rx = l->last_tx = now_ms(m);
    link_insert(m, l);
    xport_up_link(&l->x);
    if (l->closing) {
        refuse_rid(m, rid, ridlen, tid, PvmNoHost);
        return;
    }
    if (send_ctl0(m, l, NULL, 0, hello_reply(d, tid, PvmOk)) < 0)
        link_close(l, "cannot write the hello reply");
}

/* A message from a routing id we keep no link for. */
static void from_stranger(struct xport_zmq *m, const uint8_t *rid, size_t ridlen, int kind,
                          uint64_t seq, struct frame *f)
{
    if (kind == XPORT_ZMQ_DATA && seq == 0 && (f->h.flags & WIRE_F_CTL) &&
        !(f->h.flags & WIRE_F_REPLY) && f->h.tag == PVM__CTL_TYPE__CTL_LINK_HELLO) {
        accept_hello(m, rid, ridlen, f);
        return;
    }
    int from = f ? f->h.src : 0;
    frame_free(&f);
    mesh_guard_stranger(m, "a message before the link hello");
    refuse_rid(m, rid, ridlen, from, PvmNoHost);
}

/* ===================================================================== */
/* Reading from a socket                                                  */
/* ===================================================================== */

static void refuse(struct xport_zmq *m, struct zlink *l, const char *why)
{
    if (l) {
        char msg[160];
        snprintf(msg, sizeof msg, "refused %s", why);
        link_close(l, msg);
    } else {
        mesh_guard_stranger(m, why);
    }
}

/* One whole message (np parts, `over' when it had more than we keep)
 * from socket `owner' (a dialled link) or the ROUTER (owner NULL). */
static void take_message(struct xport_zmq *m, struct zlink *owner, zmq_msg_t *p, int np, bool over)
{
    int i = 0;
    const uint8_t *rid = NULL;
    size_t ridlen = 0;
    struct zlink *l = owner;
    if (!owner) {
        rid = zmq_msg_data(&p[0]);
        ridlen = zmq_msg_size(&p[0]);
        i = 1;
        l = find_rid(m, rid, ridlen);
        /* The routing id part is the ROUTER's own: the next one came
         * off the connection. */
        if (np > 1)
            mesh_guard_spoke(m, zmq_msg_get(&p[1], ZMQ_SRCFD));
    }
    if (over || np - i < 1) {
        refuse(m, l, "a message of the wrong shape");
        return;
    }
    int kind;
    uint64_t seq, ack;
    if (xport_zmq_link_decode(zmq_msg_data(&p[i]), zmq_msg_size(&p[i]), &kind, &seq, &ack) < 0) {
        refuse(m, l, "a malformed link part");
        return;
    }
    i++;
    struct frame *f = NULL;
    if (kind == XPORT_ZMQ_DATA) {
        struct wire_hdr h;
        int cc = np - i < 1 ? PvmBadMsg : wire_decode(zmq_msg_data(&p[i]), zmq_msg_size(&p[i]), &h);
        if (cc == 0 && zmq_msg_size(&p[i]) != WIRE_HDR_LEN)
            cc = PvmBadMsg;
        if (cc < 0) {
            refuse(m, l,
                   cc == PvmBadVersion ? "a frame header of another protocol version"
                                       : "a malformed frame header");
            return;
        }
        /* The payload's parts, each of 1 to MESH_PART_MAX bytes, add up
         * to the header's length exactly. */
        uint64_t plen = 0;
        bool fits = true;
        for (int k = i + 1; k < np && fits; k++) {
            size_t n = zmq_msg_size(&p[k]);
            fits = n > 0 && n <= MESH_PART_MAX;
            plen += n;
        }
        if (!fits || plen != h.len) {
            refuse(m, l, "a frame whose payload does not match its header");
            return;
        }
        uint8_t *payload = NULL;
        if (plen) {
            /* libzmq owns its buffers: the daemon's frames own one malloc'd
             * payload, so this is the one copy on the receiving side. */
            payload = malloc((size_t)plen);
            if (!payload) {
                log_error(m->d, "mesh: out of memory for a %llu-byte frame",
                          (unsigned long long)plen);
                if (l)
                    link_close(l, "out of memory");
                return;
            }
            size_t off = 0;
            for (int k = i + 1; k < np; k++) {
                size_t n = zmq_msg_size(&p[k]);
                memcpy(payload + off, zmq_msg_data(&p[k]), n);
                off += n;
            }
        }
        f = frame_new(&h, payload);
        if (!f) {
            if (l)
                link_close(l, "out of memory");
            return;
        }
    } else if (np - i != 0) {
        refuse(m, l, "a link message with extra parts");
        return;
    }
    if (l)
        link_input(l, kind, seq, ack, f);
    else if (!owner)
        from_stranger(m, rid, ridlen, kind, seq, f);
    else
        frame_free(&f);
}

/* Sends the acknowledgements a batch of frames has made due. */
static void acks_due(struct xport_zmq *m, struct zlink *only)
{
    for (struct zlink *l = only ? only : m->links; l; l = only ? NULL : l->next)
        if (!l->closing && l->hello_done && l->rx_dlv > l->ack_sent)
            send_ping(l);
}

/* Takes one whole message from s: up to max parts into p (*np of them;
 * *over when it had more, the rest dropped).  Returns true, or false when
 * there is none (a failure is logged). */
bool xport_zmq_recv_parts(struct xport_zmq *m, void *s, zmq_msg_t *p, int max, int *np, bool *over)
{
    *np = 0;
    *over = false;
    for (;;) {
        zmq_msg_t extra;
        zmq_msg_t *mp = *np < max ? &p[*np] : &extra;
        zmq_msg_init(mp);
        if (zmq_msg_recv(mp, s, ZMQ_DONTWAIT) < 0) {
            int e = errno;
            zmq_msg_close(mp);
            for (int i = 0; i < *np; i++)
                zmq_msg_close(&p[i]);
            if (*np > 0 || e != EAGAIN)
                log_error(m->d, "mesh: receive failed: %s", zmq_strerror(e));
            return false;
        }
        bool more = zmq_msg_more(mp);
        if (mp == &extra) {
            *over = true;
            zmq_msg_close(mp);
        } else {
            (*np)++;
        }
        if (!more)
            return true;
    }
}

/* The parts of one message being taken: few fit in place, the parts of a
 * big frame's payload in a growing array. */
struct zin {
    zmq_msg_t few[MESH_FEW_PARTS];
    zmq_msg_t *p; /* few, or malloc'd */
    int cap;
};

/* Room for part n of a message in in, the n before it moved along
 * (false: no memory). */
static bool zin_room(struct zin *in, int n)
{
    if (n < in->cap)
        return true;
    int cap = in->cap * 4 < MESH_MAX_PARTS ? in->cap * 4 : MESH_MAX_PARTS;
    zmq_msg_t *p = malloc((size_t)cap * sizeof *p);
    if (!p)
        return false;
    for (int k = 0; k < n; k++) {
        zmq_msg_init(&p[k]);
        zmq_msg_move(&p[k], &in->p[k]);
        zmq_msg_close(&in->p[k]);
    }
    if (in->p != in->few)
        free(in->p);
    in->p = p;
    in->cap = cap;
    return true;
}

/* Takes one whole message from s without waiting, up to MESH_MAX_PARTS
 * parts into in->p (*np of them, which the caller closes; *over when it
 * had more, or there was no room: the rest dropped).  Returns true, or
 * false when there is none (a failure other than EAGAIN is logged; no
 * part is left open). */
static bool recv_message(struct xport_zmq *m, void *s, struct zin *in, int *np, bool *over)
{
    *np = 0;
    *over = false;
    for (;;) {
        zmq_msg_t extra;
        zmq_msg_t *mp = !*over && *np < MESH_MAX_PARTS && zin_room(in, *np) ? &in->p[*np] : &extra;
        zmq_msg_init(mp);
        if (zmq_msg_recv(mp, s, ZMQ_DONTWAIT) < 0) {
            int e = errno;
            zmq_msg_close(mp);
            for (int i = 0; i < *np; i++)
                zmq_msg_close(&in->p[i]);
            if (*np > 0 || e != EAGAIN)
                log_error(m->d, "mesh: receive failed: %s", zmq_strerror(e));
            return false;
        }
        bool more = zmq_msg_more(mp);
        if (mp == &extra) {
            if (!*over && *np < MESH_MAX_PARTS)
                log_error(m->d, "mesh: out of memory for a message of %d parts", *np + 1);
            *over = true;
            zmq_msg_close(mp);
        } else {
            (*np)++;
        }
        if (!more)
            return true;
    }
}

/* Takes up to MESH_BATCH messages from s.  Returns true when it stopped
 * with messages perhaps left (the socket stays pending). */
static bool drain(struct xport_zmq *m, void *s, struct zlink *owner)
{
    struct zin in;
    in.p = in.few;
    in.cap = MESH_FEW_PARTS;
    bool more = true;
    for (int n = 0; n < MESH_BATCH && more; n++) {
        int np;
        bool over;
        if (!recv_message(m, s, &in, &np, &over)) {
            more = false;
            break;
        }
        take_message(m, owner, in.p, np, over);
        for (int i = 0; i < np; i++)
            zmq_msg_close(&in.p[i]);
        /* The socket closes with its link, or with unlisten: it stays
         * valid until the loop turns, but nothing more is taken. */
        if (owner ? owner->closing : !m->listening)
            more = false;
    }
    if (in.p != in.few)
        free(in.p);
    return more;
}

static void serve_router(struct xport_zmq *m)
{
    m->router_pending = false;
    if (!m->listening)
        return;
    if (drain(m, m->router, NULL))
        m->router_pending = true;
    acks_due(m, NULL);
    if (m->listening)
        recheck(m, m->router, NULL);
}

static void serve_link(struct zlink *l)
{
    l->pending = false;
    if (l->closing)
        return;
    if (drain(l->m, l->sock, l))
        l->pending = true;
    acks_due(l->m, l);
    if (!l->closing)
        recheck(l->m, l->sock, l);
}

static void on_router_poll(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    serve_router(h->data);
}

static void on_link_poll(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    serve_link(h->data);
}

/* After each loop turn: what the edge-triggered descriptors may not say. */
static void on_check(uv_check_t *h)
{
    struct xport_zmq *m = h->data;
    mesh_guard_serve(m);
    if (m->router_pending)
        serve_router(m);
    for (struct zlink *l = m->links; l; l = l->next)
        if (l->pending)
            serve_link(l);
}

static void on_idle(uv_idle_t *h)
{
    (void)h; /* only keeps the loop from blocking while work is pending */
}

static void on_prepare(uv_prepare_t *h)
{
    struct xport_zmq *m = h->data;
    sweep(m);
    /* A halting pvmd takes no new links, and the mesh ends once the links
     * it dialled have flushed (zmq_shutdown) or timed out: pvmd_halt needs
     * to know nothing about it. */
    if (m->d->halting && !m->finishing) {
        if (m->listening)
            mesh_unlisten(m->d);
        bool live = false;
        for (struct zlink *l = m->links; l && !live; l = l->next)
            live = !l->closing;
        if (!live) {
            xport_zmq_fini(m->d);
            return;
        }
    }
    bool busy = m->router_pending || mesh_guard_pending(m);
    for (struct zlink *l = m->links; l && !busy; l = l->next)
        busy = l->pending && !l->closing;
    if (busy)
        uv_idle_start(&m->idle, on_idle);
    else
        uv_idle_stop(&m->idle);
}

/* Heartbeats, timeouts, and sockets that said EAGAIN. */
static void on_tick(uv_timer_t *h)
{
    struct xport_zmq *m = h->data;
    if (!m->links) {
        uv_timer_stop(&m->tick);
        return;
    }
    uint64_t now = now_ms(m);
    /* This pvmd's own loop stalled (a long copy, a machine under load):
     * peers could not be heard meanwhile, whatever they sent waits in
     * libzmq.  Their silence counts from the end of the stall, so a busy
     * pvmd does not take a live peer for dead. */
    uint64_t gap = m->last_tick && now > m->last_tick ? now - m->last_tick : 0;
    m->last_tick = now;
    if (gap > m->ping_ms)
        for (struct zlink *l = m->links; l; l = l->next) {
            uint64_t shifted = l->last_rx + (gap - m->ping_ms);
            l->last_rx = shifted < now ? shifted : now;
        }
    for (struct zlink *l = m->links; l; l = l->next) {
        if (l->closing)
            continue;
        uint64_t limit =
            m->d->halting && m->timeout_ms > MESH_HALT_WAIT_MS ? MESH_HALT_WAIT_MS : m->timeout_ms;
        if (now - l->last_rx >= limit) {
            char why[96];
            snprintf(why, sizeof why, "nothing received for %llu ms",
                     (unsigned long long)(now - l->last_rx));
            link_close(l, why);
            continue;
        }
        if (l->stalled) {
            l->stalled = false;
            flush(l);
        }
        if (!l->closing && l->hello_done && now - l->last_tx >= m->ping_ms)
            send_ping(l);
    }
}

/* ===================================================================== */
/* The mesh                                                               */
/* ===================================================================== */

void xport_zmq_handle_closed(uv_handle_t *h)
{
    struct xport_zmq *m = h->data;
    struct pvmd *d = m->d;
    m->open_handles--;
    if (m->open_handles == 0)
        xport_zmq_fini(d);
    pvmd_halt_check(d);
}

static uint64_t env_ms(const char *name, uint64_t dflt)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return dflt;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    return *end || v < 20 || v > 3600000 ? dflt : (uint64_t)v;
}

/* d's mesh, made on first use (NULL: no memory, or halting). */
static struct xport_zmq *mesh_get(struct pvmd *d)
{
    if (d->mesh)
        return d->mesh->finishing ? NULL : d->mesh;
    struct xport_zmq *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->ctx = zmq_ctx_new();
    if (!m->ctx) {
        free(m);
        return NULL;
    }
    m->d = d;
    m->timeout_ms = env_ms("PVMD_LINK_TIMEOUT_MS", MESH_TIMEOUT_MS);
    m->ping_ms = m->timeout_ms / 4 < MESH_PING_MS ? m->timeout_ms / 4 : MESH_PING_MS;
    uv_timer_init(d->loop, &m->tick);
    uv_check_init(d->loop, &m->check);
    uv_prepare_init(d->loop, &m->prepare);
    uv_idle_init(d->loop, &m->idle);
    m->tick.data = m->check.data = m->prepare.data = m->idle.data = m;
    m->open_handles = 4;
    uv_check_start(&m->check, on_check);
    uv_prepare_start(&m->prepare, on_prepare);
    d->mesh = m;
    return m;
}

const char *xport_zmq_endpoint(struct pvmd *d)
{
    return d->mesh && d->mesh->listening ? d->mesh->endpoint : NULL;
}

static int mesh_listen(struct pvmd *d, const char *addr)
{
    struct xport_zmq *m = mesh_get(d);
    if (!m) {
        log_error(d, "mesh: cannot listen on %s: out of memory or halting", addr);
        return PvmSysErr;
    }
    if (m->router) {
        log_error(d, "mesh: cannot listen on %s: already listening on %s", addr, m->endpoint);
        return PvmSysErr;
    }
    if (!mesh_guard_chosen(m, "listen on", addr))
        return PvmSysErr;
    /* Port 0 means "any", as for bind(2); libzmq spells it "*". */
    char ep[300];
    size_t n = strlen(addr);
    if (n >= 2 && n < sizeof ep && strcmp(addr + n - 2, ":0") == 0)
        snprintf(ep, sizeof ep, "%.*s:*", (int)(n - 2), addr);
    else
        snprintf(ep, sizeof ep, "%s", addr);
    void *s = zmq_socket(m->ctx, ZMQ_ROUTER);
    int fd = -1;
    size_t len = sizeof fd;
    /* (ZMQ_MAXMSGSIZE, MESH_MAXMSG, is set with the security options.) */
    if (!s || xport_zmq_setopt(s, ZMQ_ROUTER_MANDATORY, 1) < 0 ||
        xport_zmq_setopt(s, ZMQ_ROUTER_HANDOVER, 1) < 0 ||
        xport_zmq_setopt(s, ZMQ_LINGER, MESH_LINGER_MS) < 0 ||
        xport_zmq_setopt(s, ZMQ_HANDSHAKE_IVL, MESH_HANDSHAKE_MS) < 0 ||
        mesh_guard_secure_socket(m, s, true) < 0 || mesh_guard_monitor_start(m, s) < 0 ||
        zmq_bind(s, ep) < 0 || zmq_getsockopt(s, ZMQ_FD, &fd, &len) < 0) {
        log_error(d, "mesh: cannot listen on %s: %s", addr, zmq_strerror(errno));
        if (s)
            zmq_close(s);
        mesh_guard_monitor_drop(m);
        return PvmSysErr;
    }
    if (mesh_guard_monitor_poll(m) < 0) {
        log_error(d, "mesh: cannot listen on %s: %s", addr, zmq_strerror(errno));
        zmq_close(s);
        mesh_guard_monitor_drop(m);
        return PvmSysErr;
    }
    len = sizeof m->endpoint;
    if (zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, m->endpoint, &len) < 0)
        snprintf(m->endpoint, sizeof m->endpoint, "%s", ep);
    m->router = s;
    uv_poll_init(d->loop, &m->rpoll, fd);
    m->rpoll.data = m;
    m->open_handles++;
    uv_poll_start(&m->rpoll, UV_READABLE, on_router_poll);
    m->listening = true;
    log_info(d, "mesh: listening on %s", m->endpoint);
    /* A connection may have come in already. */
    m->router_pending = true;
    return 0;
}

static void on_router_closed(uv_handle_t *h)
{
    struct xport_zmq *m = h->data;
    struct pvmd *d = m->d;
    zmq_close(m->router);
    m->router = NULL;
    m->open_handles--;
    if (m->finishing && m->open_handles == 0)
        xport_zmq_fini(d);
    pvmd_halt_check(d);
}

/* Stops accepting.  Links accepted so far ride on the listening socket,
 * so they close with it; links this pvmd dialled stay. */
static void mesh_unlisten(struct pvmd *d)
{
    struct xport_zmq *m = d->mesh;
    if (!m || !m->listening)
        return;
    m->listening = false;
    m->router_pending = false;
    for (struct zlink *l = m->links; l; l = l->next)
        if (!l->closing && !l->sock)
            link_close(l, "the mesh stopped listening");
    m->endpoint[0] = 0;
    uv_poll_stop(&m->rpoll);
    uv_close((uv_handle_t *)&m->rpoll, on_router_closed);
    mesh_guard_monitor_stop(m);
}

static int mesh_dial(struct pvmd *d, const char *addr, int peer, struct xport **out)
{
    struct xport_zmq *m = mesh_get(d);
    if (!m)
        return d->mesh ? PvmSysErr : PvmNoMem;
    if (!mesh_guard_chosen(m, "dial", addr))
        return PvmSysErr;
    struct zlink *l = calloc(1, sizeof *l);
    if (!l)
        return PvmNoMem;
    xport_init(&l->x, d, &zmq_ops, &xport_zmq);
    l->m = m;
    l->x.peer = peer;
    /* A routing id of its own per dial ('P', tid, epoch, dial number), so
     * the accepting ROUTER tells this link from an older one, and knows it
     * again when libzmq re-makes the TCP connection. */
    uint8_t id[17] = {'P'};
    uint32_t n = ++m->ndials;
    for (int i = 0; i < 4; i++)
        id[1 + i] = (uint8_t)((uint32_t)d->mytid >> (8 * i));
    put64(id + 5, d->epoch);
    for (int i = 0; i < 4; i++)
        id[13 + i] = (uint8_t)(n >> (8 * i));
    int fd = -1;
    size_t len = sizeof fd;
    /* SNDHWM 0: the window, not libzmq, bounds what is queued, so a send
     * is never refused for a full pipe. */
    void *s = zmq_socket(m->ctx, ZMQ_DEALER);
    if (!s || zmq_setsockopt(s, ZMQ_ROUTING_ID, id, sizeof id) < 0 ||
        xport_zmq_setopt(s, ZMQ_LINGER, MESH_LINGER_MS) < 0 ||
        xport_zmq_setopt(s, ZMQ_SNDHWM, 0) < 0 || xport_zmq_setopt(s, ZMQ_RECONNECT_IVL, 100) < 0 ||
        xport_zmq_setopt(s, ZMQ_RECONNECT_IVL_MAX, 1000) < 0 ||
        mesh_guard_secure_socket(m, s, false) < 0 || zmq_connect(s, addr) < 0 ||
        zmq_getsockopt(s, ZMQ_FD, &fd, &len) < 0) {
        log_error(d, "mesh: cannot dial %s: %s", addr, zmq_strerror(errno));
        if (s)
            zmq_close(s);
        free(l);
        return PvmSysErr;
    }
    l->sock = s;
    uv_poll_init(d->loop, &l->poll, fd);
    l->poll.data = l;
    m->open_handles++;
    uv_poll_start(&l->poll, UV_READABLE, on_link_poll);
    l->last_rx = l->last_tx = now_ms(m);
    link_insert(m, l);
    *out = &l->x;

    /* The hello goes first; libzmq queues it until the connection is made.
     * Frames the daemon sends meanwhile wait in our queue for the reply. */
    Pvm__LinkHello h = PVM__LINK_HELLO__INIT;
    h.proto_version = CTL_PROTO_VERSION;
    h.tid = d->mytid;
    h.epoch = d->epoch;
    h.to = peer;
    if (send_ctl0(m, l, NULL, 0,
                  frame_ctl(d->mytid, peer, PVM__CTL_TYPE__CTL_LINK_HELLO, 0, 0, &h.base)) != 0) {
        /* Announced from the loop, as the contract says a failed dial is. */
        l->last_rx = 0;
        log_error(d, "mesh: cannot write the hello to %s", addr);
    }
    log_debug(d, "mesh: dialling t%x at %s", (unsigned)peer, addr);
    return 0;
}

void xport_zmq_fini(struct pvmd *d)
{
    struct xport_zmq *m = d->mesh;
    if (!m)
        return;
    if (!m->finishing) {
        m->finishing = true;
        for (struct zlink *l = m->links; l; l = l->next)
            link_close(l, NULL);
        mesh_unlisten(d);
        uv_timer_stop(&m->tick);
        uv_close((uv_handle_t *)&m->tick, xport_zmq_handle_closed);
        uv_close((uv_handle_t *)&m->check, xport_zmq_handle_closed);
        uv_close((uv_handle_t *)&m->prepare, xport_zmq_handle_closed);
        uv_close((uv_handle_t *)&m->idle, xport_zmq_handle_closed);
        mesh_guard_close(m);
        return;
    }
    if (m->open_handles > 0)
        return;
    /* Every handle is closed: accepted links left go, then the context
     * (waiting up to MESH_LINGER_MS for what sockets still hold). */
    while (m->links)
        link_free(m->links);
    mesh_guard_fini(m);
    zmq_ctx_term(m->ctx);
    d->mesh = NULL;
    free(m);
}

/* ===================================================================== */
/* The mesh's security: mesh_guard.c's                                    */
/* ===================================================================== */

int xport_zmq_secure(struct pvmd *d, const uint8_t *secret)
{
    struct xport_zmq *m = mesh_get(d);
    if (!m) {
        log_error(d, "mesh: cannot set its security: out of memory or halting");
        return PvmSysErr;
    }
    return mesh_guard_choose(m, secret);
}

int xport_zmq_vm_key(struct pvmd *d, uint8_t secret[32])
{
    return d->mesh ? mesh_guard_vm_key(d->mesh, secret) : PvmSysErr;
}

unsigned long xport_zmq_refused(struct pvmd *d)
{
    return d->mesh ? mesh_guard_refused(d->mesh) : 0;
}

const struct xport_tran xport_zmq = {
    .name = "zmq",
    .listen = mesh_listen,
    .unlisten = mesh_unlisten,
    .dial = mesh_dial,
};
