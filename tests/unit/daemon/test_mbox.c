/*
 * test_mbox.c - daemon/mbox.c through fake links: the keeper (host 1)
 * with local tasks and host 2's pvmd on the mesh, and another host's pvmd
 * forwarding for its own tasks.  What a well-behaved libpvm never does is
 * checked here: a pvmd speaking for another host's task, a task with many
 * waits at once, the table filled to its bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl.h"
#include "fake_xport.h"
#include "frame.h"
#include "mbox.h"
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

static uint8_t body[4] = {0, 0, 0, 7};

/* Link l sends a put as `from' (for task `tid', 0: itself); returns the wid. */
static int put_on(struct fake *l, int from, int dst, const char *name, int index, int flags,
                  int tid)
{
    Pvm__MboxPut q = PVM__MBOX_PUT__INIT;
    q.name = (char *)name;
    q.index = index;
    q.flags = flags;
    q.tid = tid;
    q.data.data = body;
    q.data.len = sizeof body;
    int wid = wid_next++;
    fake_arrive(l, frame_ctl(from, dst, PVM__CTL_TYPE__CTL_MBOX_PUT, 0, wid, &q.base));
    return wid;
}

static int key_on(struct fake *l, int from, int dst, int type, const char *name, int index,
                  int flags, int tid)
{
    Pvm__MboxKey k = PVM__MBOX_KEY__INIT;
    k.name = (char *)name;
    k.index = index;
    k.flags = flags;
    k.tid = tid;
    int wid = wid_next++;
    fake_arrive(l, frame_ctl(from, dst, type, 0, wid, &k.base));
    return wid;
}

/* The next answer on l: MboxReply's status, or its index when >= 0; a
 * Status' code. */
static int answer(struct fake *l, int wid)
{
    struct frame *f = fake_take(l);
    assert_non_null(f);
    assert_int_equal(f->h.wid, wid);
    assert_true(f->h.flags & WIRE_F_REPLY);
    ProtobufCMessage *m = NULL;
    assert_int_equal(ctl_unpack(f->h.tag, f->payload, (size_t)f->h.len, &m), 0);
    int cc;
    if (f->h.tag == PVM__CTL_TYPE__CTL_STATUS) {
        cc = ((Pvm__Status *)m)->code;
    } else {
        assert_int_equal(f->h.tag, PVM__CTL_TYPE__CTL_MBOX_REPLY);
        Pvm__MboxReply *r = (Pvm__MboxReply *)m;
        cc = r->status < 0 ? r->status : r->index;
    }
    ctl_free(&m);
    frame_free(&f);
    return cc;
}

static int task_put(struct world *w, int i, const char *name, int index, int flags)
{
    int wid = put_on(w->t[i], w->tid[i], w->d.mytid, name, index, flags, 0);
    return answer(w->t[i], wid);
}

/* ===================================================================== */

static void test_peer_speaks_for_its_own_tasks(void **state)
{
    struct world *w = *state;
    int t2 = tid_make(2, 5), t3 = tid_make(3, 5);
    /* Host 2's pvmd for a task of host 3, or for a pvmd: refused. */
    int wid = put_on(w->mesh, tid_pvmd(2), w->d.mytid, "s", 0, 0, t3);
    assert_int_equal(answer(w->mesh, wid), PvmBadParam);
    wid = key_on(w->mesh, tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_MBOX_DEL, "s", 0, 0, 0);
    assert_int_equal(answer(w->mesh, wid), PvmBadParam);
    assert_int_equal(mbox_count(&w->d), 0);
    /* For its own: taken, and the entry is that task's. */
    wid = put_on(w->mesh, tid_pvmd(2), w->d.mytid, "s", 0, 0, t2);
    assert_int_equal(answer(w->mesh, wid), 0);
    assert_int_equal(task_put(w, 0, "s", 0, 0), PvmDenied);
    /* A task's own claim of another tid is ignored: it is itself. */
    wid = put_on(w->t[0], w->tid[0], w->d.mytid, "s", 0, 0, t2);
    assert_int_equal(answer(w->t[0], wid), PvmDenied);
    /* Only a pvmd reports ends, only its own host's. */
    Pvm__MboxTids g = PVM__MBOX_TIDS__INIT;
    g.tids = &t2;
    g.n_tids = 1;
    fake_arrive(w->t[1],
                frame_ctl(w->tid[1], w->d.mytid, PVM__CTL_TYPE__CTL_MBOX_GONE, 0, 0, &g.base));
    g.tids = &t3;
    fake_arrive(w->mesh,
                frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_MBOX_GONE, 0, 0, &g.base));
    assert_int_equal(mbox_count(&w->d), 1);
    g.tids = &t2;
    fake_arrive(w->mesh,
                frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_MBOX_GONE, 0, 0, &g.base));
    assert_int_equal(mbox_count(&w->d), 0);
}

static void test_waits(void **state)
{
    struct world *w = *state;
    int wids[MBOX_WAIT_PER_TASK + 1];
    for (int i = 0; i <= MBOX_WAIT_PER_TASK; i++)
        wids[i] = key_on(w->t[0], w->tid[0], w->d.mytid, PVM__CTL_TYPE__CTL_MBOX_GET, "w", 0,
                         PvmMboxWaitForInfo, 0);
    /* One past the bound is refused at once; the others wait. */
    assert_int_equal(answer(w->t[0], wids[MBOX_WAIT_PER_TASK]), PvmOutOfRes);
    assert_null(fake_take(w->t[0]));
    /* A remote waiter, whose end its pvmd reports: answered, so its
     * pvmd's pending entry goes. */
    int t2 = tid_make(2, 9);
    int rw = key_on(w->mesh, tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_MBOX_GET, "w", 0,
                    PvmMboxWaitForInfo, t2);
    assert_null(fake_take(w->mesh));
    Pvm__MboxTids g = PVM__MBOX_TIDS__INIT;
    g.tids = &t2;
    g.n_tids = 1;
    fake_arrive(w->mesh,
                frame_ctl(tid_pvmd(2), w->d.mytid, PVM__CTL_TYPE__CTL_MBOX_GONE, 0, 0, &g.base));
    assert_int_equal(answer(w->mesh, rw), PvmNoTask);
    /* One put answers every plain waiter, in arrival order. */
    assert_int_equal(task_put(w, 1, "w", 0, 0), 0);
    for (int i = 0; i < MBOX_WAIT_PER_TASK; i++)
        assert_int_equal(answer(w->t[0], wids[i]), 0);
    assert_null(fake_take(w->t[0]));
    /* A local waiter that ends is forgotten. */
    key_on(w->t[2], w->tid[2], w->d.mytid, PVM__CTL_TYPE__CTL_MBOX_GET, "v", 0, PvmMboxWaitForInfo,
           0);
    fake_down(w->t[2], "killed");
    assert_int_equal(task_put(w, 1, "v", 0, 0), 0);
}

static void test_bounds_and_lost_host(void **state)
{
    struct world *w = *state;
    int t2 = tid_make(2, 5);
    /* Host 2's task: one plain, one persistent entry. */
    int wid = put_on(w->mesh, tid_pvmd(2), w->d.mytid, "h", 0, 0, t2);
    assert_int_equal(answer(w->mesh, wid), 0);
    wid = put_on(w->mesh, tid_pvmd(2), w->d.mytid, "hp", 0, PvmMboxPersistent, t2);
    assert_int_equal(answer(w->mesh, wid), 0);
    /* The table fills to its bound, no further. */
    for (int i = 2; i < MBOX_MAX_ENTRIES; i++) {
        wid = put_on(w->t[0], w->tid[0], w->d.mytid, "many", -1, PvmMboxMultiInstance, 0);
        assert_int_equal(answer(w->t[0], wid), i - 2);
    }
    assert_int_equal(mbox_count(&w->d), MBOX_MAX_ENTRIES);
    assert_int_equal(task_put(w, 0, "many", -1, PvmMboxMultiInstance), PvmOutOfRes);
    /* Replacing takes no room. */
    assert_int_equal(task_put(w, 0, "many", 5, 0), 5);
    /* Host 2 lost: its task's plain entry goes, the persistent one stays
     * without an owner. */
    fake_down(w->mesh, "lost");
    assert_int_equal(mbox_count(&w->d), MBOX_MAX_ENTRIES - 1);
    wid = key_on(w->t[1], w->tid[1], w->d.mytid, PVM__CTL_TYPE__CTL_MBOX_DEL, "hp", 0, 0, 0);
    assert_int_equal(answer(w->t[1], wid), PvmDenied);
    wid = key_on(w->t[1], w->tid[1], w->d.mytid, PVM__CTL_TYPE__CTL_MBOX_GET, "h", 0, 0, 0);
    assert_int_equal(answer(w->t[1], wid), PvmNotFound);
    /* The console's reset keeps only what the tasks named own. */
    Pvm__MboxTids keep = PVM__MBOX_TIDS__INIT;
    keep.tids = &w->tid[0];
    keep.n_tids = 1;
    wid = wid_next++;
    fake_arrive(w->t[1], frame_ctl(w->tid[1], w->d.mytid, PVM__CTL_TYPE__CTL_MBOX_RESET, 0, wid,
                                   &keep.base));
    assert_int_equal(answer(w->t[1], wid), 0);
    assert_int_equal(mbox_count(&w->d), MBOX_MAX_ENTRIES - 2);
}

/* A class's name counts against the mailbox's bytes: empty bodies under
 * 64 KiB names would otherwise hold 65536 x 64 KiB. */
static void test_names_count_against_the_bytes(void **state)
{
    struct world *w = *state;
    w->d.limits.mbox_bytes = (size_t)1 << 20;
    enum { LONG = 65536 };
    char *name = malloc(LONG + 1);
    assert_non_null(name);
    memset(name, 'n', LONG);
    name[LONG] = 0;
    /* 15 names of LONG + 1 bytes and their 4-byte bodies fit in 1 MiB. */
    for (int i = 0; i < 15; i++) {
        name[0] = (char)('a' + i);
        assert_int_equal(task_put(w, 0, name, 0, 0), 0);
    }
    name[0] = 'z';
    assert_int_equal(task_put(w, 0, name, 0, 0), PvmOutOfRes);
    assert_int_equal(mbox_count(&w->d), 15);
    /* Another entry of a class there costs no name. */
    name[0] = 'a';
    assert_int_equal(task_put(w, 0, name, 1, 0), 1);
    /* A class that goes gives its name's bytes back. */
    name[0] = 'b';
    int wid = key_on(w->t[0], w->tid[0], w->d.mytid, PVM__CTL_TYPE__CTL_MBOX_DEL, name, 0, 0, 0);
    assert_int_equal(answer(w->t[0], wid), 0);
    name[0] = 'z';
    assert_int_equal(task_put(w, 0, name, 0, 0), 0);
    free(name);
}

static void test_other_host_forwards(void **state)
{
    struct world *w = *state;
    /* A put goes to the first host, speaking for the task. */
    int wid = put_on(w->t[0], w->tid[0], w->d.mytid, "f", -1, PvmMboxMultiInstance, 0);
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_MBOX_PUT, &m);
    assert_int_equal(f->h.dst, tid_pvmd(1));
    assert_int_equal(((Pvm__MboxPut *)m)->tid, w->tid[0]);
    assert_int_equal(((Pvm__MboxPut *)m)->data.len, sizeof body);
    Pvm__MboxReply rep = PVM__MBOX_REPLY__INIT;
    rep.index = 3;
    fake_arrive(w->mesh, frame_ctl(tid_pvmd(1), w->d.mytid, PVM__CTL_TYPE__CTL_MBOX_REPLY,
                                   WIRE_F_REPLY, f->h.wid, &rep.base));
    ctl_free(&m);
    frame_free(&f);
    assert_int_equal(answer(w->t[0], wid), 3);
    /* A plain read does not make a user; a wait does. */
    key_on(w->t[1], w->tid[1], w->d.mytid, PVM__CTL_TYPE__CTL_MBOX_GET, "f", 0, 0, 0);
    f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_MBOX_GET, &m);
    ctl_free(&m);
    frame_free(&f);
    key_on(w->t[2], w->tid[2], w->d.mytid, PVM__CTL_TYPE__CTL_MBOX_GET, "g", 0, PvmMboxWaitForInfo,
           0);
    f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_MBOX_GET, &m);
    assert_int_equal(((Pvm__MboxKey *)m)->tid, w->tid[2]);
    ctl_free(&m);
    frame_free(&f);
    /* Ends of users are reported, once; others' are not. */
    fake_down(w->t[1], "ended");
    assert_null(fake_take(w->mesh));
    fake_down(w->t[0], "ended");
    f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_MBOX_GONE, &m);
    assert_int_equal(((Pvm__MboxTids *)m)->n_tids, 1);
    assert_int_equal(((Pvm__MboxTids *)m)->tids[0], w->tid[0]);
    ctl_free(&m);
    frame_free(&f);
    fake_down(w->t[2], "ended");
    f = fake_take_ctl(w->mesh, PVM__CTL_TYPE__CTL_MBOX_GONE, &m);
    assert_int_equal(((Pvm__MboxTids *)m)->tids[0], w->tid[2]);
    ctl_free(&m);
    frame_free(&f);
    assert_null(fake_take(w->mesh));
    /* Only the first host keeps entries. */
    assert_int_equal(mbox_count(&w->d), 0);
}

/* An event held back during a request halts the pvmd when run: a task's
 * answer fails its link (its end waits until the request is over), and
 * the report of that end to the first host fails the mesh link, so this
 * pvmd halts and frees its mailbox while still running held events. */
static void test_halt_while_running_held_events(void **state)
{
    struct world *w = *state;
    /* The task's requests fill its room in the pending table. */
    for (int i = 0; i < 256; i++) {
        key_on(w->t[0], w->tid[0], w->d.mytid, PVM__CTL_TYPE__CTL_MBOX_GET, "x", 0, 0, 0);
        struct frame *f = fake_take(w->mesh);
        assert_non_null(f);
        frame_free(&f);
    }
    w->t[0]->fail_send = true;
    w->mesh->fail_send = true;
    /* A put makes it a user, is refused (PvmOutOfRes), and the answer's
     * failure ends it; its report's failure halts the pvmd. */
    put_on(w->t[0], w->tid[0], w->d.mytid, "x", 0, 0, 0);
    assert_true(w->d.halting);
    assert_true(w->t[0]->closed);
    assert_true(w->mesh->closed);
    assert_int_equal(mbox_count(&w->d), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_peer_speaks_for_its_own_tasks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounds_and_lost_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names_count_against_the_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_host_forwards, setup2, teardown),
        cmocka_unit_test_setup_teardown(test_halt_while_running_held_events, setup2, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
