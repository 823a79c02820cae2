/*
 * test_group.c - daemon/group.c through fake links: the authority (host
 * 1) with local tasks and host 2's pvmd on the mesh, and another host's
 * pvmd forwarding and counting for its own tasks; the authority's part
 * of the barrier page, with this test in the local tasks' place.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "barslot.h"
#include "ctl.h"
#include "defs.h"
#include "enc.h"
#include "fake_xport.h"
#include "frame.h"
#include "group.h"
#include "pvm3.h"
#include "tid.h"

struct world {
    struct pvmd d;
    struct fake *mesh; /* host 2's pvmd (host 1's when d is host 2) */
    struct fake *t[3]; /* local tasks */
    int tid[3];
};

static int wid_next = 100;

static int setup_host(void **state, int host)
{
    struct world *w = calloc(1, sizeof *w);
    fake_pvmd(&w->d, host, 2);
    w->mesh = fake_link(&w->d, tid_pvmd(host == 1 ? 2 : 1));
    for (int i = 0; i < 3; i++)
        w->t[i] = fake_task(&w->d, &w->tid[i]);
    *state = w;
    return 0;
}

static int setup(void **state)
{
    return setup_host(state, 1);
}

static int setup2(void **state)
{
    return setup_host(state, 2);
}

static int teardown(void **state)
{
    struct world *w = *state;
    fake_pvmd_end(&w->d);
    fake_free(&w->mesh);
    for (int i = 0; i < 3; i++)
        fake_free(&w->t[i]);
    free(w);
    return 0;
}

/* Task i sends group request `type' (name, count); returns its wid. */
static int req(struct world *w, int i, int type, const char *name, int count)
{
    Pvm__GroupRequest q = PVM__GROUP_REQUEST__INIT;
    q.name = (char *)name;
    q.count = count;
    int wid = wid_next++;
    fake_arrive(w->t[i], frame_ctl(w->tid[i], w->d.mytid, type, 0, wid, &q.base));
    return wid;
}

/* The GroupReply task i got: returns status (or inst when >= 0). */
static int group_reply(struct world *w, int i, int wid, Pvm__GroupReply **out)
{
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->t[i], PVM__CTL_TYPE__CTL_GRP_REPLY, &m);
    assert_int_equal(f->h.wid, wid);
    frame_free(&f);
    Pvm__GroupReply *r = (Pvm__GroupReply *)m;
    int cc = r->status < 0 ? r->status : r->inst;
    if (out)
        *out = r;
    else
        ctl_free(&m);
    return cc;
}

static int join(struct world *w, int i, const char *name)
{
    int wid = req(w, i, PVM__CTL_TYPE__CTL_GRP_JOIN, name, 0);
    return group_reply(w, i, wid, NULL);
}

static int status_of(struct fake *l, int wid)
{
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(l, PVM__CTL_TYPE__CTL_STATUS, &m);
    assert_int_equal(f->h.wid, wid);
    frame_free(&f);
    int code = ((Pvm__Status *)m)->code;
    ctl_free(&m);
    return code;
}

/* Skips notices (PVM_TAG_GROUP) on l; returns how many. */
static int notices(struct fake *l, const char *name)
{
    int n = 0;
    struct frame *f;
    while ((f = fake_take(l))) {
        assert_int_equal(f->h.ctx, PVM_SYS_CTX);
        assert_int_equal(f->h.tag, PVM_TAG_GROUP);
        /* The name as pvm_pkstr packs it, the version as two uints. */
        assert_int_equal(f->h.len, enc_xdr_str_size(strlen(name)) + 8);
        assert_memory_equal(f->payload + 4, name, strlen(name) + 1);
        frame_free(&f);
        n++;
    }
    return n;
}

/* ===================================================================== */

static void test_instances_reused_lowest_first(void **state)
{
    struct world *w = *state;
    assert_int_equal(join(w, 0, "g"), 0);
    assert_int_equal(join(w, 1, "g"), 1);
    assert_int_equal(join(w, 2, "g"), 2);
    assert_int_equal(join(w, 1, "g"), PvmDupGroup);
    int wid = req(w, 1, PVM__CTL_TYPE__CTL_GRP_LEAVE, "g", 0);
    assert_int_equal(group_reply(w, 1, wid, NULL), 0);
    wid = req(w, 1, PVM__CTL_TYPE__CTL_GRP_LEAVE, "g", 0);
    assert_int_equal(group_reply(w, 1, wid, NULL), PvmNotInGroup);
    wid = req(w, 1, PVM__CTL_TYPE__CTL_GRP_LEAVE, "none", 0);
    assert_int_equal(group_reply(w, 1, wid, NULL), PvmNoGroup);
    /* Members by instance, a hole at 1. */
    Pvm__GroupReply *r;
    wid = req(w, 0, PVM__CTL_TYPE__CTL_GRP_INFO, "g", 0);
    assert_int_equal(group_reply(w, 0, wid, &r), 0);
    assert_int_equal(r->n_tids, 3);
    assert_int_equal(r->tids[0], w->tid[0]);
    assert_int_equal(r->tids[1], 0);
    assert_int_equal(r->tids[2], w->tid[2]);
    uint64_t v = r->version;
    ctl_free((ProtobufCMessage **)&r);
    /* A remote task (through its pvmd) takes the free instance 1. */
    Pvm__GroupRequest q = PVM__GROUP_REQUEST__INIT;
    q.name = "g";
    q.tid = tid_make(2, 5);
    fake_arrive(w->mesh,
                frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_GRP_JOIN, 0, 9, &q.base));
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_GRP_REPLY, &m);
    assert_int_equal(((Pvm__GroupReply *)m)->inst, 1);
    ctl_free(&m);
    frame_free(&f);
    /* The watcher (task 0) was told once, with a newer version. */
    f = fake_take(w->t[0]);
    assert_non_null(f);
    assert_int_equal(f->h.tag, PVM_TAG_GROUP);
    uint64_t nv = 0;
    for (int k = 0; k < 8; k++)
        nv = nv << 8 | f->payload[enc_xdr_str_size(1) + k];
    assert_true(nv > v);
    frame_free(&f);
    assert_int_equal(join(w, 1, "g"), 3);
    assert_int_equal(notices(w->t[0], "g"), 0); /* told once, then forgotten */
    /* A pvmd speaks only for its own host's tasks. */
    q.tid = tid_make(1, 9);
    fake_arrive(w->mesh,
                frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_GRP_JOIN, 0, 10, &q.base));
    assert_int_equal(status_of(w->mesh, 10), PvmBadParam);
}

static void test_barrier_counts_local_and_remote(void **state)
{
    struct world *w = *state;
    for (int i = 0; i < 3; i++)
        assert_int_equal(join(w, i, "b"), i);
    Pvm__GroupRequest q = PVM__GROUP_REQUEST__INIT;
    q.name = "b";
    q.tid = tid_make(2, 1);
    fake_arrive(w->mesh,
                frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_GRP_JOIN, 0, 11, &q.base));
    ProtobufCMessage *m = NULL;
    struct frame *jf = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_GRP_REPLY, &m);
    frame_free(&jf);
    ctl_free(&m);
    /* Every member (-1): three local, one of host 2. */
    int w0 = req(w, 0, PVM__CTL_TYPE__CTL_GRP_BARRIER, "b", -1);
    int w1 = req(w, 1, PVM__CTL_TYPE__CTL_GRP_BARRIER, "b", -1);
    int w2 = req(w, 2, PVM__CTL_TYPE__CTL_GRP_BARRIER, "b", -1);
    for (int i = 0; i < 3; i++)
        assert_null(fake_take(w->t[i]));
    /* A count other than the barrier's. */
    Pvm__GroupArrive a = PVM__GROUP_ARRIVE__INIT;
    int32_t rt = tid_make(2, 1);
    a.name = "b";
    a.count = 2;
    a.tids = &rt;
    a.n_tids = 1;
    fake_arrive(w->mesh,
                frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_GRP_ARRIVE, 0, 0, &a.base));
    struct frame *f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_GRP_RELEASE, &m);
    assert_int_equal(((Pvm__GroupRelease *)m)->status, PvmMismatch);
    ctl_free(&m);
    frame_free(&f);
    a.count = -1;
    fake_arrive(w->mesh,
                frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_GRP_ARRIVE, 0, 0, &a.base));
    assert_int_equal(status_of(w->t[0], w0), 0);
    assert_int_equal(status_of(w->t[1], w1), 0);
    assert_int_equal(status_of(w->t[2], w2), 0);
    f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_GRP_RELEASE, &m);
    const Pvm__GroupRelease *rel = (const Pvm__GroupRelease *)m;
    assert_int_equal(rel->status, 0);
    assert_int_equal(rel->n_tids, 1);
    assert_int_equal(rel->tids[0], rt);
    ctl_free(&m);
    frame_free(&f);
    /* A count of 2 of 4 lets two through; non-members are refused. */
    w0 = req(w, 0, PVM__CTL_TYPE__CTL_GRP_BARRIER, "b", 2);
    w2 = req(w, 2, PVM__CTL_TYPE__CTL_GRP_BARRIER, "b", 2);
    assert_int_equal(status_of(w->t[0], w0), 0);
    assert_int_equal(status_of(w->t[2], w2), 0);
    w0 = req(w, 0, PVM__CTL_TYPE__CTL_GRP_BARRIER, "none", 2);
    assert_int_equal(status_of(w->t[0], w0), PvmNoGroup);
    /* Host 2 is lost: its member leaves. */
    fake_down(w->mesh, "test");
    Pvm__GroupReply *r;
    w0 = req(w, 0, PVM__CTL_TYPE__CTL_GRP_INFO, "b", 0);
    assert_int_equal(group_reply(w, 0, w0, &r), 0);
    assert_int_equal(r->n_tids, 3);
    ctl_free((ProtobufCMessage **)&r);
}

static void test_member_dies_during_barrier(void **state)
{
    struct world *w = *state;
    for (int i = 0; i < 3; i++)
        assert_int_equal(join(w, i, "k"), i);
    assert_int_equal(join(w, 0, "all"), 0);
    assert_int_equal(join(w, 1, "all"), 1);
    assert_int_equal(join(w, 2, "all"), 2);
    int a = req(w, 0, PVM__CTL_TYPE__CTL_GRP_BARRIER, "k", 3);
    int b = req(w, 1, PVM__CTL_TYPE__CTL_GRP_BARRIER, "all", -1);
    /* Task 2 ends: the barrier of 3 can no longer be met; "every
     * member" now means the one waiting, and also task 0 below. */
    fake_down(w->t[2], "killed");
    assert_int_equal(status_of(w->t[0], a), PvmNoGroup);
    int c = req(w, 0, PVM__CTL_TYPE__CTL_GRP_BARRIER, "all", -1);
    assert_int_equal(status_of(w->t[1], b), 0);
    assert_int_equal(status_of(w->t[0], c), 0);
    /* Frozen, then a member leaves: its barriers fail from then on. */
    a = req(w, 0, PVM__CTL_TYPE__CTL_GRP_FREEZE, "k", -1);
    b = req(w, 1, PVM__CTL_TYPE__CTL_GRP_FREEZE, "k", -1);
    assert_int_equal(status_of(w->t[0], a), 0);
    assert_int_equal(status_of(w->t[1], b), 0);
    a = req(w, 0, PVM__CTL_TYPE__CTL_GRP_BARRIER, "k", 2);
    b = req(w, 1, PVM__CTL_TYPE__CTL_GRP_LEAVE, "k", 0);
    assert_int_equal(status_of(w->t[0], a), PvmNoGroup);
    assert_int_equal(group_reply(w, 1, b, NULL), 0);
    a = req(w, 0, PVM__CTL_TYPE__CTL_GRP_BARRIER, "k", 1);
    assert_int_equal(status_of(w->t[0], a), PvmNoGroup);
}

/* ===================================================================== */
/* Another host's pvmd                                                    */
/* ===================================================================== */

static void test_other_host_forwards_and_batches(void **state)
{
    struct world *w = *state;
    /* A join goes to the first host, speaking for the task. */
    int wid = req(w, 0, PVM__CTL_TYPE__CTL_GRP_JOIN, "g", 0);
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_GRP_JOIN, &m);
    assert_int_equal(f->h.dst, tid_pvmd(1));
    assert_int_equal(((Pvm__GroupRequest *)m)->tid, w->tid[0]);
    Pvm__GroupReply gr = PVM__GROUP_REPLY__INIT;
    gr.inst = 4;
    fake_arrive(w->mesh, frame_ctl(tid_pvmd(1), w->d.mytid, PVM__CTL_TYPE__CTL_GRP_REPLY,
                                   WIRE_F_REPLY, f->h.wid, &gr.base));
    ctl_free(&m);
    frame_free(&f);
    assert_int_equal(group_reply(w, 0, wid, NULL), 4);
    /* Two barrier arrivals in one turn of the loop: one message. */
    int a = req(w, 0, PVM__CTL_TYPE__CTL_GRP_BARRIER, "g", -1);
    int b = req(w, 1, PVM__CTL_TYPE__CTL_GRP_BARRIER, "g", -1);
    assert_null(fake_take(w->mesh));
    uv_run(w->d.loop, UV_RUN_NOWAIT);
    f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_GRP_ARRIVE, &m);
    const Pvm__GroupArrive *ar = (const Pvm__GroupArrive *)m;
    assert_int_equal(ar->n_tids, 2);
    assert_null(fake_take(w->mesh));
    ctl_free(&m);
    frame_free(&f);
    /* One release answers both. */
    Pvm__GroupRelease rel = PVM__GROUP_RELEASE__INIT;
    int32_t both[2] = {w->tid[0], w->tid[1]};
    rel.name = "g";
    rel.tids = both;
    rel.n_tids = 2;
    fake_arrive(w->mesh, frame_ctl(tid_pvmd(1), w->d.mytid, PVM__CTL_TYPE__CTL_GRP_RELEASE, 0, 0,
                                   &rel.base));
    assert_int_equal(status_of(w->t[0], a), 0);
    assert_int_equal(status_of(w->t[1], b), 0);
    /* A member's end is reported; a task that never joined is not. */
    fake_down(w->t[0], "killed");
    f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_GRP_GONE, &m);
    assert_int_equal(((Pvm__GroupGone *)m)->tids[0], w->tid[0]);
    ctl_free(&m);
    frame_free(&f);
    fake_down(w->t[2], "ended");
    assert_null(fake_take(w->mesh));
    /* Only the first host may release, only pvmds may arrive. */
    int c = req(w, 1, PVM__CTL_TYPE__CTL_GRP_BARRIER, "g", -1);
    rel.tids = &both[1];
    rel.n_tids = 1;
    fake_arrive(w->t[1],
                frame_ctl(w->tid[1], w->d.mytid, PVM__CTL_TYPE__CTL_GRP_RELEASE, 0, 0, &rel.base));
    assert_null(fake_take(w->t[1]));
    fake_arrive(w->mesh, frame_ctl(tid_pvmd(1), w->d.mytid, PVM__CTL_TYPE__CTL_GRP_RELEASE, 0, 0,
                                   &rel.base));
    assert_int_equal(status_of(w->t[1], c), 0);
}

/* Task 0 of host 2 joins group name (its pvmd forwards; the answer comes). */
static void join_remote(struct world *w, const char *name)
{
    int wid = req(w, 0, PVM__CTL_TYPE__CTL_GRP_JOIN, name, 0);
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_GRP_JOIN, &m);
    Pvm__GroupReply gr = PVM__GROUP_REPLY__INIT;
    fake_arrive(w->mesh, frame_ctl(tid_pvmd(1), w->d.mytid, PVM__CTL_TYPE__CTL_GRP_REPLY,
                                   WIRE_F_REPLY, f->h.wid, &gr.base));
    ctl_free(&m);
    frame_free(&f);
    assert_int_equal(group_reply(w, 0, wid, NULL), 0);
}

/* A held-back event can halt the pvmd, which finalizes the group table
 * while the handler that held it back still runs: the handler must not
 * use it after (its memory lasts until the loop closes its timer, so this
 * would only fail were it freed at once). */
static void test_halt_while_running_held_events(void **state)
{
    struct world *w = *state;
    join_remote(w, "h");
    req(w, 0, PVM__CTL_TYPE__CTL_GRP_BARRIER, "h", -1);
    uv_run(w->d.loop, UV_RUN_NOWAIT);
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_GRP_ARRIVE, &m);
    ctl_free(&m);
    frame_free(&f);
    /* The release's answer fails, ending the task (an event held back
     * until the release is handled); its report to the first host then
     * fails, which halts the pvmd. */
    w->t[0]->fail_send = true;
    w->mesh->fail_send = true;
    Pvm__GroupRelease rel = PVM__GROUP_RELEASE__INIT;
    rel.name = "h";
    rel.tids = &w->tid[0];
    rel.n_tids = 1;
    fake_arrive(w->mesh, frame_ctl(tid_pvmd(1), w->d.mytid, PVM__CTL_TYPE__CTL_GRP_RELEASE, 0, 0,
                                   &rel.base));
    assert_true(w->d.halting);
    assert_true(w->t[0]->closed);
    assert_true(w->mesh->closed);
}

/* The same from the timer that sends the arrivals: the send's failure
 * halts the pvmd, which answers the waiters (PvmSysErr); the timer then
 * answered them again through the finalized table (a NULL dereference). */
static void test_halt_while_sending_arrivals(void **state)
{
    struct world *w = *state;
    join_remote(w, "h");
    int a = req(w, 0, PVM__CTL_TYPE__CTL_GRP_BARRIER, "h", -1);
    req(w, 1, PVM__CTL_TYPE__CTL_GRP_BARRIER, "h2", -1);
    w->mesh->fail_send = true;
    uv_run(w->d.loop, UV_RUN_NOWAIT);
    assert_true(w->d.halting);
    assert_int_equal(status_of(w->t[0], a), PvmSysErr);
}

/* ===================================================================== */
/* The barrier page (the authority's part)                                */
/* ===================================================================== */

struct page_world {
    struct world w;
    char dir[64];
    struct barslot *slots; /* the test's own mapping, as a task's */
};

static int setup_page_on(void **state, int host)
{
    struct page_world *p = calloc(1, sizeof *p);
    fake_pvmd(&p->w.d, host, 2);
    snprintf(p->dir, sizeof p->dir, "/tmp/tgrpXXXXXX");
    assert_non_null(mkdtemp(p->dir));
    snprintf(p->w.d.sockdir, sizeof p->w.d.sockdir, "%s", p->dir);
    group_page_open(&p->w.d);
    char path[128];
    snprintf(path, sizeof path, "%s/%s", p->dir, BARPAGE_NAME);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    p->slots = mmap(NULL, BARPAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    assert_true(p->slots != MAP_FAILED);
    close(fd);
    p->w.mesh = fake_link(&p->w.d, tid_pvmd(host == 1 ? 2 : 1));
    for (int i = 0; i < 3; i++)
        p->w.t[i] = fake_task(&p->w.d, &p->w.tid[i]);
    *state = p;
    return 0;
}

static int setup_page(void **state)
{
    return setup_page_on(state, 1);
}

static int setup_page2(void **state)
{
    return setup_page_on(state, 2);
}

static int teardown_page(void **state)
{
    struct page_world *p = *state;
    munmap(p->slots, BARPAGE_SIZE);
    fake_pvmd_end(&p->w.d);
    fake_free(&p->w.mesh);
    for (int i = 0; i < 3; i++)
        fake_free(&p->w.t[i]);
    char path[128];
    snprintf(path, sizeof path, "%s/%s", p->dir, BARPAGE_NAME);
    unlink(path);
    rmdir(p->dir);
    free(p);
    return 0;
}

/* The next frame on l that is not news of a slot for another host's page
 * (GroupHost, sent at every change); *told counts those skipped. */
static struct frame *take_skip(struct fake *l, int *told)
{
    struct frame *f;
    while ((f = fake_take(l)) && (f->h.flags & WIRE_F_CTL) &&
           f->h.tag == PVM__CTL_TYPE__CTL_GRP_HOST) {
        if (told)
            ++*told;
        frame_free(&f);
    }
    return f;
}

/* fake_take_ctl past the GroupHost frames. */
static struct frame *take_ctl_skip(struct fake *l, int type, ProtobufCMessage **m)
{
    struct frame *f = take_skip(l, NULL);
    assert_non_null(f);
    assert_int_equal(f->h.tag, type);
    assert_int_equal(ctl_unpack(type, f->payload, (size_t)f->h.len, m), 0);
    return f;
}

/* Joins task i (local) and returns the slot the reply names (1 + index). */
static unsigned join_slot(struct world *w, int i, const char *name)
{
    int wid = req(w, i, PVM__CTL_TYPE__CTL_GRP_JOIN, name, 0);
    Pvm__GroupReply *r;
    assert_true(group_reply(w, i, wid, &r) >= 0);
    unsigned slot = r->slot;
    ctl_free((ProtobufCMessage **)&r);
    return slot;
}

/* A task's arrival in the page, as lbarpage.c makes it. */
static enum bs_outcome fast_arrive(struct barslot *s, unsigned want, uint64_t *before)
{
    uint64_t w = atomic_load(&s->state), ns;
    enum bs_outcome r;
    do {
        assert_false(w & BS_LOCKED);
        r = bs_arrive(w, want, BS_TICKER, &ns);
        if (r == BS_MISMATCH)
            break;
    } while (!atomic_compare_exchange_weak(&s->state, &w, ns));
    *before = w;
    return r;
}

/* Host 2's pvmd: its task rt arrives with count. */
static void remote_arrive(struct world *w, int32_t rt, int count)
{
    Pvm__GroupArrive a = PVM__GROUP_ARRIVE__INIT;
    a.name = "pg";
    a.count = count;
    a.tids = &rt;
    a.n_tids = 1;
    fake_arrive(w->mesh,
                frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_GRP_ARRIVE, 0, 0, &a.base));
}

/* The release host 2's pvmd got: its status (the one tid checked). */
static int remote_release(struct world *w, int32_t rt)
{
    ProtobufCMessage *m = NULL;
    struct frame *f = take_ctl_skip(w->mesh, PVM__CTL_TYPE__CTL_GRP_RELEASE, &m);
    const Pvm__GroupRelease *rel = (const Pvm__GroupRelease *)m;
    assert_int_equal(rel->n_tids, 1);
    assert_int_equal(rel->tids[0], rt);
    int st = rel->status;
    ctl_free(&m);
    frame_free(&f);
    return st;
}

static void test_page_rounds_with_a_remote_member(void **state)
{
    struct page_world *p = *state;
    struct world *w = &p->w;
    unsigned slot = join_slot(w, 0, "pg");
    assert_true(slot >= 1 && slot <= BARPAGE_SLOTS);
    assert_int_equal(join_slot(w, 1, "pg"), slot);
    assert_int_equal(join_slot(w, 2, "pg"), slot);
    Pvm__GroupRequest q = PVM__GROUP_REQUEST__INIT;
    int32_t rt = tid_make(2, 1);
    q.name = "pg";
    q.tid = rt;
    fake_arrive(w->mesh,
                frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_GRP_JOIN, 0, 11, &q.base));
    ProtobufCMessage *m = NULL;
    struct frame *jf = take_ctl_skip(w->mesh, PVM__CTL_TYPE__CTL_GRP_REPLY, &m);
    frame_free(&jf);
    ctl_free(&m);
    struct barslot *s = &p->slots[slot - 1];
    assert_int_equal(bs_target(atomic_load(&s->state)), 4);
    unsigned gen = bs_gen(atomic_load(&s->state));
    uint64_t before;

    /* The remote member first; the last local one ends the round and
     * tells the pvmd, which releases the remote one. */
    remote_arrive(w, rt, -1);
    assert_null(take_skip(w->mesh, NULL));
    assert_true(atomic_load(&s->state) & BS_SOCKET);
    assert_int_equal(fast_arrive(s, BS_ALL, &before), BS_WAITING);
    assert_int_equal(fast_arrive(s, BS_ALL, &before), BS_WAITING);
    assert_int_equal(fast_arrive(s, BS_ALL, &before), BS_COMPLETE);
    assert_true(before & BS_SOCKET);
    assert_null(take_skip(w->mesh, NULL));
    Pvm__GroupRoundDone rd = PVM__GROUP_ROUND_DONE__INIT;
    rd.slot = slot;
    fake_arrive(w->t[2], frame_ctl(w->tid[2], w->d.mytid, PVM__CTL_TYPE__CTL_GRP_ROUND_DONE, 0, 0,
                                   &rd.base));
    assert_int_equal(remote_release(w, rt), 0);
    assert_int_equal(bs_gen(atomic_load(&s->state)), (gen + 1) & 0xffff);

    /* The remote member last: the pvmd ends the round (and wakes). */
    for (int i = 0; i < 3; i++)
        assert_int_equal(fast_arrive(s, 4, &before), BS_WAITING);
    remote_arrive(w, rt, 4);
    assert_int_equal(remote_release(w, rt), 0);
    assert_int_equal(bs_gen(atomic_load(&s->state)), (gen + 2) & 0xffff);
    assert_int_equal(bs_ring_code(s, gen + 1), 0);

    /* Another count than the round's: refused, the round goes on. */
    assert_int_equal(fast_arrive(s, 2, &before), BS_WAITING);
    remote_arrive(w, rt, 3);
    assert_int_equal(remote_release(w, rt), PvmMismatch);
    assert_int_equal(bs_arrived(atomic_load(&s->state)), 1);
    /* The console's list counts the page's arrivals. */
    Pvm__Empty e = PVM__EMPTY__INIT;
    fake_arrive(w->t[0], frame_ctl(w->tid[0], w->d.mytid, PVM__CTL_TYPE__CTL_GRP_LIST, 0,
                                   wid_next++, &e.base));
    struct frame *f = fake_take_ctl(w->t[0], PVM__CTL_TYPE__CTL_GRP_LIST_REPLY, &m);
    assert_int_equal(((Pvm__GroupList *)m)->groups[0]->barrier_waiting, 1);
    ctl_free(&m);
    frame_free(&f);
    remote_arrive(w, rt, 2);
    assert_int_equal(remote_release(w, rt), 0);

    /* A member dies during a round: called off (whether it had arrived
     * is unknown), the target follows; the remote waiter is put into
     * the next round again by the pvmd. */
    gen = bs_gen(atomic_load(&s->state));
    remote_arrive(w, rt, -1);
    assert_int_equal(fast_arrive(s, BS_ALL, &before), BS_WAITING);
    fake_down(w->t[2], "killed");
    uint64_t now = atomic_load(&s->state);
    assert_int_equal(bs_gen(now), (gen + 1) & 0xffff);
    assert_int_equal(bs_ring_code(s, gen), BS_RETRY);
    assert_int_equal(bs_target(now), 3);
    assert_int_equal(bs_arrived(now), 1);
    assert_int_equal(bs_want(now), BS_ALL);
    assert_null(take_skip(w->mesh, NULL));
    assert_int_equal(fast_arrive(s, BS_ALL, &before), BS_WAITING);
    assert_int_equal(fast_arrive(s, BS_ALL, &before), BS_COMPLETE);
    fake_arrive(w->t[1], frame_ctl(w->tid[1], w->d.mytid, PVM__CTL_TYPE__CTL_GRP_ROUND_DONE, 0, 0,
                                   &rd.base));
    assert_int_equal(remote_release(w, rt), 0);

    /* An explicit count the group can no longer meet fails. */
    gen = bs_gen(atomic_load(&s->state));
    assert_int_equal(fast_arrive(s, 3, &before), BS_WAITING);
    remote_arrive(w, rt, 3);
    fake_down(w->t[1], "killed");
    assert_int_equal(bs_ring_code(s, gen), PvmNoGroup);
    assert_int_equal(remote_release(w, rt), PvmNoGroup);

    /* The last members leave: the slot is given back (its owner changes). */
    uint32_t owner = atomic_load(&s->owner);
    int wid0 = req(w, 0, PVM__CTL_TYPE__CTL_GRP_LEAVE, "pg", 0);
    assert_int_equal(group_reply(w, 0, wid0, NULL), 0);
    fake_down(w->mesh, "lost");
    assert_int_not_equal(atomic_load(&s->owner), owner);
}

/* The GroupHost host 2's pvmd got (skipping nothing): *gh, freed by the caller. */
static Pvm__GroupHost *host_news(struct world *w)
{
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_GRP_HOST, &m);
    assert_int_equal(f->h.dst, tid_pvmd(2));
    frame_free(&f);
    return (Pvm__GroupHost *)m;
}

/* Host 2's share of n arrivals in its round gen, at version v. */
static void share_arrive(struct world *w, unsigned slot, unsigned n, unsigned gen, uint64_t v,
                         int count)
{
    Pvm__GroupArrive a = PVM__GROUP_ARRIVE__INIT;
    a.name = "sh";
    a.count = count;
    a.share = n;
    a.slot = slot;
    a.gen = gen;
    a.version = v;
    fake_arrive(w->mesh,
                frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_GRP_ARRIVE, 0, 0, &a.base));
}

/* The share release host 2 got: its status, BS_RETRY when called off. */
static int share_released(struct world *w, unsigned slot, unsigned gen)
{
    ProtobufCMessage *m = NULL;
    struct frame *f = take_ctl_skip(w->mesh, PVM__CTL_TYPE__CTL_GRP_RELEASE, &m);
    const Pvm__GroupRelease *rel = (const Pvm__GroupRelease *)m;
    assert_int_equal(rel->n_tids, 0);
    assert_int_equal(rel->slot, slot);
    assert_int_equal(rel->gen, gen);
    int st = rel->retry ? BS_RETRY : rel->status;
    ctl_free(&m);
    frame_free(&f);
    return st;
}

/* The first host counts another host's share as that many arrivals,
 * tells that host its members, and answers the share once per round. */
static void test_authority_counts_shares(void **state)
{
    struct page_world *p = *state;
    struct world *w = &p->w;
    unsigned slot = join_slot(w, 0, "sh");
    assert_null(fake_take(w->mesh)); /* no member on host 2 yet */
    Pvm__GroupRequest q = PVM__GROUP_REQUEST__INIT;
    q.name = "sh";
    for (int i = 1; i <= 2; i++) {
        q.tid = tid_make(2, i);
        fake_arrive(w->mesh, frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_GRP_JOIN, 0,
                                       10 + i, &q.base));
        Pvm__GroupHost *gh = host_news(w);
        assert_int_equal(gh->slot, slot);
        assert_int_equal(gh->local, i);
        assert_int_equal(gh->size, i + 1);
        ctl_free((ProtobufCMessage **)&gh);
        ProtobufCMessage *m = NULL;
        struct frame *f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_GRP_REPLY, &m);
        frame_free(&f);
        ctl_free(&m);
    }
    struct barslot *s = &p->slots[slot - 1];
    uint64_t v = atomic_load(&s->version), before;
    unsigned gen = bs_gen(atomic_load(&s->state));
    /* The local member waits; host 2's share of 2 completes the round. */
    assert_int_equal(fast_arrive(s, BS_ALL, &before), BS_WAITING);
    share_arrive(w, slot, 2, 7, v, -1);
    assert_int_equal(bs_gen(atomic_load(&s->state)), (gen + 1) & 0xffff);
    assert_int_equal(share_released(w, slot, 7), 0);
    /* A share first, the local member ends the round: the pvmd answers
     * the share when told. */
    share_arrive(w, slot, 2, 8, v, 3);
    assert_null(take_skip(w->mesh, NULL));
    assert_int_equal(fast_arrive(s, 3, &before), BS_COMPLETE);
    assert_true(before & BS_SOCKET);
    Pvm__GroupRoundDone rd = PVM__GROUP_ROUND_DONE__INIT;
    rd.slot = slot;
    fake_arrive(w->t[0], frame_ctl(w->tid[0], w->d.mytid, PVM__CTL_TYPE__CTL_GRP_ROUND_DONE, 0, 0,
                                   &rd.base));
    assert_int_equal(share_released(w, slot, 8), 0);
    /* Another version, or a count below the size: called off. */
    share_arrive(w, slot, 2, 9, v - 1, -1);
    assert_int_equal(share_released(w, slot, 9), BS_RETRY);
    share_arrive(w, slot, 2, 9, v, 2);
    assert_int_equal(share_released(w, slot, 9), BS_RETRY);
    assert_int_equal(bs_arrived(atomic_load(&s->state)), 0);
    /* A join while a share waits: host 2 hears first, then the share is
     * called off and no longer counted. */
    share_arrive(w, slot, 2, 10, v, -1);
    assert_int_equal(bs_arrived(atomic_load(&s->state)), 2);
    assert_int_equal(join_slot(w, 1, "sh"), slot);
    Pvm__GroupHost *gh = host_news(w);
    assert_int_equal(gh->local, 2);
    assert_int_equal(gh->size, 4);
    ctl_free((ProtobufCMessage **)&gh);
    assert_int_equal(share_released(w, slot, 10), BS_RETRY);
    assert_int_equal(bs_arrived(atomic_load(&s->state)), 0);
    /* Host 2 is lost: its members leave; the slot's news goes nowhere. */
    fake_down(w->mesh, "lost");
    assert_int_equal(bs_target(atomic_load(&s->state)), 2);
}

/* What the first host says about slot 5 of host 2's page. */
static void news(struct world *w, uint32_t owner, uint64_t v, unsigned local, unsigned size)
{
    Pvm__GroupHost gh = PVM__GROUP_HOST__INIT;
    gh.name = "hp";
    gh.slot = 5;
    gh.owner = owner;
    gh.version = v;
    gh.local = local;
    gh.size = size;
    fake_arrive(w->mesh,
                frame_ctl(tid_pvmd(1), w->d.mytid, PVM__CTL_TYPE__CTL_GRP_HOST, 0, 0, &gh.base));
}

/* Another host's page: the first host's news sets the slot; the arrival
 * that completes the host's share makes its pvmd send one share; the
 * first host's release ends the round there; a change of the host's
 * members calls a round off, a departure that leaves a count unmeetable
 * fails it; news of none takes the slot back. */
static void test_host_page_shares(void **state)
{
    struct page_world *p = *state;
    struct world *w = &p->w;
    struct barslot *s = &p->slots[4];
    news(w, 9, 3, 2, 4);
    assert_int_equal(atomic_load(&s->owner), 9);
    assert_int_equal(atomic_load(&s->size), 4);
    assert_int_equal(atomic_load(&s->version), 3);
    assert_int_equal(bs_target(atomic_load(&s->state)), 2);
    unsigned gen = bs_gen(atomic_load(&s->state));
    uint64_t w0 = atomic_load(&s->state), ns;
    assert_int_equal(bs_arrive_share(w0, BS_ALL, 0, &ns), BS_WAITING);
    atomic_store(&s->state, ns);
    assert_int_equal(bs_arrive_share(ns, BS_ALL, 0, &ns), BS_COMPLETE);
    atomic_store(&s->state, ns);
    Pvm__GroupRoundDone rd = PVM__GROUP_ROUND_DONE__INIT;
    rd.slot = 5;
    rd.gen = gen;
    for (int i = 0; i < 2; i++) /* a second word about it sends nothing */
        fake_arrive(w->t[0], frame_ctl(w->tid[0], w->d.mytid, PVM__CTL_TYPE__CTL_GRP_ROUND_DONE, 0,
                                       0, &rd.base));
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_GRP_ARRIVE, &m);
    const Pvm__GroupArrive *a = (const Pvm__GroupArrive *)m;
    assert_int_equal(a->share, 2);
    assert_int_equal(a->slot, 5);
    assert_int_equal(a->gen, gen);
    assert_int_equal(a->version, 3);
    assert_int_equal(a->count, -1);
    assert_string_equal(a->name, "hp");
    ctl_free(&m);
    frame_free(&f);
    assert_null(fake_take(w->mesh));
    /* The first host's release ends the round here. */
    Pvm__GroupRelease rel = PVM__GROUP_RELEASE__INIT;
    rel.name = "hp";
    rel.slot = 5;
    rel.gen = gen + 1; /* another round: ignored */
    fake_arrive(w->mesh, frame_ctl(tid_pvmd(1), w->d.mytid, PVM__CTL_TYPE__CTL_GRP_RELEASE, 0, 0,
                                   &rel.base));
    assert_int_equal(bs_gen(atomic_load(&s->state)), gen);
    rel.gen = gen;
    fake_arrive(w->mesh, frame_ctl(tid_pvmd(1), w->d.mytid, PVM__CTL_TYPE__CTL_GRP_RELEASE, 0, 0,
                                   &rel.base));
    assert_int_equal(bs_gen(atomic_load(&s->state)), (gen + 1) & 0xffff);
    assert_int_equal(bs_ring_code(s, gen), 0);
    assert_int_equal(bs_arrived(atomic_load(&s->state)), 0);
    /* One arrived; a member here leaves: called off. */
    gen = bs_gen(atomic_load(&s->state));
    bs_arrive_share(atomic_load(&s->state), BS_ALL, 0, &ns);
    atomic_store(&s->state, ns);
    news(w, 9, 4, 1, 3);
    assert_int_equal(bs_ring_code(s, gen), BS_RETRY);
    assert_int_equal(bs_target(atomic_load(&s->state)), 1);
    /* A round of 3 and another host's member leaves: it fails. */
    news(w, 9, 5, 2, 3);
    gen = bs_gen(atomic_load(&s->state));
    bs_arrive_share(atomic_load(&s->state), 3, 0, &ns);
    atomic_store(&s->state, ns);
    news(w, 9, 6, 2, 2);
    assert_int_equal(bs_ring_code(s, gen), PvmNoGroup);
    /* News of none: the slot is no longer the group's. */
    news(w, 9, 7, 0, 2);
    assert_int_equal(atomic_load(&s->owner), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_instances_reused_lowest_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_barrier_counts_local_and_remote, setup, teardown),
        cmocka_unit_test_setup_teardown(test_member_dies_during_barrier, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_host_forwards_and_batches, setup2, teardown),
        cmocka_unit_test_setup_teardown(test_halt_while_running_held_events, setup2, teardown),
        cmocka_unit_test_setup_teardown(test_halt_while_sending_arrivals, setup2, teardown),
        cmocka_unit_test_setup_teardown(test_authority_counts_shares, setup_page, teardown_page),
        cmocka_unit_test_setup_teardown(test_host_page_shares, setup_page2, teardown_page),
        cmocka_unit_test_setup_teardown(test_page_rounds_with_a_remote_member, setup_page,
                                        teardown_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
