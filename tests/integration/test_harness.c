/*
 * test_harness.c - the harness itself: two pvmds in one test are two
 * separate virtual machines, and a test that fails, crashes, is killed or
 * hangs leaves no process and no directory behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <sys/stat.h>

#include "test_pvmd_client.h"

/* ======================================================================== */
/* Two virtual machines in one test                                         */
/* ======================================================================== */

/* Spawns t_echo from c; waits for its "ready" (tag 1).  Returns its tid. */
static int spawn_echo(struct tc *c)
{
    int tid = 0;
    assert_int_equal(tc_spawn(c, harness_prog("t_echo"), NULL, 0, NULL, 1, 0, 0, &tid), 1);
    assert_true(tid > 0);
    struct wire_hdr h;
    uint8_t *d = NULL;
    assert_int_equal(tc_recv_user(c, &h, &d, 20000), 0);
    free(d);
    assert_int_equal(h.src, tid);
    assert_int_equal(h.tag, 1);
    return tid;
}

/* Sends text to tid and expects it back. */
static void echo(struct tc *c, int tid, const char *text)
{
    assert_int_equal(tc_send_user(c, tid, 5, text, strlen(text)), 0);
    struct wire_hdr h;
    uint8_t *d = NULL;
    assert_int_equal(tc_recv_user(c, &h, &d, 20000), 0);
    assert_int_equal(h.src, tid);
    assert_int_equal(h.tag, 5);
    assert_int_equal(h.len, strlen(text));
    assert_memory_equal(d, text, strlen(text));
    free(d);
}

/* The pids of the tasks c's VM lists, in *pids (at most 8); the count. */
static int vm_pids(struct tc *c, int *pids)
{
    Pvm__TasksReply *r = tc_tasks(c, 0);
    assert_non_null(r);
    int n = 0;
    for (size_t i = 0; i < r->n_tasks && n < 8; i++)
        pids[n++] = r->tasks[i]->pid;
    ProtobufCMessage *m = &r->base;
    ctl_free(&m);
    return n;
}

static bool has(const int *v, int n, int x)
{
    for (int i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

static void test_two_vms_in_one_test(void **state)
{
    (void)state;
    static struct harness a, b; /* static: harness_stop_all ends them if we fail */
    assert_int_equal(harness_start(&a, NULL, 60), 0);
    assert_int_equal(harness_start(&b, NULL, 60), 0);
    assert_string_not_equal(a.tmp, b.tmp);
    assert_string_not_equal(a.sockdir, b.sockdir);
    assert_true(a.pvmd != b.pvmd);

    struct tc ca, cb;
    assert_int_equal(tc_open(&ca, a.sockdir, 0), PvmOk);
    assert_int_equal(tc_open(&cb, b.sockdir, 0), PvmOk);
    /* Each VM numbers its own tasks. */
    assert_int_equal(ca.tid, cb.tid);
    int ta = spawn_echo(&ca), tb = spawn_echo(&cb);
    echo(&ca, ta, "to the first");
    echo(&cb, tb, "to the second");

    /* Each lists its own tasks only. */
    int pa[8], pb[8];
    int na = vm_pids(&ca, pa), nb = vm_pids(&cb, pb);
    assert_int_equal(na, 2); /* the raw client and t_echo */
    assert_int_equal(nb, 2);
    for (int i = 0; i < na; i++)
        if (pa[i] != getpid())
            assert_false(has(pb, nb, pa[i]));
    assert_int_equal(harness_vm_processes(a.tmp), 3); /* pvmd, its guardian and t_echo */
    assert_int_equal(harness_vm_processes(b.tmp), 3);

    /* Halting the first leaves the second as it was. */
    Pvm__Empty e = PVM__EMPTY__INIT;
    assert_int_equal(tc_status(&ca, PVM__CTL_TYPE__CTL_HALT, &e.base), PvmOk);
    int st;
    assert_int_equal(waitpid(a.pvmd, &st, 0), a.pvmd);
    a.pvmd = 0;
    echo(&cb, tb, "still here");
    assert_int_equal(vm_pids(&cb, pb), 2);
    tc_close(&ca);
    assert_int_equal(tc_send_user(&cb, tb, 999, "", 0), 0);
    assert_int_equal(tc_wait_gone(&cb, tb, 20000), 0);
    tc_close(&cb);

    harness_stop(&a);
    harness_stop(&b);
    struct stat sb;
    assert_int_equal(stat(a.sockdir, &sb), -1);
    assert_int_equal(stat(b.sockdir, &sb), -1);
}

/* ======================================================================== */
/* Nothing left behind                                                      */
/* ======================================================================== */

/* Runs harness_child in `mode'; returns its wait status and what it made:
 * up to 8 directories and 16 pids. */
static int run_child(const char *mode, char dirs[][256], int *ndirs, int *pids, int *npids)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        /* Its own environment: in no VM of ours. */
        unsetenv(ENV_PVM_TMP);
        unsetenv(ENV_TASK_SOCKDIR);
        /* A failing test leaks by design: keep a sanitizer's exit status
         * out of the one checked here. */
        setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
        dup2(p[1], 1);
        dup2(p[1], 2);
        close(p[0]);
        close(p[1]);
        execl(HARNESS_CHILD, HARNESS_CHILD, mode, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    FILE *f = fdopen(p[0], "r");
    assert_non_null(f);
    char line[400];
    bool ready = false;
    *ndirs = *npids = 0;
    while (!ready && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!strncmp(line, "dir ", 4) && *ndirs < 8)
            snprintf(dirs[(*ndirs)++], 256, "%.255s", line + 4);
        else if (!strncmp(line, "pid ", 4) && *npids < 16)
            pids[(*npids)++] = atoi(line + 4);
        else if (strcmp(line, "ready"))
            print_message("  [harness_child %s] %s\n", mode, line);
        ready = !strcmp(line, "ready");
    }
    if (!strcmp(mode, "kill")) {
        /* Everything it made is alive until now. */
        for (int i = 0; i < *npids; i++)
            assert_true(harness_pid_alive(pids[i]));
        kill(child, SIGKILL);
    }
    /* Its report (a failure, on purpose) and the harness's messages. */
    while (fgets(line, sizeof line, f))
        print_message("  [harness_child %s] %s", mode, line);
    fclose(f);
    int st;
    assert_int_equal(waitpid(child, &st, 0), child);
    assert_true(ready);
    return st;
}

/* Waits (up to 20 s: a guardian cleans up after its test is gone) until
 * none of dirs exists and none of pids or of the VMs' processes lives. */
static void expect_nothing_left(const char *mode, char dirs[][256], int ndirs, const int *pids,
                                int npids)
{
    assert_int_equal(ndirs, 3);
    assert_int_equal(npids, 6); /* two pvmds, a daemonized one, a task in each */
    long deadline = tc_now_ms() + 20000;
    for (;;) {
        int left = 0;
        const char *what = "";
        for (int i = 0; i < ndirs; i++) {
            struct stat sb;
            if (stat(dirs[i], &sb) == 0)
                left++, what = dirs[i];
            if (harness_vm_processes(dirs[i]) > 0)
                left++, what = "a process of the VM";
        }
        for (int i = 0; i < npids; i++)
            if (harness_pid_alive(pids[i]))
                left++, what = "a pid it printed";
        if (!left)
            return;
        if (tc_now_ms() > deadline)
            fail_msg("%s: %d things left behind, e.g. %s", mode, left, what);
        tc_pause_ms(20);
    }
}

static void check_mode(const char *mode)
{
    char dirs[8][256];
    int pids[16], nd, np;
    int st = run_child(mode, dirs, &nd, pids, &np);
    if (!strcmp(mode, "fail"))
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1); /* one test failed */
    else if (!strcmp(mode, "crash"))
        assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    else if (!strcmp(mode, "kill"))
        assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    else
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 99); /* the watchdog's */
    expect_nothing_left(mode, dirs, nd, pids, np);
}

static void test_failed_assertion_leaves_nothing(void **state)
{
    (void)state;
    check_mode("fail");
}

static void test_crash_leaves_nothing(void **state)
{
    (void)state;
    check_mode("crash");
}

static void test_sigkill_leaves_nothing(void **state)
{
    (void)state;
    check_mode("kill");
}

static void test_watchdog_leaves_nothing(void **state)
{
    (void)state;
    check_mode("hang");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_two_vms_in_one_test, harness_stop_all),
        cmocka_unit_test(test_failed_assertion_leaves_nothing),
        cmocka_unit_test(test_crash_leaves_nothing),
        cmocka_unit_test(test_sigkill_leaves_nothing),
        cmocka_unit_test(test_watchdog_leaves_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
