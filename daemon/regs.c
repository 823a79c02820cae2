/*
 * regs.c - registered helpers, host clocks, pvm_tickle.
 */
#include "regs.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "ctl.h"
#include "defs.h"
#include "enc.h"
#include "event.h"
#include "frame.h"
#include "hostmgr.h"
#include "hosttab.h"
#include "output.h"
#include "pending.h"
#include "pvm3.h"
#include "pvmd.h"
#include "request.h"
#include "route.h"
#include "spawn.h"
#include "tasktab.h"
#include "tid.h"
#include "xport.h"

/* ===================================================================== */
/* Registration                                                           */
/* ===================================================================== */

static int *slot(struct pvmd *d, int kind)
{
    switch (kind) {
    case REG_HOSTER:
        return &d->regs.hoster;
    case REG_TASKER:
        return &d->regs.tasker;
    default:
        return &d->regs.rm;
    }
}

int regs_helper(struct pvmd *d, int kind)
{
    int *s = slot(d, kind);
    if (!*s)
        return 0;
    struct task *t = tasktab_find(d->tasks, *s);
    if (!t || !tasktab_link(t)) {
        log_info(d, "registered helper t%x is gone", (unsigned)*s);
        *s = 0;
    }
    return *s;
}

/* ---- tasks handed to a tasker ---- */

static struct regs_handed *handed_find(struct pvmd *d, int tid)
{
    for (size_t i = 0; i < d->regs.nhanded; i++)
        if (d->regs.handed[i].tid == tid)
            return &d->regs.handed[i];
    return NULL;
}

static int handed_add(struct pvmd *d, int tid, int tasker)
{
    struct regs *g = &d->regs;
    if (g->nhanded == g->caphanded) {
        size_t ncap = g->caphanded ? 2 * g->caphanded : 16;
        struct regs_handed *n = realloc(g->handed, ncap * sizeof *n);
        if (!n)
            return PvmNoMem;
        g->handed = n;
        g->caphanded = ncap;
    }
    g->handed[g->nhanded++] = (struct regs_handed){tid, tasker};
    return 0;
}

static void handed_remove(struct pvmd *d, int tid)
{
    struct regs_handed *h = handed_find(d, tid);
    if (h)
        *h = d->regs.handed[--d->regs.nhanded];
}

/* Ends handed task t (its output's end first: the pvmd reads none of it). */
static void handed_end(struct pvmd *d, struct task *t, const char *why)
{
    int tid = tasktab_tid(t);
    handed_remove(d, tid);
    output_end(d, tid);
    if ((t = tasktab_find(d->tasks, tid)))
        tasktab_end(d, t, why);
}

/* Tasker `tasker' ended: what it started is orphaned; those not connected
 * end now (nothing would report them), the others when they leave. */
static void tasker_gone(struct pvmd *d, int tasker)
{
    size_t n = 0;
    int *end = malloc((d->regs.nhanded ? d->regs.nhanded : 1) * sizeof *end);
    for (size_t i = 0; i < d->regs.nhanded; i++) {
        struct regs_handed *h = &d->regs.handed[i];
        if (h->tasker != tasker)
            continue;
        h->tasker = 0;
        struct task *t = tasktab_find(d->tasks, h->tid);
        if (end && t && !tasktab_link(t))
            end[n++] = h->tid;
    }
    /* Ended after the walk: an end raises events that change the list. */
    for (size_t i = 0; i < n; i++) {
        struct task *t = tasktab_find(d->tasks, end[i]);
        if (t && !tasktab_link(t))
            handed_end(d, t, "its tasker ended");
    }
    if (!end && d->regs.nhanded)
        log_error(d, "no memory to end the tasks of tasker t%x: they end as they leave",
                  (unsigned)tasker);
    free(end);
}

void regs_task_left(struct pvmd *d, struct task *t)
{
    struct regs_handed *h = handed_find(d, tasktab_tid(t));
    if (h && !h->tasker && !tasktab_link(t))
        handed_end(d, t, "left PVM, its tasker gone");
}

void regs_fini(struct pvmd *d)
{
    free(d->regs.handed);
    d->regs.handed = NULL;
    d->regs.nhanded = d->regs.caphanded = 0;
}

void regs_on_event(struct pvmd *d, const struct event *ev)
{
    if (ev->kind != EVENT_TASK_EXIT)
        return;
    handed_remove(d, ev->tid);
    for (int kind = REG_HOSTER; kind <= REG_RM; kind++) {
        int *s = slot(d, kind);
        if (*s != ev->tid)
            continue;
        log_info(d, "registered helper t%x ended", (unsigned)ev->tid);
        *s = 0;
        if (kind == REG_HOSTER)
            hostmgr_hoster_gone(d, ev->tid);
    }
    tasker_gone(d, ev->tid);
}

void regs_register(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    int kind = ((const Pvm__RegRequest *)m)->kind;
    Pvm__RegReply rr = PVM__REG_REPLY__INIT;
    /* Hosts are started by the first host's pvmd only, and what a hoster
     * is given carries the machine's secret key (the JoinTicket): only a
     * task of the first host may be one. */
    if (kind == REG_HOSTER && d->myhost != HOSTMGR_MASTER) {
        rr.status = PvmDenied;
        req_reply(d, r, PVM__CTL_TYPE__CTL_REG_REPLY, &rr.base);
        return;
    }
    int *s = slot(d, kind);
    rr.previous = regs_helper(d, kind);
    *s = r->from;
    log_info(d, "t%x registered as %s", (unsigned)r->from,
             kind == REG_HOSTER   ? "hoster"
             : kind == REG_TASKER ? "tasker"
                                  : "resource manager");
    req_reply(d, r, PVM__CTL_TYPE__CTL_REG_REPLY, &rr.base);
}

/* ===================================================================== */
/* pvm_hostsync                                                           */
/* ===================================================================== */

void regs_hostsync(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    int tid = ((const Pvm__TaskRef *)m)->tid;
    if (tid_host(tid) != d->myhost) {
        /* Only a local task's request is forwarded (the mesh is complete:
         * a pvmd never asks for another). */
        struct host *h = hosttab_get(d->hosts, tid_host(tid));
        if (!h || (r->link && tid_is_pvmd(r->link->peer))) {
            req_status(d, r, PvmNoHost);
            return;
        }
        if (!route_host_link(d, h)) {
            req_status(d, r, PvmHostFail);
            return;
        }
        int cc = pending_forward(d, r, m, h->tid, PENDING_TIMEOUT_MS, NULL, NULL);
        if (cc < 0)
            req_status(d, r, cc);
        return;
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    Pvm__HostsyncReply hr = PVM__HOSTSYNC_REPLY__INIT;
    hr.sec = tv.tv_sec;
    hr.usec = (int32_t)tv.tv_usec;
    req_reply(d, r, PVM__CTL_TYPE__CTL_HOSTSYNC_REPLY, &hr.base);
}

/* ===================================================================== */
/* pvm_tickle                                                             */
/* ===================================================================== */

/* PVM's debug mask bits (the console's `help tickle'): all of them. */
#define TICKLE_ALL_BITS 0x3ffff

static void dump_hosts(struct pvmd *d)
{
    log_info(d, "tickle: host table (%zu hosts)", (size_t)hosttab_count(d->hosts));
    for (struct host *h = hosttab_next(d->hosts, 0); h; h = hosttab_next(d->hosts, h->num))
        log_info(d, "  t%x %s arch %s speed %d dsig 0x%x addr %s", (unsigned)h->tid, h->name,
                 h->arch, h->speed, (unsigned)h->dsig, h->addr ? h->addr : "-");
}

static void dump_tasks(struct pvmd *d)
{
    log_info(d, "tickle: task table (%zu tasks)", tasktab_count(d->tasks));
    log_info(d, "       tid     ptid flag    pid name");
    for (struct task *t = tasktab_first(d->tasks); t; t = tasktab_next(t))
        log_info(d, "  %8x %8x %4x %6d %s", (unsigned)tasktab_tid(t), (unsigned)tasktab_ptid(t),
                 (unsigned)tasktab_flags(t), (int)tasktab_pid(t), tasktab_name(t));
}

static void dump_stats(struct pvmd *d)
{
    log_info(d,
             "tickle: %zu tasks, %zu hosts, %zu requests waiting on other pvmds, "
             "%zu bytes held for tasks (peak %zu)",
             tasktab_count(d->tasks), (size_t)hosttab_count(d->hosts), pending_count(d), d->held,
             d->held_peak);
}

static void dump_heap(struct pvmd *d)
{
    struct mallinfo2 mi = mallinfo2();
    log_info(d, "tickle: heap: %zu bytes in use, %zu free, %zu mapped", mi.uordblks, mi.fordblks,
             mi.hblkhd);
}

/* Tickle 8: as if the link to host `tid' had failed (PVM's "trigger
 * hostfail"); anything but another host of the table is ignored.  Its
 * link is closed, so all follows as from a real failure: the host is
 * lost for good and, the first host's from another, this pvmd halts (as
 * PVM's does).  The event alone left the link up under a host its
 * tables had given up, and a pvmd without its first host running on. */
static void fail_host(struct pvmd *d, int tid)
{
    struct host *h =
        tid_is_pvmd(tid) && tid != d->mytid ? hosttab_get(d->hosts, tid_host(tid)) : NULL;
    if (!h)
        return;
    log_info(d, "tickle: host t%x made to fail", (unsigned)tid);
    if (h->link) {
        h->link->ops->close(h->link, "pvm_tickle");
        return;
    }
    if (tid_host(tid) == HOSTMGR_MASTER) {
        pvmd_halt(d, "the first host is gone (pvm_tickle)");
        return;
    }
    h->lost = true;
    event_raise(d, &(struct event){.kind = EVENT_HOST_LOST, .tid = tid, .why = "pvm_tickle"});
}

void regs_tickle(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    const Pvm__TickleRequest *t = (const Pvm__TickleRequest *)m;
    int how = t->args[0], arg = t->n_args > 1 ? t->args[1] : 0;
    int32_t resp[10];
    size_t nresp = 0;
    log_info(d, "tickle #%d from t%x", how, (unsigned)r->from);
    /* PVM 3.4.6's numbers and answers; what has nothing to show here
     * (no shared memory, no packet window) is answered as PVM's pvmd
     * answers it, with nothing. */
    switch (how) {
    case 0:
        dump_heap(d);
        break;
    case 1:
        dump_hosts(d);
        break;
    case 2:
        dump_tasks(d);
        break;
    case 3:
        log_info(d, "tickle: %zu requests waiting on other pvmds", pending_count(d));
        break;
    case 4:
        log_info(d, "tickle: the message mailbox is not dumped by this pvmd");
        break;
    case 5:
        resp[nresp++] = d->regs.debugmask ? d->regs.debugmask : d->log.debug ? TICKLE_ALL_BITS : 0;
        break;
    case 6:
        d->regs.debugmask = arg;
        d->log.debug = arg != 0;
        log_info(d, "tickle: debug mask is 0x%x", (unsigned)arg);
        break;
    case 7:
        break; /* nopax: PVM's packet window; no packets here */
    case 8:
        fail_host(d, arg);
        resp[nresp++] = 0;
        break;
    case 9:
        dump_stats(d);
        break;
    case 100:
        log_info(d, "tickle: no shared memory");
        break;
    default:
        log_info(d, "tickle: don't know #%d", how);
        break;
    }
    Pvm__TickleReply tr = PVM__TICKLE_REPLY__INIT;
    tr.n_resp = nresp;
    tr.resp = resp;
    req_reply(d, r, PVM__CTL_TYPE__CTL_TICKLE_REPLY, &tr.base);
}

/* ===================================================================== */
/* Messages between the pvmd and its helpers                              */
/* ===================================================================== */

static uint8_t *msg_room(struct regs_msg *b, size_t n)
{
    if (b->failed)
        return NULL;
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return NULL;
        }
        b->p = p;
        b->cap = cap;
    }
    uint8_t *at = b->p + b->len;
    b->len += n;
    return at;
}

void regs_msg_int(struct regs_msg *b, int32_t v)
{
    uint8_t *p = msg_room(b, 4);
    if (p)
        enc_put_int(p, v);
}

void regs_msg_str(struct regs_msg *b, const char *s)
{
    size_t n = strlen(s);
    if (n >= INT32_MAX) {
        b->failed = true;
        return;
    }
    /* As pvm_pkstr packs it in PvmDataDefault (common/enc.h). */
    uint8_t *p = msg_room(b, enc_xdr_str_size(n));
    if (p)
        enc_put_xdr_str(p, s, n);
}

int regs_msg_send(struct pvmd *d, struct regs_msg *b, int to, int tag)
{
    if (b->failed) {
        free(b->p);
        *b = (struct regs_msg){0};
        return PvmNoMem;
    }
    struct wire_hdr h = {
        .flags = WIRE_F_NOSEQ,
        .src = d->mytid,
        .dst = to,
        .tag = tag,
        .ctx = PvmBaseContext,
        .enc = PvmDataDefault,
        .len = b->len,
    };
    struct frame *f = frame_new(&h, b->p);
    *b = (struct regs_msg){0};
    if (!f)
        return PvmNoMem;
    route_frame(d, f);
    return 0;
}

int regs_get_int(const uint8_t *p, size_t len, size_t *pos, int enc, int32_t *v)
{
    if (*pos > len || len - *pos < 4)
        return PvmNoData;
    if (enc == PvmDataDefault)
        *v = enc_get_int(p + *pos);
    else
        memcpy(v, p + *pos, 4);
    *pos += 4;
    return 0;
}

int regs_get_str(const uint8_t *p, size_t len, size_t *pos, int enc, char *s, size_t cap)
{
    int32_t n;
    size_t at = *pos;
    int cc = regs_get_int(p, len, &at, enc, &n);
    if (cc < 0)
        return cc;
    if (n < 0 || (size_t)n > len - at)
        return PvmNoData;
    /* pvm_pkstr counts the NUL it packs; one is added if it is missing. */
    size_t k = (size_t)n;
    bool nul = k > 0 && p[at + k - 1] == 0;
    if (k + !nul > cap)
        return PvmOverflow;
    memcpy(s, p + at, k);
    if (!nul)
        s[k] = 0;
    at += k;
    if (enc == PvmDataDefault) { /* the padding, as far as it is there */
        size_t pad = enc_xdr_pad(k);
        at += pad < len - at ? pad : len - at;
    }
    *pos = at;
    return 0;
}

/* ---- the tasker ---- */

int regs_start_task(struct pvmd *d, int tasker, int tid, int flags, const char *path,
                    char *const *argv, char *const *env)
{
    if (handed_add(d, tid, tasker) < 0)
        return PvmNoMem;
    struct regs_msg b = {0};
    int argc = 0, nenv = 0;
    while (argv[argc])
        argc++;
    while (env[nenv])
        nenv++;
    regs_msg_int(&b, tid);
    regs_msg_int(&b, flags);
    regs_msg_str(&b, path);
    regs_msg_int(&b, argc);
    for (int i = 0; i < argc; i++)
        regs_msg_str(&b, argv[i]);
    regs_msg_int(&b, nenv);
    for (int i = 0; i < nenv; i++)
        regs_msg_str(&b, env[i]);
    int cc = regs_msg_send(d, &b, tasker, SM_STTASK);
    if (cc == 0)
        log_info(d, "t%x handed to tasker t%x", (unsigned)tid, (unsigned)tasker);
    else
        handed_remove(d, tid);
    return cc;
}

/* True when the pvmd watches tid's process itself (it started it). */
static bool own_process(struct pvmd *d, int tid)
{
    for (struct proc *p = d->procs; p; p = p->next)
        if (p->tid == tid)
            return true;
    return false;
}

/* SM_TASKX: int tid, int status (wait's), then the user and system times
 * (unused here).  Only a task handed to this tasker may be ended so. */
static void tasker_exit(struct pvmd *d, const struct frame *f)
{
    size_t pos = 0;
    int32_t tid, status;
    if (regs_get_int(f->payload, (size_t)f->h.len, &pos, f->h.enc, &tid) < 0 ||
        regs_get_int(f->payload, (size_t)f->h.len, &pos, f->h.enc, &status) < 0) {
        log_info(d, "tasker t%x: malformed SM_TASKX ignored", (unsigned)f->h.src);
        return;
    }
    struct task *t = tid_host(tid) == d->myhost ? tasktab_find(d->tasks, tid) : NULL;
    struct regs_handed *h = handed_find(d, tid);
    if (!t || !(tasktab_flags(t) & TF_SPAWNED) || own_process(d, tid) || !h ||
        h->tasker != f->h.src) {
        log_info(d, "tasker t%x: SM_TASKX for t%x, not one of its tasks", (unsigned)f->h.src,
                 (unsigned)tid);
        return;
    }
    char why[80];
    snprintf(why, sizeof why, "its tasker says it ended (status %d)", status);
    handed_end(d, t, why);
}

/* Does tid still have tasks it was handed (a tasker since replaced)? */
static bool is_tasker(struct pvmd *d, int tid)
{
    for (size_t i = 0; i < d->regs.nhanded; i++)
        if (d->regs.handed[i].tasker == tid)
            return true;
    return false;
}

bool regs_take(struct pvmd *d, int from, struct frame *f)
{
    if (f->h.tag == SM_STHOSTACK && from && from == regs_helper(d, REG_HOSTER)) {
        hostmgr_hoster_ack(d, f);
        return true;
    }
    if (f->h.tag == SM_TASKX && from &&
        (from == regs_helper(d, REG_TASKER) || is_tasker(d, from))) {
        tasker_exit(d, f);
        frame_free(&f);
        return true;
    }
    return false;
}
