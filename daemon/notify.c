/*
 * notify.c - pvm_notify (notify.h).
 *
 * What PVM 3.4.6 does, and so this: one message per task or host asked
 * about, carrying its tid (PvmTaskExit) or its pvmd's tid (PvmHostDelete);
 * for PvmHostAdd, each time the table grows, the number of new hosts and
 * their pvmd tids, as many times as asked (-1: until cancelled; a new
 * request replaces the count).  The message comes from tid 0x80000000, in
 * the context the task was in when it asked.  A task or host already gone
 * is told at once; a request cancelled (PvmNotifyCancel) is told at once,
 * as if the event had happened (but not PvmHostAdd's).
 */
#include "notify.h"

#include <stdlib.h>

#include "ctl.h"
#include "defs.h"
#include "enc.h"
#include "event.h"
#include "frame.h"
#include "hosttab.h"
#include "log.h"
#include "pvm3.h"
#include "pvmd.h"
#include "route.h"
#include "tasktab.h"
#include "tid.h"
#include "wire.h"
#include "xport.h"

/* Every request waiting, in all: a task cannot grow the pvmd without
 * bound (PvmOutOfRes past it). */
#define NOTIFY_MAX (1 << 20)

/* A PvmTaskExit or PvmHostDelete request of a task of this host, in two
 * chains: its target's and its watcher's (an exit fires the one and drops
 * the other without a walk over every request of the host). */
struct watch {
    int watcher; /* the task that asked */
    int kind;    /* PvmTaskExit or PvmHostDelete */
    int tag, ctx;
    int target;                     /* the task, or the host's pvmd tid */
    struct watch *tnext, **tpprev;  /* bucket of target */
    struct watch *wnext, **wpprev;  /* bucket of watcher */
};

/* A PvmHostAdd request. */
struct host_add {
    int watcher, tag, ctx;
    int count; /* messages still to send; -1 without end */
    struct host_add *next;
};

/* A pvmd of another host watching a task of this one, in its target's
 * bucket. */
struct peer_watch {
    int pvmd, target;
    struct peer_watch *next;
};

/* Buckets: a power of two, doubled when the table holds twice as many. */
#define NOTIFY_BUCKETS_MIN 64

struct notify_tab {
    struct watch **by_target, **by_watcher;
    size_t nb, nwatches;
    struct host_add *adds;
    struct peer_watch **peers;
    size_t npb, npeers;
};

static size_t bucket(int tid, size_t nb)
{
    return ((uint32_t)tid * 0x9e3779b1u >> 7) & (nb - 1);
}

static void chain_add(struct watch **head, struct watch *w, bool target)
{
    struct watch **next = target ? &w->tnext : &w->wnext;
    struct watch ***pprev = target ? &w->tpprev : &w->wpprev;
    *next = *head;
    if (*head)
        *(target ? &(*head)->tpprev : &(*head)->wpprev) = next;
    *head = w;
    *pprev = head;
}

static void watch_link(struct notify_tab *n, struct watch *w)
{
    chain_add(&n->by_target[bucket(w->target, n->nb)], w, true);
    chain_add(&n->by_watcher[bucket(w->watcher, n->nb)], w, false);
    n->nwatches++;
}

static void watch_unlink(struct notify_tab *n, struct watch *w)
{
    *w->tpprev = w->tnext;
    if (w->tnext)
        w->tnext->tpprev = w->tpprev;
    *w->wpprev = w->wnext;
    if (w->wnext)
        w->wnext->wpprev = w->wpprev;
    n->nwatches--;
}

/* Doubles the buckets when the table outgrows them; on no memory the
 * chains just grow longer. */
static void watch_grow(struct notify_tab *n)
{
    if (n->nwatches < 2 * n->nb)
        return;
    size_t nb = 2 * n->nb;
    struct watch **bt = calloc(nb, sizeof *bt), **bw = calloc(nb, sizeof *bw);
    if (!bt || !bw) {
        free(bt);
        free(bw);
        return;
    }
    struct watch **ot = n->by_target;
    size_t onb = n->nb;
    free(n->by_watcher);
    n->by_target = bt;
    n->by_watcher = bw;
    n->nb = nb;
    n->nwatches = 0;
    for (size_t i = 0; i < onb; i++)
        for (struct watch *w = ot[i], *next; w; w = next) {
            next = w->tnext;
            watch_link(n, w);
        }
    free(ot);
}

static void peers_grow(struct notify_tab *n)
{
    if (n->npeers < 2 * n->npb)
        return;
    size_t nb = 2 * n->npb;
    struct peer_watch **b = calloc(nb, sizeof *b);
    if (!b)
        return;
    for (size_t i = 0; i < n->npb; i++)
        for (struct peer_watch *p = n->peers[i], *next; p; p = next) {
            next = p->next;
            struct peer_watch **h = &b[bucket(p->target, nb)];
            p->next = *h;
            *h = p;
        }
    free(n->peers);
    n->peers = b;
    n->npb = nb;
}

int notify_init(struct pvmd *d)
{
    struct notify_tab *n = calloc(1, sizeof *n);
    if (!n)
        return PvmNoMem;
    n->nb = n->npb = NOTIFY_BUCKETS_MIN;
    n->by_target = calloc(n->nb, sizeof *n->by_target);
    n->by_watcher = calloc(n->nb, sizeof *n->by_watcher);
    n->peers = calloc(n->npb, sizeof *n->peers);
    d->notify = n;
    if (!n->by_target || !n->by_watcher || !n->peers) {
        notify_fini(d);
        return PvmNoMem;
    }
    return 0;
}

void notify_fini(struct pvmd *d)
{
    struct notify_tab *n = d->notify;
    if (!n)
        return;
    for (size_t i = 0; n->by_target && i < n->nb; i++)
        for (struct watch *w = n->by_target[i], *next; w; w = next) {
            next = w->tnext;
            free(w);
        }
    while (n->adds) {
        struct host_add *a = n->adds;
        n->adds = a->next;
        free(a);
    }
    for (size_t i = 0; n->peers && i < n->npb; i++)
        for (struct peer_watch *p = n->peers[i], *next; p; p = next) {
            next = p->next;
            free(p);
        }
    free(n->by_target);
    free(n->by_watcher);
    free(n->peers);
    free(n);
    d->notify = NULL;
}

/* ===================================================================== */
/* Telling                                                                */
/* ===================================================================== */

/* Sends watcher a message of n integers (packed as PvmDataDefault packs
 * them: big-endian) with tag and ctx, from PVM's pvmd tid. */
static void tell(struct pvmd *d, int watcher, int tag, int ctx, const int32_t *v, size_t n)
{
    uint8_t *p = malloc(n ? 4 * n : 1);
    if (!p) {
        log_error(d, "no memory to notify t%x", (unsigned)watcher);
        return;
    }
    for (size_t i = 0; i < n; i++)
        enc_put_int(p + 4 * i, v[i]);
    struct wire_hdr h = {
        .flags = WIRE_F_NOSEQ,
        .src = WIRE_SRC_PVMD,
        .dst = watcher,
        .tag = tag,
        .ctx = ctx,
        .enc = PvmDataDefault,
        .len = 4 * n,
    };
    struct frame *f = frame_new(&h, p);
    if (f)
        route_frame(d, f);
}

static void tell_watch(struct pvmd *d, const struct watch *w)
{
    int32_t v = w->target;
    tell(d, w->watcher, w->tag, w->ctx, &v, 1);
}

/* Tells and drops the watches in list (linked by tnext, out of the
 * table).  They are taken out first and told after: telling sends, a send
 * may end a link, and the events that follow may change the table. */
static void tell_all(struct pvmd *d, struct watch *out)
{
    while (out) {
        struct watch *w = out;
        out = w->tnext;
        tell_watch(d, w);
        free(w);
    }
}

/* A task is gone: the watches of its exit. */
static void fire_task(struct pvmd *d, int tid)
{
    struct notify_tab *n = d->notify;
    struct watch *out = NULL;
    for (struct watch *w = n->by_target[bucket(tid, n->nb)], *next; w; w = next) {
        next = w->tnext;
        if (w->kind != PvmTaskExit || w->target != tid)
            continue;
        watch_unlink(n, w);
        w->tnext = out;
        out = w;
    }
    tell_all(d, out);
}

/* A host is lost: its pvmd's watches, and every task of it watched. */
static void fire_host(struct pvmd *d, int host)
{
    struct notify_tab *n = d->notify;
    struct watch *out = NULL;
    for (size_t i = 0; i < n->nb; i++)
        for (struct watch *w = n->by_target[i], *next; w; w = next) {
            next = w->tnext;
            if (tid_host(w->target) != host)
                continue;
            watch_unlink(n, w);
            w->tnext = out;
            out = w;
        }
    tell_all(d, out);
}

/* ===================================================================== */
/* Watching tasks of other hosts                                          */
/* ===================================================================== */

/* Asks tid's pvmd to tell this one when tid is gone.  False when its
 * host is not (or no longer) in the table: it is gone. */
static bool watch_remote(struct pvmd *d, int tid)
{
    struct host *h = hosttab_get(d->hosts, tid_host(tid));
    if (!h)
        return false;
    Pvm__NotifyRequest q = PVM__NOTIFY_REQUEST__INIT;
    int32_t t = tid;
    q.what = PvmTaskExit;
    q.n_tids = 1;
    q.tids = &t;
    struct frame *f = frame_ctl(d->mytid, h->tid, PVM__CTL_TYPE__CTL_NOTIFY, 0, 0, &q.base);
    return f && route_frame(d, f) == 0;
}

/* A peer asks: tell it when these tasks of ours are gone. */
static void peer_watches(struct pvmd *d, int pvmd, const Pvm__NotifyRequest *q)
{
    struct notify_tab *n = d->notify;
    int32_t *gone = malloc((q->n_tids ? q->n_tids : 1) * sizeof *gone);
    size_t ngone = 0;
    for (size_t i = 0; i < q->n_tids; i++) {
        int tid = q->tids[i];
        if (tid_host(tid) != d->myhost || !tid_is_task(tid) || !tasktab_find(d->tasks, tid)) {
            if (gone)
                gone[ngone++] = tid;
            continue;
        }
        struct peer_watch **head = &n->peers[bucket(tid, n->npb)];
        bool known = false;
        for (struct peer_watch *p = *head; p && !known; p = p->next)
            known = p->pvmd == pvmd && p->target == tid;
        struct peer_watch *p = known ? NULL : malloc(sizeof *p);
        if (p) {
            *p = (struct peer_watch){.pvmd = pvmd, .target = tid, .next = *head};
            *head = p;
            n->npeers++;
            peers_grow(n);
        } else if (!known && gone) {
            gone[ngone++] = tid; /* no memory: rather a notice too early than none */
        }
    }
    if (ngone) {
        Pvm__Siblings s = PVM__SIBLINGS__INIT;
        s.n_tids = ngone;
        s.tids = gone;
        struct frame *f = frame_ctl(d->mytid, pvmd, PVM__CTL_TYPE__CTL_TASKS_GONE, 0, 0, &s.base);
        if (f)
            route_frame(d, f);
    }
    free(gone);
}

/* A task of ours exited: every pvmd watching it is told, once (taken out
 * of the table first, as in fire). */
static void peers_task_gone(struct pvmd *d, int tid)
{
    struct notify_tab *n = d->notify;
    struct peer_watch *out = NULL;
    for (struct peer_watch **pp = &n->peers[bucket(tid, n->npb)]; *pp;) {
        struct peer_watch *p = *pp;
        if (p->target != tid) {
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        n->npeers--;
        p->next = out;
        out = p;
    }
    while (out) {
        struct peer_watch *p = out;
        out = p->next;
        Pvm__Siblings s = PVM__SIBLINGS__INIT;
        int32_t t = tid;
        s.n_tids = 1;
        s.tids = &t;
        struct frame *f =
            frame_ctl(d->mytid, p->pvmd, PVM__CTL_TYPE__CTL_TASKS_GONE, 0, 0, &s.base);
        if (f)
            route_frame(d, f);
        free(p);
    }
}

static void peers_host_lost(struct pvmd *d, int host)
{
    struct notify_tab *n = d->notify;
    for (size_t i = 0; i < n->npb; i++)
        for (struct peer_watch **pp = &n->peers[i]; *pp;) {
            struct peer_watch *p = *pp;
            if (tid_host(p->pvmd) == host) {
                *pp = p->next;
                n->npeers--;
                free(p);
            } else {
                pp = &p->next;
            }
        }
}

void notify_tasks_gone(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    const Pvm__Siblings *s = (const Pvm__Siblings *)m;
    if (!r->link || !tid_is_pvmd(r->link->peer))
        return;
    int host = tid_host(r->link->peer);
    for (size_t i = 0; i < s->n_tids; i++)
        if (tid_host(s->tids[i]) == host) /* a pvmd speaks for its own tasks only */
            fire_task(d, s->tids[i]);
}

/* ===================================================================== */
/* Requests                                                               */
/* ===================================================================== */

/* Cancels watcher's request (kind, tag, target): told at once, as if. */
static void cancel(struct pvmd *d, int watcher, int kind, int tag, int target)
{
    struct notify_tab *n = d->notify;
    for (struct watch *w = n->by_target[bucket(target, n->nb)]; w; w = w->tnext)
        if (w->watcher == watcher && w->kind == kind && w->tag == tag && w->target == target) {
            watch_unlink(n, w);
            tell_watch(d, w);
            free(w);
            return;
        }
}

static void host_add_request(struct pvmd *d, int watcher, const Pvm__NotifyRequest *q, bool off)
{
    struct notify_tab *n = d->notify;
    struct host_add **pp = &n->adds;
    while (*pp && (*pp)->watcher != watcher)
        pp = &(*pp)->next;
    /* One count per task: a new request replaces it, a cancel or a count
     * of 0 ends it. */
    if (off || q->count == 0) {
        if (*pp) {
            struct host_add *a = *pp;
            *pp = a->next;
            free(a);
        }
        return;
    }
    struct host_add *a = *pp;
    if (!a) {
        if (!(a = calloc(1, sizeof *a)))
            return;
        a->watcher = watcher;
        a->next = n->adds;
        n->adds = a;
    }
    a->tag = q->tag;
    a->ctx = q->ctx;
    a->count = q->count;
}

/* Is target there to be watched?  Its own tid for a task; any tid of a
 * host for PvmHostDelete. */
static bool present(struct pvmd *d, int kind, int target)
{
    if (kind == PvmHostDelete)
        return hosttab_get(d->hosts, tid_host(target)) != NULL;
    if (tid_host(target) == d->myhost)
        return tasktab_find(d->tasks, target) != NULL;
    return watch_remote(d, target);
}

void notify_request(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    const Pvm__NotifyRequest *q = (const Pvm__NotifyRequest *)m;
    if (r->link && tid_is_pvmd(r->link->peer)) {
        if ((q->what & ~PvmNotifyCancel) == PvmTaskExit)
            peer_watches(d, r->link->peer, q);
        return; /* no answer */
    }
    struct notify_tab *n = d->notify;
    int watcher = r->from;
    int kind = q->what & ~PvmNotifyCancel;
    bool off = q->what & PvmNotifyCancel;
    if (!tid_is_task(watcher) || tid_host(watcher) != d->myhost ||
        (kind != PvmTaskExit && kind != PvmHostDelete && kind != PvmHostAdd) || q->tag < 0) {
        req_status(d, r, PvmBadParam);
        return;
    }
    if (kind == PvmHostAdd) {
        host_add_request(d, watcher, q, off);
        req_status(d, r, PvmOk);
        return;
    }
    for (size_t i = 0; i < q->n_tids; i++)
        if (kind == PvmTaskExit ? !tid_is_task(q->tids[i])
                                : q->tids[i] != 0 && !tid_is_valid(q->tids[i])) {
            req_status(d, r, PvmBadParam);
            return;
        }
    /* libpvm's own requests (its reserved context: the ends of the tasks
     * it talks to) have room of their own beyond the users' limits, so a
     * program's requests cannot crowd them out.  Bounded all the same: the
     * context is the request's word, and any task may say it. */
    bool sys = q->ctx == PVM_SYS_CTX;
    size_t max = sys ? 2 * (size_t)NOTIFY_MAX : NOTIFY_MAX;
    size_t max_task = sys ? 2 * (size_t)NOTIFY_MAX_PER_TASK : NOTIFY_MAX_PER_TASK;
    if (!off && n->nwatches + q->n_tids > max) {
        req_status(d, r, PvmOutOfRes);
        return;
    }
    if (!off && n->nwatches + q->n_tids > max_task) {
        /* Only when the table could hold that many: one task may not
         * take the place of all the others. */
        size_t mine = q->n_tids;
        for (struct watch *w = n->by_watcher[bucket(watcher, n->nb)]; w; w = w->wnext)
            mine += w->watcher == watcher;
        if (mine > max_task) {
            req_status(d, r, PvmOutOfRes);
            return;
        }
    }
    /* The answer first: notices of what is already gone follow it. */
    req_status(d, r, PvmOk);
    for (size_t i = 0; i < q->n_tids; i++) {
        int target = q->tids[i];
        if (off) {
            cancel(d, watcher, kind, q->tag, target);
            continue;
        }
        struct watch *w = malloc(sizeof *w);
        if (!w) {
            log_error(d, "no memory for a notify request of t%x", (unsigned)watcher);
            continue;
        }
        *w = (struct watch){.watcher = watcher, .kind = kind, .tag = q->tag, .ctx = q->ctx,
                            .target = target};
        if (!present(d, kind, target)) {
            tell_watch(d, w);
            free(w);
            continue;
        }
        watch_link(n, w);
        watch_grow(n);
    }
}

/* ===================================================================== */
/* Events                                                                 */
/* ===================================================================== */

/* A watcher that exits (or leaves PVM) asks nothing more: its requests
 * go, untold. */
static void drop_watcher(struct pvmd *d, int tid)
{
    struct notify_tab *n = d->notify;
    for (struct watch *w = n->by_watcher[bucket(tid, n->nb)], *next; w; w = next) {
        next = w->wnext;
        if (w->watcher == tid) {
            watch_unlink(n, w);
            free(w);
        }
    }
    for (struct host_add **pp = &n->adds; *pp;) {
        struct host_add *a = *pp;
        if (a->watcher == tid) {
            *pp = a->next;
            free(a);
        } else {
            pp = &a->next;
        }
    }
}

static void host_added(struct pvmd *d, int dtid)
{
    struct notify_tab *n = d->notify;
    int32_t v[2] = {1, dtid};
    /* Who is told, noted first (and counted down): telling may change the
     * table (see fire). */
    size_t k = 0, cap = 0;
    struct host_add *told = NULL;
    for (struct host_add *a = n->adds; a; a = a->next)
        cap++;
    if (cap && !(told = malloc(cap * sizeof *told))) {
        log_error(d, "no memory to notify of host t%x", (unsigned)dtid);
        return;
    }
    for (struct host_add **pp = &n->adds; *pp;) {
        struct host_add *a = *pp;
        told[k++] = *a;
        if (a->count > 0 && --a->count == 0) {
            *pp = a->next;
            free(a);
        } else {
            pp = &a->next;
        }
    }
    for (size_t i = 0; i < k; i++)
        tell(d, told[i].watcher, told[i].tag, told[i].ctx, v, 2);
    free(told);
}

void notify_task_left(struct pvmd *d, int tid)
{
    if (d->notify)
        drop_watcher(d, tid);
}

void notify_on_event(struct pvmd *d, const struct event *ev)
{
    if (!d->notify)
        return;
    switch (ev->kind) {
    case EVENT_TASK_EXIT:
        /* Its own requests first: it is not told of itself. */
        drop_watcher(d, ev->tid);
        fire_task(d, ev->tid);
        peers_task_gone(d, ev->tid);
        break;
    case EVENT_HOST_LOST:
        fire_host(d, tid_host(ev->tid));
        peers_host_lost(d, tid_host(ev->tid));
        break;
    case EVENT_HOST_ADD:
        host_added(d, ev->tid);
        break;
    case EVENT_TASK_START:
        break;
    }
}
