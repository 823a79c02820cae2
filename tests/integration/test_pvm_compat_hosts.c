/*
 * test_pvm_compat_hosts.c - PVM 3.4.6's answers (test_pvm_compat.sh on one
 * host) for tasks of another host: a second host on 127.0.0.2, a task
 * there that has ended is killed and signalled with 0, tids that never
 * were with 0 or an empty list, its pvmd's tid is no task, and its
 * caught output ends in EOF.
 */
#include <stdio.h>

#include "test_api_util.h"

static int host2; /* the second host's pvmd tid */

static int setup(void **state)
{
    setenv("PVM_RSH", "/bin/false", 1);
    if (vm_up(state) < 0)
        return -1;
    char *names[] = {"127.0.0.2"};
    int in[1] = {0};
    if (pvm_addhosts(names, 1, in) != 1)
        return -1;
    host2 = in[0];
    return 0;
}

/* Waits (20 s at most) for the PvmTaskExit of tid. */
static void wait_exit(int tid)
{
    assert_int_equal(pvm_notify(PvmTaskExit, 60, 1, &tid), 0);
    struct timeval tv = {20, 0};
    assert_true(pvm_trecv(-1, 60, &tv) > 0);
}

static void test_kill_and_tasks(void **state)
{
    (void)state;
    int t = 0;
    assert_int_equal(
        pvm_spawn((char *)harness_prog("t_info"), NULL, PvmTaskHost, "127.0.0.2", 1, &t), 1);
    assert_int_equal(pvm_tidtohost(t), host2);
    struct timeval tv = {20, 0};
    assert_true(pvm_trecv(t, 10, &tv) > 0);
    wait_exit(t);
    pvm_setopt(PvmAutoErr, 1); /* PVM 3.4.6 reports nothing here either */
    assert_int_equal(pvm_kill(t), 0);
    assert_int_equal(pvm_sendsig(t, 15), 0);
    assert_int_equal(pvm_kill(host2 + 0x3fff), 0);
    pvm_setopt(PvmAutoErr, 0);
    assert_int_equal(pvm_kill(host2), PvmBadParam);
    assert_int_equal(pvm_sendsig(host2, 15), PvmBadParam);
    assert_int_equal(pvm_pstat(host2), PvmBadParam);
    assert_int_equal(pvm_pstat(t), PvmNoTask);
    int n = -5;
    struct pvmtaskinfo *ti = NULL;
    assert_int_equal(pvm_tasks(host2 + 0x3fff, &n, &ti), 0);
    assert_int_equal(n, 0);
    assert_int_equal(pvm_send(host2, 1), PvmBadParam);
}

static void test_catchout_eof(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(pvm_catchout(f), 0);
    char *args[] = {"1", NULL};
    int t = 0;
    assert_int_equal(
        pvm_spawn((char *)harness_prog("t_print"), args, PvmTaskHost, "127.0.0.2", 1, &t), 1);
    assert_int_equal(pvm_exit(), 0); /* waits for the child's EOF */
    rewind(f);
    char want[3][64], line[256];
    snprintf(want[0], sizeof want[0], "[t%x] BEGIN\n", (unsigned)t);
    snprintf(want[1], sizeof want[1], "[t%x] line 1 from t%x\n", (unsigned)t, (unsigned)t);
    snprintf(want[2], sizeof want[2], "[t%x] EOF\n", (unsigned)t);
    for (int i = 0; i < 3; i++) {
        assert_non_null(fgets(line, sizeof line, f));
        assert_string_equal(line, want[i]);
    }
    assert_null(fgets(line, sizeof line, f));
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_and_tasks),
        cmocka_unit_test(test_catchout_eof),
    };
    return cmocka_run_group_tests(tests, setup, vm_down);
}
