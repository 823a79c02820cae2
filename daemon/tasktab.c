/*
 * tasktab.c - task records and tid allocation.
 *
 * Lookup is an array indexed by the tid's local part: 2^18 pointers (2 MiB
 * of address space, touched only where tasks live) and no hashing on the
 * routing path.
 */
#include "tasktab.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ctl.h"
#include "defs.h"
#include "event.h"
#include "frame.h"
#include "pvm3.h"
#include "pvmd.h"
#include "route.h"
#include "tid.h"
#include "xport.h"

struct task {
    int tid;
    int ptid;           /* parent's tid, PvmNoParent or PvmParentNotSet */
    pid_t pid;          /* spawned: the child's pid; else the peer's (SO_PEERCRED) */
    char *name;         /* program name as requested or as the task said */
    int flags;          /* TF_CONN, TF_SPAWNED, TF_CLOSE (common/defs.h) */
    struct xport *link; /* NULL when not connected */
    int *siblings;      /* tids started by the same spawn request, in order */
    size_t nsib;
    struct task_io io;
    struct frame_queue pending; /* user frames waiting for it to connect */
    bool paused;                /* some links wait for it to drain (route.c) */
    bool sib_later;             /* its whole sibling list is still to come */
    bool ending;                /* tasktab_end has begun */
    uint16_t dport;             /* its direct-route TCP port, 0 none (CTL_DIRECT_PORT) */
    uint8_t dkey[CTL_DIRECT_KEY_LEN]; /* its direct-route secret (common/direct.h) */
    struct task *next, *prev;   /* in the table's list */
};

struct tasktab {
    int host;
    int next_local; /* where the search for a free local part starts */
    size_t count;
    struct task **slot; /* [TID_MAX_LOCAL + 1], by local part */
    struct task *head, *tail;
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
    sodium_memzero(t->dkey, sizeof t->dkey);
    free(t);
}

void tasktab_destroy(struct tasktab **ttp)
{
    struct tasktab *tt = *ttp;
    if (!tt)
        return;
    for (struct task *t = tt->head, *n; t; t = n) {
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
    int max = d->limits.tid_max > 0 && d->limits.tid_max < TID_MAX_LOCAL ? d->limits.tid_max
                                                                          : TID_MAX_LOCAL;
    if (tt->count >= (size_t)max) {
        *err = PvmOutOfRes;
        return NULL;
    }
    /* Increasing order with wrap-around: a tid is reused only after every
     * other local part has been handed out since. */
    int local = tt->next_local > max ? 1 : tt->next_local;
    while (tt->slot[local])
        local = local == max ? 1 : local + 1;
    struct task *t = calloc(1, sizeof *t);
    if (!t) {
        *err = PvmNoMem;
        return NULL;
    }
    tt->next_local = local == max ? 1 : local + 1;
    t->tid = tid_make(tt->host, local);
    t->ptid = PvmNoParent;
    randombytes_buf(t->dkey, sizeof t->dkey);
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

void tasktab_start(struct pvmd *d, struct task *t)
{
    event_raise(d, &(struct event){.kind = EVENT_TASK_START, .tid = t->tid, .t = t});
}

void tasktab_end(struct pvmd *d, struct task *t, const char *why)
{
    if (t->ending)
        return;
    t->ending = true;
    struct tasktab *tt = d->tasks;
    log_info(d, "t%x ended: %s", (unsigned)t->tid, why);
    /* Subscribers see the record as it was (still findable by tid). */
    event_raise(d, &(struct event){.kind = EVENT_TASK_EXIT, .tid = t->tid, .t = t, .why = why});
    if (t->pending.n)
        log_info(d, "t%x: %zu queued message(s) dropped", (unsigned)t->tid, t->pending.n);
    route_held_sub(d, t->pending.bytes);
    frame_queue_clear(&t->pending);
    tt->slot[tid_local(t->tid)] = NULL;
    if (t->prev)
        t->prev->next = t->next;
    else
        tt->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        tt->tail = t->prev;
    tt->count--;
    task_free(t);
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

struct task *tasktab_next(const struct task *t)
{
    return t->next;
}

size_t tasktab_count(struct tasktab *tt)
{
    return tt->count;
}

/* ===================================================================== */
/* Reading                                                                */
/* ===================================================================== */

int tasktab_tid(const struct task *t)
{
    return t->tid;
}

int tasktab_ptid(const struct task *t)
{
    return t->ptid;
}

pid_t tasktab_pid(const struct task *t)
{
    return t->pid;
}

const char *tasktab_name(const struct task *t)
{
    return t->name ? t->name : "";
}

int tasktab_flags(const struct task *t)
{
    return t->flags;
}

struct xport *tasktab_link(const struct task *t)
{
    return t->link;
}

const int *tasktab_siblings(const struct task *t, size_t *n)
{
    *n = t->nsib;
    return t->siblings;
}

const struct task_io *tasktab_io(const struct task *t)
{
    return &t->io;
}

size_t tasktab_queued_bytes(const struct task *t)
{
    return t->pending.bytes;
}

bool tasktab_siblings_later(const struct task *t)
{
    return t->sib_later;
}

void tasktab_set_siblings_later(struct task *t, bool later)
{
    t->sib_later = later;
}

bool tasktab_paused(const struct task *t)
{
    return t->paused;
}

/* ===================================================================== */
/* Changing                                                               */
/* ===================================================================== */

static int set_name(struct task *t, const char *name)
{
    char *n = strdup(name ? name : "");
    if (!n)
        return PvmNoMem;
    free(t->name);
    t->name = n;
    return 0;
}

int tasktab_set_spawned(struct task *t, int ptid, const char *name, const struct task_io *io)
{
    t->ptid = ptid;
    t->flags |= TF_SPAWNED;
    t->io = *io;
    return set_name(t, name);
}

int tasktab_set_shell(struct task *t, pid_t pid, const char *name)
{
    t->pid = pid;
    return set_name(t, name);
}

void tasktab_set_pid(struct task *t, pid_t pid)
{
    t->pid = pid;
}

int tasktab_set_siblings(struct task *t, const int *tids, size_t n)
{
    int *s = n ? malloc(n * sizeof *s) : NULL;
    if (n && !s)
        return PvmNoMem;
    if (n)
        memcpy(s, tids, n * sizeof *s);
    free(t->siblings);
    t->siblings = s;
    t->nsib = n;
    return 0;
}

void tasktab_set_output(struct task *t, int out_tid, int out_code, int out_ctx)
{
    t->io.out_tid = out_tid;
    t->io.out_code = out_code;
    t->io.out_ctx = out_ctx;
}

void tasktab_set_paused(struct task *t, bool paused)
{
    t->paused = paused;
}

void tasktab_queue(struct pvmd *d, struct task *t, struct frame *f)
{
    route_held_add(d, WIRE_HDR_LEN + f->h.len);
    frame_queue_push(&t->pending, f);
}

void tasktab_connect(struct pvmd *d, struct task *t, struct xport *x)
{
    t->link = x;
    t->flags |= TF_CONN;
    x->peer = t->tid;
    struct frame *f;
    size_t n = t->pending.n, bytes = t->pending.bytes;
    while ((f = frame_queue_pop(&t->pending)))
        xport_send(x, f);
    route_held_sub(d, bytes); /* the link holds them now */
    if (n)
        log_debug(d, "t%x: delivered %zu queued message(s)", (unsigned)t->tid, n);
}

void tasktab_disconnect(struct pvmd *d, struct task *t, const char *why)
{
    t->link = NULL;
    t->flags &= ~TF_CONN;
    t->flags |= TF_CLOSE;
    if (!(t->flags & TF_SPAWNED))
        tasktab_end(d, t, why);
    else
        log_info(d, "t%x left PVM (%s)", (unsigned)t->tid, why);
}

const uint8_t *tasktab_direct_key(const struct task *t)
{
    return t->dkey;
}

uint16_t tasktab_direct_port(const struct task *t)
{
    return t->dport;
}

void tasktab_set_direct_port(struct task *t, uint16_t port)
{
    t->dport = port;
}
