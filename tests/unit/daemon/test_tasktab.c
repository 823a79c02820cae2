/*
 * test_tasktab.c - task records: tids, queueing until connected, ending.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "defs.h"
#include "fake_xport.h"
#include "pvm3.h"
#include "tasktab.h"
#include "tid.h"

static void test_tids_increase_and_are_reused_only_after_wrap(void **state)
{
    (void)state;
    struct pvmd d;
    fake_pvmd(&d, 3, 3);
    int err = 0;
    struct task *t1 = tasktab_add(&d, &err), *t2 = tasktab_add(&d, &err);
    assert_int_equal(tasktab_tid(t1), tid_make(3, 1));
    assert_int_equal(tasktab_tid(t2), tid_make(3, 2));
    assert_int_equal(tasktab_ptid(t1), PvmNoParent);
    tasktab_end(&d, t1, "test");
    assert_null(tasktab_find(d.tasks, tid_make(3, 1)));
    struct task *t3 = tasktab_add(&d, &err);
    assert_int_equal(tasktab_tid(t3), tid_make(3, 3)); /* not 1 again */
    /* Fill the table: then no tid is left, and an ended one comes back. */
    size_t n = tasktab_count(d.tasks);
    while (n < TID_MAX_LOCAL) {
        assert_non_null(tasktab_add(&d, &err));
        n++;
    }
    assert_null(tasktab_add(&d, &err));
    assert_int_equal(err, PvmOutOfRes);
    struct task *victim = tasktab_find(d.tasks, tid_make(3, 500));
    tasktab_end(&d, victim, "test");
    struct task *again = tasktab_add(&d, &err);
    assert_int_equal(tasktab_tid(again), tid_make(3, 500));
    fake_pvmd_end(&d);
}

static void test_frames_wait_for_a_spawned_task_to_connect(void **state)
{
    (void)state;
    struct pvmd d;
    fake_pvmd(&d, 1, 1);
    int err;
    struct task *t = tasktab_add(&d, &err);
    struct task_io io = {.out_tid = 5};
    assert_int_equal(tasktab_set_spawned(t, PvmParentNotSet, "prog", &io), 0);
    int tid = tasktab_tid(t);
    for (int i = 0; i < 3; i++)
        tasktab_queue(&d, t, fake_user_frame(tid_make(1, 9), tid, i, 10, i));
    assert_int_equal(tasktab_queued_bytes(t), 3 * (WIRE_HDR_LEN + 10));
    struct fake *l = fake_link(&d, 0);
    tasktab_connect(&d, t, &l->x);
    assert_int_equal(l->x.peer, tid);
    assert_true(tasktab_flags(t) & TF_CONN);
    for (int i = 0; i < 3; i++) {
        struct frame *f = fake_take(l);
        assert_non_null(f);
        assert_int_equal(f->h.tag, i); /* in order */
        frame_free(&f);
    }
    assert_int_equal(tasktab_queued_bytes(t), 0);
    /* A spawned task outlives its connection (it is its process that
     * ends it). */
    fake_down(l, "closed");
    t = tasktab_find(d.tasks, tid);
    assert_non_null(t);
    assert_false(tasktab_flags(t) & TF_CONN);
    assert_null(tasktab_link(t));
    assert_int_equal(tasktab_io(t)->out_tid, 5);
    tasktab_end(&d, t, "exit");
    assert_int_equal(tasktab_count(d.tasks), 0);
    fake_pvmd_end(&d);
    fake_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tids_increase_and_are_reused_only_after_wrap),
        cmocka_unit_test(test_frames_wait_for_a_spawned_task_to_connect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
