/*
 * test_api_task.c - libpvm's task and machine calls against a real pvmd:
 * spawn (argv, PVM_EXPORT, flags, PvmNoFile, PvmNoHost), parent and
 * siblings, tasks/config/tidtohost/pstat/mstat, kill, sendsig, programs
 * that never call PVM, catchout, options, export, archcode/version,
 * pvm_exit and re-enrolment, pvm_halt.
 */
#include <signal.h>
#include <stdbool.h>

#include "test_api_util.h"

static void test_identity(void **state)
{
    (void)state;
    int me = pvm_mytid();
    assert_true(me > 0);
    assert_int_equal(me & ~0x3fffffff, 0);
    assert_int_equal(pvm_mytid(), me);
    /* Started from the shell: no parent, its own only sibling. */
    assert_int_equal(pvm_parent(), PvmNoParent);
    int *sib = NULL;
    assert_int_equal(pvm_siblings(&sib), 1);
    assert_int_equal(sib[0], me);
    assert_int_equal(pvm_tidtohost(me), me & 0x3ffc0000);
    assert_int_equal(pvm_tidtohost(-4), -4 & 0x3ffc0000); /* PVM 3.4.6 only masks */
    int *fds = NULL;
    assert_true(pvm_getfds(&fds) >= 1);
    assert_true(fds[0] >= 0);
}

static void test_spawn_info(void **state)
{
    (void)state;
    setenv("T_INFO_VAR", "exported value", 1);
    assert_int_equal(pvm_export("T_INFO_VAR"), 0);
    int tids[3];
    char *args[] = {"first arg", "second", NULL};
    assert_int_equal(pvm_spawn((char *)harness_prog("t_info"), args, PvmTaskDefault, NULL, 3, tids),
                     3);
    for (int k = 0; k < 3; k++) {
        struct timeval tv = {20, 0};
        int b = pvm_trecv(-1, 10, &tv);
        assert_true(b > 0);
        int me, parent, argc, nsib, sib[3], out;
        char a1[32], a2[32], v[32];
        pvm_upkint(&me, 1, 1);
        pvm_upkint(&parent, 1, 1);
        pvm_upkint(&argc, 1, 1);
        assert_int_equal(argc, 3);
        pvm_upkstr(a1);
        pvm_upkstr(a2);
        pvm_upkstr(v);
        pvm_upkint(&nsib, 1, 1);
        assert_int_equal(nsib, 3);
        pvm_upkint(sib, 3, 1);
        pvm_upkint(&out, 1, 1);
        assert_true(me == tids[0] || me == tids[1] || me == tids[2]);
        assert_int_equal(parent, pvm_mytid());
        assert_string_equal(a1, "first arg");
        assert_string_equal(a2, "second");
        assert_string_equal(v, "exported value");
        assert_memory_equal(sib, tids, sizeof tids);
    }
    assert_int_equal(pvm_unexport("T_INFO_VAR"), 0);
    int t = spawn1("t_info", NULL);
    assert_true(pvm_recv(t, 10) > 0);
    int x;
    char v[32];
    pvm_upkint(&x, 1, 1);
    pvm_upkint(&x, 1, 1);
    pvm_upkint(&x, 1, 1);
    pvm_upkstr(v);
    assert_string_equal(v, "-");
}

static void test_spawn_errors(void **state)
{
    (void)state;
    int tids[2] = {0, 0};
    assert_int_equal(pvm_spawn("/nonexistent/program", NULL, 0, NULL, 2, tids), 0);
    assert_int_equal(tids[0], PvmNoFile);
    assert_int_equal(tids[1], PvmNoFile);
    assert_int_equal(pvm_spawn("no_such_program_anywhere", NULL, 0, NULL, 1, tids), 0);
    assert_int_equal(tids[0], PvmNoFile);
    assert_int_equal(
        pvm_spawn((char *)harness_prog("t_info"), NULL, PvmTaskHost, "nohost.invalid", 1, tids), 0);
    assert_int_equal(tids[0], PvmNoHost);
    assert_int_equal(pvm_spawn((char *)harness_prog("t_info"), NULL, PvmTaskArch, "SUN4", 1, tids),
                     0);
    assert_int_equal(tids[0], PvmNoHost);
    assert_int_equal(pvm_spawn(NULL, NULL, 0, NULL, 1, tids), PvmBadParam);
    assert_int_equal(pvm_spawn("x", NULL, 0, NULL, 0, tids), PvmBadParam);
    /* No host name: nothing starts, PvmNoHost (PVM 3.4.6). */
    assert_int_equal(pvm_spawn("x", NULL, PvmTaskHost, NULL, 1, tids), 0);
    assert_int_equal(tids[0], PvmNoHost);
    /* The flags a debugger or tracer would use are accepted; so is an
     * architecture that is this host's. */
    assert_int_equal(pvm_spawn((char *)harness_prog("t_info"), NULL, PvmTaskArch | PvmTaskTrace,
                               "LINUX64", 1, tids),
                     1);
    assert_true(pvm_recv(tids[0], 10) > 0);
}

static void test_tasks_config(void **state)
{
    (void)state;
    int nhost = 0, narch = 0;
    struct pvmhostinfo *hosts = NULL;
    assert_int_equal(pvm_config(&nhost, &narch, &hosts), 0);
    assert_int_equal(nhost, 1);
    assert_int_equal(narch, 1);
    assert_int_equal(hosts[0].hi_tid, pvm_tidtohost(pvm_mytid()));
    assert_non_null(hosts[0].hi_name);
    assert_string_equal(hosts[0].hi_arch, "LINUX64");
    assert_int_equal(hosts[0].hi_dsig, pvm_archcode(hosts[0].hi_arch));
    assert_int_equal(pvm_mstat(hosts[0].hi_name), PvmOk);
    assert_int_equal(pvm_mstat("nohost.invalid"), PvmNoHost);
    assert_int_equal(pvm_mstat(NULL), PvmBadParam);

    int t = spawn1("t_echo", NULL);
    expect_msg(t, 1);
    int ntask = 0;
    struct pvmtaskinfo *ti = NULL;
    assert_int_equal(pvm_tasks(0, &ntask, &ti), 0);
    int seen_me = 0, seen_child = 0;
    for (int i = 0; i < ntask; i++) {
        if (ti[i].ti_tid == pvm_mytid())
            seen_me = 1;
        if (ti[i].ti_tid == t) {
            seen_child = 1;
            assert_int_equal(ti[i].ti_ptid, pvm_mytid());
            assert_true(ti[i].ti_pid > 0);
            assert_non_null(strstr(ti[i].ti_a_out, "t_echo"));
            assert_int_equal(ti[i].ti_host, pvm_tidtohost(t));
        }
    }
    assert_true(seen_me && seen_child);
    assert_int_equal(pvm_tasks(t, &ntask, &ti), 0);
    assert_int_equal(ntask, 1);
    assert_int_equal(ti[0].ti_tid, t);
    assert_int_equal(pvm_tasks(pvm_tidtohost(t), &ntask, &ti), 0);
    assert_true(ntask >= 2);
    assert_int_equal(pvm_tasks(-9, &ntask, &ti), PvmNoHost);
    assert_int_equal(ntask, 0);
    assert_int_equal(pvm_pstat(t), PvmOk);
    assert_int_equal(pvm_pstat(pvm_mytid()), PvmOk);
    assert_int_equal(pvm_pstat(-9), PvmBadParam);
    send_empty(t, 999);
    wait_gone(t);
}

/* A program that never calls PVM is a task until it is killed. */
static void test_kill_nonpvm_program(void **state)
{
    (void)state;
    int t = spawn1("t_nopvm", NULL);
    assert_int_equal(pvm_pstat(t), PvmOk);
    assert_int_equal(pvm_kill(t), 0);
    wait_gone(t);
    assert_int_equal(pvm_kill(-1), PvmBadParam);
}

static void test_sendsig(void **state)
{
    (void)state;
    int t = spawn1("t_sig", NULL);
    expect_msg(t, 1);
    assert_int_equal(pvm_sendsig(t, SIGUSR1), 0);
    expect_msg(t, 2);
    assert_int_equal(pvm_sendsig(t, -1), 0); /* kill(2) refuses it unseen, as PVM 3.4.6 */
    assert_int_equal(pvm_sendsig(0, SIGUSR1), PvmBadParam);
}

static void test_options(void **state)
{
    (void)state;
    assert_int_equal(pvm_getopt(PvmRoute), PvmAllowDirect);
    assert_int_equal(pvm_setopt(PvmRoute, PvmRouteDirect), PvmAllowDirect);
    assert_int_equal(pvm_getopt(PvmRoute), PvmRouteDirect);
    assert_int_equal(pvm_setopt(PvmRoute, 7), PvmBadParam);
    assert_int_equal(pvm_getopt(0), PvmBadParam);
    assert_int_equal(pvm_getopt(26), PvmBadParam);
    assert_int_equal(pvm_setopt(99, 1), PvmBadParam);
    for (int o = PvmRoute; o <= PvmNoReset; o++) /* PVM 3.4.6 has no poll options */
        assert_true((pvm_getopt(o) != PvmBadParam) == (o != PvmPollType && o != PvmPollTime));
    assert_int_equal(pvm_getopt(PvmFragSize), 4080);
    assert_int_equal(pvm_getopt(PvmShowTids), 1);
    assert_int_equal(pvm_setopt(PvmPollTime, 0), PvmNotImpl);
    assert_int_equal(pvm_setopt(PvmOutputTid, -5), PvmBadParam);

    /* PvmDontRoute: everything through the pvmd, order and content kept. */
    pvm_setopt(PvmRoute, PvmDontRoute);
    int t = spawn1("t_echo", NULL);
    expect_msg(t, 1);
    for (int i = 0; i < 100; i++) {
        pvm_initsend(PvmDataDefault);
        pvm_pkint(&i, 1, 1);
        assert_int_equal(pvm_send(t, 5), 0);
    }
    for (int i = 0; i < 100; i++) {
        int v = -1;
        assert_true(pvm_recv(t, 5) > 0);
        pvm_upkint(&v, 1, 1);
        assert_int_equal(v, i);
    }
    send_empty(t, 999);
    pvm_setopt(PvmRoute, PvmAllowDirect);

    /* PvmSelfOutputTid reaches the pvmd; the self settings also become
     * the children's (pvm_setopt(3PVM)), for output and for trace. */
    assert_int_equal(pvm_setopt(PvmOutputTid, pvm_mytid()), 0);
    assert_int_equal(pvm_setopt(PvmSelfOutputTid, 0), 0);
    assert_int_equal(pvm_getopt(PvmOutputTid), 0);
    /* PVM 3.4.6 ignores a self code while its tid is 0. */
    assert_int_equal(pvm_setopt(PvmSelfOutputCode, 3), 0);
    assert_int_equal(pvm_getopt(PvmOutputCode), 0);
    assert_int_equal(pvm_setopt(PvmSelfOutputTid, pvm_mytid()), 0);
    assert_int_equal(pvm_setopt(PvmSelfOutputCode, 3), 0);
    assert_int_equal(pvm_getopt(PvmOutputCode), 3);
    assert_int_equal(pvm_setopt(PvmSelfOutputTid, 0), pvm_mytid());
    assert_int_equal(pvm_setopt(PvmSelfTraceTid, pvm_mytid()), 0);
    assert_int_equal(pvm_setopt(PvmSelfTraceCode, 7), 0);
    assert_int_equal(pvm_getopt(PvmTraceCode), 7);
    assert_int_equal(pvm_getopt(PvmTraceTid), pvm_getopt(PvmSelfTraceTid));
}

static void test_export_archcode_version(void **state)
{
    (void)state;
    unsetenv("PVM_EXPORT");
    assert_int_equal(pvm_export("A"), 0);
    assert_int_equal(pvm_export("B"), 0);
    assert_int_equal(pvm_export("A"), 0);
    assert_string_equal(getenv("PVM_EXPORT"), "A:B");
    assert_int_equal(pvm_unexport("A"), 0);
    assert_string_equal(getenv("PVM_EXPORT"), "B");
    assert_int_equal(pvm_unexport("C"), 0);
    assert_int_equal(pvm_unexport("B"), 0);
    assert_string_equal(getenv("PVM_EXPORT"), "");
    assert_int_equal(pvm_export(NULL), PvmBadParam);
    assert_int_equal(pvm_export(""), 0);

    assert_string_equal(pvm_version(), "3.4.6");
    assert_true(pvm_archcode("LINUX64") > 0);
    assert_int_equal(pvm_archcode("LINUX64"), pvm_archcode("LINUXARM64"));
    assert_true(pvm_archcode("LINUX64") != pvm_archcode("SUN4"));
    assert_int_equal(pvm_archcode("NOSUCHARCH"), PvmNotFound);
    assert_int_equal(pvm_archcode(NULL), PvmBadParam);
}

/* A child spawned with PvmNoSpawnParent (as the console spawns) is told
 * PvmParentNotSet, as PVM 3.4.6 tells it; one spawned plainly gets us. */
static void test_no_spawn_parent(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/parent.out", vm.tmp);
    FILE *f = fopen(path, "w+");
    assert_non_null(f);
    assert_int_equal(pvm_catchout(f), 0);
    int me = pvm_mytid();
    int tids[2];
    assert_int_equal(
        pvm_spawn((char *)harness_prog("t_parent"), NULL, PvmNoSpawnParent, NULL, 1, &tids[0]), 1);
    assert_int_equal(pvm_spawn((char *)harness_prog("t_parent"), NULL, 0, NULL, 1, &tids[1]), 1);
    /* pvm_exit returns once both children's output has ended. */
    assert_int_equal(pvm_exit(), 0);
    rewind(f);
    char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    char want[64];
    snprintf(want, sizeof want, "[t%x] parent %d\n", (unsigned)tids[0], PvmParentNotSet);
    assert_non_null(strstr(text, want));
    snprintf(want, sizeof want, "[t%x] parent %d\n", (unsigned)tids[1], me);
    assert_non_null(strstr(text, want));
}

static void test_catchout(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/catch.out", vm.tmp);
    FILE *f = fopen(path, "w+");
    assert_non_null(f);
    assert_int_equal(pvm_catchout(f), 0);
    int tids[2];
    char *args[] = {"4", NULL};
    assert_int_equal(pvm_spawn((char *)harness_prog("t_print"), args, 0, NULL, 2, tids), 2);
    int t3 = spawn1("t_nopvm", NULL);
    /* pvm_exit waits for the END of every caught child; the one that never
     * ends is killed once its line is in (libpvm prints it while any call
     * waits, here a trecv that times out). */
    char want[64];
    snprintf(want, sizeof want, "[t%x] not a pvm program\n", (unsigned)t3);
    bool seen = false;
    for (int i = 0; i < 2000 && !seen; i++) {
        struct timeval tv = {0, 10000};
        assert_int_equal(pvm_trecv(-1, 4242, &tv), 0);
        FILE *r = fopen(path, "r");
        char buf[4096];
        size_t got = fread(buf, 1, sizeof buf - 1, r);
        buf[got] = 0;
        fclose(r);
        seen = strstr(buf, want) != NULL;
    }
    assert_true(seen);
    assert_int_equal(pvm_kill(t3), 0);
    assert_int_equal(pvm_exit(), 0);
    fflush(f);
    rewind(f);
    char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    assert_non_null(strstr(text, want));
    for (int k = 0; k < 2; k++) {
        snprintf(want, sizeof want, "[t%x] BEGIN\n", (unsigned)tids[k]);
        assert_non_null(strstr(text, want));
        for (int i = 1; i <= 4; i++) {
            snprintf(want, sizeof want, "[t%x] line %d from t%x\n", (unsigned)tids[k], i,
                     (unsigned)tids[k]);
            assert_non_null(strstr(text, want));
        }
        snprintf(want, sizeof want, "[t%x] EOF\n", (unsigned)tids[k]);
        char *end = strstr(text, want);
        assert_non_null(end);
        snprintf(want, sizeof want, "[t%x] line 4", (unsigned)tids[k]);
        assert_true(strstr(text, want) < end);
    }
    /* Enrolled again afresh. */
    assert_true(pvm_mytid() > 0);
    assert_int_equal(pvm_catchout(NULL), 0);
}

static void test_exit_then_reenrol(void **state)
{
    (void)state;
    int me = pvm_mytid();
    pvm_initsend(PvmDataDefault);
    assert_int_equal(pvm_exit(), 0);
    assert_int_equal(pvm_exit(), 0); /* twice is harmless */
    int me2 = pvm_mytid();
    assert_true(me2 > 0);
    assert_true(me2 != me);
    assert_int_equal(pvm_pstat(me), PvmNoTask);
}

static void test_halt(void **state)
{
    (void)state;
    int t = spawn1("t_echo", NULL);
    expect_msg(t, 1);
    assert_int_equal(pvm_halt(), 0);
    /* The pvmd is gone: calls now fail with PvmSysErr. */
    assert_int_equal(pvm_mytid(), PvmSysErr);
    assert_int_equal(pvm_send(t, 1), PvmSysErr);
    assert_int_equal(pvm_recv(-1, -1), PvmSysErr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_spawn_info),
        cmocka_unit_test(test_spawn_errors),
        cmocka_unit_test(test_tasks_config),
        cmocka_unit_test(test_kill_nonpvm_program),
        cmocka_unit_test(test_sendsig),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_export_archcode_version),
        cmocka_unit_test(test_catchout),
        cmocka_unit_test(test_no_spawn_parent),
        cmocka_unit_test(test_exit_then_reenrol),
        cmocka_unit_test(test_halt),
    };
    return cmocka_run_group_tests(tests, vm_up, vm_down);
}
