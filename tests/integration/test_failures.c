/*
 * test_failures.c - no orphans (daemon/guardian.c, docs/design.md
 * "Failures"): a pvmd killed with SIGKILL takes the tasks it spawned with
 * it (PVM programs or not, SIGTERM ignored or not), and a task it did not
 * spawn gets PvmSysErr from its next call.  A tid handed out again (the
 * tid space wraps: PVMD_TID_MAX makes it small) starts with no sequence
 * state of the task that had it before.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "pvm3.h"
#include "test_api_util.h"
#include "tid.h"

static int up(void **state)
{
    return vm_up(state);
}

/* Waits for process pid to end (its pidfd becomes readable): true if it
 * did within ms. */
static bool ends_within(pid_t pid, int ms)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0)
        return !harness_pid_alive(pid); /* already gone */
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n = poll(&p, 1, ms);
    close(fd);
    return n == 1;
}

static pid_t pid_of(int tid)
{
    int n = 0;
    struct pvmtaskinfo *ti = NULL;
    assert_int_equal(pvm_tasks(tid, &n, &ti), 0);
    assert_int_equal(n, 1);
    return ti[0].ti_pid;
}

static void test_killed_pvmd_takes_its_tasks(void **state)
{
    (void)state;
    int t[3];
    /* A PVM task, a program that never calls PVM, and one that ignores
     * SIGTERM (only SIGKILL ends it). */
    assert_int_equal(pvm_spawn((char *)harness_prog("t_echo"), NULL, 0, "", 1, &t[0]), 1);
    expect_msg(t[0], 1);
    assert_int_equal(pvm_spawn((char *)harness_prog("d_wait"), NULL, 0, "", 1, &t[1]), 1);
    char *stubborn[] = {"stubborn", NULL};
    assert_int_equal(pvm_spawn((char *)harness_prog("d_wait"), stubborn, 0, "", 1, &t[2]), 1);
    pid_t pids[3];
    for (int i = 0; i < 3; i++)
        pids[i] = pid_of(t[i]);
    /* d_wait installs its handlers before it says "waiting": give the
     * stubborn one a round trip's time through our own pvmd first. */
    assert_int_equal(pvm_pstat(t[2]), PvmOk);
    double t0 = now_s();
    assert_int_equal(kill(vm.pvmd, SIGKILL), 0);
    for (int i = 0; i < 3; i++)
        assert_true(ends_within(pids[i], 5000));
    print_message("spawned tasks gone %.2f s after the pvmd\n", now_s() - t0);
    /* We were not spawned by it: our next call fails, at once. */
    double t1 = now_s();
    int cc = pvm_mytid();
    for (int i = 0; cc > 0 && i < 200; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        cc = pvm_mytid();
    }
    assert_int_equal(cc, PvmSysErr);
    assert_true(now_s() - t1 < 1.0);
}

static int up_small_tids(void **state)
{
    setenv("PVMD_TID_MAX", "4", 1); /* local parts 1 .. 4 */
    int cc = vm_up(state);
    unsetenv("PVMD_TID_MAX");
    return cc;
}

static void test_reused_tid_starts_afresh(void **state)
{
    (void)state;
    int a = 0;
    assert_int_equal(pvm_spawn((char *)harness_prog("t_echo"), NULL, 0, "", 1, &a), 1);
    expect_msg(a, 1);
    /* Messages both ways: sequence numbers 1 .. 11 from it. */
    for (int i = 0; i < 10; i++) {
        send_empty(a, 20 + i);
        expect_msg(a, 20 + i);
    }
    assert_int_equal(pvm_notify(PvmTaskExit, 99, 1, &a), 0);
    send_empty(a, 999);
    struct timeval tv = {10, 0};
    assert_true(pvm_trecv(-1, 99, &tv) > 0);
    /* The pvmd told us of its end before it answers this; the next look
     * at rest forgets it. */
    assert_int_not_equal(pvm_pstat(a), PvmOk);
    assert_true(pvm_probe(-1, -1) >= 0);
    /* Local parts 3 and 4, then 2 again (1 is ours). */
    int fill[2], b = 0;
    assert_int_equal(pvm_spawn((char *)harness_prog("t_echo"), NULL, 0, "", 2, fill), 2);
    assert_int_equal(pvm_spawn((char *)harness_prog("t_echo"), NULL, 0, "", 1, &b), 1);
    assert_int_equal(b, a);
    /* Its first message is number 1: taken, not dropped as a duplicate
     * of the earlier task's. */
    expect_msg(b, 1);
    send_empty(b, 30);
    expect_msg(b, 30);
    for (int i = 0; i < 2; i++)
        expect_msg(fill[i], 1), send_empty(fill[i], 999);
    send_empty(b, 999);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_killed_pvmd_takes_its_tasks, up, vm_down),
        cmocka_unit_test_setup_teardown(test_reused_tid_starts_afresh, up_small_tids, vm_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
