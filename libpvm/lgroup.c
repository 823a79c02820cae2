/*
 * lgroup.c - what libgpvm3 and the console need of libpvm3 for groups:
 * the requests to the pvmd, a cache of each group's members, and point-
 * to-point messages in the groups' own context (lpvm.h, "groups").
 *
 * The cache.  Asking the pvmds for a group's members (CTL_GRP_INFO) makes
 * this task a watcher of that group: on the group's next change the first
 * host's pvmd sends it one PVM_TAG_GROUP message, which drops the cached
 * copy here.  Until then gsize, gettid and getinst are answered from the
 * copy, after one non-blocking pass over the connections (so a notice
 * already written to our socket is seen first).  The notice travels the
 * same way as the replies of the first host's pvmd, so a reply is never
 * older than a notice taken before it.
 *
 * Barriers.  A task of the first host that is a member of a group with a
 * slot in the barrier page (its join's reply says which) passes the
 * group's barriers there (lbarpage.c), without the pvmd; every other
 * barrier is a request to the pvmd.  Released by the page rather than by
 * a message behind the notices, a member compares its copy's version with
 * the one the pvmd keeps in the slot.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "ctl.h"
#include "ctl_group.h"
#include "defs.h"
#include "lbarpage.h"
#include "tid.h"

struct gcache {
    char *name;
    bool valid;
    uint64_t version;        /* of the copy */
    uint64_t notice_version; /* the newest change a notice reported */
    bool frozen;
    int *tids; /* by instance, 0: free */
    int ninst, size;
    /* This task's own membership, kept across the copy's drops: a member
     * with slot != 0 (1 + its index) passes barriers in the page. */
    bool member;
    unsigned slot;
    uint32_t owner;
    struct gcache *next;
};

/* Per process, as the rest of lpvm_state; tied to one enrolment. */
static struct {
    int tid; /* the tid the cache belongs to */
    struct gcache *head;
    unsigned inval_gen;      /* bumped by every notice */
    struct lpvm_group *list; /* the last lpvm_grp_list */
    int nlist;
} lg;

static void cache_free(struct gcache *c)
{
    free(c->name);
    free(c->tids);
    free(c);
}

void lgroup_forget(void)
{
    while (lg.head) {
        struct gcache *c = lg.head;
        lg.head = c->next;
        cache_free(c);
    }
    lg.tid = 0;
    lbarpage_unmap();
}

/* Drops the cache when it was made under another enrolment. */
static void cache_check_owner(void)
{
    if (lg.tid == lpvm_state.mytid)
        return;
    while (lg.head) {
        struct gcache *c = lg.head;
        lg.head = c->next;
        cache_free(c);
    }
    lg.tid = lpvm_state.mytid;
}

static struct gcache *cache_find(const char *name)
{
    for (struct gcache *c = lg.head; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static void cache_drop(const char *name)
{
    struct gcache *c = cache_find(name);
    if (c)
        c->valid = false;
}

/* A copy of a group, possibly without members yet (a notice may come
 * before the first reply). */
static struct gcache *cache_get(const char *name)
{
    struct gcache *c = cache_find(name);
    if (c)
        return c;
    c = calloc(1, sizeof *c);
    if (!c || !(c->name = strdup(name))) {
        free(c);
        return NULL;
    }
    c->next = lg.head;
    lg.head = c;
    return c;
}

void lgroup_notice(struct lpvm_core *core, struct pmsg *m)
{
    (void)core;
    char name[GROUP_NAME_MAX + 1];
    unsigned v[2]; /* the version's high and low halves (daemon/group.c) */
    if (tid_is_pvmd(m->src) && pmsg_unpack_strn(m, name, sizeof name) == 0 &&
        pmsg_unpack(m, PVM_UINT, v, 2, 1) == 0) {
        uint64_t version = (uint64_t)v[0] << 32 | v[1];
        cache_check_owner();
        /* A notice read while a reply to our own question was awaited may
         * be newer than that reply: the versions tell. */
        struct gcache *c = cache_get(name);
        if (c && version > c->notice_version)
            c->notice_version = version;
        if (c && c->version < c->notice_version)
            c->valid = false;
        lg.inval_gen++;
    }
    pmsg_destroy(&m);
}

static int check_name(const char *name)
{
    /* PVM 3.4.6 gives PvmNullGroup for both NULL and "". */
    if (!name || !*name)
        return PvmNullGroup;
    if (strlen(name) > GROUP_NAME_MAX)
        return PvmBadParam;
    return 0;
}

/* ======================================================================== */
/* Requests                                                                 */
/* ======================================================================== */

/* Sends group request `type' (name, count) and waits for its reply of
 * reply_type in *reply (free with ctl_free), or an error. */
static int grp_ask(int type, const char *name, int count, int reply_type, ProtobufCMessage **reply)
{
    int cc = check_name(name);
    if (cc < 0)
        return cc;
    struct lpvm_core *core;
    if ((cc = lpvm_core_get(&core)) < 0)
        return cc;
    Pvm__GroupRequest q = PVM__GROUP_REQUEST__INIT;
    q.name = (char *)name;
    q.count = count;
    return lpvm_request(core, type, &q.base, reply_type, reply);
}

/* grp_ask for a GroupReply in *out (free with ctl_free); its status is
 * the result. */
static int grp_request(int type, const char *name, int count, Pvm__GroupReply **out)
{
    ProtobufCMessage *reply = NULL;
    int cc = grp_ask(type, name, count, PVM__CTL_TYPE__CTL_GRP_REPLY, &reply);
    if (cc < 0)
        return cc;
    Pvm__GroupReply *gr = (Pvm__GroupReply *)reply;
    if (gr->status < 0) {
        cc = gr->status;
        ctl_free(&reply);
        return cc;
    }
    *out = gr;
    return 0;
}

int lpvm_grp_join(const char *name)
{
    Pvm__GroupReply *gr = NULL;
    int cc = grp_request(PVM__CTL_TYPE__CTL_GRP_JOIN, name, 0, &gr);
    if (cc < 0)
        return cc;
    cc = gr->inst;
    unsigned slot = gr->slot;
    uint32_t owner = gr->slot_owner;
    ctl_free((ProtobufCMessage **)&gr);
    cache_check_owner();
    cache_drop(name);
    struct gcache *c = cache_get(name);
    if (c) {
        c->member = true;
        c->slot = slot;
        c->owner = owner;
    }
    return cc;
}

int lpvm_grp_leave(const char *name)
{
    Pvm__GroupReply *gr = NULL;
    int cc = grp_request(PVM__CTL_TYPE__CTL_GRP_LEAVE, name, 0, &gr);
    cache_check_owner();
    if (name) {
        cache_drop(name);
        struct gcache *c = cache_find(name);
        if (c)
            c->member = false;
    }
    if (cc < 0)
        return cc;
    ctl_free((ProtobufCMessage **)&gr);
    return PvmOk;
}

/* grp_ask answered by a Status: its code. */
static int grp_wait(int type, const char *name, int count)
{
    ProtobufCMessage *reply = NULL;
    int cc = grp_ask(type, name, count, PVM__CTL_TYPE__CTL_STATUS, &reply);
    if (cc < 0)
        return cc;
    cc = ((Pvm__Status *)reply)->code;
    ctl_free(&reply);
    return cc;
}

int lpvm_grp_barrier(const char *name, int count)
{
    if (check_name(name) == 0) {
        struct lpvm_core *core;
        int cc = lpvm_core_get(&core);
        if (cc < 0)
            return cc;
        cache_check_owner();
        struct gcache *c = cache_find(name);
        if (c && c->member && c->slot) {
            cc = lbarpage_barrier(core, c->slot, c->owner, count);
            if (cc != LBARPAGE_SLOW && cc != LBARPAGE_PVMD)
                return cc;
            if (cc == LBARPAGE_SLOW)
                c->slot = 0; /* the group lost its slot: through the pvmd from now on */
        }
    }
    return grp_wait(PVM__CTL_TYPE__CTL_GRP_BARRIER, name, count);
}

int lpvm_grp_freeze(const char *name, int size)
{
    int cc = grp_wait(PVM__CTL_TYPE__CTL_GRP_FREEZE, name, size);
    if (cc >= 0) {
        cache_check_owner();
        cache_drop(name);
    }
    return cc;
}

int lpvm_grp_members(const char *name, const int **tids, int *size, int *frozen)
{
    int cc = check_name(name);
    if (cc < 0)
        return cc;
    struct lpvm_core *core;
    if ((cc = lpvm_core_get(&core)) < 0)
        return cc;
    cache_check_owner();
    /* Notices already on their way to us are taken first. */
    io_wait(core, NULL, NULL, 0, NULL);
    struct gcache *c = cache_find(name);
    if (c && c->valid && c->slot) {
        /* What a barrier passed in the page has not brought as a notice. */
        uint64_t v = lbarpage_version(c->slot, c->owner);
        if (v > c->notice_version)
            c->notice_version = v;
        if (c->version < c->notice_version)
            c->valid = false;
    }
    if (!c || !c->valid || !c->tids) {
        Pvm__GroupReply *gr = NULL;
        cc = grp_request(PVM__CTL_TYPE__CTL_GRP_INFO, name, 0, &gr);
        if (cc < 0)
            return cc;
        if (!c)
            c = cache_get(name);
        if (!c) {
            ctl_free((ProtobufCMessage **)&gr);
            return PvmNoMem;
        }
        int *t = malloc((gr->n_tids ? gr->n_tids : 1) * sizeof *t);
        if (!t) {
            ctl_free((ProtobufCMessage **)&gr);
            return PvmNoMem;
        }
        free(c->tids);
        c->tids = t;
        c->ninst = (int)gr->n_tids;
        c->size = 0;
        for (size_t i = 0; i < gr->n_tids; i++) {
            t[i] = gr->tids[i];
            c->size += t[i] != 0;
        }
        c->frozen = gr->frozen;
        c->version = gr->version;
        /* Older than a change already announced: use it this once. */
        c->valid = c->version >= c->notice_version;
        ctl_free((ProtobufCMessage **)&gr);
    }
    *tids = c->tids;
    if (size)
        *size = c->size;
    if (frozen)
        *frozen = c->frozen;
    return c->ninst;
}

/* ======================================================================== */
/* The console's list                                                       */
/* ======================================================================== */

static void list_free(void)
{
    for (int i = 0; i < lg.nlist; i++) {
        free(lg.list[i].name);
        free(lg.list[i].tids);
    }
    free(lg.list);
    lg.list = NULL;
    lg.nlist = 0;
}

int lpvm_grp_list(const struct lpvm_group **groups)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return cc;
    ProtobufCMessage *reply = NULL;
    cc = lpvm_request(core, PVM__CTL_TYPE__CTL_GRP_LIST, NULL, PVM__CTL_TYPE__CTL_GRP_LIST_REPLY,
                      &reply);
    if (cc < 0)
        return cc;
    list_free();
    Pvm__GroupList *gl = (Pvm__GroupList *)reply;
    if (gl->status < 0) {
        cc = gl->status;
        ctl_free(&reply);
        return cc;
    }
    lg.list = calloc(gl->n_groups ? gl->n_groups : 1, sizeof *lg.list);
    if (!lg.list) {
        ctl_free(&reply);
        return PvmNoMem;
    }
    for (size_t i = 0; i < gl->n_groups; i++) {
        const Pvm__GroupEntry *e = gl->groups[i];
        struct lpvm_group *g = &lg.list[lg.nlist];
        g->name = strdup(e->name);
        g->tids = malloc((e->n_tids ? e->n_tids : 1) * sizeof *g->tids);
        if (!g->name || !g->tids) {
            free(g->name);
            free(g->tids);
            break;
        }
        g->ninst = (int)e->n_tids;
        g->size = 0;
        for (size_t k = 0; k < e->n_tids; k++) {
            g->tids[k] = e->tids[k];
            g->size += e->tids[k] != 0;
        }
        g->frozen = e->frozen;
        g->barrier_waiting = e->barrier_waiting;
        lg.nlist++;
    }
    ctl_free(&reply);
    *groups = lg.list;
    return lg.nlist;
}

/* ======================================================================== */
/* Messages in the groups' context                                          */
/* ======================================================================== */

int lpvm_grp_send(int tid, int tag, int datatype, const void *data, int count)
{
    int saved = lpvm_state.ctx;
    lpvm_state.ctx = PVM_GRP_CTX;
    /* Written straight from the caller's memory; PvmRouteDirect as the
     * caller set it. */
    int autoerr = lpvm_state.opt[PvmAutoErr];
    lpvm_state.opt[PvmAutoErr] = 0;
    int cc = pvm_psend(tid, tag, (void *)data, count, datatype);
    lpvm_state.opt[PvmAutoErr] = autoerr;
    lpvm_state.ctx = saved;
    return cc;
}

struct gwant {
    int tid, tag;
    unsigned gen; /* receive-queue generation last scanned */
    bool scanned;
    unsigned inval; /* notices seen when the wait began */
    struct pmsg *m;
};

/* Takes the first queued message from w->tid with w->tag in the groups'
 * context; true when found. */
static bool gtake(struct lpvm_core *core, struct gwant *w)
{
    struct pmsg **pp;
    for (pp = &core->rq_head; *pp; pp = &(*pp)->next) {
        struct pmsg *m = *pp;
        if (m->ctx == PVM_GRP_CTX && m->src == w->tid && m->tag == w->tag)
            break;
    }
    if (!*pp)
        return false;
    struct pmsg *m = *pp;
    *pp = m->next;
    if (core->rq_tail == m) {
        core->rq_tail = NULL;
        for (struct pmsg *x = core->rq_head; x; x = x->next)
            core->rq_tail = x;
    }
    m->next = NULL;
    m->queued = false;
    w->m = m;
    return true;
}

/* Done when the message is there, or when a group notice came. */
static bool gmatched(struct lpvm_core *core, void *arg)
{
    struct gwant *w = arg;
    if (!(w->scanned && w->gen == core->rq_gen)) {
        w->scanned = true;
        w->gen = core->rq_gen;
        if (gtake(core, w))
            return true;
    }
    return lg.inval_gen != w->inval;
}

/* Whether tid is still a member of group name (asking the pvmds when the
 * cached copy was dropped).  Returns 1, 0, or an error. */
static int still_member(const char *name, int tid)
{
    const int *tids;
    int n = lpvm_grp_members(name, &tids, NULL, NULL);
    if (n < 0)
        return n == PvmNoGroup ? 0 : n;
    for (int i = 0; i < n; i++)
        if (tids[i] == tid)
            return 1;
    return 0;
}

int lpvm_grp_recv(const char *name, int tid, int tag, int datatype, void *data, int count)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return cc;
    struct gwant w = {.tid = tid, .tag = tag};
    for (;;) {
        /* What it sent before it left is taken first: look at what has
         * arrived, then whether it is still a member, then wait. */
        w.inval = lg.inval_gen;
        w.scanned = false;
        io_wait(core, gmatched, &w, 0, NULL);
        if (w.m)
            break;
        /* Is it still a member (the cached copy, or the pvmds' answer
         * when a notice dropped it)? */
        unsigned before = lg.inval_gen;
        cc = still_member(name, tid);
        if (cc < 0)
            return cc;
        if (cc == 0) {
            w.scanned = false;
            io_wait(core, gmatched, &w, 0, NULL);
            if (w.m)
                break;
            return PvmNoInst;
        }
        if (lg.inval_gen != before)
            continue; /* notices came meanwhile: look again */
        w.inval = lg.inval_gen;
        cc = io_wait(core, gmatched, &w, IO_FOREVER, NULL);
        if (w.m)
            break;
        if (cc < 0)
            return cc;
    }
    struct pmsg *m = w.m;
    cc = pmsg_unpack(m, datatype, data, count, 1);
    pmsg_destroy(&m);
    return cc < 0 ? cc : 0;
}
