/*
 * tasktab.c - task records and tid allocation.
 *
 * Lookup is an array indexed by the tid's local part: 2^18 pointers (2 MiB
 * of address space, touched only where tasks live) and no hashing on the
 * routing path.
 */
#include "tasktab.h"

#include "route.h"

#include <stdlib.h>

#include "conn.h"
#include "defs.h"
#include "pvm3.h"
#include "pvmd.h"
#include "tid.h"

struct tasktab {
    int host;
    int next_local; /* where the search for a free local part starts */
    size_t count;
    struct task **slot; /* [TID_MAX_LOCAL + 1], by local part */
    struct task *head, *tail;
    /* Ended tasks whose process or output handles are still open (a child
     * of theirs may hold their output pipe): halt must still reach them. */
    struct task *lingering;
};

struct tasktab *tasktab_new(int host)
{
    struct tasktab *tt = calloc(1, sizeof *tt);
    if (!tt)
        return NULL;
    tt->slot = calloc(TID_MAX_LOCAL + 1, sizeof *tt->slot);
    if (!tt->slot) {
        free(tt);
        return NULL;
    }
    tt->host = host;
    tt->next_local = 1;
    return tt;
}

static void task_free(struct task *t)
{
    frame_queue_clear(&t->pending);
    free(t->name);
    free(t->siblings);
    free(t);
}

void tasktab_destroy(struct tasktab **ttp)
{
    struct tasktab *tt = *ttp;
    if (!tt)
        return;
    struct task *lists[2] = {tt->head, tt->lingering};
    for (int i = 0; i < 2; i++)
        for (struct task *t = lists[i], *n; t; t = n) {
            n = t->next;
            task_free(t);
        }
    free(tt->slot);
    free(tt);
    *ttp = NULL;
}

struct task *tasktab_add(struct pvmd *d, int *err)
{
    struct tasktab *tt = d->tasks;
    if (tt->count >= TID_MAX_LOCAL) {
        *err = PvmOutOfRes;
        return NULL;
    }
    /* Increasing order with wrap-around: a tid is reused only after every
     * other local part has been handed out since. */
    int local = tt->next_local;
    while (tt->slot[local]) {
        local = local == TID_MAX_LOCAL ? 1 : local + 1;
    }
    struct task *t = calloc(1, sizeof *t);
    if (!t) {
        *err = PvmNoMem;
        return NULL;
    }
    tt->next_local = local == TID_MAX_LOCAL ? 1 : local + 1;
    t->d = d;
    t->tid = tid_make(tt->host, local);
    t->ptid = PvmNoParent;
    t->in_table = true;
    tt->slot[local] = t;
    t->prev = tt->tail;
    if (tt->tail)
        tt->tail->next = t;
    else
        tt->head = t;
    tt->tail = t;
    tt->count++;
    return t;
}

struct task *tasktab_find(struct tasktab *tt, int tid)
{
    if (!tid_is_task(tid) || tid_host(tid) != tt->host)
        return NULL;
    return tt->slot[tid_local(tid)];
}

struct task *tasktab_first(struct tasktab *tt)
{
    return tt->head;
}

size_t tasktab_count(struct tasktab *tt)
{
    return tt->count;
}

struct task *tasktab_first_lingering(struct tasktab *tt)
{
    return tt->lingering;
}

static bool handles_open(const struct task *t)
{
    return t->proc_open || t->out[0].open || t->out[1].open;
}

/* Takes t out of the doubly linked list at *head (*tail may be NULL for a
 * list that keeps no tail). */
static void list_unlink(struct task **head, struct task **tail, struct task *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        *head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else if (tail)
        *tail = t->prev;
    t->next = t->prev = NULL;
}

void tasktab_release(struct task *t)
{
    if (t->in_table || handles_open(t))
        return;
    if (t->lingers) {
        list_unlink(&t->d->tasks->lingering, NULL, t);
        t->lingers = false;
    }
    task_free(t);
}

void tasktab_end(struct pvmd *d, struct task *t, const char *why)
{
    if (!t->in_table)
        return;
    struct tasktab *tt = d->tasks;
    log_info(d, "t%x ended: %s", (unsigned)t->tid, why);
    if (t->pending.n)
        log_info(d, "t%x: %zu queued message(s) dropped", (unsigned)t->tid, t->pending.n);
    frame_queue_clear(&t->pending);
    route_release(d, t);
    /* The connection stays open: frames the task sent just before it
     * ended are still in the socket and must be delivered. */
    t->conn = NULL;
    t->flags &= ~TF_CONN;
    tt->slot[tid_local(t->tid)] = NULL;
    list_unlink(&tt->head, &tt->tail, t);
    tt->count--;
    t->in_table = false;
    if (handles_open(t)) {
        t->next = tt->lingering;
        if (t->next)
            t->next->prev = t;
        tt->lingering = t;
        t->lingers = true;
    }
    tasktab_release(t);
}

void tasktab_conn_closed(struct pvmd *d, struct conn *c)
{
    if (!c->tid)
        return;
    struct task *t = tasktab_find(d->tasks, c->tid);
    if (!t || t->conn != c)
        return;
    t->conn = NULL;
    t->flags &= ~TF_CONN;
    if (!(t->flags & TF_SPAWNED))
        tasktab_end(d, t, "its connection closed");
}

void tasktab_connect(struct pvmd *d, struct task *t, struct conn *c)
{
    t->conn = c;
    t->flags |= TF_CONN;
    struct frame *f;
    size_t n = t->pending.n;
    while ((f = frame_queue_pop(&t->pending)))
        xport_send(&c->x, f);
    if (n)
        log_debug(d, "t%x: delivered %zu queued message(s)", (unsigned)t->tid, n);
}
