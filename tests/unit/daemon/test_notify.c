/*
 * test_notify.c - daemon/notify.c's bounds through fake links: what a
 * well-behaved libpvm never sends (a request naming the same task a
 * hundred thousand times, in libpvm's reserved context) is refused before
 * it grows the pvmd.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ctl.h"
#include "defs.h"
#include "fake_xport.h"
#include "frame.h"
#include "notify.h"
#include "pvm3.h"
#include "tid.h"

struct world {
    struct pvmd d;
    struct fake *t;
    int tid;
};

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    fake_pvmd(&w->d, 1, 1);
    w->t = fake_task(&w->d, &w->tid);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    fake_pvmd_end(&w->d);
    fake_free(&w->t);
    free(w);
    return 0;
}

/* The task asks for the exit of itself, n times in one request, in
 * context ctx; returns the Status' code. */
static int notify_self(struct world *w, size_t n, int ctx)
{
    int32_t *tids = malloc(n * sizeof *tids);
    assert_non_null(tids);
    for (size_t i = 0; i < n; i++)
        tids[i] = w->tid;
    Pvm__NotifyRequest q = PVM__NOTIFY_REQUEST__INIT;
    q.what = PvmTaskExit;
    q.tag = 7;
    q.ctx = ctx;
    q.tids = tids;
    q.n_tids = n;
    fake_arrive(w->t, frame_ctl(w->tid, w->d.mytid, PVM__CTL_TYPE__CTL_NOTIFY, 0, 9, &q.base));
    free(tids);
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->t, PVM__CTL_TYPE__CTL_STATUS, &m);
    int cc = ((Pvm__Status *)m)->code;
    ctl_free(&m);
    frame_free(&f);
    /* Nothing else: the target is there, no notice yet. */
    assert_null(fake_take(w->t));
    return cc;
}

static void test_user_requests_bounded_per_task(void **state)
{
    struct world *w = *state;
    assert_int_equal(notify_self(w, NOTIFY_MAX_PER_TASK + 1, PvmBaseContext), PvmOutOfRes);
    assert_int_equal(notify_self(w, NOTIFY_MAX_PER_TASK, PvmBaseContext), PvmOk);
    assert_int_equal(notify_self(w, 1, PvmBaseContext), PvmOutOfRes);
}

/* libpvm's own context has more room, not unlimited room: any task can
 * name that context in its request. */
static void test_reserved_context_requests_bounded_too(void **state)
{
    struct world *w = *state;
    assert_int_equal(notify_self(w, NOTIFY_MAX_PER_TASK + 1, PVM_SYS_CTX), PvmOk);
    assert_int_equal(notify_self(w, NOTIFY_MAX_PER_TASK, PVM_SYS_CTX), PvmOutOfRes);
    assert_int_equal(notify_self(w, NOTIFY_MAX_PER_TASK - 1, PVM_SYS_CTX), PvmOk);
    assert_int_equal(notify_self(w, 1, PVM_SYS_CTX), PvmOutOfRes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_user_requests_bounded_per_task, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserved_context_requests_bounded_too, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
