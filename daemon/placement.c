/*
 * placement.c - spreading spawned tasks over hosts.
 */
#include "placement.h"

#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "tasktab.h"
#include "route.h"
#include "defs.h"
#include "enc.h"
#include "hosttab.h"
#include "output.h"
#include "pending.h"
#include "pvm3.h"
#include "pvmd.h"
#include "spawn.h"
#include "tid.h"
#include "xport.h"

/* A spawn dealt over several hosts, waiting for their answers. */
struct spread {
    struct req r;
    int count;
    int *tids;  /* the answer, one per copy */
    int *local; /* tids started here: their OUTPUT_BEGIN follows the answer */
    int nlocal;
    int left;   /* parts not answered yet */
    int *hosts; /* the host numbers it went to */
    int nhosts;
};

struct part {
    struct spread *sp;
    int first, n; /* its slots in sp->tids */
};

void placement_siblings(struct pvmd *d, const int32_t *tids, size_t n)
{
    /* PvmDataDefault ints: n, then the tids (big endian). */
    size_t len = 4 * (n + 1);
    uint8_t *body = NULL;
    for (size_t i = 0; i < n; i++) {
        struct task *t = tasktab_find(d->tasks, tids[i]);
        if (!t)
            continue;
        tasktab_set_siblings(t, tids, n);
        tasktab_set_siblings_later(t, false);
        if (!tasktab_link(t))
            continue; /* its hello will carry the list */
        if (!body && !(body = malloc(len)))
            return;
        for (size_t k = 0; k <= n; k++)
            enc_put_int(body + 4 * k, k == 0 ? (int32_t)n : tids[k - 1]);
        uint8_t *copy = malloc(len);
        if (!copy)
            continue;
        memcpy(copy, body, len);
        struct wire_hdr h = {
            .flags = WIRE_F_NOSEQ,
            .src = d->mytid,
            .dst = tids[i],
            .tag = PVM_TAG_SIBLINGS,
            .ctx = PVM_SYS_CTX,
            .enc = PvmDataDefault,
            .len = len,
        };
        struct frame *f = frame_new(&h, copy);
        if (f)
            route_frame(d, f);
    }
    free(body);
}

/* A spawn over several hosts: every task it started learns them all. */
static void tell_siblings(struct pvmd *d, struct spread *sp)
{
    int32_t *all = malloc((size_t)sp->count * sizeof *all);
    if (!all)
        return;
    size_t n = 0;
    for (int i = 0; i < sp->count; i++)
        if (sp->tids[i] > 0)
            all[n++] = sp->tids[i];
    if (n) {
        Pvm__Siblings s = PVM__SIBLINGS__INIT;
        s.n_tids = n;
        s.tids = all;
        for (int k = 0; k < sp->nhosts; k++) {
            if (sp->hosts[k] == d->myhost)
                continue;
            struct frame *f = frame_ctl(d->mytid, tid_pvmd(sp->hosts[k]),
                                        PVM__CTL_TYPE__CTL_SIBLINGS, 0, 0, &s.base);
            if (f)
                route_frame(d, f);
        }
        placement_siblings(d, all, n);
    }
    free(all);
}

static void finish(struct pvmd *d, struct spread *sp)
{
    if (sp->nhosts > 1)
        tell_siblings(d, sp);
    /* The children's OUTPUT_BEGIN, then the reply, as PVM 3.4.6's pvmd
     * does (design.md): both go the same way to a spawner of this host. */
    for (int i = 0; i < sp->nlocal; i++)
        output_begin(d, sp->local[i]);
    Pvm__SpawnReply rep = PVM__SPAWN_REPLY__INIT;
    rep.n_tids = (size_t)sp->count;
    rep.tids = sp->tids;
    req_reply(d, &sp->r, PVM__CTL_TYPE__CTL_SPAWN_REPLY, &rep.base);
    free(sp->tids);
    free(sp->local);
    free(sp->hosts);
    free(sp);
}

static void part_done(struct pvmd *d, const struct req *orig, int status, const struct frame *reply,
                      void *arg)
{
    struct part *p = arg;
    struct spread *sp = p->sp;
    (void)orig;
    int code = status;
    ProtobufCMessage *m = NULL;
    if (code == 0 && reply->h.tag == PVM__CTL_TYPE__CTL_SPAWN_REPLY &&
        ctl_unpack(reply->h.tag, reply->payload, (size_t)reply->h.len, &m) == 0) {
        const Pvm__SpawnReply *rep = (const Pvm__SpawnReply *)m;
        for (int i = 0; i < p->n; i++)
            sp->tids[p->first + i] = (size_t)i < rep->n_tids ? rep->tids[i] : PvmSysErr;
        ctl_free(&m);
    } else {
        if (code == 0 && reply->h.tag == PVM__CTL_TYPE__CTL_STATUS &&
            ctl_unpack(reply->h.tag, reply->payload, (size_t)reply->h.len, &m) == 0) {
            code = ((Pvm__Status *)m)->code < 0 ? ((Pvm__Status *)m)->code : PvmSysErr;
            ctl_free(&m);
        }
        for (int i = 0; i < p->n; i++)
            sp->tids[p->first + i] = code < 0 ? code : PvmSysErr;
    }
    free(p);
    if (--sp->left == 0)
        finish(d, sp);
}

/* The hosts the request may use, in host-number order.  Returns how many
 * (0: none fits). */
static int candidates(struct pvmd *d, const Pvm__SpawnRequest *s, struct host **out)
{
    const char *where = s->where ? s->where : "";
    struct host *named = NULL;
    if ((s->flags & PvmTaskHost) && *where) {
        named = hosttab_find_name(d->hosts, where);
        if (!named && spawn_names_this_host(d, where))
            named = hosttab_get(d->hosts, d->myhost);
        if (!named && !(s->flags & PvmHostCompl))
            return 0;
    }
    int n = 0;
    for (struct host *h = hosttab_next(d->hosts, 0); h; h = hosttab_next(d->hosts, h->num)) {
        if ((s->flags & PvmTaskHost) && *where) {
            bool is = h == named;
            if ((s->flags & PvmHostCompl) ? is : !is)
                continue;
        } else if ((s->flags & PvmTaskArch) && *where && strcmp(h->arch, where) != 0) {
            continue;
        }
        out[n++] = h;
    }
    return n;
}

void placement_spawn(struct pvmd *d, const struct req *r, const Pvm__SpawnRequest *s)
{
    bool remote = r->link && tid_is_pvmd(r->link->peer);
    int count = s->count;
    struct spread *sp = calloc(1, sizeof *sp);
    struct host **hosts = calloc(TID_MAX_HOST + 1, sizeof *hosts);
    int *per = calloc(TID_MAX_HOST + 1, sizeof *per);
    if (sp) {
        sp->tids = calloc((size_t)count, sizeof *sp->tids);
        sp->local = calloc((size_t)count, sizeof *sp->local);
    }
    if (!sp || !hosts || !per || !sp->tids || !sp->local) {
        if (sp) {
            free(sp->tids);
            free(sp->local);
        }
        free(sp);
        free(hosts);
        free(per);
        req_status(d, r, PvmNoMem);
        return;
    }
    sp->r = *r;
    sp->r.link = NULL;
    sp->count = count;

    /* A peer pvmd's request is for this host, on behalf of a task of its
     * own host. */
    int parent = r->from;
    int nh;
    if (remote) {
        parent = tid_is_task(s->parent) && tid_host(s->parent) == tid_host(r->from) ? s->parent : 0;
        hosts[0] = hosttab_get(d->hosts, d->myhost);
        nh = 1;
    } else {
        nh = candidates(d, s, hosts);
    }
    if (nh == 0 || !hosts[0]) {
        for (int i = 0; i < count; i++)
            sp->tids[i] = PvmNoHost;
        sp->left = 1;
        sp->nlocal = 0;
        free(hosts);
        free(per);
        finish(d, sp);
        return;
    }
    /* Deal the copies round-robin, from where the last spawn stopped. */
    int start = d->spawn_next % nh;
    for (int i = 0; i < count; i++)
        per[(start + i) % nh]++;
    if (!remote)
        d->spawn_next = (start + count) % nh;

    sp->left = 1; /* held until every part is under way */
    sp->hosts = malloc((size_t)nh * sizeof *sp->hosts);
    for (int k = 0; sp->hosts && k < nh; k++)
        if (per[k])
            sp->hosts[sp->nhosts++] = hosts[k]->num;
    /* Over several hosts, each host's tasks know only their own siblings
     * until the whole list follows (tell_siblings). */
    bool later = sp->nhosts > 1;
    int slot = 0;
    for (int k = 0; k < nh; k++) {
        int n = per[k];
        if (n == 0)
            continue;
        struct host *h = hosts[k];
        Pvm__SpawnRequest c = *s;
        c.count = n;
        if (h->num == d->myhost) {
            /* PvmTaskArch/PvmHostCompl have been applied: here is fine. */
            c.flags &= ~(PvmTaskArch | PvmHostCompl | PvmTaskHost);
            c.where = "";
            c.siblings_later = later || s->siblings_later;
            spawn_run(d, parent, &c, sp->tids + slot);
            for (int i = 0; i < n; i++)
                if (sp->tids[slot + i] > 0)
                    sp->local[sp->nlocal++] = sp->tids[slot + i];
            slot += n;
            continue;
        }
        c.flags = (c.flags & ~(PvmTaskArch | PvmHostCompl)) | PvmTaskHost;
        c.where = h->name;
        c.parent = parent;
        c.siblings_later = later;
        struct part *p = malloc(sizeof *p);
        int cc = p ? 0 : PvmNoMem;
        if (p) {
            *p = (struct part){.sp = sp, .first = slot, .n = n};
            sp->left++;
            cc = pending_forward(d, r, &c.base, h->tid, PENDING_TIMEOUT_MS, part_done, p);
            if (cc < 0) {
                sp->left--;
                free(p);
            }
        }
        if (cc < 0)
            for (int i = 0; i < n; i++)
                sp->tids[slot + i] = cc == PvmNoHost || cc == PvmNoTask ? PvmHostFail : cc;
        slot += n;
    }
    free(hosts);
    free(per);
    if (--sp->left == 0)
        finish(d, sp);
}
