/*
 * test_xport_unix.c - the unix transport in one process: listen, dial,
 * frames both ways, link down on either side.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl.h"
#include "hosttab.h"
#include "route.h"
#include "tid.h"
#include "fake_xport.h"
#include "tasktab.h"
#include "xport_unix.h"

static int nlinks(struct pvmd *d)
{
    int n = 0;
    for (struct xport *x = xport_first(d); x; x = x->next)
        n++;
    return n;
}

/* Runs the loop until cond holds (at most ~5 s). */
#define RUN_UNTIL(d, cond)                                                                         \
    do {                                                                                           \
        for (int i_ = 0; i_ < 5000 && !(cond); i_++) {                                             \
            uv_run((d)->loop, UV_RUN_NOWAIT);                                                      \
            usleep(1000);                                                                          \
        }                                                                                          \
        assert_true(cond);                                                                         \
    } while (0)

static void test_listen_dial_and_frames_both_ways(void **state)
{
    (void)state;
    struct pvmd d;
    struct xport *dl = NULL;
    fake_pvmd(&d, 1, 1);
    char dir[] = "/tmp/pvmd_xport_unix.XXXXXX";
    assert_non_null(mkdtemp(dir));
    snprintf(d.sockpath, sizeof d.sockpath, "%s/pvmd.sock", dir);
    assert_int_equal(xport_unix.listen(&d, d.sockpath), 0);
    assert_int_equal(xport_unix.dial(&d, d.sockpath, 0, &dl), 0);
    /* The dialled end and the accepted end are both links of d. */
    RUN_UNTIL(&d, nlinks(&d) == 2);
    struct xport *a = xport_first(&d), *b = a->next;
    assert_int_equal(a->pid, getpid());
    assert_int_equal(b->uid, geteuid());

    /* A hello written on one end enrols a task on the other, whose reply
     * comes back (and, not being a hello, closes the first end, which
     * ends the task). */
    Pvm__Hello h = PVM__HELLO__INIT;
    h.proto_version = CTL_PROTO_VERSION;
    h.pid = getpid();
    h.name = "dialler";
    assert_int_equal(xport_send(a, frame_ctl(0, 0, PVM__CTL_TYPE__CTL_HELLO, 0, 1, &h.base)), 0);
    RUN_UNTIL(&d, tasktab_count(d.tasks) == 1);
    RUN_UNTIL(&d, nlinks(&d) == 0 && tasktab_count(d.tasks) == 0);

    /* Dialling where nobody listens makes no link. */
    char nowhere[PATHS_MAX];
    snprintf(nowhere, sizeof nowhere, "%s/nobody.sock", dir);
    assert_int_equal(xport_unix.dial(&d, nowhere, 0, &dl), 0);
    /* The failed dial's handle and request are gone once the loop has
     * nothing left to do (the listener is the only active handle). */
    xport_unix.unlisten(&d);
    uv_run(d.loop, UV_RUN_DEFAULT);
    assert_false(uv_loop_alive(d.loop));
    assert_int_equal(nlinks(&d), 0);

    fake_pvmd_end(&d);
    unlink(d.sockpath);
    rmdir(dir);
}

/* Frames read in one go wait in the framer's stage while their link is
 * paused (back-pressure), and go on, in order, when it resumes. */
static void test_staged_frames_wait_while_paused(void **state)
{
    (void)state;
    struct pvmd d;
    struct xport *dl = NULL;
    fake_pvmd(&d, 1, 2);
    char dir[] = "/tmp/pvmd_xport_unix.XXXXXX";
    assert_non_null(mkdtemp(dir));
    snprintf(d.sockpath, sizeof d.sockpath, "%s/pvmd.sock", dir);
    assert_int_equal(xport_unix.listen(&d, d.sockpath), 0);

    /* b: a local task that is far behind. */
    int b;
    struct fake *tb = fake_task(&d, &b);
    tb->queued = ROUTE_HIGH_WATER + 1;

    /* The dialled end plays host 2's pvmd (so what comes back to it is
     * only logged); the accepted end enrols as task t. */
    assert_int_equal(xport_unix.dial(&d, d.sockpath, tid_pvmd(2), &dl), 0);
    RUN_UNTIL(&d, nlinks(&d) == 3);
    struct xport *dialled = hosttab_get(d.hosts, 2)->link;
    assert_non_null(dialled);
    Pvm__Hello h = PVM__HELLO__INIT;
    h.proto_version = CTL_PROTO_VERSION;
    h.pid = getpid();
    h.name = "flooder";
    int t = tid_make(1, 2); /* the next tid after b's */
    enum { N = 20 };
    assert_int_equal(xport_send(dialled, frame_ctl(0, 0, PVM__CTL_TYPE__CTL_HELLO, 0, 1, &h.base)),
                     0);
    for (int i = 0; i < N; i++)
        assert_int_equal(xport_send(dialled, fake_user_frame(t, b, i, 16, i)), 0);

    /* The first frame for b pauses t's link; the others stay staged. */
    RUN_UNTIL(&d, tb->out.n >= 1);
    for (int i = 0; i < 100; i++)
        uv_run(d.loop, UV_RUN_NOWAIT);
    assert_int_equal(tb->out.n, 1);
    struct task *tt = tasktab_find(d.tasks, t);
    assert_non_null(tt);
    assert_int_equal(tasktab_link(tt)->blocked_on, b);

    /* b catches up: the staged frames follow, in order. */
    tb->queued = 0;
    xport_up_drained(&tb->x);
    RUN_UNTIL(&d, tb->out.n == N);
    for (int i = 0; i < N; i++) {
        struct frame *f = fake_take(tb);
        assert_int_equal(f->h.tag, i);
        assert_int_equal(f->h.src, t);
        frame_free(&f);
    }

    fake_pvmd_end(&d);
    fake_free(&tb);
    unlink(d.sockpath);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen_dial_and_frames_both_ways),
        cmocka_unit_test(test_staged_frames_wait_while_paused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
