/*
 * recv.c - matching and the receive calls.
 *
 * Arrived user messages wait in the core's queue in arrival order (per
 * source already in send order, see peer.c).  A receive takes the first
 * message whose source, tag (-1: any) and context match, or, with a
 * pvm_recvf matcher, the one it ranks best; never one marked for a message
 * handler (mhf.c).  As in PVM, a new receive frees the previous active
 * receive buffer.
 */
#include <limits.h>
#include <stdlib.h>

#include "core.h"
#include "defs.h"
#include "tid.h"

void recv_drop_all(struct lpvm_core *core)
{
    while (core->rq_head) {
        struct pmsg *m = core->rq_head;
        core->rq_head = m->next;
        m->queued = false;
        pmsg_destroy(&m);
    }
    core->rq_tail = NULL;
    io_defer_drop_all(core);
}

static bool default_match(const struct pmsg *m, int tid, int tag)
{
    return (tid == -1 || m->src == tid) && (tag == -1 || m->tag == tag) && m->ctx == lpvm_state.ctx;
}

/* Finds the message to take; sets *prevp to the link pointing at it.
 * Returns it, NULL if none matches, or sets *err (a matcher's error). */
static struct pmsg *find(struct lpvm_core *core, int tid, int tag, struct pmsg ***prevp, int *err)
{
    *err = 0;
    int (*f)(int, int, int) = lpvm_state.recvf;
    struct pmsg **best = NULL;
    int best_rank = 0;
    for (struct pmsg **pp = &core->rq_head; *pp; pp = &(*pp)->next) {
        struct pmsg *m = *pp;
        /* A handler's (mhf.c): PVM calls it as the message comes in, so
         * no receive ever sees the message. */
        if (m->for_mhf)
            continue;
        if (!f) {
            if (default_match(m, tid, tag)) {
                *prevp = pp;
                return m;
            }
            continue;
        }
        /* A matcher looks messages up by buffer id (pvm_bufinfo). */
        if (m->id <= 0 && pmsg_register(m) < 0) {
            *err = PvmNoMem;
            return NULL;
        }
        int r = f(m->id, tid, tag);
        if (r < 0) {
            *err = r;
            return NULL;
        }
        if (r == 1) {
            *prevp = pp;
            return m;
        }
        if (r > best_rank) {
            best_rank = r;
            best = pp;
        }
    }
    if (best) {
        *prevp = best;
        return *best;
    }
    return NULL;
}

static void unlink_msg(struct lpvm_core *core, struct pmsg **pp)
{
    struct pmsg *m = *pp;
    *pp = m->next;
    if (core->rq_tail == m) {
        /* Recompute the tail: the queue is short when this matters. */
        core->rq_tail = NULL;
        for (struct pmsg *x = core->rq_head; x; x = x->next)
            core->rq_tail = x;
    }
    m->next = NULL;
    m->queued = false;
}

void recv_unlink(struct lpvm_core *core, struct pmsg *m)
{
    for (struct pmsg **pp = &core->rq_head; *pp; pp = &(*pp)->next)
        if (*pp == m) {
            unlink_msg(core, pp);
            return;
        }
}

/* pmsg_destroy of a message still queued: take it out first. */
static void unqueue(struct pmsg *m)
{
    if (lpvm_state.core)
        recv_unlink(lpvm_state.core, m);
}

__attribute__((constructor)) static void recv_init(void)
{
    pmsg_unqueue_hook = unqueue;
}

struct want {
    int tid, tag;
    unsigned gen; /* queue generation last scanned */
    bool scanned;
    struct pmsg *m; /* the match, unlinked */
    int err;
};

static bool matched(struct lpvm_core *core, void *arg)
{
    struct want *w = arg;
    if (w->scanned && w->gen == core->rq_gen)
        return false; /* nothing new since the last scan */
    w->scanned = true;
    w->gen = core->rq_gen;
    struct pmsg **pp;
    struct pmsg *m = find(core, w->tid, w->tag, &pp, &w->err);
    if (w->err < 0)
        return true;
    if (!m)
        return false;
    unlink_msg(core, pp);
    w->m = m;
    return true;
}

static int check_args(int tid, int tag)
{
    /* PvmResvTids: a helper receives PVM's negative tags (SM_STHOST). */
    if ((tid != -1 && !tid_is_valid(tid)) || (tag < -1 && !lpvm_state.opt[PvmResvTids]))
        return PvmBadParam;
    return 0;
}

/* pvm_trecv's longest time-out counted as such (about 100 years). */
#define TRECV_MAX_S ((int64_t)3200000000)

/* A deadline meaning: only what has already arrived, no socket read
 * (pvm_trecv with a negative time-out, as PVM 3.4.6). */
#define QUEUED_ONLY INT64_MIN

/* Waits for a matching message until deadline (IO_FOREVER, 0: one look,
 * QUEUED_ONLY).  Returns 1 and the unlinked message in *out, 0 if none,
 * or an error. */
static int wait_msg(struct lpvm_core *core, int tid, int tag, int64_t deadline, struct pmsg **out)
{
    struct want w = {.tid = tid, .tag = tag};
    int cc = deadline == QUEUED_ONLY ? (matched(core, &w), 0)
                                     : io_wait(core, matched, &w, deadline, NULL);
    if (w.err < 0)
        return w.err;
    if (w.m) {
        *out = w.m;
        return 1;
    }
    return cc < 0 ? cc : 0;
}

/* Frees the active receive buffer, as every new receive does in PVM. */
static void drop_rbuf(void)
{
    if (lpvm_state.rbuf > 0) {
        struct pmsg *old = pmsg_lookup(lpvm_state.rbuf);
        pmsg_destroy(&old);
    }
    lpvm_state.rbuf = 0;
}

/* Makes m the active receive buffer; returns its id. */
static int make_rbuf(struct pmsg *m)
{
    if (m->id <= 0) {
        int cc = pmsg_register(m);
        if (cc < 0) {
            pmsg_destroy(&m);
            return cc;
        }
    }
    m->rpos = 0;
    lpvm_state.rbuf = m->id;
    return m->id;
}

int recv_make_active(struct pmsg *m)
{
    drop_rbuf();
    return make_rbuf(m);
}

static int receive(const char *fn, int tid, int tag, int64_t deadline)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err(fn, cc);
    if (check_args(tid, tag) < 0)
        return lpvm_err(fn, PvmBadParam);
    drop_rbuf();
    struct pmsg *m = NULL;
    cc = wait_msg(core, tid, tag, deadline, &m);
    if (cc <= 0)
        return lpvm_err(fn, cc);
    return lpvm_err(fn, make_rbuf(m));
}

int pvm_recv(int tid, int msgtag)
{
    return receive("pvm_recv", tid, msgtag, IO_FOREVER);
}

int pvm_nrecv(int tid, int msgtag)
{
    return receive("pvm_nrecv", tid, msgtag, 0);
}

int pvm_trecv(int tid, int msgtag, struct timeval *tmout)
{
    if (!tmout)
        return receive("pvm_trecv", tid, msgtag, IO_FOREVER);
    if (tmout->tv_sec < 0 || tmout->tv_usec < 0)
        return receive("pvm_trecv", tid, msgtag, QUEUED_ONLY);
    /* Longer than a century ({LONG_MAX, 0}, say) is for ever: counted in
     * nanoseconds from now it would overflow. */
    if (tmout->tv_sec > TRECV_MAX_S || tmout->tv_usec > TRECV_MAX_S * 1000000)
        return receive("pvm_trecv", tid, msgtag, IO_FOREVER);
    int64_t ns = (int64_t)tmout->tv_sec * 1000000000 + (int64_t)tmout->tv_usec * 1000;
    if (ns == 0)
        return receive("pvm_trecv", tid, msgtag, 0);
    return receive("pvm_trecv", tid, msgtag, io_now_ns() + ns);
}

int pvm_probe(int tid, int msgtag)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_probe", cc);
    if (check_args(tid, msgtag) < 0)
        return lpvm_err("pvm_probe", PvmBadParam);
    /* One look at the sockets, so that a probe loop makes progress. */
    cc = io_wait(core, NULL, NULL, 0, NULL);
    struct pmsg **pp;
    struct pmsg *m = find(core, tid, msgtag, &pp, &cc);
    if (cc < 0)
        return lpvm_err("pvm_probe", cc);
    if (!m)
        return core->dead ? lpvm_err("pvm_probe", PvmSysErr) : 0;
    if (m->id <= 0 && (cc = pmsg_register(m)) < 0)
        return lpvm_err("pvm_probe", cc);
    return m->id;
}

int pvm_precv(int tid, int msgtag, void *buf, int len, int datatype, int *rtid, int *rtag,
              int *rcnt)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_precv", cc);
    /* PVM 3.4.6: no PVM_STR here; a negative length is its unpacking's
     * complaint, and the message is taken all the same. */
    if (datatype == PVM_STR)
        return lpvm_err("pvm_precv", PvmNotImpl);
    size_t size = pmsg_type_size(datatype);
    if (check_args(tid, msgtag) < 0 || (len > 0 && !buf) || size == 0)
        return lpvm_err("pvm_precv", PvmBadParam);
    /* The caller's receive buffer is left alone: precv's message never
     * becomes a buffer the caller sees. */
    struct pmsg *m = NULL;
    cc = wait_msg(core, tid, msgtag, IO_FOREVER, &m);
    if (cc <= 0)
        return lpvm_err("pvm_precv", cc < 0 ? cc : PvmSysErr);
    m->rpos = 0;
    size_t psize = pmsg_packed_size(m->enc, datatype); /* 4 for a long in Default */
    size_t have = psize ? pmsg_payload_len(m) / psize : 0;
    int n = len < 0 ? 0 : have < (size_t)len ? (int)have : len;
    cc = n > 0 ? pmsg_unpack(m, datatype, buf, n, 1) : 0;
    if (rtid)
        *rtid = m->src;
    if (rtag)
        *rtag = m->tag;
    /* The message's length in bytes, as PVM 3.4.6 (pvm_precv(3PVM) says
     * "actual message length"), whatever the datatype and len. */
    size_t bytes = pmsg_payload_len(m);
    if (rcnt)
        *rcnt = bytes > INT_MAX ? INT_MAX : (int)bytes;
    pmsg_destroy(&m);
    if (len < 0)
        lpvm_err("pvm_upkbyte", PvmBadParam);
    return lpvm_err("pvm_precv", cc);
}

int (*pvm_recvf(int (*new)(int, int, int)))(int, int, int)
{
    int (*old)(int, int, int) = lpvm_state.recvf;
    lpvm_state.recvf = new;
    return old;
}
