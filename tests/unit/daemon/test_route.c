/*
 * test_route.c - the daemon's routing step driven through fake links.
 *
 * A fake peer-pvmd link stands in for the mesh of the many-hosts issue:
 * frames for tids of its host go out through it, frames arriving on it
 * reach local tasks, requests forwarded over it are relayed back or fail
 * with PvmHostFail when it goes down.  Local tasks enrol over fake links
 * too, so none of this depends on the unix transport.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl.h"
#include "fake_xport.h"
#include "hosttab.h"
#include "pending.h"
#include "pvm3.h"
#include "route.h"
#include "tasktab.h"
#include "tid.h"

struct world {
    struct pvmd d;
    struct fake *mesh; /* host 2's pvmd */
    struct fake *ta;   /* a local task */
    int a;             /* its tid */
};

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    fake_pvmd(&w->d, 1, 3);
    w->mesh = fake_link(&w->d, tid_pvmd(2));
    w->ta = fake_task(&w->d, &w->a);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    fake_pvmd_end(&w->d);
    fake_free(&w->mesh);
    fake_free(&w->ta);
    free(w);
    return 0;
}

static void test_enrol_over_any_transport(void **state)
{
    struct world *w = *state;
    assert_int_equal(tid_host(w->a), 1);
    struct task *t = tasktab_find(w->d.tasks, w->a);
    assert_non_null(t);
    assert_ptr_equal(tasktab_link(t), &w->ta->x);
    assert_string_equal(tasktab_name(t), "faketask");
}

static void test_frames_for_another_host_go_out_on_its_link(void **state)
{
    struct world *w = *state;
    int remote = tid_make(2, 5);
    fake_arrive(w->ta, fake_user_frame(w->a, remote, 42, 100, 'x'));
    struct frame *f = fake_take(w->mesh);
    assert_non_null(f);
    assert_int_equal(f->h.src, w->a);
    assert_int_equal(f->h.dst, remote);
    assert_int_equal(f->h.tag, 42);
    assert_int_equal(f->h.len, 100);
    assert_int_equal(f->payload[99], 'x');
    frame_free(&f);
    assert_null(fake_take(w->ta));
    /* A host with no link: dropped, nothing sent anywhere. */
    fake_arrive(w->ta, fake_user_frame(w->a, tid_make(3, 1), 1, 0, 0));
    assert_null(fake_take(w->mesh));
    assert_null(fake_take(w->ta));
}

static void test_frames_from_the_mesh_reach_local_tasks(void **state)
{
    struct world *w = *state;
    int remote = tid_make(2, 9);
    fake_arrive(w->mesh, fake_user_frame(remote, w->a, 7, 10, 'y'));
    struct frame *f = fake_take(w->ta);
    assert_non_null(f);
    assert_int_equal(f->h.src, remote);
    assert_int_equal(f->h.tag, 7);
    assert_int_equal(f->payload[0], 'y');
    frame_free(&f);
    /* A pvmd speaks for its own host only: a source on host 3 is refused. */
    fake_arrive(w->mesh, fake_user_frame(tid_make(3, 1), w->a, 7, 1, 'z'));
    assert_null(fake_take(w->ta));
    /* Nothing is relayed through this host to a third. */
    fake_arrive(w->mesh, fake_user_frame(remote, tid_make(3, 1), 7, 1, 'z'));
    assert_null(fake_take(w->mesh));
}

static void test_local_task_cannot_forge_its_source(void **state)
{
    struct world *w = *state;
    fake_arrive(w->ta, fake_user_frame(tid_make(1, 77), tid_make(2, 1), 1, 1, 0));
    assert_null(fake_take(w->mesh));
}

/* The task asks for the tasks of host 2: the request goes to host 2's
 * pvmd under the daemon's own wid.  Returns that frame. */
static struct frame *ask_remote_tasks(struct world *w, int wid)
{
    Pvm__TaskRef r = PVM__TASK_REF__INIT;
    r.tid = tid_pvmd(2);
    fake_arrive(w->ta, frame_ctl(w->a, w->d.mytid, PVM__CTL_TYPE__CTL_TASKS, 0, wid, &r.base));
    assert_null(fake_take(w->ta)); /* no answer yet: it waits */
    assert_int_equal(pending_count(&w->d), 1);
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_TASKS, &m);
    assert_int_equal(f->h.src, w->d.mytid);
    assert_int_equal(f->h.dst, tid_pvmd(2));
    assert_false(f->h.flags & WIRE_F_REPLY);
    assert_int_equal(((Pvm__TaskRef *)m)->tid, tid_pvmd(2));
    ctl_free(&m);
    return f;
}

static void test_forwarded_request_is_relayed_back(void **state)
{
    struct world *w = *state;
    struct frame *req = ask_remote_tasks(w, 31);

    Pvm__TaskInfo ti = PVM__TASK_INFO__INIT;
    ti.tid = tid_make(2, 3);
    ti.host = tid_pvmd(2);
    ti.name = "remote";
    Pvm__TaskInfo *tis[1] = {&ti};
    Pvm__TasksReply tr = PVM__TASKS_REPLY__INIT;
    tr.n_tasks = 1;
    tr.tasks = tis;
    /* A reply from another tid with the right wid is not taken. */
    fake_arrive(w->mesh, frame_ctl(tid_make(2, 3), w->d.mytid, PVM__CTL_TYPE__CTL_TASKS_REPLY,
                                   WIRE_F_REPLY, req->h.wid, &tr.base));
    assert_int_equal(pending_count(&w->d), 1);
    fake_arrive(w->mesh, frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_TASKS_REPLY,
                                   WIRE_F_REPLY, req->h.wid, &tr.base));
    assert_int_equal(pending_count(&w->d), 0);

    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->ta, PVM__CTL_TYPE__CTL_TASKS_REPLY, &m);
    assert_int_equal(f->h.wid, 31); /* the task's own wid */
    assert_int_equal(f->h.dst, w->a);
    assert_int_equal(f->h.src, w->d.mytid);
    assert_true(f->h.flags & WIRE_F_REPLY);
    const Pvm__TasksReply *got = (const Pvm__TasksReply *)m;
    assert_int_equal(got->n_tasks, 1);
    assert_int_equal(got->tasks[0]->tid, tid_make(2, 3));
    assert_string_equal(got->tasks[0]->name, "remote");
    ctl_free(&m);
    frame_free(&f);
    frame_free(&req);
    /* A second copy of the reply answers nothing. */
    assert_null(fake_take(w->ta));
}

static void test_pending_request_fails_when_link_goes_down(void **state)
{
    struct world *w = *state;
    struct frame *req = ask_remote_tasks(w, 55);
    frame_free(&req);
    fake_down(w->mesh, "peer vanished");
    assert_int_equal(pending_count(&w->d), 0);
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->ta, PVM__CTL_TYPE__CTL_STATUS, &m);
    assert_int_equal(f->h.wid, 55);
    assert_int_equal(((Pvm__Status *)m)->code, PvmHostFail);
    ctl_free(&m);
    frame_free(&f);
    /* This is the first host: a host it lost leaves the machine (it is not
     * dialled again: a new link would hide a gap), and a request about it
     * is answered at once. */
    assert_null(hosttab_get(w->d.hosts, 2));
    Pvm__TaskRef r = PVM__TASK_REF__INIT;
    r.tid = tid_pvmd(2);
    fake_arrive(w->ta, frame_ctl(w->a, w->d.mytid, PVM__CTL_TYPE__CTL_TASKS, 0, 56, &r.base));
    f = fake_take_ctl(w->ta, PVM__CTL_TYPE__CTL_TASKS_REPLY, &m);
    assert_int_equal(((Pvm__TasksReply *)m)->status, PvmNoHost);
    ctl_free(&m);
    frame_free(&f);
}

static void test_remote_pvmd_requests_are_served(void **state)
{
    struct world *w = *state;
    /* Host 2's pvmd asks for our tasks. */
    Pvm__TaskRef r = PVM__TASK_REF__INIT;
    r.tid = w->d.mytid;
    fake_arrive(w->mesh,
                frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_TASKS, 0, 900, &r.base));
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_TASKS_REPLY, &m);
    assert_int_equal(f->h.wid, 900);
    assert_int_equal(f->h.dst, tid_pvmd(2));
    assert_int_equal(((Pvm__TasksReply *)m)->n_tasks, 1);
    assert_int_equal(((Pvm__TasksReply *)m)->tasks[0]->tid, w->a);
    ctl_free(&m);
    frame_free(&f);
    /* ...but may not make this pvmd (the first host's) halt, nor spawn or
     * exit for it. */
    fake_arrive(w->mesh, frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_HALT, 0, 901,
                                   &(Pvm__Empty)PVM__EMPTY__INIT.base));
    f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_STATUS, &m);
    assert_int_equal(((Pvm__Status *)m)->code, PvmDenied);
    assert_false(w->d.halting);
    ctl_free(&m);
    frame_free(&f);
    fake_arrive(w->mesh, frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_EXIT, 0, 903,
                                   &(Pvm__Empty)PVM__EMPTY__INIT.base));
    f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_STATUS, &m);
    assert_int_equal(((Pvm__Status *)m)->code, PvmBadMsg);
    assert_false(w->d.halting);
    ctl_free(&m);
    frame_free(&f);
    /* Nor may a task of that host, through it. */
    fake_arrive(w->mesh, frame_ctl(tid_make(2, 4), w->d.mytid, PVM__CTL_TYPE__CTL_HALT, 0, 902,
                                   &(Pvm__Empty)PVM__EMPTY__INIT.base));
    f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_STATUS, &m);
    assert_int_equal(f->h.dst, tid_make(2, 4));
    assert_int_equal(((Pvm__Status *)m)->code, PvmDenied);
    assert_false(w->d.halting);
    ctl_free(&m);
    frame_free(&f);
}

static void pending_cb(struct pvmd *d, const struct req *orig, int status,
                       const struct frame *reply, void *arg)
{
    (void)d;
    int *got = arg;
    got[0]++;
    got[1] = status;
    got[2] = orig->wid;
    got[3] = reply != NULL;
}

static void test_pending_times_out(void **state)
{
    struct world *w = *state;
    struct req r = {.type = PVM__CTL_TYPE__CTL_PSTAT, .from = w->a, .wid = 12};
    Pvm__TaskRef tr = PVM__TASK_REF__INIT;
    tr.tid = tid_make(2, 1);
    int got[4] = {0};
    assert_int_equal(pending_forward(&w->d, &r, &tr.base, tid_pvmd(2), 20, pending_cb, got), 0);
    struct frame *f = fake_take(w->mesh);
    assert_non_null(f);
    frame_free(&f);
    uv_update_time(w->d.loop);
    while (got[0] == 0)
        uv_run(w->d.loop, UV_RUN_ONCE);
    assert_int_equal(got[0], 1);
    assert_int_equal(got[1], PvmSysErr);
    assert_int_equal(got[2], 12);
    assert_false(got[3]);
    assert_int_equal(pending_count(&w->d), 0);
}

static void test_pending_on_a_task_fails_when_it_exits(void **state)
{
    struct world *w = *state;
    int b;
    struct fake *tb = fake_task(&w->d, &b);
    struct req r = {.type = PVM__CTL_TYPE__CTL_PSTAT, .from = w->a, .wid = 3};
    Pvm__TaskRef tr = PVM__TASK_REF__INIT;
    tr.tid = b;
    int got[4] = {0};
    assert_int_equal(pending_forward(&w->d, &r, &tr.base, b, 10000, pending_cb, got), 0);
    struct frame *f = fake_take(tb);
    assert_non_null(f);
    frame_free(&f);
    /* b was started from a shell: its link going down ends it. */
    fake_down(tb, "gone");
    assert_null(tasktab_find(w->d.tasks, b));
    assert_int_equal(got[0], 1);
    assert_int_equal(got[1], PvmNoTask);
    fake_free(&tb);
}

static void test_back_pressure_pauses_and_resumes_the_sender(void **state)
{
    struct world *w = *state;
    int b;
    struct fake *tb = fake_task(&w->d, &b);
    tb->queued = ROUTE_HIGH_WATER + 1; /* b does not read */
    fake_arrive(w->ta, fake_user_frame(w->a, b, 1, 8, 0));
    assert_true(w->ta->paused);
    assert_int_equal(w->ta->x.blocked_on, b);
    /* Frames from the mesh to b pause the mesh link likewise. */
    fake_arrive(w->mesh, fake_user_frame(tid_make(2, 1), b, 1, 8, 0));
    assert_true(w->mesh->paused);
    tb->queued = ROUTE_LOW_WATER - 1;
    xport_up_drained(&tb->x);
    assert_false(w->ta->paused);
    assert_false(w->mesh->paused);
    assert_int_equal(w->ta->x.blocked_on, 0);
    /* Paused again, then b ends: its senders are released. */
    tb->queued = ROUTE_HIGH_WATER + 1;
    fake_arrive(w->ta, fake_user_frame(w->a, b, 1, 8, 0));
    assert_true(w->ta->paused);
    fake_down(tb, "gone");
    assert_false(w->ta->paused);
    fake_free(&tb);
}

/* Past the budget of all tasks together, a task holding more than the
 * floor pauses its senders, one holding less does not. */
static void test_back_pressure_budget_of_all_tasks(void **state)
{
    struct world *w = *state;
    const struct pvmd_limits *lim = &w->d.limits;
    int b, c;
    struct fake *tb = fake_task(&w->d, &b);
    struct fake *tc = fake_task(&w->d, &c);
    w->d.held = lim->hold_total + 1; /* what all tasks are held for */
    tc->queued = lim->hold_floor - 1;
    fake_arrive(w->ta, fake_user_frame(w->a, c, 1, 8, 0));
    assert_false(w->ta->paused);
    tb->queued = lim->hold_floor + 1; /* far below its own limit */
    fake_arrive(w->ta, fake_user_frame(w->a, b, 1, 8, 0));
    assert_true(w->ta->paused);
    assert_int_equal(w->ta->x.blocked_on, b);
    /* Still over the budget: b must drain below the floor. */
    xport_up_drained(&tb->x);
    assert_true(w->ta->paused);
    tb->queued = lim->hold_floor - 1;
    xport_up_drained(&tb->x);
    assert_false(w->ta->paused);
    w->d.held = 0;
    fake_free(&tb);
    fake_free(&tc);
}

static void test_halt_fails_waiting_requests(void **state)
{
    struct world *w = *state;
    struct frame *req = ask_remote_tasks(w, 77);
    frame_free(&req);
    pvmd_halt(&w->d, "test");
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->ta, PVM__CTL_TYPE__CTL_STATUS, &m);
    assert_int_equal(f->h.wid, 77);
    assert_int_equal(((Pvm__Status *)m)->code, PvmSysErr);
    ctl_free(&m);
    frame_free(&f);
}

static void test_forged_reply_is_not_taken(void **state)
{
    struct world *w = *state;
    struct frame *req = ask_remote_tasks(w, 41);
    int b;
    struct fake *tb = fake_task(&w->d, &b);
    Pvm__TasksReply tr = PVM__TASKS_REPLY__INIT;
    /* Task b claims to be host 2's pvmd answering a's request. */
    fake_arrive(tb, frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_TASKS_REPLY, WIRE_F_REPLY,
                              req->h.wid, &tr.base));
    /* ...or sends a reply straight to a. */
    fake_arrive(tb, frame_ctl(tid_pvmd(2), w->a, PVM__CTL_TYPE__CTL_TASKS_REPLY, WIRE_F_REPLY, 41,
                              &tr.base));
    assert_null(fake_take(w->ta));
    assert_int_equal(pending_count(&w->d), 1);
    /* The real answer still gets through. */
    fake_arrive(w->mesh, frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_TASKS_REPLY,
                                   WIRE_F_REPLY, req->h.wid, &tr.base));
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->ta, PVM__CTL_TYPE__CTL_TASKS_REPLY, &m);
    assert_int_equal(f->h.wid, 41);
    ctl_free(&m);
    frame_free(&f);
    frame_free(&req);
    fake_free(&tb);
}

static void test_pending_requests_are_bounded_per_requester(void **state)
{
    struct world *w = *state;
    Pvm__TaskRef r = PVM__TASK_REF__INIT;
    r.tid = tid_pvmd(2);
    for (int i = 0; i < PENDING_MAX_PER_REQUESTER; i++) {
        fake_arrive(w->ta,
                    frame_ctl(w->a, w->d.mytid, PVM__CTL_TYPE__CTL_TASKS, 0, 1000 + i, &r.base));
        struct frame *f = fake_take(w->mesh);
        assert_non_null(f);
        frame_free(&f);
    }
    assert_null(fake_take(w->ta));
    assert_int_equal(pending_count(&w->d), PENDING_MAX_PER_REQUESTER);
    fake_arrive(w->ta, frame_ctl(w->a, w->d.mytid, PVM__CTL_TYPE__CTL_TASKS, 0, 5, &r.base));
    assert_null(fake_take(w->mesh)); /* not forwarded */
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->ta, PVM__CTL_TYPE__CTL_STATUS, &m);
    assert_int_equal(f->h.wid, 5);
    assert_int_equal(((Pvm__Status *)m)->code, PvmOutOfRes);
    ctl_free(&m);
    frame_free(&f);
    /* Another task still may. */
    int b;
    struct fake *tb = fake_task(&w->d, &b);
    fake_arrive(tb, frame_ctl(b, w->d.mytid, PVM__CTL_TYPE__CTL_TASKS, 0, 6, &r.base));
    f = fake_take(w->mesh);
    assert_non_null(f);
    frame_free(&f);
    assert_int_equal(pending_count(&w->d), PENDING_MAX_PER_REQUESTER + 1);
    fake_free(&tb);
}

static void test_spawned_task_losing_its_link_releases_its_senders(void **state)
{
    struct world *w = *state;
    int err;
    struct task *t = tasktab_add(&w->d, &err);
    struct task_io io = {0};
    assert_int_equal(tasktab_set_spawned(t, w->a, "prog", &io), 0);
    int b = tasktab_tid(t);
    struct fake *tb = fake_link(&w->d, 0);
    tasktab_connect(&w->d, t, &tb->x);
    tb->queued = ROUTE_HIGH_WATER + 1;
    fake_arrive(w->ta, fake_user_frame(w->a, b, 1, 8, 0));
    assert_true(w->ta->paused);
    /* b calls pvm_exit: its link goes, its process (and task) stay. */
    fake_down(tb, "pvm_exit");
    assert_non_null(tasktab_find(w->d.tasks, b));
    assert_false(w->ta->paused);
    assert_int_equal(w->ta->x.blocked_on, 0);
    fake_free(&tb);
}

static void test_refused_hello_takes_nothing_more(void **state)
{
    struct world *w = *state;
    struct fake *l = fake_link(&w->d, 0);
    Pvm__Hello h = PVM__HELLO__INIT;
    h.proto_version = CTL_PROTO_VERSION + 1;
    h.pid = 1;
    h.name = "old";
    fake_arrive(l, frame_ctl(0, 0, PVM__CTL_TYPE__CTL_HELLO, 0, 1, &h.base));
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(l, PVM__CTL_TYPE__CTL_HELLO_REPLY, &m);
    assert_int_equal(((Pvm__HelloReply *)m)->status, PvmBadVersion);
    ctl_free(&m);
    frame_free(&f);
    assert_true(l->x.exited);
    assert_true(l->shut);
    size_t before = tasktab_count(w->d.tasks);
    h.proto_version = CTL_PROTO_VERSION;
    xport_up_frame(&l->x, frame_ctl(0, 0, PVM__CTL_TYPE__CTL_HELLO, 0, 2, &h.base));
    assert_int_equal(tasktab_count(w->d.tasks), before);
    fake_free(&l);
}

/* Sends a spawn request from task a; returns its frame's wid. */
static void spawn_from_a(struct world *w, int wid, int flags, const char *where, int count)
{
    Pvm__SpawnRequest sr = PVM__SPAWN_REQUEST__INIT;
    sr.file = "/nonexistent/prog";
    sr.flags = flags;
    sr.where = (char *)where;
    sr.count = count;
    fake_arrive(w->ta, frame_ctl(w->a, w->d.mytid, PVM__CTL_TYPE__CTL_SPAWN, 0, wid, &sr.base));
}

/* Takes the spawn request forwarded to host 2, answers it with tids
 * t80001.. and checks what it asked. */
static void answer_remote_spawn(struct world *w, int want_count, int want_parent)
{
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_SPAWN, &m);
    const Pvm__SpawnRequest *got = (const Pvm__SpawnRequest *)m;
    assert_int_equal(got->count, want_count);
    assert_true(got->flags & PvmTaskHost);
    assert_string_equal(got->where, "h2");
    assert_int_equal(got->parent, want_parent);
    int tids[8];
    for (int i = 0; i < want_count; i++)
        tids[i] = tid_make(2, i + 1);
    Pvm__SpawnReply rep = PVM__SPAWN_REPLY__INIT;
    rep.n_tids = (size_t)want_count;
    rep.tids = tids;
    fake_arrive(w->mesh, frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_SPAWN_REPLY,
                                   WIRE_F_REPLY, f->h.wid, &rep.base));
    ctl_free(&m);
    frame_free(&f);
}

static void test_spawn_is_spread_over_hosts(void **state)
{
    struct world *w = *state;
    /* 4 copies over h1 (here), h2 (linked) and h3 (unreachable): h1 gets
     * two (the program is not there), h2 one, h3 one (host failure). */
    spawn_from_a(w, 60, PvmTaskDefault, "", 4);
    assert_null(fake_take(w->ta)); /* waits for h2 */
    answer_remote_spawn(w, 1, w->a);
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->ta, PVM__CTL_TYPE__CTL_SPAWN_REPLY, &m);
    assert_int_equal(f->h.wid, 60);
    const Pvm__SpawnReply *rep = (const Pvm__SpawnReply *)m;
    assert_int_equal(rep->n_tids, 4);
    assert_int_equal(rep->tids[0], PvmNoFile);
    assert_int_equal(rep->tids[1], PvmNoFile);
    assert_int_equal(rep->tids[2], tid_make(2, 1));
    assert_int_equal(rep->tids[3], PvmHostFail);
    ctl_free(&m);
    frame_free(&f);
    /* Host 2 learns every task the spawn started (its children enrolled
     * knowing only their own host's). */
    f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_SIBLINGS, &m);
    assert_int_equal(((Pvm__Siblings *)m)->n_tids, 1);
    assert_int_equal(((Pvm__Siblings *)m)->tids[0], tid_make(2, 1));
    ctl_free(&m);
    frame_free(&f);
    /* The next spawn carries on where this one stopped: h2. */
    spawn_from_a(w, 61, PvmTaskDefault, "", 1);
    answer_remote_spawn(w, 1, w->a);
    f = fake_take_ctl(w->ta, PVM__CTL_TYPE__CTL_SPAWN_REPLY, &m);
    assert_int_equal(((Pvm__SpawnReply *)m)->tids[0], tid_make(2, 1));
    ctl_free(&m);
    frame_free(&f);
}

static void test_spawn_on_a_named_host(void **state)
{
    struct world *w = *state;
    spawn_from_a(w, 70, PvmTaskHost, "h2", 3);
    answer_remote_spawn(w, 3, w->a);
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->ta, PVM__CTL_TYPE__CTL_SPAWN_REPLY, &m);
    const Pvm__SpawnReply *rep = (const Pvm__SpawnReply *)m;
    assert_int_equal(rep->n_tids, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(rep->tids[i], tid_make(2, i + 1));
    ctl_free(&m);
    frame_free(&f);
    /* A host that is not in the machine. */
    spawn_from_a(w, 71, PvmTaskHost, "nosuch", 2);
    f = fake_take_ctl(w->ta, PVM__CTL_TYPE__CTL_SPAWN_REPLY, &m);
    assert_int_equal(((Pvm__SpawnReply *)m)->tids[0], PvmNoHost);
    assert_int_equal(((Pvm__SpawnReply *)m)->tids[1], PvmNoHost);
    ctl_free(&m);
    frame_free(&f);
    assert_null(fake_take(w->mesh));
    /* h2's link goes down while it spawns: those copies fail. */
    spawn_from_a(w, 72, PvmTaskHost, "h2", 2);
    fake_down(w->mesh, "lost");
    f = fake_take_ctl(w->ta, PVM__CTL_TYPE__CTL_SPAWN_REPLY, &m);
    assert_int_equal(((Pvm__SpawnReply *)m)->tids[0], PvmHostFail);
    ctl_free(&m);
    frame_free(&f);
}

static void test_tasks_of_every_host(void **state)
{
    struct world *w = *state;
    Pvm__TaskRef r = PVM__TASK_REF__INIT;
    r.tid = 0;
    fake_arrive(w->ta, frame_ctl(w->a, w->d.mytid, PVM__CTL_TYPE__CTL_TASKS, 0, 80, &r.base));
    assert_null(fake_take(w->ta)); /* waits for h2 (h3 cannot be reached) */
    ProtobufCMessage *m = NULL;
    struct frame *q = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_TASKS, &m);
    assert_int_equal(((Pvm__TaskRef *)m)->tid, tid_pvmd(2));
    ctl_free(&m);
    Pvm__TaskInfo ti = PVM__TASK_INFO__INIT;
    ti.tid = tid_make(2, 7);
    ti.host = tid_pvmd(2);
    ti.name = "far";
    Pvm__TaskInfo *tis[1] = {&ti};
    Pvm__TasksReply tr = PVM__TASKS_REPLY__INIT;
    tr.n_tasks = 1;
    tr.tasks = tis;
    fake_arrive(w->mesh, frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_TASKS_REPLY,
                                   WIRE_F_REPLY, q->h.wid, &tr.base));
    frame_free(&q);
    struct frame *f = fake_take_ctl(w->ta, PVM__CTL_TYPE__CTL_TASKS_REPLY, &m);
    const Pvm__TasksReply *got = (const Pvm__TasksReply *)m;
    assert_int_equal(f->h.wid, 80);
    assert_int_equal(got->n_tasks, 2);
    assert_int_equal(got->tasks[0]->tid, w->a); /* this host's first */
    assert_int_equal(got->tasks[1]->tid, tid_make(2, 7));
    assert_string_equal(got->tasks[1]->name, "far");
    ctl_free(&m);
    frame_free(&f);
}

/* A multicast frame from task a to the given destinations (seq i+1 each). */
static struct frame *mcast_frame(int src, int dst, const int *tids, uint32_t n, const char *body)
{
    struct wire_dest d[8];
    for (uint32_t i = 0; i < n; i++)
        d[i] = (struct wire_dest){.tid = tids[i], .seq = 10 + i};
    size_t plen = wire_mcast_len(n), blen = strlen(body);
    uint8_t *p = malloc(plen + blen);
    wire_mcast_encode(d, n, p);
    memcpy(p + plen, body, blen);
    struct wire_hdr h = {.flags = WIRE_F_MCAST,
                         .src = src,
                         .dst = dst,
                         .tag = 5,
                         .enc = PvmDataDefault,
                         .len = plen + blen};
    return frame_new(&h, p);
}

static void test_mcast_sends_one_copy_per_host(void **state)
{
    struct world *w = *state;
    int b;
    struct fake *tb = fake_task(&w->d, &b);
    int tids[] = {tid_make(2, 1), b, tid_make(2, 2), tid_make(3, 1)};
    fake_arrive(w->ta, mcast_frame(w->a, w->d.mytid, tids, 4, "hello"));
    /* b, here: the message alone, with its own seq. */
    struct frame *f = fake_take(tb);
    assert_non_null(f);
    assert_false(f->h.flags & WIRE_F_MCAST);
    assert_int_equal(f->h.dst, b);
    assert_int_equal(f->h.seq, 11);
    assert_int_equal(f->h.tag, 5);
    assert_int_equal(f->h.len, 5);
    assert_memory_equal(f->payload, "hello", 5);
    frame_free(&f);
    /* Host 2: one frame listing its two tasks. */
    f = fake_take(w->mesh);
    assert_non_null(f);
    assert_null(fake_take(w->mesh));
    assert_true(f->h.flags & WIRE_F_MCAST);
    assert_int_equal(f->h.dst, tid_pvmd(2));
    uint32_t n = 0;
    assert_int_equal(wire_mcast_decode(f->payload, f->h.len, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(wire_mcast_entry(f->payload, 0).tid, tid_make(2, 1));
    assert_int_equal(wire_mcast_entry(f->payload, 0).seq, 10);
    assert_int_equal(wire_mcast_entry(f->payload, 1).tid, tid_make(2, 2));
    assert_int_equal(wire_mcast_entry(f->payload, 1).seq, 12);
    assert_memory_equal(f->payload + wire_mcast_len(2), "hello", 5);
    frame_free(&f);
    assert_null(fake_take(w->ta));

    /* Arriving from host 2: only this host's tasks get it. */
    int here[] = {w->a, b, tid_make(3, 1)};
    fake_arrive(w->mesh, mcast_frame(tid_make(2, 1), w->d.mytid, here, 3, "back"));
    f = fake_take(w->ta);
    assert_non_null(f);
    assert_int_equal(f->h.src, tid_make(2, 1));
    assert_int_equal(f->h.seq, 10);
    assert_memory_equal(f->payload, "back", 4);
    frame_free(&f);
    f = fake_take(tb);
    assert_non_null(f);
    assert_int_equal(f->h.seq, 11);
    frame_free(&f);
    assert_null(fake_take(w->mesh)); /* nothing relayed to host 3 */

    /* A malformed list is dropped. */
    struct frame *bad = mcast_frame(w->a, w->d.mytid, tids, 2, "x");
    bad->payload[0] = 9; /* claims 9 entries */
    fake_arrive(w->ta, bad);
    assert_null(fake_take(tb));
    assert_null(fake_take(w->mesh));
    fake_free(&tb);
}

static void test_back_pressure_towards_another_host(void **state)
{
    struct world *w = *state;
    w->mesh->queued = ROUTE_HIGH_WATER + 1; /* host 2 does not take */
    fake_arrive(w->ta, fake_user_frame(w->a, tid_make(2, 1), 1, 8, 0));
    assert_true(w->ta->paused);
    assert_int_equal(w->ta->x.blocked_on, tid_pvmd(2));
    w->mesh->queued = 0;
    xport_up_drained(&w->mesh->x);
    assert_false(w->ta->paused);
    /* Held back again, then the host is lost: released (its frames are
     * dropped from now on). */
    w->mesh->queued = ROUTE_HIGH_WATER + 1;
    fake_arrive(w->ta, fake_user_frame(w->a, tid_make(2, 1), 1, 8, 0));
    assert_true(w->ta->paused);
    fake_down(w->mesh, "lost");
    assert_false(w->ta->paused);
}

static void test_a_task_speaks_to_its_own_pvmd_only(void **state)
{
    struct world *w = *state;
    Pvm__Siblings sb = PVM__SIBLINGS__INIT;
    int32_t tids[1] = {w->a};
    sb.n_tids = 1;
    sb.tids = tids;
    /* A control frame for host 2's pvmd is not relayed there. */
    fake_arrive(w->ta, frame_ctl(w->a, tid_pvmd(2), PVM__CTL_TYPE__CTL_SIBLINGS, 0, 0, &sb.base));
    assert_null(fake_take(w->mesh));
}

/* A pvmd that is not the first host halts when it loses the first host:
 * its tasks would be orphans. */
static void test_losing_the_first_host_halts_the_others(void **state)
{
    (void)state;
    struct pvmd d;
    fake_pvmd(&d, 2, 2);
    struct fake *in = fake_link(&d, tid_pvmd(1)); /* the first host's, dialled by it */
    in->x.inbound = true;
    assert_false(d.halting);
    fake_down(in, "nothing received for 1500 ms");
    assert_true(d.halting);
    fake_pvmd_end(&d);
    fake_free(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_enrol_over_any_transport, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frames_for_another_host_go_out_on_its_link, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_frames_from_the_mesh_reach_local_tasks, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_local_task_cannot_forge_its_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forwarded_request_is_relayed_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_request_fails_when_link_goes_down, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_remote_pvmd_requests_are_served, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_on_a_task_fails_when_it_exits, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_back_pressure_budget_of_all_tasks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_back_pressure_pauses_and_resumes_the_sender, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_halt_fails_waiting_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forged_reply_is_not_taken, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_requests_are_bounded_per_requester, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_spawned_task_losing_its_link_releases_its_senders,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_hello_takes_nothing_more, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spawn_is_spread_over_hosts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spawn_on_a_named_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tasks_of_every_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mcast_sends_one_copy_per_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_back_pressure_towards_another_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_task_speaks_to_its_own_pvmd_only, setup, teardown),
        cmocka_unit_test(test_losing_the_first_host_halts_the_others),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
