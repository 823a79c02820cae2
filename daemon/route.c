/*
 * route.c - the routing step.
 */
#include "route.h"

#include "conn.h"
#include "ctl_handlers.h"
#include "defs.h"
#include "frame.h"
#include "hosttab.h"
#include "pvm3.h"
#include "pvmd.h"
#include "tasktab.h"
#include "tid.h"

static int drop(struct pvmd *d, struct frame *f, int code, const char *why)
{
    log_info(d, "message t%x -> t%x tag %d (%llu bytes) dropped: %s", (unsigned)f->h.src,
             (unsigned)f->h.dst, f->h.tag, (unsigned long long)f->h.len, why);
    frame_free(&f);
    return code;
}

/* ===================================================================== */
/* Back-pressure                                                          */
/* ===================================================================== */

/* Bytes the pvmd holds for task t: queued until it connects, or written
 * to its connection and not yet taken. */
static size_t held_for(const struct task *t)
{
    return t->pending.bytes + (t->conn ? t->conn->wq_bytes : 0);
}

/* After routing a frame from c to dst: a task that is behind by more than
 * ROUTE_HIGH_WATER stops the pvmd reading its sender, instead of the pvmd
 * growing without bound.  The sender's libpvm then waits in its write,
 * reading what comes to it meanwhile, so two tasks flooding each other
 * still both progress. */
static void hold_back(struct pvmd *d, struct conn *c, int dst)
{
    struct task *t = tid_host(dst) == d->myhost ? tasktab_find(d->tasks, dst) : NULL;
    if (!t || held_for(t) <= ROUTE_HIGH_WATER)
        return;
    t->senders_paused = true;
    conn_pause(c, dst);
}

void route_drained(struct pvmd *d, int tid)
{
    struct task *t = tid ? tasktab_find(d->tasks, tid) : NULL;
    if (t && t->senders_paused && held_for(t) < ROUTE_LOW_WATER)
        route_release(d, t);
}

void route_release(struct pvmd *d, struct task *t)
{
    if (!t->senders_paused)
        return;
    t->senders_paused = false;
    for (struct conn *c = d->conns; c; c = c->next)
        if (c->blocked_on == t->tid)
            conn_resume(c);
}

/* ===================================================================== */
/* Routing                                                                */
/* ===================================================================== */

int route_frame(struct pvmd *d, struct frame *f)
{
    int dst = f->h.dst;
    if (!tid_is_valid(dst))
        return drop(d, f, PvmNoTask, "not a task id");
    if (tid_host(dst) == d->myhost) {
        if (tid_local(dst) == 0)
            return drop(d, f, PvmNoTask, "a user message to the pvmd");
        struct task *t = tasktab_find(d->tasks, dst);
        if (!t)
            return drop(d, f, PvmNoTask, "no such task");
        if (t->conn)
            return xport_send(&t->conn->x, f) < 0 ? PvmNoTask : 0;
        if (t->flags & TF_SPAWNED) {
            /* Spawned but not enrolled yet: it will be (design.md). */
            frame_queue_push(&t->pending, f);
            return 0;
        }
        return drop(d, f, PvmNoTask, "task not connected");
    }
    struct host *h = hosttab_get(d->hosts, tid_host(dst));
    if (h && h->link)
        return xport_send(h->link, f) < 0 ? PvmNoHost : 0;
    return drop(d, f, PvmNoHost, "no host for that tid");
}

void route_from_conn(struct pvmd *d, struct conn *c, struct frame *f)
{
    if (!c->tid) {
        if ((f->h.flags & WIRE_F_CTL) && f->h.tag == PVM__CTL_TYPE__CTL_HELLO &&
            !(f->h.flags & WIRE_F_REPLY)) {
            ctl_handlers_hello(d, c, f);
            return;
        }
        frame_free(&f);
        conn_close(c, "refused: the first frame was not CTL_HELLO");
        return;
    }
    if (c->exited) {
        log_info(d, "t%x: frame after CTL_EXIT refused", (unsigned)c->tid);
        frame_free(&f);
        return;
    }
    if ((f->h.flags & WIRE_F_CTL) && (f->h.dst == d->mytid || f->h.dst == 0)) {
        ctl_handlers_dispatch(d, c, f);
        return;
    }
    /* A task speaks only for itself: a forged source would let replies
     * and ordering go to the wrong task. */
    if (f->h.src != c->tid) {
        log_info(d, "t%x: frame with source t%x refused", (unsigned)c->tid, (unsigned)f->h.src);
        frame_free(&f);
        return;
    }
    int dst = f->h.dst;
    route_frame(d, f);
    hold_back(d, c, dst);
}
