/*
 * ctxtab.c - message contexts: who holds each of this host's.
 *
 * One owner per local part, in an array made on the first request (1 MiB
 * for the 262,143 there can be; nothing for a pvmd whose tasks never ask):
 * a lookup is an index, and a task's end walks the array only while some
 * context is held.
 */
#include "ctxtab.h"

#include <stdint.h>
#include <stdlib.h>

#include "ctl.h"
#include "event.h"
#include "log.h"
#include "pvm3.h"
#include "pvmd.h"
#include "tid.h"

struct ctxtab {
    int max;         /* the highest local part (limits.ctx_max, as when made) */
    int next;        /* where the next search starts */
    int held;        /* contexts in use */
    int32_t owner[]; /* by local part, 1..max: the task holding it, 0 free */
};

void ctxtab_fini(struct pvmd *d)
{
    free(d->ctxs);
    d->ctxs = NULL;
}

/* The next free local part from t->next on, round the ring 1..max; 0 when
 * all are held. */
static int next_free(struct ctxtab *t)
{
    if (t->held >= t->max)
        return 0;
    int l = t->next;
    for (;;) {
        if (l < 1 || l > t->max)
            l = 1;
        if (!t->owner[l])
            return l;
        l++;
    }
}

void ctxtab_new(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    (void)m;
    if (!tid_is_task(r->from) || tid_host(r->from) != d->myhost) {
        req_status(d, r, PvmBadParam);
        return;
    }
    if (!d->ctxs) {
        int max = d->limits.ctx_max > 0 && d->limits.ctx_max < TID_MAX_LOCAL ? d->limits.ctx_max
                                                                             : TID_MAX_LOCAL;
        d->ctxs = calloc(1, sizeof *d->ctxs + (size_t)(max + 1) * sizeof d->ctxs->owner[0]);
        if (!d->ctxs) {
            req_status(d, r, PvmNoMem);
            return;
        }
        d->ctxs->max = max;
    }
    struct ctxtab *t = d->ctxs;
    int l = next_free(t);
    if (!l) {
        log_info(d, "t%x: no context left (all %d held)", (unsigned)r->from, t->held);
        req_status(d, r, PvmOutOfRes);
        return;
    }
    t->owner[l] = r->from;
    t->held++;
    t->next = l + 1;
    Pvm__CtxRef c = PVM__CTX_REF__INIT;
    c.ctx = tid_make(d->myhost, l);
    req_reply(d, r, PVM__CTL_TYPE__CTL_CTX_REPLY, &c.base);
}

void ctxtab_free(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    int ctx = ((const Pvm__CtxRef *)m)->ctx;
    struct ctxtab *t = d->ctxs;
    /* A context is a tid's shape: host number and local part, nothing else. */
    int l = tid_local(ctx);
    if (!t || ctx <= 0 || tid_make(d->myhost, l) != ctx || l > t->max || t->owner[l] != r->from ||
        !r->from) {
        req_status(d, r, PvmNotFound);
        return;
    }
    t->owner[l] = 0;
    t->held--;
    req_status(d, r, PvmOk);
}

void ctxtab_task_left(struct pvmd *d, int tid)
{
    struct ctxtab *t = d->ctxs;
    if (!t || !t->held || !tid)
        return;
    for (int l = 1; l <= t->max; l++)
        if (t->owner[l] == tid) {
            t->owner[l] = 0;
            t->held--;
        }
}

void ctxtab_on_event(struct pvmd *d, const struct event *ev)
{
    if (ev->kind == EVENT_TASK_EXIT)
        ctxtab_task_left(d, ev->tid);
}
