/*
 * group.c - dynamic process groups: the authority (first host) and the
 * per-host part every pvmd runs (group.h; docs/design.md "Groups").
 *
 * The authority's table is a list of groups, each an array of tids by
 * instance number (0: a free instance, reused lowest first), its size, a
 * version, the tids watching it, and two rendezvous: the barrier and the
 * freeze, each a list of the members that arrived and the count they
 * gave.  Every pvmd keeps the requests of its own tasks waiting at a
 * rendezvous (answered when the authority releases them), the arrivals
 * not yet sent to the authority (sent together from a zero timer, so that
 * all read in one turn of the loop travel in one message), and which of
 * its tasks ever joined a group (their end is reported).
 *
 * On the first host a group also holds a slot of the barrier page
 * (barpage.h) while it lives: its barrier is counted there, and `bar'
 * only lists the arrivals that came through this pvmd (socket waiters),
 * which are counted in the slot too, as are other hosts' shares (`sh'):
 * their members arrive in the same slot of their own host's page, told
 * by the authority what it holds (GroupHost), and their pvmd sends the
 * share when all of them came (docs/design.md "Groups").
 */
#include "group.h"

#include <stdlib.h>
#include <string.h>

#include "barpage.h"
#include "ctl.h"
#include "defs.h"
#include "enc.h"
#include "event.h"
#include "frame.h"
#include "hosttab.h"
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

struct tids {
    int *v;
    int n, cap;
};

struct rendezvous {
    int count;       /* as the first arrival gave it (-1: every member) */
    struct tids arr; /* members that arrived, in order */
};

/* Another host's share of a round in the first host's slot: n members
 * arrived in round gen of that host's page (slot `slot'). */
struct share {
    int host, slot;
    unsigned n, gen;
};

struct group {
    char *name;
    int *inst; /* tid by instance number, 0: free */
    int ninst, capinst;
    int size;
    uint64_t version;
    bool frozen;
    bool defunct;      /* frozen, then a member left: its barriers fail */
    struct tids watch; /* tasks to tell on the next change */
    struct rendezvous bar, frz;
    int slot;         /* in the barrier page, -1: none (then `bar' counts) */
    uint32_t owner;   /* the slot's owner value */
    unsigned bar_gen; /* with a slot: the round bar.arr's socket waiters are in */
    struct share *sh; /* other hosts' shares in round sh_gen of the slot */
    int nsh, capsh;
    unsigned sh_gen;
    struct tids hosts; /* hosts told about the slot (GroupHost) that have members */
    struct group *next;
};

/* A local task's barrier or freeze request, answered on release. */
struct waiter {
    char *name;
    bool freeze;
    int tid, wid;
    struct waiter *next;
};

/* Arrivals of local tasks not yet sent to the authority. */
struct batch {
    char *name;
    bool freeze;
    int count;
    struct tids tids;
    struct batch *next;
};

/* Another host: what the first host said its slot holds. */
struct hostslot {
    char *name;       /* NULL: no group of ours */
    uint32_t owner;   /* the first host's owner value, 0: none */
    uint64_t version; /* the group's */
    unsigned sent;    /* 1 + the round whose share was sent to the first host, 0: none */
};

struct group_tab {
    struct group *groups; /* the authority's */
    struct barpage *page; /* this host's barrier page, NULL: none */
    struct hostslot *hs;  /* other hosts: per slot of the page */
    uint64_t next_version;
    struct waiter *waiters;
    struct batch *batches;
    struct tids members; /* local tasks that joined a group (not the authority) */
    uv_timer_t flush;
    bool flush_armed;
    /* Sending may end a link and so raise an event inside a change of the
     * table: such events wait here until the change is over. */
    int busy;
    struct tids later_tasks, later_hosts;
};

static struct group_tab *gt_of(struct pvmd *d)
{
    return d->groups;
}

static bool is_authority(const struct pvmd *d)
{
    return d->myhost == AUTHORITY_HOST;
}

static int tids_add(struct tids *t, int tid)
{
    if (t->n == t->cap) {
        int ncap = t->cap ? t->cap * 2 : 8;
        int *n = realloc(t->v, (size_t)ncap * sizeof *n);
        if (!n)
            return PvmNoMem;
        t->v = n;
        t->cap = ncap;
    }
    t->v[t->n++] = tid;
    return 0;
}

static int tids_find(const struct tids *t, int tid)
{
    for (int i = 0; i < t->n; i++)
        if (t->v[i] == tid)
            return i;
    return -1;
}

/* Removes tid (order kept).  Returns true when it was there. */
static bool tids_remove(struct tids *t, int tid)
{
    int i = tids_find(t, tid);
    if (i < 0)
        return false;
    memmove(t->v + i, t->v + i + 1, (size_t)(t->n - i - 1) * sizeof *t->v);
    t->n--;
    return true;
}

static void tids_free(struct tids *t)
{
    free(t->v);
    *t = (struct tids){0};
}

int group_init(struct pvmd *d)
{
    struct group_tab *gt = calloc(1, sizeof *gt);
    if (!gt)
        return PvmNoMem;
    uv_timer_init(d->loop, &gt->flush);
    gt->flush.data = d;
    d->groups = gt;
    return 0;
}

static void free_group(struct group *g)
{
    free(g->name);
    free(g->inst);
    tids_free(&g->watch);
    tids_free(&g->bar.arr);
    tids_free(&g->frz.arr);
    tids_free(&g->hosts);
    free(g->sh);
    free(g);
}

static void on_flush_closed(uv_handle_t *h)
{
    free(h->data);
}

void group_fini(struct pvmd *d)
{
    struct group_tab *gt = gt_of(d);
    if (!gt)
        return;
    d->groups = NULL;
    while (gt->waiters) {
        struct waiter *w = gt->waiters;
        gt->waiters = w->next;
        struct req r = {.type = w->freeze ? PVM__CTL_TYPE__CTL_GRP_FREEZE
                                          : PVM__CTL_TYPE__CTL_GRP_BARRIER,
                        .from = w->tid,
                        .wid = w->wid};
        req_status(d, &r, PvmSysErr);
        free(w->name);
        free(w);
    }
    while (gt->batches) {
        struct batch *b = gt->batches;
        gt->batches = b->next;
        free(b->name);
        tids_free(&b->tids);
        free(b);
    }
    while (gt->groups) {
        struct group *g = gt->groups;
        gt->groups = g->next;
        free_group(g);
    }
    barpage_destroy(d, &gt->page);
    if (gt->hs)
        for (int i = 0; i < BARPAGE_SLOTS; i++)
            free(gt->hs[i].name);
    free(gt->hs);
    tids_free(&gt->members);
    tids_free(&gt->later_tasks);
    tids_free(&gt->later_hosts);
    /* The timer's memory is the table's: freed once the loop closed it. */
    gt->flush.data = gt;
    uv_close((uv_handle_t *)&gt->flush, on_flush_closed);
}

/* ===================================================================== */
/* The authority's table                                                  */
/* ===================================================================== */

static struct group *find_group(struct group_tab *gt, const char *name)
{
    for (struct group *g = gt->groups; g; g = g->next)
        if (strcmp(g->name, name) == 0)
            return g;
    return NULL;
}

static struct group *new_group(struct group_tab *gt, const char *name)
{
    struct group *g = calloc(1, sizeof *g);
    if (!g || !(g->name = strdup(name))) {
        free(g);
        return NULL;
    }
    g->version = ++gt->next_version;
    /* No slot free: its barriers go through the pvmd, as on other hosts. */
    g->slot = gt->page ? barpage_take(gt->page, &g->owner) : -1;
    g->next = gt->groups;
    gt->groups = g;
    return g;
}

static void close_slot(struct pvmd *d, struct group *g, int code);

static void delete_group(struct pvmd *d, struct group *g)
{
    struct group_tab *gt = gt_of(d);
    if (g->slot >= 0)
        close_slot(d, g, PvmNoGroup);
    for (struct group **pp = &gt->groups; *pp; pp = &(*pp)->next)
        if (*pp == g) {
            *pp = g->next;
            free_group(g);
            return;
        }
}

static int inst_of(const struct group *g, int tid)
{
    for (int i = 0; i < g->ninst; i++)
        if (g->inst[i] == tid)
            return i;
    return -1;
}

/* Tells every watcher that g changed (one PVM_TAG_GROUP message each, in
 * PVM_SYS_CTX, PvmDataDefault: the name, then the new version as two
 * uints, high half first) and forgets them: a watcher asks again, and so watches again,
 * when it next needs g. */
static void tell_hosts(struct pvmd *d, struct group *g, int slot, bool closing);

static void changed(struct pvmd *d, struct group *g)
{
    g->version = ++gt_of(d)->next_version;
    /* Members released by the page, not by a message after the notice,
     * compare their copy's version with this; other hosts' pages get it
     * (before the change is answered: the same stream). */
    if (g->slot >= 0) {
        atomic_store(&barpage_slot(gt_of(d)->page, g->slot)->version, g->version);
        tell_hosts(d, g, g->slot, false);
    }
    size_t n = strlen(g->name), blen = enc_xdr_str_size(n) + 8;
    for (int i = 0; i < g->watch.n; i++) {
        uint8_t *body = malloc(blen);
        if (!body)
            break;
        /* As pvm_pkstr packs it, then the 64-bit version as two uints
         * (high half first): a Default ulong would keep only 32 bits. */
        size_t at = enc_put_xdr_str(body, g->name, n);
        enc_put_int(body + at, (int32_t)(uint32_t)(g->version >> 32));
        enc_put_int(body + at + 4, (int32_t)(uint32_t)g->version);
        struct wire_hdr h = {
            .flags = WIRE_F_NOSEQ,
            .src = d->mytid,
            .dst = g->watch.v[i],
            .tag = PVM_TAG_GROUP,
            .ctx = PVM_SYS_CTX,
            .enc = PvmDataDefault,
            .len = blen,
        };
        struct frame *f = frame_new(&h, body);
        if (f)
            route_frame(d, f);
    }
    g->watch.n = 0;
}

static void watch(struct group *g, int tid)
{
    if (tids_find(&g->watch, tid) < 0)
        tids_add(&g->watch, tid);
}

/* ===================================================================== */
/* Rendezvous: barrier and freeze                                         */
/* ===================================================================== */

static int wait_type(bool freeze)
{
    return freeze ? PVM__CTL_TYPE__CTL_GRP_FREEZE : PVM__CTL_TYPE__CTL_GRP_BARRIER;
}

/* Answers the local waiter tid of name's barrier (or freeze). */
static void answer_local(struct pvmd *d, const char *name, bool freeze, int tid, int status)
{
    struct group_tab *gt = gt_of(d);
    for (struct waiter **pp = &gt->waiters; *pp; pp = &(*pp)->next) {
        struct waiter *w = *pp;
        if (w->tid != tid || w->freeze != freeze || strcmp(w->name, name) != 0)
            continue;
        *pp = w->next;
        struct req r = {.type = wait_type(freeze), .from = w->tid, .wid = w->wid};
        req_status(d, &r, status);
        free(w->name);
        free(w);
        return;
    }
}

/* Releases tids (on any host) from name's barrier or freeze with status:
 * local ones answered here, every other host told in one message. */
static void release(struct pvmd *d, const char *name, bool freeze, const int *tids, int n,
                    int status)
{
    bool *done = calloc((size_t)(n ? n : 1), sizeof *done);
    int *batch = malloc((size_t)(n ? n : 1) * sizeof *batch);
    if (!done || !batch) {
        free(done);
        free(batch);
        log_error(d, "no memory to release %d waiters of group %s", n, name);
        return;
    }
    for (int i = 0; i < n; i++) {
        if (done[i])
            continue;
        int host = tid_host(tids[i]);
        if (host == d->myhost) {
            answer_local(d, name, freeze, tids[i], status);
            continue;
        }
        int k = 0;
        for (int j = i; j < n; j++)
            if (!done[j] && tid_host(tids[j]) == host) {
                batch[k++] = tids[j];
                done[j] = true;
            }
        Pvm__GroupRelease rel = PVM__GROUP_RELEASE__INIT;
        rel.name = (char *)name;
        rel.freeze = freeze;
        rel.status = status;
        rel.tids = batch;
        rel.n_tids = (size_t)k;
        struct frame *f =
            frame_ctl(d->mytid, tid_pvmd(host), PVM__CTL_TYPE__CTL_GRP_RELEASE, 0, 0, &rel.base);
        if (f)
            route_frame(d, f);
    }
    free(done);
    free(batch);
}

/* Releases every arrival of rendezvous z of g with status. */
static void release_all(struct pvmd *d, struct group *g, struct rendezvous *z, int status)
{
    if (z->arr.n == 0)
        return;
    /* Taken out first: releasing must not see them again. */
    struct tids arr = z->arr;
    z->arr = (struct tids){0};
    z->count = 0;
    release(d, g->name, z == &g->frz, arr.v, arr.n, status);
    tids_free(&arr);
}

/* Completes rendezvous z of g when enough members have arrived.  A count
 * of -1 means every current member, re-read at each change, so a member
 * that leaves (or dies) while the others wait lets them through.  A count
 * above the group's size once a member has left cannot be met by those
 * waiting: they fail with PvmNoGroup (docs/design.md "Groups"). */
static void check(struct pvmd *d, struct group *g, struct rendezvous *z, bool after_leave)
{
    if (z->arr.n == 0)
        return;
    int target = z->count == -1 ? g->size : z->count;
    if (after_leave && target > g->size) {
        release_all(d, g, z, PvmNoGroup);
        return;
    }
    if (z->arr.n < target)
        return;
    /* The first `target' arrivals pass; any later ones (a count below
     * the number that came) wait for the next round. */
    struct tids pass = {.v = z->arr.v, .n = target, .cap = z->arr.cap};
    struct tids rest = {0};
    for (int i = target; i < z->arr.n; i++)
        tids_add(&rest, z->arr.v[i]);
    int count = z->count;
    z->arr = rest;
    z->count = rest.n ? count : 0;
    if (z == &g->frz && !g->frozen) {
        g->frozen = true;
        changed(d, g);
    }
    release(d, g->name, z == &g->frz, pass.v, pass.n, PvmOk);
    tids_free(&pass);
}

/* ===================================================================== */
/* Barriers in the page (the first host)                                  */
/* ===================================================================== */

static unsigned want_of(int count)
{
    return count == -1 ? BS_ALL : (unsigned)count;
}

static int count_of(unsigned want)
{
    return want == BS_ALL ? -1 : (int)want;
}

/* Takes out of g->bar its socket waiters when their round has ended
 * since (word s): a task ended it, so they pass. */
static struct tids ended_waiters(struct group *g, uint64_t s)
{
    struct tids t = {0};
    if (g->bar.arr.n > 0 && bs_gen(s) != g->bar_gen) {
        t = g->bar.arr;
        g->bar.arr = (struct tids){0};
        g->bar.count = 0;
    }
    return t;
}

static void release_tids(struct pvmd *d, struct group *g, struct tids *t, int status)
{
    if (t->n)
        release(d, g->name, false, t->v, t->n, status);
    tids_free(t);
}

/* ---- other hosts' pages: their shares (docs/design.md "Groups") ---- */

/* Tells each host with members of g, and each told before, what g's slot
 * holds on its page: the members there, the group's size and version;
 * closing: none any more (the slot is taken back). */
static void tell_hosts(struct pvmd *d, struct group *g, int slot, bool closing)
{
    struct tids hosts = {0}, local = {0};
    for (int i = 0; i < g->ninst && !closing; i++) {
        int h = g->inst[i] ? tid_host(g->inst[i]) : d->myhost;
        if (h == d->myhost)
            continue;
        int k = tids_find(&hosts, h);
        if (k >= 0) {
            local.v[k]++;
        } else if (tids_add(&hosts, h) < 0 || tids_add(&local, 1) < 0) {
            closing = true; /* no memory: every host goes through the pvmd */
            hosts.n = local.n = 0;
        }
    }
    for (int i = 0; i < g->hosts.n; i++)
        if (tids_find(&hosts, g->hosts.v[i]) < 0 && tids_add(&hosts, g->hosts.v[i]) == 0 &&
            tids_add(&local, 0) < 0)
            hosts.n--;
    Pvm__GroupHost gh = PVM__GROUP_HOST__INIT;
    gh.name = g->name;
    gh.slot = (uint32_t)slot + 1;
    gh.owner = g->owner;
    gh.version = g->version;
    gh.size = g->size > (int)BS_MAX ? BS_MAX : (uint32_t)g->size;
    tids_free(&g->hosts);
    for (int i = 0; i < hosts.n; i++) {
        gh.local = closing || g->size > (int)BS_MAX ? 0 : (uint32_t)local.v[i];
        if (gh.local)
            tids_add(&g->hosts, hosts.v[i]);
        struct frame *f =
            frame_ctl(d->mytid, tid_pvmd(hosts.v[i]), PVM__CTL_TYPE__CTL_GRP_HOST, 0, 0, &gh.base);
        if (f)
            route_frame(d, f);
    }
    tids_free(&hosts);
    tids_free(&local);
}

/* Answers one host's share: released with status, or called off (retry). */
static void share_release(struct pvmd *d, const char *name, const struct share *sh, int status,
                          bool retry)
{
    Pvm__GroupRelease rel = PVM__GROUP_RELEASE__INIT;
    rel.name = (char *)name;
    rel.status = status;
    rel.slot = (uint32_t)sh->slot + 1;
    rel.gen = sh->gen;
    rel.retry = retry;
    struct frame *f =
        frame_ctl(d->mytid, tid_pvmd(sh->host), PVM__CTL_TYPE__CTL_GRP_RELEASE, 0, 0, &rel.base);
    if (f)
        route_frame(d, f);
}

/* Answers every share of g's round (taken out first). */
static void release_shares(struct pvmd *d, struct group *g, int status, bool retry)
{
    struct share *sh = g->sh;
    int n = g->nsh;
    g->sh = NULL;
    g->nsh = g->capsh = 0;
    for (int i = 0; i < n; i++)
        share_release(d, g->name, &sh[i], status, retry);
    free(sh);
}

/* Releases g's shares when their round has ended since (word s). */
static void settle_shares(struct pvmd *d, struct group *g, uint64_t s)
{
    if (g->nsh > 0 && bs_gen(s) != g->sh_gen)
        release_shares(d, g, PvmOk, false);
}

static unsigned shares_total(const struct group *g)
{
    unsigned n = 0;
    for (int i = 0; i < g->nsh; i++)
        n += g->sh[i].n;
    return n;
}

/* Releases g's socket waiters whose round a task ended (after its
 * CTL_GRP_ROUND_DONE, or the end of a task, which may have died before
 * sending it). */
static void settle(struct pvmd *d, struct group *g)
{
    if (g->slot < 0 || (g->bar.arr.n == 0 && g->nsh == 0))
        return;
    uint64_t s = atomic_load(&barpage_slot(gt_of(d)->page, g->slot)->state);
    settle_shares(d, g, s);
    struct tids t = ended_waiters(g, s);
    release_tids(d, g, &t, PvmOk);
}

/* Takes g's slot back, ending its round with `code' if anybody had
 * arrived.  BS_RETRY: the members waiting arrive again, through the
 * pvmd, and the socket waiters stay in g->bar, which counts from now on;
 * an error: they all fail with it. */
static void close_slot(struct pvmd *d, struct group *g, int code)
{
    struct barpage *bp = gt_of(d)->page;
    int slot = g->slot;
    g->slot = -1;
    /* Other hosts first: their members then go through their pvmds. */
    tell_hosts(d, g, slot, true);
    barpage_disown(bp, slot);
    uint64_t s = barpage_lock(bp, slot);
    struct tids ended = ended_waiters(g, s);
    settle_shares(d, g, s);
    barpage_unlock(bp, slot, s, bs_make(0, 0, bs_gen(s) + 1, 0, 0), bs_arrived(s) ? code : PvmOk);
    release_tids(d, g, &ended, PvmOk);
    if (g->nsh)
        release_shares(d, g, code == BS_RETRY ? PvmOk : code, code == BS_RETRY);
    if (code != BS_RETRY)
        release_all(d, g, &g->bar, code);
    else if (g->bar.arr.n)
        g->bar.count = count_of(bs_want(s));
}

/* Puts the socket waiters w into round *ns (count want) again, in order.
 * Returns how many of them, the first ones, ended a round there: they
 * pass. */
static int rearrive(const struct tids *w, unsigned want, uint64_t *ns)
{
    int passed = 0;
    for (int i = 0; i < w->n; i++) {
        uint64_t nx;
        if (bs_arrive(*ns, want, BS_SOCKET, &nx) == BS_COMPLETE)
            passed = i + 1;
        *ns = nx;
    }
    return passed;
}

/* Releases the first n socket waiters of g with PvmOk. */
static void pass_first(struct pvmd *d, struct group *g, int n)
{
    if (n <= 0)
        return;
    struct tids *a = &g->bar.arr;
    release(d, g->name, false, a->v, n, PvmOk);
    memmove(a->v, a->v + n, (size_t)(a->n - n) * sizeof *a->v);
    a->n -= n;
    if (a->n == 0)
        g->bar.count = 0;
}

/* After g's membership changed: the slot's target follows the size (a
 * group too big for the slot loses it), and a round in progress when a
 * member `left' is settled.  An explicit count the group can no longer
 * meet fails with PvmNoGroup, as with the rendezvous; any other round is
 * called off (BS_RETRY) and its members arrive again, since nobody knows
 * whether the one that left (or died) had arrived. */
static void page_members(struct pvmd *d, struct group *g, bool left)
{
    if (g->size > (int)BS_MAX) {
        close_slot(d, g, BS_RETRY);
        return;
    }
    struct barpage *bp = gt_of(d)->page;
    uint64_t s = barpage_lock(bp, g->slot);
    struct tids ended = ended_waiters(g, s);
    settle_shares(d, g, s);
    unsigned want = bs_want(s);
    /* Other hosts' shares are called off at every change (their hosts'
     * members may be what changed): they arrive again, after the news. */
    unsigned shared = left ? 0 : shares_total(g);
    uint64_t ns = bs_make((unsigned)s, want, bs_gen(s), bs_arrived(s) - shared, (unsigned)g->size);
    int code = PvmOk, passed = 0;
    if (left && bs_arrived(s) > 0) {
        ns = bs_next_round(ns);
        if (want != BS_ALL && want > (unsigned)g->size) {
            code = PvmNoGroup;
        } else {
            code = BS_RETRY;
            passed = rearrive(&g->bar.arr, want, &ns);
            g->bar_gen = bs_gen(ns);
        }
    }
    barpage_unlock(bp, g->slot, s, ns, code);
    if (left)
        barpage_wake(bp, g->slot);
    release_tids(d, g, &ended, PvmOk);
    if (g->nsh)
        release_shares(d, g, code == PvmNoGroup ? PvmNoGroup : PvmOk, code != PvmNoGroup);
    if (code == PvmNoGroup)
        release_all(d, g, &g->bar, PvmNoGroup);
    else
        pass_first(d, g, passed);
}

/* The authority takes tid's arrival (count) at g's barrier in its slot. */
static void page_arrive(struct pvmd *d, struct group *g, int count, int tid)
{
    struct barpage *bp = gt_of(d)->page;
    uint64_t s = barpage_lock(bp, g->slot);
    struct tids ended = ended_waiters(g, s);
    settle_shares(d, g, s);
    uint64_t ns = s;
    int status = 1; /* waits */
    switch (bs_arrive(s, want_of(count), BS_SOCKET, &ns)) {
    case BS_MISMATCH:
        ns = s;
        status = PvmMismatch;
        break;
    case BS_WAITING:
        if (tids_add(&g->bar.arr, tid) < 0) {
            ns = s;
            status = PvmNoMem;
            break;
        }
        g->bar_gen = bs_gen(s);
        g->bar.count = count;
        break;
    case BS_COMPLETE:
        status = PvmOk;
        break;
    }
    barpage_unlock(bp, g->slot, s, ns, PvmOk);
    release_tids(d, g, &ended, PvmOk);
    if (status == PvmOk) {
        release_all(d, g, &g->bar, PvmOk); /* those of the round it ended */
        release_shares(d, g, PvmOk, false);
    }
    if (status <= 0)
        release(d, g->name, false, &tid, 1, status);
}

/* The authority takes another host's share of g's barrier: sh->n members
 * arrived in its page with count, at group version `version'.  A share
 * of another version (a change crossed it) or of a group without that
 * slot is called off: its members arrive again, knowing better. */
static void share_arrive(struct pvmd *d, const char *name, int count, uint64_t version,
                         struct share sh)
{
    struct group *g = find_group(gt_of(d), name);
    if (!g || g->slot != sh.slot || g->version != version || g->defunct ||
        (count != -1 && count < g->size)) {
        share_release(d, name, &sh, PvmOk, true);
        return;
    }
    struct barpage *bp = gt_of(d)->page;
    uint64_t s = barpage_lock(bp, g->slot);
    struct tids ended = ended_waiters(g, s);
    settle_shares(d, g, s);
    uint64_t ns = s;
    int status = 1; /* waits */
    switch (bs_arrive_n(s, want_of(count), sh.n, BS_SOCKET, &ns)) {
    case BS_MISMATCH:
        ns = s;
        status = PvmMismatch;
        break;
    case BS_WAITING:
        if (g->nsh == g->capsh) {
            int ncap = g->capsh ? g->capsh * 2 : 4;
            struct share *n = realloc(g->sh, (size_t)ncap * sizeof *n);
            if (!n) {
                ns = s;
                status = PvmNoMem;
                break;
            }
            g->sh = n;
            g->capsh = ncap;
        }
        g->sh[g->nsh++] = sh;
        g->sh_gen = bs_gen(s);
        break;
    case BS_COMPLETE:
        status = PvmOk;
        break;
    }
    barpage_unlock(bp, g->slot, s, ns, PvmOk);
    release_tids(d, g, &ended, PvmOk);
    if (status == PvmOk) {
        release_all(d, g, &g->bar, PvmOk);
        release_shares(d, g, PvmOk, false);
    }
    if (status <= 0)
        share_release(d, name, &sh, status, false);
}

/* The authority takes tid's arrival at name's barrier or freeze. */
static void arrive(struct pvmd *d, const char *name, bool freeze, int count, int tid)
{
    struct group *g = find_group(gt_of(d), name);
    int status = 0;
    if (!g)
        status = PvmNoGroup;
    else if (inst_of(g, tid) < 0)
        status = PvmNotInGroup;
    else if (!freeze && g->defunct)
        status = PvmNoGroup;
    else if (freeze && g->frozen)
        status = PvmDupGroup;
    if (status < 0) {
        release(d, name, freeze, &tid, 1, status);
        return;
    }
    struct rendezvous *z = freeze ? &g->frz : &g->bar;
    if (tids_find(&z->arr, tid) >= 0)
        return;
    if (!freeze && g->slot >= 0) {
        if (count == -1 || count <= (int)BS_MAX) {
            page_arrive(d, g, count, tid);
            return;
        }
        /* A count the slot cannot hold.  With a round going on in the page
         * (whose count this cannot be) the latecomer is the mismatch, as
         * PVM 3.4.6 and the rendezvous answer; else the rendezvous counts
         * from now on. */
        struct barpage *bp = gt_of(d)->page;
        uint64_t s = barpage_lock(bp, g->slot);
        barpage_unlock(bp, g->slot, s, s, PvmOk);
        if (bs_arrived(s) > 0) {
            release(d, name, freeze, &tid, 1, PvmMismatch);
            return;
        }
        close_slot(d, g, BS_RETRY);
    }
    if (z->arr.n > 0 && z->count != count) {
        release(d, name, freeze, &tid, 1, PvmMismatch);
        return;
    }
    if (z->arr.n == 0)
        z->count = count;
    if (tids_add(&z->arr, tid) < 0) {
        release(d, name, freeze, &tid, 1, PvmNoMem);
        return;
    }
    check(d, g, z, false);
}

/* ===================================================================== */
/* Membership at the authority                                            */
/* ===================================================================== */

static int join(struct pvmd *d, const char *name, int tid)
{
    struct group_tab *gt = gt_of(d);
    struct group *g = find_group(gt, name);
    if (g && g->frozen)
        return PvmNotInGroup; /* PVM 3.4.6's answer to any join of a frozen group */
    if (g && inst_of(g, tid) >= 0)
        return PvmDupGroup;
    bool fresh = !g;
    if (!g && !(g = new_group(gt, name)))
        return PvmNoMem;
    int i = 0;
    while (i < g->ninst && g->inst[i])
        i++;
    if (i == g->ninst) {
        if (g->ninst == g->capinst) {
            int ncap = g->capinst ? g->capinst * 2 : 8;
            int *n = realloc(g->inst, (size_t)ncap * sizeof *n);
            if (!n) {
                if (fresh)
                    delete_group(d, g);
                return PvmNoMem;
            }
            g->inst = n;
            g->capinst = ncap;
        }
        g->ninst++;
    }
    g->inst[i] = tid;
    g->size++;
    changed(d, g);
    /* A barrier waiting for every member now waits for this one too. */
    if (g->slot >= 0)
        page_members(d, g, false);
    return i;
}

/* Takes the member of instance i out of g (a leave, an end, a lost
 * host).  Returns true when g was emptied and freed. */
static bool remove_member(struct pvmd *d, struct group *g, int i)
{
    int tid = g->inst[i];
    g->inst[i] = 0;
    while (g->ninst > 0 && g->inst[g->ninst - 1] == 0)
        g->ninst--;
    g->size--;
    tids_remove(&g->bar.arr, tid);
    tids_remove(&g->frz.arr, tid);
    tids_remove(&g->watch, tid);
    changed(d, g);
    if (g->frozen) {
        /* pvm_freezegroup(3PVM): a frozen group a member left is defunct,
         * its barriers fail with PvmNoGroup from now on. */
        g->defunct = true;
        if (g->slot >= 0)
            close_slot(d, g, PvmNoGroup);
        release_all(d, g, &g->bar, PvmNoGroup);
    } else if (g->slot >= 0) {
        if (g->size > 0)
            page_members(d, g, true);
    } else {
        check(d, g, &g->bar, true);
    }
    check(d, g, &g->frz, true);
    if (g->size > 0)
        return false;
    delete_group(d, g); /* no member left, so no arrival either */
    return true;
}

static int leave(struct pvmd *d, const char *name, int tid)
{
    struct group *g = find_group(gt_of(d), name);
    if (!g)
        return PvmNoGroup;
    int i = inst_of(g, tid);
    if (i < 0)
        return PvmNotInGroup;
    remove_member(d, g, i);
    return PvmOk;
}

/* Every tid for which gone(tid, arg) says so leaves every group. */
static void remove_where(struct pvmd *d, bool (*gone)(int tid, int arg), int arg)
{
    struct group *next;
    for (struct group *g = gt_of(d)->groups; g; g = next) {
        next = g->next;
        /* Downwards: trimming free instances at the end never moves a
         * lower one. */
        for (int i = g->ninst - 1; i >= 0; i--)
            if (g->inst[i] && gone(g->inst[i], arg) && remove_member(d, g, i))
                break;
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
/* Handlers                                                               */
/* ===================================================================== */

/* Answers a join, leave or info: the group's slot when g is given (a
 * member's barriers use it), its members too when `members'. */
static void reply_group(struct pvmd *d, const struct req *r, int status, int inst,
                        const struct group *g, bool members)
{
    Pvm__GroupReply gr = PVM__GROUP_REPLY__INIT;
    gr.status = status < 0 ? status : 0;
    gr.inst = inst > 0 ? inst : 0;
    if (g && g->slot >= 0) {
        gr.slot = (uint32_t)g->slot + 1;
        gr.slot_owner = g->owner;
    }
    if (g && members) {
        gr.version = g->version;
        gr.frozen = g->frozen;
        gr.tids = g->inst;
        gr.n_tids = (size_t)g->ninst;
    }
    req_reply(d, r, PVM__CTL_TYPE__CTL_GRP_REPLY, &gr.base);
}

/* Remembers a local task that joined, to report its end. */
static void note_member(struct pvmd *d, int tid)
{
    struct group_tab *gt = gt_of(d);
    if (tids_find(&gt->members, tid) < 0)
        tids_add(&gt->members, tid);
}

static void request_(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    Pvm__GroupRequest q = *(const Pvm__GroupRequest *)m;
    int host = req_peer_host(r);
    if (host) {
        /* A pvmd speaks for its own tasks, to the authority only. */
        if (!is_authority(d) || !tid_is_task(q.tid) || tid_host(q.tid) != host) {
            req_status(d, r, PvmBadParam);
            return;
        }
    } else {
        q.tid = r->from;
    }
    if (!gt_of(d)) {
        req_status(d, r, PvmSysErr);
        return;
    }
    if (!is_authority(d)) {
        if (r->type == PVM__CTL_TYPE__CTL_GRP_JOIN)
            note_member(d, q.tid);
        int cc = pending_forward(d, r, &q.base, tid_pvmd(AUTHORITY_HOST), PENDING_TIMEOUT_MS, NULL,
                                 NULL);
        if (cc < 0)
            req_status(d, r, cc);
        return;
    }
    struct group *g;
    int cc;
    switch (r->type) {
    case PVM__CTL_TYPE__CTL_GRP_JOIN:
        cc = join(d, q.name, q.tid);
        reply_group(d, r, cc, cc, cc >= 0 ? find_group(gt_of(d), q.name) : NULL, false);
        log_debug(d, "t%x joined %s: %d", (unsigned)q.tid, q.name, cc);
        break;
    case PVM__CTL_TYPE__CTL_GRP_LEAVE:
        reply_group(d, r, leave(d, q.name, q.tid), 0, NULL, false);
        break;
    default: /* CTL_GRP_INFO */
        g = find_group(gt_of(d), q.name);
        if (!g) {
            reply_group(d, r, PvmNoGroup, 0, NULL, false);
            break;
        }
        watch(g, q.tid);
        reply_group(d, r, PvmOk, 0, g, true);
        break;
    }
}

static void flush_cb(uv_timer_t *t);
static void enter(struct pvmd *d);
static void leave_(struct pvmd *d);

static void wait_(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    const Pvm__GroupRequest *q = (const Pvm__GroupRequest *)m;
    struct group_tab *gt = gt_of(d);
    bool freeze = r->type == PVM__CTL_TYPE__CTL_GRP_FREEZE;
    struct waiter *w = gt ? calloc(1, sizeof *w) : NULL;
    if (!w || !(w->name = strdup(q->name))) {
        free(w);
        req_status(d, r, gt ? PvmNoMem : PvmSysErr);
        return;
    }
    w->freeze = freeze;
    w->tid = r->from;
    w->wid = r->wid;
    w->next = gt->waiters;
    gt->waiters = w;
    if (is_authority(d)) {
        arrive(d, q->name, freeze, q->count, r->from);
        return;
    }
    /* Arrivals read in this turn of the loop go out together. */
    struct batch *b;
    for (b = gt->batches; b; b = b->next)
        if (b->freeze == freeze && b->count == q->count && strcmp(b->name, q->name) == 0)
            break;
    if (!b) {
        b = calloc(1, sizeof *b);
        if (!b || !(b->name = strdup(q->name))) {
            free(b);
            answer_local(d, q->name, freeze, r->from, PvmNoMem);
            return;
        }
        b->freeze = freeze;
        b->count = q->count;
        b->next = gt->batches;
        gt->batches = b;
    }
    if (tids_add(&b->tids, r->from) < 0) {
        answer_local(d, q->name, freeze, r->from, PvmNoMem);
        return;
    }
    if (!gt->flush_armed) {
        gt->flush_armed = true;
        uv_timer_start(&gt->flush, flush_cb, 0, 0);
    }
}

/* Sends the arrivals gathered since the last turn to the authority. */
static void flush_cb(uv_timer_t *t)
{
    struct pvmd *d = t->data;
    struct group_tab *gt = gt_of(d);
    if (!gt)
        return;
    gt->flush_armed = false;
    enter(d);
    while (gt->batches) {
        struct batch *b = gt->batches;
        gt->batches = b->next;
        if (b->tids.n > 0) {
            Pvm__GroupArrive a = PVM__GROUP_ARRIVE__INIT;
            a.name = b->name;
            a.freeze = b->freeze;
            a.count = b->count;
            a.tids = b->tids.v;
            a.n_tids = (size_t)b->tids.n;
            struct frame *f = frame_ctl(d->mytid, tid_pvmd(AUTHORITY_HOST),
                                        PVM__CTL_TYPE__CTL_GRP_ARRIVE, 0, 0, &a.base);
            int cc = f ? route_frame(d, f) : PvmNoMem;
            /* A failed send to the first host halts the pvmd, which
             * answered every waiter and finalized the table. */
            if (cc < 0 && gt_of(d))
                for (int i = 0; i < b->tids.n; i++)
                    answer_local(d, b->name, b->freeze, b->tids.v[i], PvmSysErr);
        }
        free(b->name);
        tids_free(&b->tids);
        free(b);
        if (!gt_of(d))
            return;
    }
    leave_(d);
}

static void arrive_(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    const Pvm__GroupArrive *a = (const Pvm__GroupArrive *)m;
    int host = req_peer_host(r);
    if (!host || !is_authority(d) || !gt_of(d))
        return; /* no reply: a one-way message */
    if (a->share) {
        struct share sh = {host, (int)a->slot - 1, a->share, a->gen & 0xffffu};
        share_arrive(d, a->name, a->count, a->version, sh);
        return;
    }
    for (size_t i = 0; i < a->n_tids; i++)
        if (tid_host(a->tids[i]) == host)
            arrive(d, a->name, a->freeze, a->count, a->tids[i]);
}

/* ---- another host's page ---- */

/* The first host says what slot holds here.  The page's round follows:
 * a new group in the slot starts afresh; a change of this host's members
 * calls off a round whose share was not yet sent (who arrived is not
 * known); one whose share was sent is answered by the first host (the
 * change calls it off there). */
static void host_(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    const Pvm__GroupHost *h = (const Pvm__GroupHost *)m;
    struct group_tab *gt = gt_of(d);
    if (req_peer_host(r) != AUTHORITY_HOST || is_authority(d) || !gt || !gt->page || !gt->hs)
        return;
    int i = (int)h->slot - 1;
    struct hostslot *hs = &gt->hs[i];
    if (!h->local && hs->owner != h->owner)
        return; /* news of a group this host no longer has there */
    uint32_t owner = h->local ? h->owner : 0;
    bool same = owner && hs->owner == owner;
    if (!same) {
        free(hs->name);
        hs->name = owner ? strdup(h->name) : NULL;
        if (!hs->name)
            owner = 0; /* no memory: through the pvmd */
        hs->owner = owner;
        hs->sent = 0;
    }
    hs->version = h->version;
    uint64_t w = barpage_lock(gt->page, i);
    unsigned was = atomic_load(&barpage_slot(gt->page, i)->size);
    atomic_store(&barpage_slot(gt->page, i)->version, h->version);
    barpage_assign(gt->page, i, owner, h->size);
    unsigned local = owner ? h->local : 0;
    uint64_t ns = bs_make((unsigned)w, bs_want(w), bs_gen(w), bs_arrived(w), local);
    int code = PvmOk;
    if (!same) {
        ns = bs_make(0, 0, bs_gen(w) + 1, 0, local);
        code = bs_arrived(w) ? BS_RETRY : PvmOk;
    } else if (bs_arrived(w) && hs->sent != bs_gen(w) + 1) {
        /* As at the first host: after a departure, an explicit count the
         * group can no longer meet fails; a change of this host's members
         * calls the round off.  (A share already sent is the first
         * host's to settle.) */
        if (h->size < was && bs_want(w) != BS_ALL && bs_want(w) > h->size) {
            ns = bs_make(0, 0, bs_gen(w) + 1, 0, local);
            code = PvmNoGroup;
        } else if (bs_target(w) != local) {
            ns = bs_make(0, 0, bs_gen(w) + 1, 0, local);
            code = BS_RETRY;
        }
    }
    barpage_unlock(gt->page, i, w, ns, code);
}

/* A local task completed this host's share of round rd->gen: one arrival
 * of that many goes to the first host. */
static void host_share_done(struct pvmd *d, const Pvm__GroupRoundDone *rd)
{
    struct group_tab *gt = gt_of(d);
    if (!gt->page || !gt->hs)
        return;
    int i = (int)rd->slot - 1;
    struct hostslot *hs = &gt->hs[i];
    /* Only this pvmd ends rounds here: the gen cannot move meanwhile. */
    uint64_t w = atomic_load(&barpage_slot(gt->page, i)->state);
    unsigned gen = bs_gen(w);
    if (!hs->owner || gen != (rd->gen & 0xffffu) || !(w & BS_SOCKET) || hs->sent == gen + 1)
        return;
    hs->sent = gen + 1;
    Pvm__GroupArrive a = PVM__GROUP_ARRIVE__INIT;
    a.name = hs->name;
    a.count = count_of(bs_want(w));
    a.share = bs_target(w);
    a.slot = rd->slot;
    a.gen = gen;
    a.version = hs->version;
    struct frame *f =
        frame_ctl(d->mytid, tid_pvmd(AUTHORITY_HOST), PVM__CTL_TYPE__CTL_GRP_ARRIVE, 0, 0, &a.base);
    if (f)
        route_frame(d, f);
}

/* The first host ended (or called off) this host's share of a round. */
static void host_release(struct pvmd *d, const Pvm__GroupRelease *rel)
{
    struct group_tab *gt = gt_of(d);
    if (!gt->page || !gt->hs)
        return;
    int i = (int)rel->slot - 1;
    struct hostslot *hs = &gt->hs[i];
    if (!hs->owner || strcmp(hs->name, rel->name) != 0)
        return;
    uint64_t w = barpage_lock(gt->page, i), ns = w;
    unsigned gen = bs_gen(w);
    if (gen == (rel->gen & 0xffffu) && hs->sent == gen + 1)
        ns = bs_next_round(w);
    barpage_unlock(gt->page, i, w, ns, rel->retry ? BS_RETRY : rel->status);
}

static void release_(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    const Pvm__GroupRelease *rel = (const Pvm__GroupRelease *)m;
    if (req_peer_host(r) != AUTHORITY_HOST || !gt_of(d))
        return;
    if (rel->slot) {
        host_release(d, rel);
        return;
    }
    for (size_t i = 0; i < rel->n_tids; i++)
        answer_local(d, rel->name, rel->freeze, rel->tids[i], rel->status);
}

/* A local task ended a round of a slot in which socket waiters wait. */
static void round_done_(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    (void)r;
    const Pvm__GroupRoundDone *rd = (const Pvm__GroupRoundDone *)m;
    if (!gt_of(d))
        return;
    if (!is_authority(d)) {
        host_share_done(d, rd);
        return;
    }
    for (struct group *g = gt_of(d)->groups; g; g = g->next)
        if (g->slot == (int)rd->slot - 1) {
            settle(d, g);
            return;
        }
}

static void gone_(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    const Pvm__GroupGone *g = (const Pvm__GroupGone *)m;
    int host = req_peer_host(r);
    if (!host || !is_authority(d) || !gt_of(d))
        return;
    for (size_t i = 0; i < g->n_tids; i++)
        if (tid_host(g->tids[i]) == host)
            remove_where(d, tid_is, g->tids[i]);
}

void group_list(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    if (!gt_of(d)) {
        req_status(d, r, PvmSysErr);
        return;
    }
    if (!is_authority(d)) {
        if (req_peer_host(r)) {
            req_status(d, r, PvmBadParam);
            return;
        }
        int cc = pending_forward(d, r, m, tid_pvmd(AUTHORITY_HOST), PENDING_TIMEOUT_MS, NULL, NULL);
        if (cc < 0)
            req_status(d, r, cc);
        return;
    }
    size_t n = 0;
    for (struct group *g = gt_of(d)->groups; g; g = g->next)
        n++;
    Pvm__GroupEntry *e = calloc(n ? n : 1, sizeof *e);
    Pvm__GroupEntry **p = calloc(n ? n : 1, sizeof *p);
    if (!e || !p) {
        free(e);
        free(p);
        req_status(d, r, PvmNoMem);
        return;
    }
    size_t k = 0;
    for (struct group *g = gt_of(d)->groups; g; g = g->next, k++) {
        pvm__group_entry__init(&e[k]);
        e[k].name = g->name;
        e[k].frozen = g->frozen;
        e[k].tids = g->inst;
        e[k].n_tids = (size_t)g->ninst;
        e[k].barrier_waiting =
            g->slot >= 0
                ? (int)bs_arrived(atomic_load(&barpage_slot(gt_of(d)->page, g->slot)->state))
                : g->bar.arr.n;
        p[k] = &e[k];
    }
    Pvm__GroupList gl = PVM__GROUP_LIST__INIT;
    gl.groups = p;
    gl.n_groups = n;
    req_reply(d, r, PVM__CTL_TYPE__CTL_GRP_LIST_REPLY, &gl.base);
    free(e);
    free(p);
}

/* ===================================================================== */
/* Events                                                                 */
/* ===================================================================== */

/* A local task ended: its waits go, and it leaves every group. */
static void task_ended(struct pvmd *d, int tid)
{
    struct group_tab *gt = gt_of(d);
    for (struct waiter **pp = &gt->waiters; *pp;) {
        struct waiter *w = *pp;
        if (w->tid == tid) {
            *pp = w->next;
            free(w->name);
            free(w);
        } else {
            pp = &w->next;
        }
    }
    for (struct batch *b = gt->batches; b; b = b->next)
        tids_remove(&b->tids, tid);
    if (is_authority(d)) {
        remove_where(d, tid_is, tid);
        /* It may have ended a round of socket waiters and died before
         * saying so. */
        for (struct group *g = gt->groups; g; g = g->next)
            settle(d, g);
        return;
    }
    if (!tids_remove(&gt->members, tid))
        return;
    Pvm__GroupGone g = PVM__GROUP_GONE__INIT;
    g.tids = &tid;
    g.n_tids = 1;
    struct frame *f =
        frame_ctl(d->mytid, tid_pvmd(AUTHORITY_HOST), PVM__CTL_TYPE__CTL_GRP_GONE, 0, 0, &g.base);
    if (f)
        route_frame(d, f);
}

static void on_event_now(struct pvmd *d, enum event_kind kind, int tid)
{
    if (kind == EVENT_TASK_EXIT)
        task_ended(d, tid);
    else if (kind == EVENT_HOST_LOST && is_authority(d) && tid_is_pvmd(tid))
        remove_where(d, on_host, tid_host(tid));
}

static void enter(struct pvmd *d)
{
    gt_of(d)->busy++;
}

/* Ends a change of the table; runs the events it held back. */
static void leave_(struct pvmd *d)
{
    struct group_tab *gt = gt_of(d);
    if (!gt || --gt->busy > 0)
        return;
    gt->busy++;
    /* gt is looked up again after each event: one may halt the pvmd (a
     * report to the first host that fails its link), which frees it. */
    while ((gt = gt_of(d)) && (gt->later_tasks.n || gt->later_hosts.n)) {
        bool task = gt->later_tasks.n > 0;
        struct tids *l = task ? &gt->later_tasks : &gt->later_hosts;
        int tid = l->v[0];
        tids_remove(l, tid);
        on_event_now(d, task ? EVENT_TASK_EXIT : EVENT_HOST_LOST, tid);
    }
    if (gt)
        gt->busy--;
}

void group_on_event(struct pvmd *d, const struct event *ev)
{
    struct group_tab *gt = gt_of(d);
    if (!gt || (ev->kind != EVENT_TASK_EXIT && ev->kind != EVENT_HOST_LOST))
        return;
    if (gt->busy) {
        tids_add(ev->kind == EVENT_TASK_EXIT ? &gt->later_tasks : &gt->later_hosts, ev->tid);
        return;
    }
    enter(d);
    on_event_now(d, ev->kind, ev->tid);
    leave_(d);
}

void group_task_left(struct pvmd *d, int tid)
{
    struct group_tab *gt = gt_of(d);
    if (!gt)
        return;
    if (gt->busy) {
        tids_add(&gt->later_tasks, tid);
        return;
    }
    enter(d);
    on_event_now(d, EVENT_TASK_EXIT, tid);
    leave_(d);
}

/* The handlers, each one change of the table. */
#define GUARDED(name)                                                                              \
    void group_##name(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)              \
    {                                                                                              \
        if (!gt_of(d)) {                                                                           \
            name##_(d, r, m);                                                                      \
            return;                                                                                \
        }                                                                                          \
        enter(d);                                                                                  \
        name##_(d, r, m);                                                                          \
        leave_(d);                                                                                 \
    }
GUARDED(request)
GUARDED(wait)
GUARDED(arrive)
GUARDED(gone)
GUARDED(release)
GUARDED(round_done)
GUARDED(host)

void group_page_open(struct pvmd *d)
{
    struct group_tab *gt = gt_of(d);
    if (!gt || gt->page)
        return;
    gt->page = barpage_create(d);
    /* Whether this host is the first one is known later: the table of
     * what the first host says is ready anyway. */
    if (gt->page && !(gt->hs = calloc(BARPAGE_SLOTS, sizeof *gt->hs)))
        barpage_destroy(d, &gt->page);
}
