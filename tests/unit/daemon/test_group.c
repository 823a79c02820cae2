/*
 * test_group.c - daemon/group.c through fake links: the authority (host
 * 1) with local tasks and host 2's pvmd on the mesh, and another host's
 * pvmd forwarding and counting for its own tasks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl.h"
#include "defs.h"
#include "enc.h"
#include "fake_xport.h"
#include "frame.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_instances_reused_lowest_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_barrier_counts_local_and_remote, setup, teardown),
        cmocka_unit_test_setup_teardown(test_member_dies_during_barrier, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_host_forwards_and_batches, setup2, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
