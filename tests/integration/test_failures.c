/*
 * test_failures.c - no orphans (daemon/guardian.c, docs/design.md
 * "Failures"): a pvmd killed with SIGKILL takes the tasks it spawned with
 * it (PVM programs or not, SIGTERM ignored or not), and a task it did not
 * spawn gets PvmSysErr from its next call.
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_killed_pvmd_takes_its_tasks, up, vm_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
