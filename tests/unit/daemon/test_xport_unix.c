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
    fake_pvmd(&d, 1, 1);
    char dir[] = "/tmp/pvmd_xport_unix.XXXXXX";
    assert_non_null(mkdtemp(dir));
    snprintf(d.sockpath, sizeof d.sockpath, "%s/pvmd.sock", dir);
    assert_int_equal(xport_unix.listen(&d, d.sockpath), 0);
    assert_int_equal(xport_unix.dial(&d, d.sockpath, 0), 0);
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
    assert_int_equal(xport_unix.dial(&d, nowhere, 0), 0);
    for (int i = 0; i < 50; i++)
        uv_run(d.loop, UV_RUN_NOWAIT);
    assert_int_equal(nlinks(&d), 0);

    fake_pvmd_end(&d);
    unlink(d.sockpath);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen_dial_and_frames_both_ways),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
