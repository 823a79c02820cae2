/*
 * test_notify.c - pvm_notify as PVM 3.4.6 gives it (daemon/notify.c):
 * task exits (also by SIGKILL, also of tasks already gone), cancelling,
 * PVM's parameter errors, and, across loopback hosts, exits of remote
 * tasks, hosts added and deleted, and a host whose pvmd is killed.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "pvm3.h"
#include "test_api_util.h"
#include "tid.h"

#define NOTIFY_SRC ((int)0x80000000u) /* PVM's pvmd tid, the notices' source */

static int up(void **state)
{
    return vm_up(state);
}

/* Receives one notice with tag within secs: its only integer, checking
 * its source.  Returns the integer, or -1 if none came. */
static int notice(int tag, double secs)
{
    struct timeval tv = {(long)secs, (long)((secs - (long)secs) * 1e6)};
    int b = pvm_trecv(-1, tag, &tv);
    if (b <= 0)
        return -1;
    int len = 0, t = 0, src = 0, v = -1;
    assert_int_equal(pvm_bufinfo(b, &len, &t, &src), 0);
    assert_int_equal(src, NOTIFY_SRC);
    assert_int_equal(t, tag);
    assert_int_equal(pvm_upkint(&v, 1, 1), 0);
    return v;
}

static int spawn_on(const char *host, char *mode)
{
    char *args[] = {mode, NULL};
    int t = 0;
    assert_int_equal(pvm_spawn((char *)harness_prog("t_echo"), mode ? args : NULL,
                               host ? PvmTaskHost : PvmTaskDefault, (char *)(host ? host : ""), 1,
                               &t),
                     1);
    expect_msg(t, 1);
    return t;
}

static bool in(int v, const int *set, int n)
{
    for (int i = 0; i < n; i++)
        if (set[i] == v)
            return true;
    return false;
}

/* The acceptance: 4 children, half of them SIGKILL themselves,
 * all 4 notices come. */
static void test_four_children_half_killed(void **state)
{
    (void)state;
    int tids[4];
    for (int i = 0; i < 4; i++)
        tids[i] = spawn_on(NULL, i % 2 ? "suicide" : NULL);
    assert_int_equal(pvm_notify(PvmTaskExit, 50, 4, tids), 0);
    for (int i = 0; i < 4; i++)
        send_empty(tids[i], i % 2 ? 1 : 999); /* suicide on any; echo ends on 999 */
    int seen[4], n = 0;
    for (; n < 4; n++) {
        seen[n] = notice(50, 10);
        assert_true(in(seen[n], tids, 4));
        assert_false(in(seen[n], seen, n));
    }
    assert_int_equal(notice(50, 0.3), -1); /* no more */
}

static void test_gone_cancel_and_errors(void **state)
{
    (void)state;
    int t = spawn_on(NULL, NULL);
    send_empty(t, 999);
    wait_gone(t);
    /* Already gone: at once.  Never there: at once. */
    assert_int_equal(pvm_notify(PvmTaskExit, 51, 1, &t), 0);
    assert_int_equal(notice(51, 5), t);
    int never = tid_make(1, 0x3fff);
    assert_int_equal(pvm_notify(PvmTaskExit, 52, 1, &never), 0);
    assert_int_equal(notice(52, 5), never);
    /* Cancelled: told at once, as if it had exited; not again when it does. */
    int u = spawn_on(NULL, NULL);
    assert_int_equal(pvm_notify(PvmTaskExit, 53, 1, &u), 0);
    assert_int_equal(pvm_notify(PvmTaskExit | PvmNotifyCancel, 53, 1, &u), 0);
    assert_int_equal(notice(53, 5), u);
    send_empty(u, 999);
    wait_gone(u);
    assert_int_equal(notice(53, 0.3), -1);
    /* Asked twice: told twice. */
    int w = spawn_on(NULL, NULL);
    assert_int_equal(pvm_notify(PvmTaskExit, 54, 1, &w), 0);
    assert_int_equal(pvm_notify(PvmTaskExit, 54, 1, &w), 0);
    assert_int_equal(pvm_kill(w), 0);
    assert_int_equal(notice(54, 5), w);
    assert_int_equal(notice(54, 5), w);
    /* PVM 3.4.6's errors (compared with its library). */
    int me = pvm_mytid(), pvmd = pvm_tidtohost(me), zero = 0, junk = 0x7fffffff;
    assert_int_equal(pvm_notify(99, 55, 1, &me), PvmBadParam);
    assert_int_equal(pvm_notify(PvmNotifyCancel, 55, 1, &me), PvmBadParam);
    assert_int_equal(pvm_notify(PvmTaskExit, -1, 1, &me), PvmBadParam);
    assert_int_equal(pvm_notify(PvmTaskExit, 55, 0, &me), PvmBadParam);
    assert_int_equal(pvm_notify(PvmTaskExit, 55, -1, &me), PvmBadParam);
    assert_int_equal(pvm_notify(PvmTaskExit, 55, 1, &zero), PvmBadParam);
    assert_int_equal(pvm_notify(PvmTaskExit, 55, 1, &pvmd), PvmBadParam);
    assert_int_equal(pvm_notify(PvmTaskExit, 55, 1, &junk), PvmBadParam);
    assert_int_equal(pvm_notify(PvmTaskExit, 55, 1, NULL), PvmBadParam);
    assert_int_equal(pvm_notify(PvmHostDelete, 55, 0, &pvmd), PvmBadParam);
    assert_int_equal(pvm_notify(PvmHostAdd, -1, 1, NULL), PvmBadParam);
    assert_int_equal(pvm_notify(PvmHostAdd, 55, -2, NULL), 0);
    assert_int_equal(pvm_notify(PvmHostAdd | PvmNotifyCancel, 55, 0, NULL), 0);
    assert_int_equal(pvm_notify(PvmTaskExit | PvmNotifyCancel, 55, 1, &me), 0); /* nothing to cancel */
    /* A host that is not there: at once, with what was asked. */
    int nohost = tid_pvmd(9);
    assert_int_equal(pvm_notify(PvmHostDelete, 56, 1, &nohost), 0);
    assert_int_equal(notice(56, 5), nohost);
    assert_int_equal(notice(55, 0.3), -1);
}

static void test_across_hosts(void **state)
{
    (void)state;
    /* Host additions, every one until cancelled: the count, the tid. */
    assert_int_equal(pvm_notify(PvmHostAdd, 60, -1, NULL), 0);
    char *hosts[] = {"127.0.0.2", "127.0.0.3"};
    int infos[2];
    assert_int_equal(pvm_addhosts(hosts, 2, infos), 2);
    for (int i = 0; i < 2; i++) {
        struct timeval tv = {10, 0};
        assert_true(pvm_trecv(-1, 60, &tv) > 0);
        int v[2] = {0, 0};
        assert_int_equal(pvm_upkint(v, 2, 1), 0);
        assert_int_equal(v[0], 1);
        assert_true(v[1] == infos[0] || v[1] == infos[1]);
    }
    assert_int_equal(pvm_notify(PvmHostAdd | PvmNotifyCancel, 60, 0, NULL), 0);

    /* A task of another host exits; one on the other is killed. */
    int a = spawn_on("127.0.0.2", NULL), b = spawn_on("127.0.0.3", NULL);
    int ab[2] = {a, b};
    assert_int_equal(pvm_notify(PvmTaskExit, 61, 2, ab), 0);
    send_empty(a, 999);
    assert_int_equal(notice(61, 10), a);
    /* Host 3 deleted: its pvmd's notice, and its task's. */
    int dtid3 = infos[1];
    assert_int_equal(pvm_notify(PvmHostDelete, 62, 1, &dtid3), 0);
    char *del[] = {"127.0.0.3"};
    int dinfo = 0;
    assert_int_equal(pvm_delhosts(del, 1, &dinfo), 1);
    assert_int_equal(notice(62, 10), dtid3);
    assert_int_equal(notice(61, 10), b);

    /* Host 2's pvmd killed: both notices within 2 s (the link's default
     * time-out, 1.5 s, and a heartbeat's tick). */
    int c = spawn_on("127.0.0.2", NULL);
    int dtid2 = infos[0];
    assert_int_equal(pvm_notify(PvmTaskExit, 63, 1, &c), 0);
    assert_int_equal(pvm_notify(PvmHostDelete, 64, 1, &dtid2), 0);
    pid_t pvmd2 = harness_host_pvmd(&vm, "127.0.0.2");
    assert_true(pvmd2 > 0);
    double t0 = now_s();
    assert_int_equal(kill(pvmd2, SIGKILL), 0);
    assert_int_equal(notice(64, 10), dtid2);
    double took = now_s() - t0;
    assert_int_equal(notice(63, 5), c);
    print_message("host loss noticed after %.2f s\n", took);
    assert_true(took < 2.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_four_children_half_killed, up, vm_down),
        cmocka_unit_test_setup_teardown(test_gone_cancel_and_errors, up, vm_down),
        cmocka_unit_test_setup_teardown(test_across_hosts, up, vm_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
