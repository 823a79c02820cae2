/*
 * test_ctxtab.c - daemon/ctxtab.c through fake links: host 2 of three
 * hands out its own contexts to its own tasks, in turn, each held by the
 * task that asked until it frees it, leaves or ends; a peer pvmd may not
 * ask.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ctl.h"
#include "fake_xport.h"
#include "frame.h"
#include "pvm3.h"
#include "tid.h"

struct world {
    struct pvmd d;
    struct fake *mesh; /* host 1's pvmd */
    struct fake *t[2]; /* local tasks */
    int tid[2];
};

static int wid_next = 100;

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    fake_pvmd(&w->d, 2, 3);
    w->d.limits.ctx_max = 3; /* the ring is made on the first request */
    w->mesh = fake_link(&w->d, tid_pvmd(1));
    for (int i = 0; i < 2; i++)
        w->t[i] = fake_task(&w->d, &w->tid[i]);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    fake_pvmd_end(&w->d);
    fake_free(&w->mesh);
    for (int i = 0; i < 2; i++)
        fake_free(&w->t[i]);
    free(w);
    return 0;
}

/* Link l (from tid `from') asks for a context: returns it, or the Status
 * code of a refusal. */
static int ctx_new(struct world *w, struct fake *l, int from)
{
    int wid = wid_next++;
    Pvm__Empty e = PVM__EMPTY__INIT;
    fake_arrive(l, frame_ctl(from, w->d.mytid, PVM__CTL_TYPE__CTL_CTX_NEW, 0, wid, &e.base));
    struct frame *f = fake_take(l);
    assert_non_null(f);
    assert_int_equal(f->h.wid, wid);
    ProtobufCMessage *m = NULL;
    int cc;
    if (f->h.tag == PVM__CTL_TYPE__CTL_CTX_REPLY) {
        assert_int_equal(ctl_unpack(f->h.tag, f->payload, (size_t)f->h.len, &m), 0);
        cc = ((Pvm__CtxRef *)m)->ctx;
        assert_true(cc > 0);
    } else {
        assert_int_equal(f->h.tag, PVM__CTL_TYPE__CTL_STATUS);
        assert_int_equal(ctl_unpack(f->h.tag, f->payload, (size_t)f->h.len, &m), 0);
        cc = ((Pvm__Status *)m)->code;
        assert_true(cc < 0);
    }
    ctl_free(&m);
    frame_free(&f);
    return cc;
}

/* Link l (from tid `from') frees ctx: returns the Status code. */
static int ctx_free(struct world *w, struct fake *l, int from, int ctx)
{
    int wid = wid_next++;
    Pvm__CtxRef c = PVM__CTX_REF__INIT;
    c.ctx = ctx;
    fake_arrive(l, frame_ctl(from, w->d.mytid, PVM__CTL_TYPE__CTL_CTX_FREE, 0, wid, &c.base));
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(l, PVM__CTL_TYPE__CTL_STATUS, &m);
    assert_int_equal(f->h.wid, wid);
    int code = ((Pvm__Status *)m)->code;
    ctl_free(&m);
    frame_free(&f);
    return code;
}

static int ctx(int local)
{
    return tid_make(2, local);
}

static void test_in_turn_owned_and_out(void **state)
{
    struct world *w = *state;
    int a = w->tid[0], b = w->tid[1];
    assert_int_equal(ctx_new(w, w->t[0], a), ctx(1));
    assert_int_equal(ctx_new(w, w->t[1], b), ctx(2));
    assert_int_equal(ctx_new(w, w->t[0], a), ctx(3));
    assert_int_equal(ctx_new(w, w->t[1], b), PvmOutOfRes);
    /* Only the holder frees, once; nothing else is anyone's. */
    assert_int_equal(ctx_free(w, w->t[1], b, ctx(1)), PvmNotFound);
    assert_int_equal(ctx_free(w, w->t[1], b, tid_make(1, 2)), PvmNotFound);
    assert_int_equal(ctx_free(w, w->t[1], b, ctx(4)), PvmNotFound); /* past the ring */
    assert_int_equal(ctx_free(w, w->t[1], b, -ctx(2)), PvmNotFound);
    assert_int_equal(ctx_free(w, w->t[1], b, ctx(2) | 0x40000000), PvmNotFound);
    assert_int_equal(ctx_free(w, w->t[0], a, ctx(1)), PvmOk);
    assert_int_equal(ctx_free(w, w->t[0], a, ctx(1)), PvmNotFound);
    /* The turn wraps round to the freed one. */
    assert_int_equal(ctx_new(w, w->t[1], b), ctx(1));
    assert_int_equal(ctx_new(w, w->t[1], b), PvmOutOfRes);
}

static void test_freed_when_the_task_goes(void **state)
{
    struct world *w = *state;
    int a = w->tid[0], b = w->tid[1];
    assert_int_equal(ctx_new(w, w->t[0], a), ctx(1));
    assert_int_equal(ctx_new(w, w->t[0], a), ctx(2));
    assert_int_equal(ctx_new(w, w->t[1], b), ctx(3));
    /* pvm_exit frees a's. */
    int wid = wid_next++;
    Pvm__Empty e = PVM__EMPTY__INIT;
    fake_arrive(w->t[0], frame_ctl(a, w->d.mytid, PVM__CTL_TYPE__CTL_EXIT, 0, wid, &e.base));
    struct frame *f = fake_take(w->t[0]); /* its Status */
    assert_non_null(f);
    frame_free(&f);
    assert_int_equal(ctx_new(w, w->t[1], b), ctx(1));
    assert_int_equal(ctx_new(w, w->t[1], b), ctx(2));
    assert_int_equal(ctx_new(w, w->t[1], b), PvmOutOfRes);
    /* b's connection goes: a task from a shell ends, and its go too. */
    fake_down(w->t[1], "test");
    int c;
    struct fake *l = fake_task(&w->d, &c);
    assert_int_equal(ctx_new(w, l, c), ctx(3));
    assert_int_equal(ctx_new(w, l, c), ctx(1));
    fake_free(&l);
}

static void test_peer_pvmd_may_not_ask(void **state)
{
    struct world *w = *state;
    assert_int_equal(ctx_new(w, w->mesh, tid_make(1, 5)), PvmBadMsg);
    assert_int_equal(ctx_free(w, w->mesh, tid_make(1, 5), ctx(1)), PvmBadMsg);
    /* Nothing was taken for it. */
    assert_int_equal(ctx_new(w, w->t[0], w->tid[0]), ctx(1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_in_turn_owned_and_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_freed_when_the_task_goes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_pvmd_may_not_ask, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
