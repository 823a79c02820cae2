/*
 * pending.c - the table of forwarded requests.
 *
 * A list (requests in flight are few: a console's remote `ps`, a spawn on
 * another host) and one timer armed for the earliest deadline.  Our own
 * wait ids count up from 1 and are matched against replies; a reply whose
 * request has already been finished (timed out, host lost) is dropped.
 */
#include "pending.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "ctl.h"
#include "event.h"
#include "frame.h"
#include "pvm3.h"
#include "pvmd.h"
#include "route.h"
#include "tid.h"

struct pending_req {
    struct req orig; /* who asked (link NULL) */
    int wid;         /* our wait id on the forwarded request */
    int to;          /* the tid answering it */
    uint64_t due_ms; /* uv_now deadline */
    pending_fn fn;   /* NULL: relay */
    void *arg;
    struct pending_req *next;
};

struct pending_tab {
    struct pending_req *head;
    size_t n;
    int next_wid;
    uv_timer_t timer;
    struct pvmd *d; /* for the close callback */
};

int pending_init(struct pvmd *d)
{
    struct pending_tab *pt = calloc(1, sizeof *pt);
    if (!pt)
        return PvmNoMem;
    uv_timer_init(d->loop, &pt->timer);
    pt->timer.data = d;
    d->pending = pt;
    return 0;
}

size_t pending_count(struct pvmd *d)
{
    return d->pending ? d->pending->n : 0;
}

/* Relays a reply to the original requester, under its wid. */
static void relay(struct pvmd *d, const struct req *orig, int status, const struct frame *reply)
{
    if (status < 0) {
        req_status(d, orig, status);
        return;
    }
    struct wire_hdr h = reply->h;
    h.src = d->mytid;
    h.dst = orig->from;
    h.wid = orig->wid;
    struct frame *f = frame_copy(&h, NULL, 0, reply, 0);
    if (f)
        route_frame(d, f);
    else
        req_status(d, orig, PvmNoMem);
}

/* Takes p out of the list and finishes it; the caller frees p. */
static void finish(struct pvmd *d, struct pending_req *p, int status, const struct frame *reply)
{
    if (status < 0)
        log_info(d, "%s request of t%x to t%x failed: %s", ctl_type_name(p->orig.type),
                 (unsigned)p->orig.from, (unsigned)p->to,
                 status == PvmHostFail ? "host lost"
                 : status == PvmNoTask ? "task gone"
                                       : "no answer (time-out or halt)");
    if (p->fn)
        p->fn(d, &p->orig, status, reply, p->arg);
    else
        relay(d, &p->orig, status, reply);
}

static struct pending_req *unlink_req(struct pending_tab *pt, struct pending_req **pp)
{
    struct pending_req *p = *pp;
    *pp = p->next;
    p->next = NULL;
    pt->n--;
    return p;
}

static void on_timer(uv_timer_t *tm);

/* Arms the timer for the earliest deadline, or stops it. */
static void rearm(struct pvmd *d)
{
    struct pending_tab *pt = d->pending;
    if (!pt->head) {
        uv_timer_stop(&pt->timer);
        return;
    }
    uint64_t due = UINT64_MAX;
    for (struct pending_req *p = pt->head; p; p = p->next)
        if (p->due_ms < due)
            due = p->due_ms;
    uint64_t now = uv_now(d->loop);
    uv_timer_start(&pt->timer, on_timer, due > now ? due - now : 0, 0);
}

/* Fails every request for which match() holds, with code. */
static void fail_matching(struct pvmd *d, bool (*match)(const struct pending_req *, int, uint64_t),
                          int key, uint64_t now, int code)
{
    struct pending_tab *pt = d->pending;
    /* Finishing may send frames and, through them, reach this table again
     * (a relay to a task that is gone): unlink first, finish after. */
    struct pending_req *done = NULL, **tail = &done;
    for (struct pending_req **pp = &pt->head; *pp;) {
        if (match(*pp, key, now)) {
            *tail = unlink_req(pt, pp);
            tail = &(*tail)->next;
        } else {
            pp = &(*pp)->next;
        }
    }
    while (done) {
        struct pending_req *p = done;
        done = p->next;
        finish(d, p, code, NULL);
        free(p);
    }
    rearm(d);
}

static bool is_due(const struct pending_req *p, int key, uint64_t now)
{
    (void)key;
    return p->due_ms <= now;
}

static bool on_host(const struct pending_req *p, int host, uint64_t now)
{
    (void)now;
    return tid_host(p->to) == host;
}

static bool waits_on(const struct pending_req *p, int tid, uint64_t now)
{
    (void)now;
    return p->to == tid;
}

static bool any(const struct pending_req *p, int key, uint64_t now)
{
    (void)p;
    (void)key;
    (void)now;
    return true;
}

static void on_timer(uv_timer_t *tm)
{
    struct pvmd *d = tm->data;
    fail_matching(d, is_due, 0, uv_now(d->loop), PvmSysErr);
}

int pending_forward(struct pvmd *d, const struct req *r, const ProtobufCMessage *msg, int to,
                    int timeout_ms, pending_fn fn, void *arg)
{
    struct pending_tab *pt = d->pending;
    if (!pt)
        return PvmSysErr; /* halting */
    if (pt->n >= PENDING_MAX)
        return PvmOutOfRes;
    size_t mine = 0;
    for (struct pending_req *q = pt->head; q; q = q->next)
        mine += q->orig.from == r->from;
    if (mine >= PENDING_MAX_PER_REQUESTER)
        return PvmOutOfRes;
    struct pending_req *p = calloc(1, sizeof *p);
    if (!p)
        return PvmNoMem;
    if (++pt->next_wid <= 0)
        pt->next_wid = 1;
    p->wid = pt->next_wid;
    p->orig = *r;
    p->orig.link = NULL;
    p->to = to;
    p->fn = fn;
    p->arg = arg;
    p->due_ms = uv_now(d->loop) + (uint64_t)(timeout_ms > 0 ? timeout_ms : PENDING_TIMEOUT_MS);
    struct frame *f = frame_ctl(d->mytid, to, r->type, 0, p->wid, msg);
    if (!f) {
        free(p);
        return PvmNoMem;
    }
    /* In the table before sending: a transport may fail the link (and so
     * this request) from inside the send. */
    p->next = pt->head;
    pt->head = p;
    pt->n++;
    rearm(d);
    int cc = route_frame(d, f);
    if (cc < 0) {
        for (struct pending_req **pp = &pt->head; *pp; pp = &(*pp)->next)
            if (*pp == p) {
                free(unlink_req(pt, pp));
                rearm(d);
                return cc;
            }
        /* Already finished from inside the send: its callback ran. */
        return 0;
    }
    log_debug(d, "%s of t%x forwarded to t%x as wid %d", ctl_type_name(r->type), (unsigned)r->from,
              (unsigned)to, p->wid);
    return 0;
}

void pending_reply(struct pvmd *d, int from, struct frame *f)
{
    struct pending_tab *pt = d->pending;
    for (struct pending_req **pp = pt ? &pt->head : NULL; pp && *pp; pp = &(*pp)->next) {
        struct pending_req *p = *pp;
        /* Only the tid asked may answer, as its link says (a wid alone is
         * easy to guess, and a header is the sender's word). */
        if (p->wid != f->h.wid || p->to != from)
            continue;
        unlink_req(pt, pp);
        rearm(d);
        finish(d, p, 0, f);
        free(p);
        frame_free(&f);
        return;
    }
    log_info(d, "reply %s from t%x (wid %d) answers no waiting request: dropped",
             ctl_type_name(f->h.tag), (unsigned)from, f->h.wid);
    frame_free(&f);
}

void pending_on_event(struct pvmd *d, const struct event *ev)
{
    if (!d->pending || !d->pending->head)
        return;
    if (ev->kind == EVENT_HOST_LOST)
        fail_matching(d, on_host, tid_host(ev->tid), 0, PvmHostFail);
    else if (ev->kind == EVENT_TASK_EXIT)
        fail_matching(d, waits_on, ev->tid, 0, PvmNoTask);
}

static void on_timer_closed(uv_handle_t *h)
{
    struct pending_tab *pt = h->data;
    struct pvmd *d = pt->d;
    free(pt);
    pvmd_halt_check(d);
}

void pending_fini(struct pvmd *d)
{
    struct pending_tab *pt = d->pending;
    if (!pt)
        return;
    fail_matching(d, any, 0, 0, PvmSysErr);
    d->pending = NULL;
    /* The table goes with its timer handle, once libuv is done with it. */
    pt->d = d;
    pt->timer.data = pt;
    uv_close((uv_handle_t *)&pt->timer, on_timer_closed);
}
