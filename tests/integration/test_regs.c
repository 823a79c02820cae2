/*
 * test_regs.c - registered helpers (pvm_reg_hoster, pvm_reg_tasker,
 * pvm_reg_rm), pvm_hostsync and pvm_tickle, with PVM 3.4.6's answers.
 *
 * A hoster written as PVM's man page describes one (progs/h_hoster.c)
 * starts a new host's pvmd on 127.0.0.2 when pvm_addhosts asks; its refusal
 * comes back as the host's error; once it is gone the pvmd starts hosts
 * itself again; only a task of the first host may be one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <cmocka.h>

#include "harness.h"
#include "pvm3.h"
#include "test_api_util.h"
#include "tid.h"

/* Well under the pvmd's 20 s limit on a host's start. */
#define HOSTMGR_WAIT_S 10

static int64_t us_of(const struct timeval *tv)
{
    return (int64_t)tv->tv_sec * 1000000 + tv->tv_usec;
}

/* pvm_hostsync of host `host' succeeds, the clock is this machine's (all
 * hosts are on it) and delta is normalised and small. */
static void hostsync_ok(int host)
{
    struct timeval clk, delta, now;
    assert_int_equal(pvm_hostsync(host, &clk, &delta), 0);
    gettimeofday(&now, NULL);
    assert_true(delta.tv_usec >= 0 && delta.tv_usec < 1000000);
    assert_true(clk.tv_usec >= 0 && clk.tv_usec < 1000000);
    int64_t d = us_of(&delta);
    assert_true(d > -500000 && d < 500000);
    int64_t age = us_of(&now) - us_of(&clk);
    assert_true(age >= -500000 && age < 2000000);
}

static void test_hostsync(void **state)
{
    (void)state;
    int me = pvm_mytid();
    hostsync_ok(pvm_tidtohost(me));
    hostsync_ok(me); /* any tid of the host, as PVM 3.4.6 */
    assert_int_equal(pvm_hostsync(pvm_tidtohost(me), NULL, NULL), 0);
    /* PVM 3.4.6: PvmNoHost for no tid, and for a host not in the machine. */
    struct timeval clk, delta;
    assert_int_equal(pvm_hostsync(0, &clk, &delta), PvmNoHost);
    assert_int_equal(pvm_hostsync(-1, &clk, &delta), PvmNoHost);
    assert_int_equal(pvm_hostsync(tid_pvmd(5), &clk, &delta), PvmNoHost);
    /* Another host's pvmd is asked through the mesh. */
    char *hosts[] = {"127.0.0.2"};
    int info = 0;
    assert_int_equal(pvm_addhosts(hosts, 1, &info), 1);
    hostsync_ok(info);
}

static void test_tickle(void **state)
{
    (void)state;
    int a[11] = {5}, r[10], n = -1;
    /* 1..10 arguments, as PVM 3.4.6. */
    assert_int_equal(pvm_tickle(0, a, &n, r), PvmBadParam);
    assert_int_equal(pvm_tickle(11, a, &n, r), PvmBadParam);
    assert_int_equal(pvm_tickle(1, a, &n, r), 0);
    assert_int_equal(n, 1);
    assert_int_equal(r[0], 0);
    a[0] = 6, a[1] = 3;
    assert_int_equal(pvm_tickle(2, a, &n, r), 0);
    assert_int_equal(n, 0);
    a[0] = 5;
    assert_int_equal(pvm_tickle(1, a, &n, r), 0);
    assert_int_equal(n, 1);
    assert_int_equal(r[0], 3);
    a[0] = 6, a[1] = 0;
    assert_int_equal(pvm_tickle(2, a, NULL, r), 0);
    /* Dumps answer nothing; an unknown number is not an error. */
    for (int how = 0; how <= 9; how++) {
        if (how == 5 || how == 6 || how == 8)
            continue;
        a[0] = how;
        n = -1;
        assert_int_equal(pvm_tickle(1, a, &n, r), 0);
        assert_int_equal(n, 0);
    }
    a[0] = 8, a[1] = 0; /* "trigger hostfail" of no host */
    assert_int_equal(pvm_tickle(2, a, &n, r), 0);
    assert_int_equal(n, 1);
    assert_int_equal(r[0], 0);
    a[0] = 42;
    assert_int_equal(pvm_tickle(1, a, &n, r), 0);
    assert_int_equal(n, 0);
    /* The host table went to the log. */
    char path[512], line[512];
    snprintf(path, sizeof path, "%s/pvmd.log", vm.sockdir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    bool seen = false;
    while (fgets(line, sizeof line, f))
        seen |= strstr(line, "tickle: host table (1 hosts)") != NULL;
    fclose(f);
    assert_true(seen);
}

/* Tickle 8 naming the first host, on another host: that pvmd cannot go on
 * without the first host, and halts as on a real failure (PVM's does), so
 * the first host sees it leave. */
static void test_tickle_fails_first_host(void **state)
{
    (void)state;
    char *hosts[] = {"127.0.0.2"};
    int info = 0;
    assert_int_equal(pvm_addhosts(hosts, 1, &info), 1);
    assert_int_equal(pvm_notify(PvmHostDelete, 78, 1, &info), 0);
    char arg[16];
    snprintf(arg, sizeof arg, "%x", (unsigned)pvm_tidtohost(pvm_mytid()));
    char *args[] = {arg, NULL};
    int child = 0;
    int n = pvm_spawn((char *)harness_prog("t_tickle"), args, PvmTaskHost, "127.0.0.2", 1, &child);
    assert_int_equal(n, 1);
    send_empty(child, 1);
    struct timeval tv = {20, 0};
    assert_true(pvm_trecv(-1, 78, &tv) > 0);
    int who = 0;
    pvm_upkint(&who, 1, 1);
    assert_int_equal(who, info);
}

/* The console's tickle, as PVM 3.4.6's: C-notation numbers, "( ... )". */
static void test_console_tickle(void **state)
{
    (void)state;
    char out[4096];
    assert_int_equal(harness_console(&vm, "",
                                     "tickle 6 0x1f\ntickle 5\ntickle 6 0\ntickle 5\ntickle 1\n"
                                     "tickle\ntickle 1 2 3 4 5 6 7 8 9 10 11\n",
                                     out, sizeof out),
                     0);
    assert_non_null(strstr(out, "( 31 )"));
    assert_non_null(strstr(out, "( 0 )"));
    assert_non_null(strstr(out, "( )"));
    const char *w = strstr(out, "tickle: wrong #args");
    assert_non_null(w);
    assert_non_null(strstr(w + 1, "tickle: wrong #args"));
}

/* Spawns h_hoster (args) on `where' ("" anywhere) and returns its tid once
 * it says how its registration went (*cc). */
static int start_hoster(char **args, const char *where, int *cc)
{
    int tid = 0;
    assert_int_equal(pvm_spawn((char *)harness_prog("h_hoster"), args,
                               *where ? PvmTaskHost : PvmTaskDefault, (char *)where, 1, &tid),
                     1);
    struct timeval tv = {20, 0};
    assert_true(pvm_trecv(tid, 1, &tv) > 0);
    assert_int_equal(pvm_upkint(cc, 1, 1), 0);
    return tid;
}

static void test_hoster_starts_hosts(void **state)
{
    (void)state;
    int cc = -1;
    int hoster = start_hoster(NULL, "", &cc);
    assert_int_equal(cc, 0);
    char *hosts[] = {"127.0.0.2"};
    int info = 0;
    assert_int_equal(pvm_addhosts(hosts, 1, &info), 1);
    assert_true(tid_is_pvmd(info));
    /* The hoster did it, with PVM's fields. */
    struct timeval tv = {20, 0};
    assert_true(pvm_trecv(hoster, 2, &tv) > 0);
    char login[256], cmd[4200];
    pvm_upkstr(login);
    pvm_upkstr(cmd);
    assert_string_equal(login, "127.0.0.2");
    assert_true(strlen(cmd) > 3 && !strcmp(cmd + strlen(cmd) - 3, " -s"));
    /* The new host is a host like any: it runs tasks and tells the time. */
    int nhost = 0, narch = 0;
    struct pvmhostinfo *hi;
    assert_int_equal(pvm_config(&nhost, &narch, &hi), 0);
    assert_int_equal(nhost, 2);
    hostsync_ok(info);
    int child = 0;
    assert_int_equal(
        pvm_spawn((char *)harness_prog("t_parent"), NULL, PvmTaskHost, "127.0.0.2", 1, &child), 1);
    assert_int_equal(pvm_tidtohost(child), info);

    /* Without a hoster the pvmd starts hosts itself again. */
    assert_int_equal(pvm_notify(PvmTaskExit, 77, 1, &hoster), 0);
    assert_int_equal(pvm_kill(hoster), 0);
    tv = (struct timeval){20, 0};
    assert_true(pvm_trecv(-1, 77, &tv) > 0);
    hosts[0] = "127.0.0.3";
    assert_int_equal(pvm_addhosts(hosts, 1, &info), 1);
    assert_true(tid_is_pvmd(info));
    tv = (struct timeval){0, 200000};
    assert_true(pvm_trecv(-1, 2, &tv) <= 0);
}

static void test_hoster_refusal(void **state)
{
    (void)state;
    int cc = -1;
    char *args[] = {"refuse", NULL};
    int hoster = start_hoster(args, "", &cc);
    assert_int_equal(cc, 0);
    char *hosts[] = {"127.0.0.2"};
    int info = 0;
    /* "the slave pvmd itself can return PvmDupHost": the hoster's word is
     * the host's result. */
    assert_int_equal(pvm_addhosts(hosts, 1, &info), 0);
    assert_int_equal(info, PvmDupHost);
    int nhost = 0, narch = 0;
    struct pvmhostinfo *hi;
    assert_int_equal(pvm_config(&nhost, &narch, &hi), 0);
    assert_int_equal(nhost, 1);
    pvm_kill(hoster);
}

/* A hoster that ends without answering fails its hosts at once. */
static void test_hoster_gone(void **state)
{
    (void)state;
    int cc = -1;
    char *args[] = {"die", NULL};
    start_hoster(args, "", &cc);
    assert_int_equal(cc, 0);
    char *hosts[] = {"127.0.0.2"};
    int info = 0;
    double t0 = now_s();
    assert_int_equal(pvm_addhosts(hosts, 1, &info), 0);
    assert_int_equal(info, PvmCantStart);
    assert_true(now_s() - t0 < HOSTMGR_WAIT_S);
}

/* The JoinTicket a hoster is given carries the machine's key: a task of
 * another host may not be one. */
static void test_hoster_only_on_first_host(void **state)
{
    (void)state;
    char *hosts[] = {"127.0.0.2"};
    int info = 0;
    assert_int_equal(pvm_addhosts(hosts, 1, &info), 1);
    int cc = 0;
    int hoster = start_hoster(NULL, "127.0.0.2", &cc);
    assert_int_equal(cc, PvmDenied);
    pvm_kill(hoster);
}

/* Spawns h_tasker (with args) and returns its tid once it is registered. */
static int start_tasker_with(char **args)
{
    int tid = spawn1("h_tasker", args), cc = -1;
    struct timeval tv = {20, 0};
    assert_true(pvm_trecv(tid, 1, &tv) > 0);
    assert_int_equal(pvm_upkint(&cc, 1, 1), 0);
    assert_int_equal(cc, 0);
    return tid;
}

static int start_tasker(void)
{
    return start_tasker_with(NULL);
}

/* Waits for the PvmTaskExit notice (tag 77) of tid. */
static void expect_exit(int tid)
{
    struct timeval tv = {20, 0};
    assert_true(pvm_trecv(-1, 77, &tv) > 0);
    int who = 0;
    pvm_upkint(&who, 1, 1);
    assert_int_equal(who, tid);
}

/* Spawns t_echo through the tasker: the tasker says it started it, the
 * task enrols under its tid, pvm_tasks shows its process. */
static int tasker_spawn(int tasker)
{
    int child = spawn1("t_echo", NULL);
    struct timeval tv = {20, 0};
    assert_true(pvm_trecv(tasker, 2, &tv) > 0);
    int tid = 0, pid = 0;
    pvm_upkint(&tid, 1, 1);
    pvm_upkint(&pid, 1, 1);
    assert_int_equal(tid, child);
    assert_true(pid > 0);
    expect_msg(child, 1);
    int ntask = 0;
    struct pvmtaskinfo *ti;
    assert_int_equal(pvm_tasks(child, &ntask, &ti), 0);
    assert_int_equal(ntask, 1);
    assert_int_equal(ti[0].ti_pid, pid);
    assert_int_equal(ti[0].ti_ptid, pvm_mytid());
    assert_int_equal(pvm_notify(PvmTaskExit, 77, 1, &child), 0);
    return child;
}

static void test_tasker_spawns_tasks(void **state)
{
    (void)state;
    int tasker = start_tasker();
    /* It ends when it is done (the tasker's SM_TASKX)... */
    int child = tasker_spawn(tasker);
    send_empty(child, 999);
    expect_exit(child);
    /* ... or when killed. */
    child = tasker_spawn(tasker);
    assert_int_equal(pvm_kill(child), 0);
    expect_exit(child);
    /* Without a tasker, the pvmd starts tasks itself again. */
    assert_int_equal(pvm_notify(PvmTaskExit, 77, 1, &tasker), 0);
    assert_int_equal(pvm_kill(tasker), 0);
    expect_exit(tasker);
    child = spawn1("t_echo", NULL);
    expect_msg(child, 1);
    send_empty(child, 999);
}

/* A tasker that ends leaves nothing behind: what it was handed and never
 * started ends with it, and what it started ends when it leaves PVM
 * (nobody is left to report its end). */
static void test_tasker_gone(void **state)
{
    (void)state;
    int tasker = start_tasker();
    int child = tasker_spawn(tasker);
    assert_int_equal(pvm_notify(PvmTaskExit, 77, 1, &tasker), 0);
    assert_int_equal(pvm_kill(tasker), 0);
    expect_exit(tasker);
    send_empty(child, 999);
    expect_exit(child);

    char *drop[] = {"drop", NULL};
    tasker = start_tasker_with(drop);
    child = spawn1("t_echo", NULL);
    struct timeval tv = {20, 0};
    int dropped = 0;
    assert_true(pvm_trecv(tasker, 3, &tv) > 0);
    pvm_upkint(&dropped, 1, 1);
    assert_int_equal(dropped, child);
    int tids[2] = {tasker, child};
    assert_int_equal(pvm_notify(PvmTaskExit, 77, 2, tids), 0);
    assert_int_equal(pvm_kill(tasker), 0);
    expect_exit(tasker);
    expect_exit(child);
    int ntask = 0;
    struct pvmtaskinfo *ti;
    int cc = pvm_tasks(child, &ntask, &ti);
    assert_true(cc < 0 || ntask == 0);
}

static void test_reg_rm(void **state)
{
    (void)state;
    struct pvmhostinfo *hi = NULL;
    /* PVM 3.4.6: PvmOk and the first host; again: the one it replaces. */
    assert_int_equal(pvm_reg_rm(&hi), 0);
    assert_non_null(hi);
    assert_int_equal(hi->hi_tid, tid_pvmd(1));
    assert_string_equal(hi->hi_arch, "LINUX64");
    assert_int_equal(pvm_reg_rm(NULL), pvm_mytid());
    /* No request is handed to it (docs/api-status.md, "Why pvm_reg_rm only
     * registers"): another task's spawn is served by the pvmds as ever. */
    char host[256];
    snprintf(host, sizeof host, "%s", hi->hi_name);
    char *args[] = {"grand", host, NULL};
    int child = spawn1("r_io", args);
    struct timeval tv = {20, 0};
    assert_true(pvm_trecv(child, 10, &tv) > 0);
    pvm_setopt(PvmResvTids, 1);
    tv = (struct timeval){0, 100000};
    assert_int_equal(pvm_trecv(-1, (int)0x80040001 /* SM_SPAWN */, &tv), 0);
    pvm_setopt(PvmResvTids, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hostsync, vm_up, vm_down),
        cmocka_unit_test_setup_teardown(test_tickle, vm_up, vm_down),
        cmocka_unit_test_setup_teardown(test_console_tickle, vm_up, vm_down),
        cmocka_unit_test_setup_teardown(test_hoster_starts_hosts, vm_up, vm_down),
        cmocka_unit_test_setup_teardown(test_hoster_refusal, vm_up, vm_down),
        cmocka_unit_test_setup_teardown(test_hoster_gone, vm_up, vm_down),
        cmocka_unit_test_setup_teardown(test_hoster_only_on_first_host, vm_up, vm_down),
        cmocka_unit_test_setup_teardown(test_tasker_spawns_tasks, vm_up, vm_down),
        cmocka_unit_test_setup_teardown(test_tasker_gone, vm_up, vm_down),
        cmocka_unit_test_setup_teardown(test_tickle_fails_first_host, vm_up, vm_down),
        cmocka_unit_test_setup_teardown(test_reg_rm, vm_up, vm_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
