/*
 * mbox.c - the message mailbox: the authority's table (first host) and the
 * part every pvmd runs (mbox.h; docs/design.md "Mailbox").
 *
 * The table is a list of classes in the order they were made, each an
 * array of entries sorted by index (found by binary search, so a class of
 * thousands of instances costs little per put): owner, flags as the putter
 * gave them, the putter's tid, the body's encoding and bytes.  A class with no entry left
 * is removed.  Waiting pvm_recvinfo requests (PvmMboxWaitForInfo) are kept
 * in arrival order and looked at again after every put.  Every pvmd keeps
 * the list of its tasks that put an entry or wait for one, to report their
 * end to the authority.
 *
 * The rules, as PVM 3.4.6 answers them (compared with Debian's library):
 * a put names an index (the lowest free one for PvmMboxMultiInstance or
 * pvm_insert(-1), PvmMboxDirectIndex's otherwise, 0 by default); an entry
 * already there is replaced when the putter owns it or it is
 * PvmMboxOverWritable (the putter becomes its owner), else PvmDenied
 * (pvm_insert never replaces: PvmDupEntry, which is PvmDenied).  Reading
 * needs no right; deleting, and PvmMboxReadAndDelete, needs the same as
 * replacing.  A persistent entry whose owner ended has owner 0: only an
 * overwritable one can then be replaced or deleted.
 */
#include "mbox.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_mbox.h"
#include "event.h"
#include "frame.h"
#include "pending.h"
#include "pvm3.h"
#include "pvmd.h"
#include "request.h"
#include "route.h"
#include "tid.h"
#include "xport.h"

#define AUTHORITY_HOST 1

/* ===================================================================== */
/* State                                                                  */
/* ===================================================================== */

struct entry {
    int index;
    int owner; /* 0: ended, the entry is persistent */
    int flags;
    int src; /* who put it: the message's source */
    int enc;
    uint8_t *data;
    size_t len;
};

struct mclass {
    char *name;
    struct entry **v; /* by index */
    int n, cap;
    struct mclass *next;
};

/* A pvm_recvinfo waiting for a put. */
struct waiter {
    struct req r; /* to answer (link NULL: routed to r.from) */
    int tid;      /* the task waiting */
    char *name;
    int index, flags;
    struct waiter *next;
};

struct later {
    enum event_kind kind;
    int tid;
};

struct mbox_tab {
    struct mclass *classes, *last;
    int nentries;
    size_t bytes; /* of the bodies and of the classes' names */
    struct waiter *waiters;
    int nwaiters;
    int *users; /* local tasks that used the mailbox (not on the authority) */
    int nusers, capusers;
    /* Answering may end a link and so raise an event inside a change:
     * such events wait here until the change is over. */
    int busy;
    struct later *later;
    int nlater, caplater;
};

static struct mbox_tab *mt_of(const struct pvmd *d)
{
    return d->mbox;
}

static bool is_authority(const struct pvmd *d)
{
    return d->myhost == AUTHORITY_HOST;
}

int mbox_init(struct pvmd *d)
{
    d->mbox = calloc(1, sizeof *d->mbox);
    return d->mbox ? 0 : PvmNoMem;
}

static void free_entry(struct entry *e)
{
    free(e->data);
    free(e);
}

static void free_waiter(struct waiter *w)
{
    free(w->name);
    free(w);
}

void mbox_fini(struct pvmd *d)
{
    struct mbox_tab *mt = mt_of(d);
    if (!mt)
        return;
    d->mbox = NULL;
    while (mt->waiters) {
        struct waiter *w = mt->waiters;
        mt->waiters = w->next;
        req_status(d, &w->r, PvmSysErr);
        free_waiter(w);
    }
    while (mt->classes) {
        struct mclass *c = mt->classes;
        mt->classes = c->next;
        for (int i = 0; i < c->n; i++)
            free_entry(c->v[i]);
        free(c->v);
        free(c->name);
        free(c);
    }
    free(mt->users);
    free(mt->later);
    free(mt);
}

int mbox_count(const struct pvmd *d)
{
    return mt_of(d) ? mt_of(d)->nentries : 0;
}

/* ===================================================================== */
/* The authority's table                                                  */
/* ===================================================================== */

static struct mclass *find_class(struct mbox_tab *mt, const char *name)
{
    for (struct mclass *c = mt->classes; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

/* The position of the first entry of c with an index >= index. */
static int lower_bound(const struct mclass *c, int index)
{
    int lo = 0, hi = c->n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (c->v[mid]->index < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct entry *find_entry(struct mclass *c, int index, bool first_avail)
{
    if (!c)
        return NULL;
    int i = lower_bound(c, index);
    if (i == c->n)
        return NULL;
    return first_avail || c->v[i]->index == index ? c->v[i] : NULL;
}

/* Indices are distinct and >= 0, so v[i]->index == i holds for a prefix
 * of the array exactly: the lowest free index is where it stops. */
static int lowest_free(const struct mclass *c)
{
    int lo = 0, hi = c ? c->n : 0;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (c->v[mid]->index == mid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* May task tid replace or delete e? */
static bool may_change(const struct entry *e, int tid)
{
    return (e->owner != 0 && e->owner == tid) || (e->flags & PvmMboxOverWritable);
}

/* What a class's name costs the mailbox's bytes: a task could otherwise
 * hold 65536 names of 64 KiB with empty bodies. */
static size_t name_cost(const char *name)
{
    return strlen(name) + 1;
}

static void remove_class(struct mbox_tab *mt, struct mclass *c)
{
    struct mclass *prev = NULL;
    for (struct mclass *x = mt->classes; x; prev = x, x = x->next) {
        if (x != c)
            continue;
        if (prev)
            prev->next = c->next;
        else
            mt->classes = c->next;
        if (mt->last == c)
            mt->last = prev;
        mt->bytes -= name_cost(c->name);
        free(c->v);
        free(c->name);
        free(c);
        return;
    }
}

/* Deletes e from c, and c from the table when it was its last entry. */
static void delete_entry(struct mbox_tab *mt, struct mclass *c, struct entry *e)
{
    int i = lower_bound(c, e->index);
    memmove(c->v + i, c->v + i + 1, (size_t)(c->n - i - 1) * sizeof *c->v);
    c->n--;
    mt->nentries--;
    mt->bytes -= e->len;
    free_entry(e);
    if (c->n == 0)
        remove_class(mt, c);
}

/* Makes room for one more entry in c.  Returns 0 or PvmNoMem. */
static int grow(struct mclass *c)
{
    if (c->n < c->cap)
        return 0;
    int ncap = c->cap ? c->cap * 2 : 4;
    struct entry **n = realloc(c->v, (size_t)ncap * sizeof *n);
    if (!n)
        return PvmNoMem;
    c->v = n;
    c->cap = ncap;
    return 0;
}

/* Puts q's message at the index it names, for task q->tid, within max
 * bytes in all.  Returns the index, or PvmDenied, PvmOutOfRes, PvmNoMem. */
static int put(struct mbox_tab *mt, const Pvm__MboxPut *q, size_t max)
{
    struct mclass *c = find_class(mt, q->name);
    int index = q->index >= 0 ? q->index : lowest_free(c);
    struct entry *e = find_entry(c, index, false);
    if (e && (q->insert || !may_change(e, q->tid)))
        return PvmDenied;
    size_t len = q->data.len, name = c ? 0 : name_cost(q->name);
    if ((!e && mt->nentries >= MBOX_MAX_ENTRIES) || mt->bytes - (e ? e->len : 0) + len + name > max)
        return PvmOutOfRes;
    uint8_t *data = malloc(len ? len : 1);
    if (!data)
        return PvmNoMem;
    if (len)
        memcpy(data, q->data.data, len);
    if (!e) {
        bool fresh = !c;
        if (fresh) {
            c = calloc(1, sizeof *c);
            if (!c || !(c->name = strdup(q->name))) {
                free(c);
                free(data);
                return PvmNoMem;
            }
        }
        e = grow(c) == 0 ? calloc(1, sizeof *e) : NULL;
        if (!e) {
            if (fresh) {
                free(c->v);
                free(c->name);
                free(c);
            }
            free(data);
            return PvmNoMem;
        }
        if (fresh) {
            if (mt->last)
                mt->last->next = c;
            else
                mt->classes = c;
            mt->last = c;
            mt->bytes += name;
        }
        e->index = index;
        int at = lower_bound(c, index);
        memmove(c->v + at + 1, c->v + at, (size_t)(c->n - at) * sizeof *c->v);
        c->v[at] = e;
        c->n++;
        mt->nentries++;
    } else {
        mt->bytes -= e->len;
        free(e->data);
    }
    e->owner = q->tid;
    e->src = q->tid;
    e->flags = q->flags;
    e->enc = q->enc;
    e->data = data;
    e->len = len;
    mt->bytes += len;
    return index;
}

/* Answers request r, a get of key k by task tid: the entry, or why not.
 * Returns false, answering nothing, when there is no entry yet and k
 * waits for one. */
static bool get(struct pvmd *d, const struct req *r, const char *name, int index, int flags,
                int tid)
{
    struct mbox_tab *mt = mt_of(d);
    struct mclass *c = find_class(mt, name);
    struct entry *e = find_entry(c, index, flags & PvmMboxFirstAvail);
    Pvm__MboxReply rep = PVM__MBOX_REPLY__INIT;
    if (!e) {
        if (flags & PvmMboxWaitForInfo)
            return false;
        rep.status = PvmNotFound;
    } else if ((flags & PvmMboxReadAndDelete) && !may_change(e, tid)) {
        rep.status = PvmDenied;
    } else {
        rep.index = e->index;
        rep.src = e->src;
        rep.enc = e->enc;
        rep.data.data = e->data;
        rep.data.len = e->len;
    }
    req_reply(d, r, PVM__CTL_TYPE__CTL_MBOX_REPLY, &rep.base);
    if (e && rep.status == 0 && (flags & PvmMboxReadAndDelete))
        delete_entry(mt, c, e);
    return true;
}

static void reply_status(struct pvmd *d, const struct req *r, int status, int index)
{
    Pvm__MboxReply rep = PVM__MBOX_REPLY__INIT;
    rep.status = status < 0 ? status : 0;
    rep.index = index > 0 ? index : 0;
    req_reply(d, r, PVM__CTL_TYPE__CTL_MBOX_REPLY, &rep.base);
}

/* Looks at every waiting get of class name again, in arrival order. */
static void wake(struct pvmd *d, const char *name)
{
    struct mbox_tab *mt = mt_of(d);
    bool again = true;
    while (again) {
        again = false;
        for (struct waiter **pp = &mt->waiters; *pp; pp = &(*pp)->next) {
            struct waiter *w = *pp;
            if (strcmp(w->name, name) != 0)
                continue;
            /* Taken out first: answering may reach this list again. */
            *pp = w->next;
            mt->nwaiters--;
            if (get(d, &w->r, w->name, w->index, w->flags, w->tid)) {
                free_waiter(w);
                again = true; /* the list may have changed under us */
                break;
            }
            w->next = *pp;
            *pp = w;
            mt->nwaiters++;
        }
    }
}

static int park(struct mbox_tab *mt, const struct req *r, const Pvm__MboxKey *k)
{
    int mine = 0;
    for (struct waiter *w = mt->waiters; w; w = w->next)
        mine += w->tid == k->tid;
    if (mine >= MBOX_WAIT_PER_TASK || mt->nwaiters >= MBOX_WAIT_MAX)
        return PvmOutOfRes;
    struct waiter *w = calloc(1, sizeof *w);
    if (!w || !(w->name = strdup(k->name))) {
        free(w);
        return PvmNoMem;
    }
    w->r = *r;
    w->r.link = NULL;
    w->tid = k->tid;
    w->index = k->index;
    w->flags = k->flags;
    struct waiter **pp = &mt->waiters;
    while (*pp)
        pp = &(*pp)->next;
    *pp = w;
    mt->nwaiters++;
    return 0;
}

/* Returns the index deleted (PVM 3.4.6's answer; its man page says
 * PvmOk), or PvmNotFound, PvmDenied. */
static int del(struct mbox_tab *mt, const Pvm__MboxKey *k)
{
    struct mclass *c = find_class(mt, k->name);
    struct entry *e = find_entry(c, k->index, false);
    if (!e)
        return PvmNotFound;
    if (!may_change(e, k->tid))
        return PvmDenied;
    delete_entry(mt, c, e);
    return k->index;
}

/* PVM 3.4.6's pattern: '*' stands for any run of characters, every other
 * character for itself, and the pattern may match anywhere in the name
 * ("W" finds "AW" and "W2"; "" and "*" find every class). */
static bool matches(const char *pat, const char *name)
{
    for (const char *start = name;; start++) {
        const char *p = pat, *s = start, *star = NULL, *mark = NULL;
        for (;;) {
            if (*p == '*') {
                star = ++p;
                mark = s;
            } else if (!*p) {
                return true; /* the rest of the name may be anything */
            } else if (*s && *p == *s) {
                p++;
                s++;
            } else if (star && *mark) {
                p = star;
                s = ++mark;
            } else {
                break;
            }
        }
        if (!*start)
            return false;
    }
}

static void info(struct pvmd *d, const struct req *r, const char *pattern)
{
    struct mbox_tab *mt = mt_of(d);
    size_t n = 0;
    for (struct mclass *c = mt->classes; c; c = c->next)
        n += matches(pattern, c->name);
    Pvm__MboxClass *cls = calloc(n ? n : 1, sizeof *cls);
    Pvm__MboxClass **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    bool ok = cls && ptrs;
    size_t k = 0;
    for (struct mclass *c = mt->classes; ok && c; c = c->next) {
        if (!matches(pattern, c->name))
            continue;
        size_t ne = (size_t)c->n;
        Pvm__MboxClass *x = &cls[k];
        pvm__mbox_class__init(x);
        ptrs[k++] = x;
        x->name = c->name;
        x->indices = malloc(ne * sizeof *x->indices);
        x->owners = malloc(ne * sizeof *x->owners);
        x->flags = malloc(ne * sizeof *x->flags);
        if (!x->indices || !x->owners || !x->flags) {
            ok = false;
            break;
        }
        for (int i = 0; i < c->n; i++) {
            x->indices[x->n_indices++] = c->v[i]->index;
            x->owners[x->n_owners++] = c->v[i]->owner;
            x->flags[x->n_flags++] = c->v[i]->flags;
        }
    }
    if (ok) {
        Pvm__MboxList l = PVM__MBOX_LIST__INIT;
        l.classes = ptrs;
        l.n_classes = n;
        req_reply(d, r, PVM__CTL_TYPE__CTL_MBOX_LIST, &l.base);
    } else {
        req_status(d, r, PvmNoMem);
    }
    for (size_t i = 0; cls && i < k; i++) {
        free(cls[i].indices);
        free(cls[i].owners);
        free(cls[i].flags);
    }
    free(cls);
    free(ptrs);
}

static bool listed(const int *v, size_t n, int tid)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == tid)
            return true;
    return false;
}

/* The console's reset: every entry goes but those of the tasks in keep. */
static void reset(struct mbox_tab *mt, const int *keep, size_t nkeep)
{
    struct mclass *next;
    for (struct mclass *c = mt->classes; c; c = next) {
        next = c->next;
        /* Downwards: a deletion moves only what is above it; the last
         * one frees c. */
        for (int i = c->n - 1; i >= 0; i--) {
            struct entry *e = c->v[i];
            if (!e->owner || !listed(keep, nkeep, e->owner))
                delete_entry(mt, c, e);
        }
    }
}

/* Every entry of a task for which gone(owner, arg) holds goes, or loses
 * its owner when persistent; its waits go too (a waiter of another host
 * is answered, so its pvmd's pending table lets go of it). */
static void remove_where(struct pvmd *d, bool (*gone)(int tid, int arg), int arg, bool answer)
{
    struct mbox_tab *mt = mt_of(d);
    struct mclass *next;
    for (struct mclass *c = mt->classes; c; c = next) {
        next = c->next;
        for (int i = c->n - 1; i >= 0; i--) {
            struct entry *e = c->v[i];
            if (!e->owner || !gone(e->owner, arg))
                continue;
            if (e->flags & PvmMboxPersistent)
                e->owner = 0;
            else
                delete_entry(mt, c, e);
        }
    }
    struct waiter *done = NULL;
    for (struct waiter **pp = &mt->waiters; *pp;) {
        struct waiter *w = *pp;
        if (gone(w->tid, arg)) {
            *pp = w->next;
            mt->nwaiters--;
            w->next = done;
            done = w;
        } else {
            pp = &w->next;
        }
    }
    while (done) {
        struct waiter *w = done;
        done = w->next;
        if (answer && w->r.from != w->tid)
            req_status(d, &w->r, PvmNoTask);
        free_waiter(w);
    }
}

static bool tid_is(int tid, int arg)
{
    return tid == arg;
}

static bool on_host(int tid, int arg)
{
    return tid_host(tid) == arg;
}

/* ===================================================================== */
/* Every pvmd: the local tasks that used the mailbox                      */
/* ===================================================================== */

/* Remembers local task tid, to report its end.  Out of memory, its end
 * goes unreported and its entries stay: logged. */
static void note_user(struct pvmd *d, int tid)
{
    struct mbox_tab *mt = mt_of(d);
    if (listed(mt->users, (size_t)mt->nusers, tid))
        return;
    if (mt->nusers == mt->capusers) {
        int ncap = mt->capusers ? mt->capusers * 2 : 16;
        int *n = realloc(mt->users, (size_t)ncap * sizeof *n);
        if (!n) {
            log_error(d, "no memory to remember t%x's mailbox entries", (unsigned)tid);
            return;
        }
        mt->users = n;
        mt->capusers = ncap;
    }
    mt->users[mt->nusers++] = tid;
}

static bool forget_user(struct mbox_tab *mt, int tid)
{
    for (int i = 0; i < mt->nusers; i++)
        if (mt->users[i] == tid) {
            mt->users[i] = mt->users[--mt->nusers];
            return true;
        }
    return false;
}

/* ===================================================================== */
/* Handlers                                                               */
/* ===================================================================== */

/* The task a request is about: the local asker, or the one a peer pvmd
 * names (one of its own host's, and only to the authority).  Sets *field
 * (the message's tid) and returns 0, or PvmBadParam. */
static int asker(const struct pvmd *d, const struct req *r, int32_t *field)
{
    int host = req_peer_host(r);
    if (!host) {
        *field = r->from;
        return tid_is_task(r->from) ? 0 : PvmBadParam;
    }
    return is_authority(d) && tid_is_task(*field) && tid_host(*field) == host ? 0 : PvmBadParam;
}

static void on_event_now(struct pvmd *d, enum event_kind kind, int tid);

static void enter(struct pvmd *d)
{
    mt_of(d)->busy++;
}

/* Ends a change of the table; runs the events it held back. */
static void leave(struct pvmd *d)
{
    struct mbox_tab *mt = mt_of(d);
    if (!mt || --mt->busy > 0)
        return;
    mt->busy++;
    /* mt is looked up again after each event: one may halt the pvmd
     * (a report to the first host that fails its link), which frees it. */
    while ((mt = mt_of(d)) && mt->nlater > 0) {
        struct later l = mt->later[0];
        memmove(mt->later, mt->later + 1, (size_t)--mt->nlater * sizeof *mt->later);
        on_event_now(d, l.kind, l.tid);
    }
    if (mt)
        mt->busy--;
}

static void request(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    struct mbox_tab *mt = mt_of(d);
    /* The message is the handler's copy to fill in the asker. */
    Pvm__MboxPut p = PVM__MBOX_PUT__INIT;
    Pvm__MboxKey k = PVM__MBOX_KEY__INIT;
    Pvm__MboxTids t = PVM__MBOX_TIDS__INIT;
    const ProtobufCMessage *fwd = m;
    int32_t *who = NULL;
    bool waits = false, uses = false;
    switch (r->type) {
    case PVM__CTL_TYPE__CTL_MBOX_PUT:
        p = *(const Pvm__MboxPut *)m;
        who = &p.tid;
        fwd = &p.base;
        uses = true;
        break;
    case PVM__CTL_TYPE__CTL_MBOX_RESET:
        t = *(const Pvm__MboxTids *)m;
        fwd = &t.base;
        break;
    default: /* get, del, info */
        k = *(const Pvm__MboxKey *)m;
        who = &k.tid;
        fwd = &k.base;
        waits = r->type == PVM__CTL_TYPE__CTL_MBOX_GET && (k.flags & PvmMboxWaitForInfo);
        uses = waits;
        break;
    }
    int cc = who ? asker(d, r, who) : (req_peer_host(r) && !is_authority(d) ? PvmBadParam : 0);
    if (cc < 0) {
        req_status(d, r, cc);
        return;
    }
    if (!is_authority(d)) {
        if (uses)
            note_user(d, *who);
        /* A wait for a put may last as long as the task does. */
        cc = pending_forward(d, r, fwd, tid_pvmd(AUTHORITY_HOST),
                             waits ? INT_MAX : PENDING_TIMEOUT_MS, NULL, NULL);
        if (cc < 0)
            req_status(d, r, cc);
        return;
    }
    switch (r->type) {
    case PVM__CTL_TYPE__CTL_MBOX_PUT:
        cc = put(mt, &p, d->limits.mbox_bytes);
        log_debug(d, "t%x put %s (flags 0x%x) at %d", (unsigned)p.tid, p.name, (unsigned)p.flags,
                  cc);
        reply_status(d, r, cc, cc);
        if (cc >= 0)
            wake(d, p.name);
        break;
    case PVM__CTL_TYPE__CTL_MBOX_GET:
        if (!get(d, r, k.name, k.index, k.flags, k.tid) && (cc = park(mt, r, &k)) < 0)
            reply_status(d, r, cc, 0);
        break;
    case PVM__CTL_TYPE__CTL_MBOX_DEL:
        cc = del(mt, &k);
        reply_status(d, r, cc, cc);
        break;
    case PVM__CTL_TYPE__CTL_MBOX_INFO:
        info(d, r, k.name ? k.name : "");
        break;
    default: /* CTL_MBOX_RESET */
        reset(mt, t.tids, t.n_tids);
        reply_status(d, r, PvmOk, 0);
        break;
    }
}

static void gone(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    const Pvm__MboxTids *g = (const Pvm__MboxTids *)m;
    int host = req_peer_host(r);
    if (!host || !is_authority(d))
        return; /* no reply: a one-way message */
    for (size_t i = 0; i < g->n_tids; i++)
        if (tid_host(g->tids[i]) == host)
            remove_where(d, tid_is, g->tids[i], true);
}

void mbox_request(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    if (!mt_of(d)) {
        req_status(d, r, PvmSysErr);
        return;
    }
    enter(d);
    request(d, r, m);
    leave(d);
}

void mbox_gone(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    if (!mt_of(d))
        return;
    enter(d);
    gone(d, r, m);
    leave(d);
}

/* ===================================================================== */
/* Events                                                                 */
/* ===================================================================== */

static void task_ended(struct pvmd *d, int tid)
{
    struct mbox_tab *mt = mt_of(d);
    if (is_authority(d)) {
        remove_where(d, tid_is, tid, false);
        return;
    }
    if (!forget_user(mt, tid))
        return;
    Pvm__MboxTids g = PVM__MBOX_TIDS__INIT;
    g.tids = &tid;
    g.n_tids = 1;
    struct frame *f =
        frame_ctl(d->mytid, tid_pvmd(AUTHORITY_HOST), PVM__CTL_TYPE__CTL_MBOX_GONE, 0, 0, &g.base);
    if (f)
        route_frame(d, f);
}

static void on_event_now(struct pvmd *d, enum event_kind kind, int tid)
{
    if (kind == EVENT_TASK_EXIT)
        task_ended(d, tid);
    else if (kind == EVENT_HOST_LOST && is_authority(d) && tid_is_pvmd(tid))
        remove_where(d, on_host, tid_host(tid), false);
}

static void event(struct pvmd *d, enum event_kind kind, int tid)
{
    struct mbox_tab *mt = mt_of(d);
    if (!mt)
        return;
    if (mt->busy) {
        if (mt->nlater == mt->caplater) {
            int ncap = mt->caplater ? mt->caplater * 2 : 8;
            struct later *n = realloc(mt->later, (size_t)ncap * sizeof *n);
            if (!n) {
                log_error(d, "no memory to hold a mailbox event for t%x", (unsigned)tid);
                return;
            }
            mt->later = n;
            mt->caplater = ncap;
        }
        mt->later[mt->nlater++] = (struct later){kind, tid};
        return;
    }
    enter(d);
    on_event_now(d, kind, tid);
    leave(d);
}

void mbox_on_event(struct pvmd *d, const struct event *ev)
{
    if (ev->kind == EVENT_TASK_EXIT || ev->kind == EVENT_HOST_LOST)
        event(d, ev->kind, ev->tid);
}

void mbox_task_left(struct pvmd *d, int tid)
{
    event(d, EVENT_TASK_EXIT, tid);
}
