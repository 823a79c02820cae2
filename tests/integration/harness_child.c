/*
 * harness_child - a test program that leaves a mess, for test_harness.
 *
 *   harness_child fail|crash|kill|hang
 *
 * Its one cmocka test starts two pvmds with the harness and a third VM
 * whose pvmd daemonizes (as pvm_start_pvmd starts one), spawns a task in
 * each, prints "dir <tmp>" and "pid <pid>" for every directory and process
 * it made, then "ready", and then: fails an assertion (fail), aborts
 * (crash: cmocka does not catch SIGABRT), waits to be killed (kill), or
 * hangs until the harness's watchdog fires (hang).  test_harness checks
 * that none of it survives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "defs.h"
#include "harness.h"
#include "paths.h"
#include "pvm3.h"

static const char *mode = "fail";

/* Spawns d_wait (never calls PVM, stays a task until killed) in the VM
 * PVM_TMP names; returns its pid. */
static int spawn_waiter(void)
{
    int tid = 0;
    assert_int_equal(pvm_spawn((char *)harness_prog("d_wait"), NULL, 0, NULL, 1, &tid), 1);
    int n = 0;
    struct pvmtaskinfo *ti;
    assert_int_equal(pvm_tasks(tid, &n, &ti), 0);
    assert_int_equal(n, 1);
    int pid = ti[0].ti_pid;
    assert_true(pid > 0);
    pvm_exit(); /* the task stays: it is the VM's now */
    return pid;
}

/* Starts the pvmd of this build without -f in h's directory: it
 * daemonizes, so it is no child of ours.  Returns its pid. */
static int start_daemonized(struct harness *h)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        harness_use(h);
        execl(PVMD_PATH, PVMD_PATH, (char *)NULL);
        _exit(127);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char path[PATHS_MAX];
    assert_int_equal(paths_join(path, sizeof path, h->sockdir, PVMD_PID_NAME), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int d = 0;
    assert_int_equal(fscanf(f, "%d", &d), 1);
    fclose(f);
    return d;
}

static void test_leave_a_mess(void **state)
{
    (void)state;
    unsigned timeout = strcmp(mode, "hang") ? 60 : 3;
    struct harness a, b, c; /* on this stack: gone once an assertion fails */
    assert_int_equal(harness_start(&a, NULL, timeout), 0);
    assert_int_equal(harness_start(&b, NULL, timeout), 0);
    assert_int_equal(harness_prepare(&c, timeout), 0);
    int daemon = start_daemonized(&c);
    pvm_setopt(PvmAutoErr, 0);
    int pids[3];
    const struct harness *vms[3] = {&a, &b, &c};
    for (int i = 0; i < 3; i++) {
        harness_use(vms[i]);
        pids[i] = spawn_waiter();
    }
    printf("dir %s\ndir %s\ndir %s\n", a.tmp, b.tmp, c.tmp);
    printf("pid %d\npid %d\npid %d\n", (int)a.pvmd, (int)b.pvmd, daemon);
    for (int i = 0; i < 3; i++)
        printf("pid %d\n", pids[i]);
    printf("ready\n");
    fflush(stdout);

    if (!strcmp(mode, "crash")) {
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        abort();
    }
    if (!strcmp(mode, "kill") || !strcmp(mode, "hang"))
        for (;;)
            pause();
    assert_int_equal(1, 2); /* fail: the harness_stop calls below never run */
    harness_stop(&a);
    harness_stop(&b);
    harness_stop(&c);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        mode = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leave_a_mess),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
