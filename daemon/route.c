/*
 * route.c - the routing step, and the daemon's side of the transport
 * seam (the xport_up_* upcalls).
 */
#include "route.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_handlers.h"
#include "defs.h"
#include "event.h"
#include "frame.h"
#include "hosttab.h"
#include "output.h"
#include "pending.h"
#include "pvm3.h"
#include "pvmd.h"
#include "regs.h"
#include "tasktab.h"
#include "tid.h"
#include "xport.h"

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
 * to its link and not yet taken. */
static size_t held_for(const struct task *t)
{
    struct xport *x = tasktab_link(t);
    return tasktab_queued_bytes(t) + (x ? x->ops->queued(x) : 0);
}

/* Whether the pvmd holds too much for a task that it holds `held' bytes
 * for: more than a task may have, or, once all tasks together are past
 * their budget, more than the floor (so the budget spent on tasks that
 * do not read never stalls tasks that do). */
static bool over(const struct pvmd *d, size_t held)
{
    return held > d->limits.hold_task ||
           (d->held > d->limits.hold_total && held > d->limits.hold_floor);
}

/* Whether a task held back for is low enough for its senders to go on. */
static bool under(const struct pvmd *d, size_t held)
{
    return held < d->limits.hold_task / 4 &&
           (d->held <= d->limits.hold_total || held < d->limits.hold_floor);
}

int route_over(struct pvmd *d, int dst)
{
    if (tid_host(dst) != d->myhost) {
        /* Another host: its link holds what its pvmd has not taken. */
        struct host *h = hosttab_get(d->hosts, tid_host(dst));
        struct xport *hx = h ? h->link : NULL;
        return hx && hx->ops->queued(hx) > d->limits.hold_task ? h->tid : 0;
    }
    struct task *t = tasktab_find(d->tasks, dst);
    if (!t || !over(d, held_for(t)))
        return 0;
    tasktab_set_paused(t, true);
    return dst;
}

/* After routing a frame from link x to dst: a task that is too far
 * behind (over()) stops the pvmd reading its sender, instead of the pvmd
 * growing without bound.  The sender's libpvm then waits in its write,
 * reading what comes to it meanwhile, so two tasks flooding each other
 * still both progress. */
static void hold_back(struct pvmd *d, struct xport *x, int dst)
{
    if (x->blocked_on)
        return;
    int on = route_over(d, dst);
    if (!on)
        return;
    if (tid_is_pvmd(on)) {
        struct host *h = hosttab_get(d->hosts, tid_host(on));
        if (x == h->link)
            return;
        x->blocked_on = on;
        x->ops->pause(x);
        log_debug(d, "t%x: reading paused until host %s drains", (unsigned)x->peer, h->name);
        return;
    }
    x->blocked_on = on;
    x->ops->pause(x);
    log_debug(d, "t%x: reading paused until t%x drains", (unsigned)x->peer, (unsigned)on);
}

static void resume_if_blocked_on(struct xport *x, void *arg)
{
    if (x->blocked_on == *(int *)arg) {
        x->blocked_on = 0;
        x->ops->resume(x);
    }
}

/* Resumes every link and output pipe paused for tid.  A resume may close
 * a link (it feeds what was staged): xport_each copes. */
static void release(struct pvmd *d, int tid)
{
    xport_each(d, resume_if_blocked_on, &tid);
    output_release(d, tid);
}

/* Releases t's senders once it is low enough. */
static void maybe_release(struct pvmd *d, struct task *t)
{
    if (tasktab_paused(t) && under(d, held_for(t))) {
        tasktab_set_paused(t, false);
        release(d, tasktab_tid(t));
    }
}

void xport_up_drained(struct xport *x)
{
    struct pvmd *d = x->d;
    if (tid_is_pvmd(x->peer)) {
        /* A host link: senders held back for that host may go on. */
        struct host *h = x->inbound ? NULL : hosttab_get(d->hosts, tid_host(x->peer));
        if (h && h->link == x && x->ops->queued(x) < d->limits.hold_task / 4)
            release(d, h->tid);
        return;
    }
    struct task *t = x->peer ? tasktab_find(d->tasks, x->peer) : NULL;
    if (t && tasktab_link(t) == x)
        maybe_release(d, t);
}

/* ===================================================================== */
/* What is held, and giving memory back                                   */
/* ===================================================================== */

/* A peak of held bytes worth giving back once it has gone, and how often
 * at most: glibc keeps freed heap (after a flood, 894 MB resident where
 * 3.8 MB were in use), and malloc_trim walks the whole heap. */
#define ROUTE_TRIM_AFTER ((size_t)16 << 20)
#define ROUTE_TRIM_EVERY_MS 1000

static void on_trim(uv_timer_t *tm)
{
    struct pvmd *d = tm->data;
    if (d->held >= ROUTE_TRIM_AFTER / 16)
        return; /* busy again: the next fall to nothing tries again */
    size_t peak = d->held_peak;
    malloc_trim(0);
    d->trimmed_at = uv_now(d->loop);
    d->held_peak = d->held;
    log_debug(d, "memory given back after %zu bytes were held", peak);
}

void route_held_add(struct pvmd *d, size_t n)
{
    d->held += n;
    if (d->held > d->held_peak)
        d->held_peak = d->held;
}

void route_held_sub(struct pvmd *d, size_t n)
{
    d->held = n > d->held ? 0 : d->held - n;
    if (d->held || d->held_peak < ROUTE_TRIM_AFTER || d->halting ||
        uv_is_active((uv_handle_t *)&d->trim_timer))
        return;
    uint64_t now = uv_now(d->loop), due = d->trimmed_at + ROUTE_TRIM_EVERY_MS;
    uv_timer_start(&d->trim_timer, on_trim, d->trimmed_at && due > now ? due - now : 0, 0);
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
        struct xport *x = tasktab_link(t);
        if (x)
            return xport_send(x, f) < 0 ? PvmNoTask : 0;
        if (tasktab_flags(t) & TF_SPAWNED) {
            /* Spawned but not enrolled yet: it will be (design.md). */
            tasktab_queue(d, t, f);
            return 0;
        }
        return drop(d, f, PvmNoTask, "task not connected");
    }
    struct host *h = hosttab_get(d->hosts, tid_host(dst));
    struct xport *x = h ? route_host_link(d, h) : NULL;
    if (x)
        return xport_send(x, f) < 0 ? PvmNoHost : 0;
    return drop(d, f, PvmNoHost, h ? "no link to its host" : "no host for that tid");
}

struct xport *route_host_link(struct pvmd *d, struct host *h)
{
    if (h->link || h->num == d->myhost || h->lost)
        return h->link;
    /* Links open when first needed (xport.h): dial the host's pvmd now;
     * what is sent meanwhile waits in the new link. */
    struct xport *x = NULL;
    if (!h->addr || !d->mesh_tran || !d->mesh_tran->dial ||
        d->mesh_tran->dial(d, h->addr, h->tid, &x) < 0 || !x)
        return NULL;
    h->link = x;
    log_debug(d, "dialling host %s (t%x) at %s", h->name, (unsigned)h->tid, h->addr);
    return x;
}

/* A control frame addressed to this pvmd: a request, or a reply to one of
 * ours.  `from' is the sender as the link vouches for it, not as the frame
 * says. */
static void to_pvmd(struct pvmd *d, struct xport *x, int from, struct frame *f)
{
    if (f->h.flags & WIRE_F_REPLY)
        pending_reply(d, from, f);
    else
        ctl_handlers_dispatch(d, x, from, f);
}

/* ===================================================================== */
/* Multicast                                                              */
/* ===================================================================== */

/* A new frame carrying f's message (payload after `skip' bytes), to dst
 * with seq, flags without MCAST, or NULL when out of memory. */
static struct frame *copy_to(struct pvmd *d, const struct frame *f, uint64_t skip, int dst,
                             uint64_t seq, const uint8_t *pre, size_t plen)
{
    struct wire_hdr h = f->h;
    h.dst = dst;
    h.seq = seq;
    if (!plen)
        h.flags &= (uint16_t)~WIRE_F_MCAST;
    struct frame *c = frame_copy(&h, pre, plen, f, skip);
    if (!c)
        log_error(d, "no memory for a multicast copy to t%x", (unsigned)dst);
    return c;
}

/* A WIRE_F_MCAST frame to this pvmd: each listed task of this host gets
 * the message; unless only_here, each other host concerned gets one frame
 * listing its tasks (one copy per host on the wire). */
static void route_mcast(struct pvmd *d, struct xport *x, struct frame *f, bool only_here)
{
    uint32_t n;
    if (wire_mcast_decode(f->payload, f->h.len, &n) < 0) {
        drop(d, f, PvmBadMsg, "malformed multicast list");
        return;
    }
    uint64_t skip = wire_mcast_len(n);
    bool *done = calloc(n, sizeof *done);
    struct wire_dest *sub = malloc(n * sizeof *sub);
    uint8_t *list = malloc(wire_mcast_len(n));
    if (!done || !sub || !list) {
        free(done);
        free(sub);
        free(list);
        drop(d, f, PvmNoMem, "out of memory");
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        struct wire_dest e = wire_mcast_entry(f->payload, i);
        int host = tid_host(e.tid);
        if (host == d->myhost) {
            done[i] = true;
            struct frame *c = copy_to(d, f, skip, e.tid, e.seq, NULL, 0);
            if (c) {
                route_frame(d, c);
                if (x)
                    hold_back(d, x, e.tid);
            }
            continue;
        }
        /* Every entry of that host, in one frame to its pvmd. */
        uint32_t k = 0;
        for (uint32_t j = i; j < n; j++) {
            struct wire_dest ej = wire_mcast_entry(f->payload, j);
            if (!done[j] && tid_host(ej.tid) == host) {
                done[j] = true;
                sub[k++] = ej;
            }
        }
        if (only_here) {
            log_info(d, "multicast from t%x: %u destination(s) on host %d not relayed",
                     (unsigned)f->h.src, k, host);
            continue;
        }
        wire_mcast_encode(sub, k, list);
        struct frame *c = copy_to(d, f, skip, tid_pvmd(host), 0, list, wire_mcast_len(k));
        if (c) {
            route_frame(d, c);
            if (x)
                hold_back(d, x, tid_pvmd(host));
        }
    }
    free(done);
    free(sub);
    free(list);
    frame_free(&f);
}

/* Frames from a local task's link. */
static void from_task(struct pvmd *d, struct xport *x, struct frame *f)
{
    if (x->exited) {
        log_info(d, "t%x: frame after CTL_EXIT or a refused hello: refused", (unsigned)x->peer);
        frame_free(&f);
        return;
    }
    if (!x->peer) {
        if ((f->h.flags & WIRE_F_CTL) && f->h.tag == PVM__CTL_TYPE__CTL_HELLO &&
            !(f->h.flags & WIRE_F_REPLY)) {
            ctl_handlers_hello(d, x, f);
            return;
        }
        frame_free(&f);
        x->ops->close(x, "refused: the first frame was not CTL_HELLO");
        return;
    }
    if ((f->h.flags & WIRE_F_CTL) && (f->h.dst == d->mytid || f->h.dst == 0)) {
        to_pvmd(d, x, x->peer, f);
        return;
    }
    /* A task makes requests of its own pvmd only: one addressed to another
     * host's pvmd would reach it as if from this pvmd's link. */
    if ((f->h.flags & WIRE_F_CTL) && tid_is_pvmd(f->h.dst)) {
        log_info(d, "t%x: control frame to t%x refused", (unsigned)x->peer, (unsigned)f->h.dst);
        frame_free(&f);
        return;
    }
    /* Replies come from pvmds: one a task addresses to another task could
     * only answer (or spoil) that task's waiting request. */
    if ((f->h.flags & (WIRE_F_CTL | WIRE_F_REPLY)) == (WIRE_F_CTL | WIRE_F_REPLY)) {
        log_info(d, "t%x: control reply to t%x refused", (unsigned)x->peer, (unsigned)f->h.dst);
        frame_free(&f);
        return;
    }
    /* A task speaks only for itself: a forged source would let replies
     * and ordering go to the wrong task. */
    if (f->h.src != x->peer) {
        log_info(d, "t%x: frame with source t%x refused", (unsigned)x->peer, (unsigned)f->h.src);
        frame_free(&f);
        return;
    }
    /* libpvm's own context carries what pvmds tell tasks (output for
     * pvm_catchout, sibling lists, group and exit notices); a task that
     * sent in it could stall another's pvm_exit or spoil its tables.
     * PVM_GRP_CTX (collectives, task to task) is below it and passes. */
    if (f->h.ctx >= PVM_SYS_CTX) {
        log_info(d, "t%x: message in reserved context 0x%x refused", (unsigned)x->peer,
                 (unsigned)f->h.ctx);
        frame_free(&f);
        return;
    }
    if ((f->h.flags & WIRE_F_MCAST) && !(f->h.flags & WIRE_F_CTL)) {
        route_mcast(d, x, f, false);
        return;
    }
    /* A registered helper's answer (pvm_reg_hoster) to this pvmd. */
    if (!(f->h.flags & WIRE_F_CTL) && f->h.dst == d->mytid && regs_take(d, x->peer, f))
        return;
    int dst = f->h.dst;
    route_frame(d, f);
    hold_back(d, x, dst);
}

/* Frames from a peer pvmd's link. */
static void from_host(struct pvmd *d, struct xport *x, struct frame *f)
{
    /* A pvmd speaks for its own host's tids only. */
    if (!tid_is_valid(f->h.src) || tid_host(f->h.src) != tid_host(x->peer)) {
        log_info(d, "host link t%x: frame with source t%x refused", (unsigned)x->peer,
                 (unsigned)f->h.src);
        frame_free(&f);
        return;
    }
    if ((f->h.flags & WIRE_F_CTL) && f->h.dst == d->mytid) {
        to_pvmd(d, x, f->h.src, f);
        return;
    }
    /* The reserved context is the pvmds' own, as from a local task. */
    if (!(f->h.flags & WIRE_F_CTL) && f->h.ctx >= PVM_SYS_CTX && !tid_is_pvmd(f->h.src)) {
        log_info(d, "host link t%x: message from t%x in reserved context refused",
                 (unsigned)x->peer, (unsigned)f->h.src);
        frame_free(&f);
        return;
    }
    if ((f->h.flags & WIRE_F_MCAST) && f->h.dst == d->mytid) {
        route_mcast(d, x, f, true);
        return;
    }
    if (tid_host(f->h.dst) != d->myhost) {
        /* The mesh is complete: nothing is relayed through a third host. */
        drop(d, f, PvmNoHost, "not for this host");
        return;
    }
    int dst = f->h.dst;
    route_frame(d, f);
    hold_back(d, x, dst);
}

void route_input(struct pvmd *d, struct xport *x, struct frame *f)
{
    if (tid_is_pvmd(x->peer))
        from_host(d, x, f);
    else
        from_task(d, x, f);
}

/* ===================================================================== */
/* Links                                                                  */
/* ===================================================================== */

void xport_init(struct xport *x, struct pvmd *d, const struct xport_ops *ops,
                const struct xport_tran *tran)
{
    *x = (struct xport){.ops = ops, .tran = tran, .d = d};
}

struct xport *xport_first(struct pvmd *d)
{
    return d->links;
}

void xport_each(struct pvmd *d, void (*fn)(struct xport *x, void *arg), void *arg)
{
    size_t n = 0;
    for (struct xport *x = d->links; x; x = x->next)
        n++;
    struct xport *few[64];
    struct xport **all = n <= 64 ? few : malloc(n * sizeof *all);
    if (!all) {
        /* No memory for the snapshot: restart after every call instead
         * (fn must then change what it matches, as its callers' do). */
        for (struct xport *x = d->links; x;) {
            struct xport *next = x->next;
            fn(x, arg);
            x = x->down ? d->links : next;
        }
        return;
    }
    size_t k = 0;
    for (struct xport *x = d->links; x; x = x->next)
        all[k++] = x;
    /* Links stay allocated until the loop runs again (xport.h), so a link
     * that went down meanwhile is still there to be skipped. */
    for (size_t i = 0; i < k; i++)
        if (!all[i]->down)
            fn(all[i], arg);
    if (all != few)
        free(all);
}

void xport_up_frame(struct xport *x, struct frame *f)
{
    route_input(x->d, x, f);
}

void xport_up_link(struct xport *x)
{
    struct pvmd *d = x->d;
    if (x->up || x->down)
        return;
    x->up = true;
    x->next = d->links;
    x->prev = NULL;
    if (d->links)
        d->links->prev = x;
    d->links = x;
    if (!tid_is_pvmd(x->peer))
        return;
    struct host *h = hosttab_get(d->hosts, tid_host(x->peer));
    if (h && h->num == d->myhost) {
        x->ops->close(x, "link from a pvmd claiming this host's number");
        return;
    }
    /* The same host number from another start is not this host: a pvmd
     * the machine gave up on, or one restarted in its place.  (Another
     * host's table may be behind the first host's: it takes such a link
     * in, which only brings frames, and lets the next table decide.) */
    if (h && h->epoch && x->epoch && h->epoch != x->epoch && (!x->inbound || d->myhost == 1)) {
        x->ops->close(x, "a pvmd of another start than the host table's");
        return;
    }
    /* A link the peer dialled only brings its frames in (xport.h).  Another
     * pvmd may know of a new host before this one's copy of the table
     * does; the first host keeps the table and knows every host. */
    if (x->inbound) {
        if (!h && d->myhost == 1) {
            x->ops->close(x, "link from a pvmd that is not in the host table");
            return;
        }
        log_debug(d, "t%x linked in over %s", (unsigned)x->peer, x->tran->name);
        return;
    }
    if (!h) {
        x->ops->close(x, "link to a pvmd that is not in the host table");
        return;
    }
    /* Ours: its host's frames go this way from now on.  The link it
     * replaces is no loss of the host. */
    struct xport *old = h->link;
    h->link = x;
    if (old && old != x)
        old->ops->close(old, "replaced by a new link");
    log_info(d, "host %s (t%x) is up over %s", h->name, (unsigned)h->tid, x->tran->name);
}

void xport_up_down(struct xport *x, const char *why)
{
    struct pvmd *d = x->d;
    if (x->down)
        return;
    x->down = true;
    bool was_up = x->up;
    x->up = false;
    if (was_up) {
        if (x->prev)
            x->prev->next = x->next;
        else
            d->links = x->next;
        if (x->next)
            x->next->prev = x->prev;
        x->next = x->prev = NULL;
    }
    /* Links paused for a task forget that: they are gone. */
    x->blocked_on = 0;
    if (tid_is_pvmd(x->peer)) {
        struct host *h = hosttab_get(d->hosts, tid_host(x->peer));
        /* A pvmd that is not the first host cannot go on without it: its
         * tasks would be orphans.  Either link to it failing says so. */
        if (tid_host(x->peer) == 1 && d->myhost != 1 && !d->halting) {
            log_info(d, "lost the first host (%s): halting", why);
            pvmd_halt(d, "the first host is gone");
            return;
        }
        if (x->inbound || !h || h->link != x)
            return;
        h->link = NULL;
        if (d->halting)
            return;
        /* Not dialled again: a new link would start a new sequence, and
         * what the old one had not delivered would be a silent gap. */
        h->lost = true;
        log_info(d, "host %s (t%x) lost: %s", h->name, (unsigned)h->tid, why);
        event_raise(d, &(struct event){.kind = EVENT_HOST_LOST, .tid = h->tid, .why = why});
        return;
    }
    int tid = x->peer;
    struct task *t = tid ? tasktab_find(d->tasks, tid) : NULL;
    if (!t || tasktab_link(t) != x)
        return;
    tasktab_disconnect(d, t, "its connection closed");
    if ((t = tasktab_find(d->tasks, tid)))
        regs_task_left(d, t);
    /* A spawned task outlives its link: what was written to the link is
     * gone with it, so its senders may go on (into its queue).  One that
     * ended has released them already. */
    if ((t = tasktab_find(d->tasks, tid)))
        maybe_release(d, t);
}

void route_on_event(struct pvmd *d, const struct event *ev)
{
    if (ev->kind == EVENT_HOST_LOST) {
        release(d, ev->tid); /* what they send there is dropped now */
        return;
    }
    if (ev->kind == EVENT_TASK_EXIT && tasktab_paused(ev->t)) {
        tasktab_set_paused(ev->t, false);
        release(d, ev->tid);
    }
}
