/*
 * test_groups.c - dynamic groups and collectives (libgpvm3) on one host
 * and on three hosts of this machine (127.0.0.1-3).
 *
 * Members are g_member programs driven by commands from this test
 * (progs/g_member.c).  Checked: PVM 3.4.6's error codes, instance numbers
 * reused lowest first after a leave and after a member's end, barrier
 * with a count (and PvmMismatch), freeze, consistency of gettid/getinst
 * after concurrent joins on several hosts, bcast, reduce for every type
 * and operator and a user function against a serial answer, gather and
 * scatter, and a member killed with -9 during a barrier (count -1: the
 * others pass; a count that can no longer be met: PvmNoGroup), or before
 * a reduce (the root does not hang).
 *
 * Barriers of the first host's members go through its barrier page
 * (docs/design.md "Groups"): many rounds of many members pass while the
 * pvmd is stopped, and no member passes before all have arrived; members
 * on other hosts share the rounds; a member killed after it arrived
 * calls the round off; a slot taken back and given to another group does
 * not let a member with an old copy into the other group's round; a
 * group without a slot (all taken) counts through the pvmd; members
 * waiting in the page still read what a member sends them (first to
 * arrive or not), at full speed.  Other hosts' members arrive in their
 * own hosts' pages (four hosts): many rounds, a join on another host, a
 * member there killed during a round.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <fcntl.h>

#include "harness.h"
#include "lpvm.h"
#include "pvm3.h"
#include "test_api_util.h"
#include "tid.h"

#define G_CMD 10
#define G_ANS 11

static int up(void **state)
{
    setenv("PVMD_LINK_TIMEOUT_MS", "1500", 1);
    return vm_up(state);
}

static void add_hosts(void)
{
    char *hosts[] = {"127.0.0.2", "127.0.0.3"};
    int infos[2] = {0, 0};
    assert_int_equal(pvm_addhosts(hosts, 2, infos), 2);
    assert_true(tid_is_pvmd(infos[0]) && tid_is_pvmd(infos[1]));
}

/* Spawns n members, dealt over the hosts. */
static void spawn_members(int n, int *tids)
{
    assert_int_equal(pvm_spawn((char *)harness_prog("g_member"), NULL, PvmTaskDefault, "", n, tids),
                     n);
}

static void cmd(int tid, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pvm_initsend(PvmDataDefault);
    pvm_pkstr(buf);
    assert_int_equal(pvm_send(tid, G_CMD), 0);
    if (getenv("G_DEBUG"))
        fprintf(stderr, "cmd t%x: %s\n", (unsigned)tid, buf);
}

/* The answer of member tid to its last command (within 60 s). */
static int answer(int tid, int *extra)
{
    struct timeval tv = {60, 0};
    int b = pvm_trecv(tid, G_ANS, &tv);
    if (b <= 0)
        fprintf(stderr, "no answer from t%x\n", (unsigned)tid);
    assert_true(b > 0);
    int r, x;
    pvm_upkint(&r, 1, 1);
    pvm_upkint(&x, 1, 1);
    if (extra)
        *extra = x;
    return r;
}

static int ask(int tid, const char *c)
{
    cmd(tid, "%s", c);
    return answer(tid, NULL);
}

static void end_members(int n, const int *tids)
{
    for (int i = 0; i < n; i++)
        cmd(tids[i], "exit");
}

/* Waits (polling the authority's list, at most 10 s) until group g shows
 * `size' members. */
static void wait_gsize(const char *g, int size)
{
    double end = now_s() + 10;
    for (;;) {
        int s = pvm_gsize((char *)g);
        if (s == size || (size == 0 && s == PvmNoGroup))
            return;
        assert_true(now_s() < end);
        usleep(10000);
    }
}

/* ===================================================================== */

static void test_errors(void **state)
{
    (void)state;
    int me = pvm_mytid();
    assert_int_equal(pvm_joingroup(NULL), PvmNullGroup);
    assert_int_equal(pvm_joingroup(""), PvmNullGroup);
    assert_int_equal(pvm_gsize("none"), PvmNoGroup);
    assert_int_equal(pvm_gettid("none", 0), PvmNoGroup);
    assert_int_equal(pvm_getinst("none", me), PvmNoGroup);
    assert_int_equal(pvm_lvgroup("none"), PvmNoGroup);
    assert_int_equal(pvm_barrier("none", 1), PvmNoGroup);
    assert_int_equal(pvm_bcast("none", 1), PvmNoGroup);
    assert_int_equal(pvm_freezegroup("none", -1), PvmNoGroup);
    assert_int_equal(pvm_joingroup("g"), 0);
    assert_int_equal(pvm_joingroup("g"), PvmDupGroup);
    assert_int_equal(pvm_gettid("g", 0), me);
    assert_int_equal(pvm_gettid("g", 1), PvmNoInst);
    assert_int_equal(pvm_gettid("g", -1), PvmNoInst);
    assert_int_equal(pvm_getinst("g", 0x40000), PvmNotInGroup);
    assert_int_equal(pvm_barrier("g", 0), PvmMismatch);
    assert_int_equal(pvm_barrier("g", -2), PvmMismatch);
    assert_int_equal(pvm_barrier("g", 1), 0);
    assert_int_equal(pvm_barrier("g", -1), 0);
    assert_int_equal(pvm_barrier(NULL, 1), PvmNullGroup);
    assert_int_equal(pvm_bcast("g", 1), PvmNoInst); /* nobody else */
    int x = 5, r[2];
    assert_int_equal(pvm_reduce(PvmSum, &x, 1, PVM_INT, 1, "g", 0), 0);
    assert_int_equal(x, 5);
    assert_int_equal(pvm_reduce(PvmSum, &x, 1, PVM_INT, 1, "g", 3), PvmNoInst);
    assert_int_equal(pvm_reduce(PvmSum, &x, 1, PVM_UINT, 1, "g", 0), PvmBadParam);
    assert_int_equal(pvm_reduce(PvmSum, &x, 0, PVM_INT, 1, "g", 0), PvmBadParam);
    assert_int_equal(pvm_reduce(PvmSum, NULL, 1, PVM_INT, 1, "g", 0), PvmBadParam);
    assert_int_equal(pvm_reduce(PvmSum, &x, 1, PVM_INT, 1, NULL, 0), PvmNullGroup);
    assert_int_equal(pvm_reduce(PvmSum, &x, 1, PVM_INT, 1, "none", 0), PvmNoGroup);
    assert_int_equal(pvm_gather(r, &x, 1, PVM_INT, 1, "g", 0), 0);
    assert_int_equal(r[0], 5);
    assert_int_equal(pvm_gather(r, &x, 1, PVM_INT, 1, "g", 5), PvmNoInst);
    assert_int_equal(pvm_gather(NULL, &x, 1, PVM_INT, 1, "g", 0), PvmBadParam);
    assert_int_equal(pvm_scatter(r, &x, 1, PVM_INT, 1, "g", 0), 0);
    assert_int_equal(pvm_scatter(r, NULL, 1, PVM_INT, 1, "g", 0), PvmBadParam);
    assert_int_equal(pvm_scatter(r, &x, 1, PVM_INT, 1, "none", 0), PvmNoGroup);
    assert_int_equal(pvm_freezegroup("g", 0), PvmMismatch);
    assert_int_equal(pvm_freezegroup("g", -1), 1);
    assert_int_equal(pvm_freezegroup("g", -1), PvmDupGroup);
    assert_int_equal(pvm_lvgroup("g"), 0);
    assert_int_equal(pvm_lvgroup("g"), PvmNoGroup);
    assert_int_equal(pvm_gsize("g"), PvmNoGroup);
}

/* Waits until `n' members wait at group g's barrier (the console's list
 * counts them), at most 10 s. */
static void wait_arrived(const char *g, int n)
{
    double end = now_s() + 10;
    for (;;) {
        const struct lpvm_group *gl;
        int k = lpvm_grp_list(&gl);
        assert_true(k >= 0);
        for (int i = 0; i < k; i++)
            if (strcmp(gl[i].name, g) == 0 && gl[i].barrier_waiting == n)
                return;
        assert_true(now_s() < end);
        usleep(5000);
    }
}

static void check_reuse(void)
{
    int t[3];
    spawn_members(3, t);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ask(t[i], "join r"), i);
    assert_int_equal(pvm_gsize("r"), 3);
    assert_int_equal(ask(t[1], "leave r"), 0);
    assert_int_equal(ask(t[1], "leave r"), PvmNotInGroup);
    assert_int_equal(pvm_gsize("r"), 2);
    assert_int_equal(pvm_gettid("r", 1), PvmNoInst);
    assert_int_equal(pvm_getinst("r", t[1]), PvmNotInGroup);
    assert_int_equal(pvm_gettid("r", 2), t[2]);
    /* The lowest free instance number comes back. */
    assert_int_equal(ask(t[1], "join r"), 1);
    assert_int_equal(pvm_gettid("r", 1), t[1]);
    assert_int_equal(ask(t[0], "leave r"), 0);
    assert_int_equal(pvm_joingroup("r"), 0);
    assert_int_equal(pvm_lvgroup("r"), 0);
    /* A member that ends leaves: its instance is free again. */
    assert_int_equal(pvm_kill(t[2]), 0);
    wait_gsize("r", 1);
    assert_int_equal(pvm_gettid("r", 2), PvmNoInst);
    assert_int_equal(ask(t[0], "join r"), 0);
    assert_int_equal(ask(t[0], "gsize r"), 2);
    end_members(2, t);
}

static void test_reuse(void **state)
{
    (void)state;
    check_reuse();
}

static void test_reuse_hosts(void **state)
{
    (void)state;
    add_hosts();
    check_reuse();
}

static void check_barrier_count(void)
{
    int t[4];
    spawn_members(4, t);
    for (int i = 0; i < 4; i++)
        assert_int_equal(ask(t[i], "join b"), i);
    /* Two of four pass a barrier of count 2. */
    cmd(t[0], "barrier b 2");
    cmd(t[3], "barrier b 2");
    assert_int_equal(answer(t[0], NULL), 0);
    assert_int_equal(answer(t[3], NULL), 0);
    /* A count other than the barrier's is a mismatch. */
    cmd(t[1], "barrier b 3");
    wait_arrived("b", 1);
    assert_int_equal(ask(t[2], "barrier b 2"), PvmMismatch);
    cmd(t[2], "barrier b 3");
    cmd(t[0], "barrier b 3");
    for (int i = 0; i < 3; i++)
        assert_int_equal(answer(t[i], NULL), 0);
    /* -1: every member. */
    for (int i = 0; i < 4; i++)
        cmd(t[i], "barrier b -1");
    for (int i = 0; i < 4; i++)
        assert_int_equal(answer(t[i], NULL), 0);
    /* A non-member may not take part. */
    assert_int_equal(pvm_barrier("b", 1), PvmNotInGroup);
    /* Freeze: all four, then no more joins; the size comes back. */
    for (int i = 0; i < 4; i++)
        cmd(t[i], "freeze b 4");
    for (int i = 0; i < 4; i++)
        assert_int_equal(answer(t[i], NULL), 4);
    assert_int_equal(pvm_joingroup("b"), PvmNotInGroup); /* frozen: PVM 3.4.6's code */
    assert_int_equal(pvm_gsize("b"), 4);
    end_members(4, t);
}

static void test_barrier_count(void **state)
{
    (void)state;
    check_barrier_count();
}

static void test_barrier_count_hosts(void **state)
{
    (void)state;
    add_hosts();
    check_barrier_count();
}

static void check_all(int n)
{
    int *t = calloc((size_t)n, sizeof *t);
    assert_non_null(t);
    spawn_members(n, t);
    for (int i = 0; i < n; i++)
        cmd(t[i], "all c %d", n);
    for (int i = 0; i < n; i++)
        assert_int_equal(answer(t[i], NULL), 0);
    end_members(n, t);
    free(t);
}

static void test_collectives(void **state)
{
    (void)state;
    check_all(5);
}

static void test_collectives_hosts(void **state)
{
    (void)state;
    add_hosts();
    check_all(12);
}

/* Pid of task tid (pvm_tasks). */
static int pid_of(int tid)
{
    struct pvmtaskinfo *ti;
    int nt = 0;
    assert_int_equal(pvm_tasks(tid, &nt, &ti), 0);
    assert_int_equal(nt, 1);
    return ti[0].ti_pid;
}

/* Four members, three wait at a barrier of `count', the fourth is killed
 * with -9: the three get `want'. */
static void check_kill(const char *g, const char *count, int want)
{
    int t[4];
    spawn_members(4, t);
    for (int i = 0; i < 4; i++) {
        cmd(t[i], "join %s", g);
        assert_int_equal(answer(t[i], NULL), i);
    }
    for (int i = 0; i < 3; i++)
        cmd(t[i], "barrier %s %s", g, count);
    wait_arrived(g, 3);
    assert_int_equal(kill(pid_of(t[3]), SIGKILL), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(answer(t[i], NULL), want);
    /* The group lives on without it; a reduce's root does not hang when a
     * member is killed before contributing. */
    wait_gsize(g, 3);
    cmd(t[0], "reduce %s 0", g);
    cmd(t[1], "reduce %s 0", g);
    assert_int_equal(kill(pid_of(t[2]), SIGKILL), 0);
    int sum = 0;
    assert_int_equal(answer(t[1], NULL), 0);
    int r = answer(t[0], &sum);
    assert_true((r == 0 && sum == 3) || r == PvmNoInst);
    end_members(2, t);
}

static void test_kill_in_barrier(void **state)
{
    (void)state;
    check_kill("k4", "4", PvmNoGroup);
    check_kill("kall", "-1", 0);
}

static void test_kill_in_barrier_hosts(void **state)
{
    (void)state;
    add_hosts();
    check_kill("k4", "4", PvmNoGroup);
    check_kill("kall", "-1", 0);
}

/* gsize, gettid and getinst of an unchanged group are answered without
 * the pvmd: they still answer while it is stopped.  A change reaches the
 * next call. */
static void test_cached_answers(void **state)
{
    (void)state;
    int t[2];
    spawn_members(2, t);
    assert_int_equal(ask(t[0], "join cache"), 0);
    assert_int_equal(ask(t[1], "join cache"), 1);
    assert_int_equal(pvm_gsize("cache"), 2);
    assert_int_equal(kill(vm.pvmd, SIGSTOP), 0);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(pvm_gsize("cache"), 2);
        assert_int_equal(pvm_gettid("cache", 1), t[1]);
        assert_int_equal(pvm_getinst("cache", t[0]), 0);
    }
    assert_int_equal(kill(vm.pvmd, SIGCONT), 0);
    /* The member's leave is answered after the notice to us was sent. */
    assert_int_equal(ask(t[1], "leave cache"), 0);
    assert_int_equal(pvm_gsize("cache"), 1);
    assert_int_equal(pvm_gettid("cache", 1), PvmNoInst);
    end_members(2, t);
}

/* pvm_exit ends a member's membership even while its process lives on. */
static void test_pvm_exit_leaves(void **state)
{
    (void)state;
    int t[2];
    spawn_members(2, t);
    assert_int_equal(ask(t[0], "join x"), 0);
    assert_int_equal(ask(t[1], "join x"), 1);
    assert_int_equal(ask(t[1], "exit_stay"), 0);
    wait_gsize("x", 1);
    assert_int_equal(pvm_gettid("x", 1), PvmNoInst);
    assert_int_equal(pvm_kill(t[1]), 0);
    end_members(1, t);
}

/* The console's `groups' lists groups, sizes and members; `help groups'. */
static void test_console_groups(void **state)
{
    (void)state;
    int t[2];
    spawn_members(2, t);
    assert_int_equal(ask(t[0], "join workers"), 0);
    assert_int_equal(ask(t[1], "join workers"), 1);
    assert_int_equal(ask(t[1], "join other"), 0);
    char out[8192], want[64];
    assert_int_equal(
        harness_console(&vm, "", "groups\ngroups other nosuch\nhelp groups\n", out, sizeof out), 0);
    if (getenv("G_DEBUG"))
        fprintf(stderr, "%s", out);
    assert_non_null(strstr(out, "GROUP"));
    snprintf(want, sizeof want, "workers     2     no       0  0:t%x 1:t%x", (unsigned)t[0],
             (unsigned)t[1]);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want, "other     1     no       0  0:t%x", (unsigned)t[1]);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "nosuch No such group"));
    assert_non_null(strstr(out, "Syntax:  groups [ name ... ]"));
    end_members(2, t);
}

/* ===================================================================== */
/* The first host's barrier page                                          */
/* ===================================================================== */

/* The answer of tid within `secs' seconds. */
static int answer_within(int tid, int secs, int *extra)
{
    struct timeval tv = {secs, 0};
    int b = pvm_trecv(tid, G_ANS, &tv);
    if (b <= 0)
        fprintf(stderr, "no answer from t%x within %d s\n", (unsigned)tid, secs);
    assert_true(b > 0);
    int r, x;
    pvm_upkint(&r, 1, 1);
    pvm_upkint(&x, 1, 1);
    if (extra)
        *extra = x;
    return r;
}

/* No answer from any of tids has come (they still wait). */
static void none_answered(int n, const int *tids)
{
    for (int i = 0; i < n; i++)
        assert_int_equal(pvm_nrecv(tids[i], G_ANS), 0);
}

/* A new zeroed counter file for `rounds' in the VM's directory. */
static const char *counter_file(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/ctr-%s", vm.tmp, name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 4096), 0);
    close(fd);
    return path;
}

/* Each of tids runs `rounds g count k' with a counter file; all pass
 * every round, none early. */
static void run_rounds(int n, const int *tids, const char *g, int count, int k)
{
    const char *ctr = counter_file(g);
    for (int i = 0; i < n; i++)
        cmd(tids[i], "rounds %s %d %d %s", g, count, k, ctr);
    for (int i = 0; i < n; i++) {
        int done = -1;
        assert_int_equal(answer_within(tids[i], 60, &done), 0);
        assert_int_equal(done, k);
    }
}

static void join_all(int n, const int *tids, const char *g)
{
    for (int i = 0; i < n; i++)
        cmd(tids[i], "join %s", g);
    for (int i = 0; i < n; i++)
        assert_true(answer(tids[i], NULL) >= 0);
}

/* Spawns n members on host `where' (NULL: the first host). */
static void spawn_on(const char *where, int n, int *tids)
{
    char name[256] = "";
    if (!where) {
        struct pvmhostinfo *hi;
        int nh = 0, na = 0;
        assert_int_equal(pvm_config(&nh, &na, &hi), 0);
        for (int i = 0; i < nh; i++)
            if (hi[i].hi_tid == pvm_tidtohost(pvm_mytid()))
                snprintf(name, sizeof name, "%s", hi[i].hi_name);
        assert_true(name[0]);
        where = name;
    }
    assert_int_equal(
        pvm_spawn((char *)harness_prog("g_member"), NULL, PvmTaskHost, (char *)where, n, tids), n);
}

/* Many members, many rounds, while the pvmd is stopped: the barriers pass
 * in the page alone, and none early. */
static void test_page_rounds(void **state)
{
    (void)state;
    enum { N = 40 };
    int t[N];
    spawn_members(N, t);
    join_all(N, t, "f");
    /* One round with the pvmd running: every connection is direct now. */
    run_rounds(N, t, "f", -1, 1);
    assert_int_equal(kill(vm.pvmd, SIGSTOP), 0);
    run_rounds(N, t, "f", -1, 300);
    run_rounds(N, t, "f", N, 100);
    /* Half of them, with a count of half. */
    run_rounds(N / 2, t + N / 2, "f", N / 2, 100);
    assert_int_equal(kill(vm.pvmd, SIGCONT), 0);
    end_members(N, t);
}

/* A count the page cannot hold, while a round is going on in the page:
 * the latecomer is the mismatch (PVM 3.4.6's answer), not those waiting,
 * and the round goes on in the page. */
static void test_page_big_count_mismatch(void **state)
{
    (void)state;
    enum { N = 4 };
    int t[N];
    spawn_members(N, t);
    join_all(N, t, "bc");
    cmd(t[0], "barrier bc 4");
    cmd(t[1], "barrier bc 4");
    wait_arrived("bc", 2);
    assert_int_equal(ask(t[2], "barrier bc 5000"), PvmMismatch);
    none_answered(2, t);
    cmd(t[2], "barrier bc 4");
    assert_int_equal(ask(t[3], "barrier bc 4"), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(answer(t[i], NULL), 0);
    /* A bad count is answered by the pvmd; the caller keeps the page: the
     * rounds after pass with the pvmd stopped. */
    assert_int_equal(ask(t[3], "barrier bc 0"), PvmMismatch);
    run_rounds(N, t, "bc", -1, 1); /* with the pvmd: connections made */
    assert_int_equal(kill(vm.pvmd, SIGSTOP), 0);
    run_rounds(N, t, "bc", -1, 20);
    assert_int_equal(kill(vm.pvmd, SIGCONT), 0);
    end_members(N, t);
}

/* The page cannot be shrunk under the pvmd's mapping (it would die of
 * SIGBUS at its next touch): truncating it through its link fails, and
 * barriers still pass in it afterwards. */
static void test_page_truncate(void **state)
{
    (void)state;
    enum { N = 4 };
    int t[N];
    spawn_members(N, t);
    join_all(N, t, "tr");
    run_rounds(N, t, "tr", -1, 5);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", vm.sockdir, "pvmd.bar");
    errno = 0;
    assert_int_equal(truncate(path, 0), -1);
    assert_int_equal(errno, EPERM);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 1), -1);
    close(fd);
    assert_int_equal(kill(vm.pvmd, SIGSTOP), 0); /* page rounds need no pvmd */
    run_rounds(N, t, "tr", -1, 50);
    assert_int_equal(kill(vm.pvmd, SIGCONT), 0);
    assert_int_equal(kill(vm.pvmd, 0), 0);
    end_members(N, t);
}

/* Members on the first host and on two others share the rounds; counts
 * are honoured whichever side ends a round. */
static void test_page_mixed_hosts(void **state)
{
    (void)state;
    add_hosts();
    enum { L = 6, N = 12 };
    int t[N];
    spawn_on(NULL, L, t);
    spawn_on("127.0.0.2", 3, t + L);
    spawn_on("127.0.0.3", 3, t + L + 3);
    for (int i = 0; i < N; i++)
        assert_int_equal(tid_host(t[i]) == tid_host(pvm_mytid()), i < L);
    join_all(N, t, "m");
    run_rounds(N, t, "m", -1, 100);
    run_rounds(N, t, "m", N, 50);
    /* A remote member ends the round (the pvmd wakes the local one)... */
    cmd(t[0], "barrier m 2");
    wait_arrived("m", 1);
    assert_int_equal(ask(t[L], "barrier m 2"), 0);
    assert_int_equal(answer(t[0], NULL), 0);
    /* ... or a local one does (it tells the pvmd, which releases the
     * remote one). */
    cmd(t[L + 3], "barrier m 2");
    wait_arrived("m", 1);
    assert_int_equal(ask(t[1], "barrier m 2"), 0);
    assert_int_equal(answer(t[L + 3], NULL), 0);
    /* Two of each side, count 4; a fifth with another count: mismatch. */
    cmd(t[2], "barrier m 4");
    cmd(t[L + 1], "barrier m 4");
    cmd(t[3], "barrier m 4");
    wait_arrived("m", 3);
    assert_int_equal(ask(t[L + 4], "barrier m 5"), PvmMismatch);
    assert_int_equal(ask(t[4], "barrier m 5"), PvmMismatch);
    none_answered(1, &t[2]);
    cmd(t[L + 2], "barrier m 4");
    int order[] = {2, L + 1, 3, L + 2};
    for (int i = 0; i < 4; i++)
        assert_int_equal(answer(t[order[i]], NULL), 0);
    end_members(N, t);
}

/* Hosts 127.0.0.2-4 join the machine. */
static void add_three_hosts(void)
{
    char *hosts[] = {"127.0.0.2", "127.0.0.3", "127.0.0.4"};
    int infos[3] = {0, 0, 0};
    assert_int_equal(pvm_addhosts(hosts, 3, infos), 3);
    for (int i = 0; i < 3; i++)
        assert_true(tid_is_pvmd(infos[i]));
}

/* Four hosts, each with its own barrier page: members of the other
 * hosts arrive there and their pvmds send one share each.  Many rounds,
 * none passed early (the counter); a member that joins on another host
 * between rounds is waited for; a member on another host killed during a
 * round: with -1 the others pass once the rest arrived, with the group's
 * size as the count (which the group can no longer meet) they fail with
 * PvmNoGroup, on every host, whether their host's share was sent or not. */
static void test_page_other_hosts(void **state)
{
    (void)state;
    add_three_hosts();
    enum { H = 3, N = 4 * H, M = N + 1 };
    int t[M];
    spawn_on(NULL, H, t);
    spawn_on("127.0.0.2", H, t + H);
    spawn_on("127.0.0.3", H, t + 2 * H);
    spawn_on("127.0.0.4", H, t + 3 * H);
    join_all(N, t, "o");
    run_rounds(N, t, "o", -1, 200);
    run_rounds(N, t, "o", N, 100);
    /* One more on host 2, between rounds: every round waits for it. */
    spawn_on("127.0.0.2", 1, t + N);
    join_all(1, t + N, "o");
    run_rounds(M, t, "o", -1, 100);
    run_rounds(M, t, "o", M, 50);
    /* A count below the size goes through the pvmds; the page's rounds
     * go on after it. */
    run_rounds(2, t + H, "o", 2, 20);
    run_rounds(M, t, "o", -1, 20);

    /* Killed during a round of every member: the others pass. */
    int victim = H + 1, late = 2 * H;
    for (int i = 0; i < M; i++)
        if (i != late)
            cmd(t[i], "barrier o -1");
    assert_int_equal(kill(pid_of(t[victim]), SIGKILL), 0);
    wait_gsize("o", M - 1);
    cmd(t[late], "barrier o -1");
    for (int i = 0; i < M; i++)
        if (i != victim)
            assert_int_equal(answer_within(t[i], 30, NULL), 0);
    t[victim] = t[M - 1];

    /* Killed during a round of the group's size: those waiting fail. */
    int n = M - 1;
    victim = 3 * H;
    for (int i = 0; i < n; i++)
        if (i != late && i != victim)
            cmd(t[i], "barrier o %d", n);
    assert_int_equal(kill(pid_of(t[victim]), SIGKILL), 0);
    wait_gsize("o", n - 1);
    for (int i = 0; i < n; i++)
        if (i != late && i != victim)
            assert_int_equal(answer_within(t[i], 30, NULL), PvmNoGroup);
    t[victim] = t[n - 1];
    n--;
    /* And the group goes on. */
    run_rounds(n, t, "o", -1, 20);
    end_members(n, t);
}

/* Members waiting in the page read their connections: a member that
 * sends one of them 128 MB before it arrives is not held up, whether the
 * receiver arrived first (the round's ticker) or not.  All on one
 * processor, so that the receiver cannot drain the stream while the
 * sender writes: it must keep reading as the data comes (a look at each
 * tick, 2 ms doubling to 100 ms, takes about 2 s here; reading as it
 * comes, about 0.3 s, as long as a receive with nothing else to do).
 * Both are compared with such a receive, measured just before, so that a
 * busy machine slows both. */
static void test_page_peer_sends(void **state)
{
    (void)state;
    enum { BIG = 128 << 20 };
    int t[3];
    spawn_members(3, t);
    join_all(3, t, "p");
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    for (int i = 0; i < 3; i++)
        assert_int_equal(sched_setaffinity(pid_of(t[i]), sizeof one, &one), 0);
    for (int first = 0; first < 2; first++) {
        double t0 = now_s();
        cmd(t[0], "recvbig %x", (unsigned)t[1]);
        cmd(t[1], "sendbar %x %d p 1", (unsigned)t[0], BIG);
        assert_int_equal(answer_within(t[1], 30, NULL), 0);
        assert_int_equal(answer_within(t[0], 30, NULL), BIG);
        double plain = now_s() - t0;
        /* t0 receives; t2 arrives before it in the second pass. */
        if (first == 1) {
            cmd(t[2], "barrier p 3");
            wait_arrived("p", 1);
        }
        cmd(t[0], "barrier p %d", first == 1 ? 3 : 2);
        wait_arrived("p", first + 1);
        t0 = now_s();
        cmd(t[1], "sendbar %x %d p %d", (unsigned)t[0], BIG, first == 1 ? 3 : 2);
        assert_int_equal(answer_within(t[1], 30, NULL), 0);
        assert_int_equal(answer_within(t[0], 30, NULL), 0);
        if (first == 1)
            assert_int_equal(answer_within(t[2], 30, NULL), 0);
        double took = now_s() - t0;
        bool slow = took >= 3 * plain + 0.3;
        if (slow || getenv("G_DEBUG"))
            fprintf(stderr, "128 MB to a member in a barrier took %.2f s, to a receive %.2f s\n",
                    took, plain);
        assert_false(slow);
        cmd(t[0], "recvbig %x", (unsigned)t[1]);
        assert_int_equal(answer(t[0], NULL), BIG);
    }
    end_members(3, t);
}

/* A member killed after it arrived: nobody knows it had, so the round is
 * called off and the others arrive again; the round then needs every
 * survivor (count -1) or the count (when the group can still meet it). */
static void check_kill_arrived(const char *g, int count)
{
    enum { N = 5 };
    int t[N];
    spawn_members(N, t);
    join_all(N, t, g);
    int victim = N - 1;
    /* -1: members 0..2 and the victim; 4: members 0, 1 and the victim. */
    int before = count == -1 ? 3 : 2;
    for (int i = 0; i < before; i++)
        cmd(t[i], "barrier %s %d", g, count);
    cmd(t[victim], "barrier %s %d", g, count);
    wait_arrived(g, before + 1);
    assert_int_equal(kill(pid_of(t[victim]), SIGKILL), 0);
    wait_gsize(g, N - 1);
    /* Arrived again, and still waiting: the victim is not counted. */
    wait_arrived(g, before);
    none_answered(before, t);
    for (int i = before; i < N - 1; i++)
        cmd(t[i], "barrier %s %d", g, count);
    for (int i = 0; i < N - 1; i++)
        assert_int_equal(answer(t[i], NULL), 0);
    end_members(N - 1, t);
}

static void test_page_kill_arrived(void **state)
{
    (void)state;
    check_kill_arrived("ka", -1);
    check_kill_arrived("k4", 4);
}

/* A group's slot taken back (a count the slot cannot hold) and given to
 * another group, which is then deleted and made again in it: a member
 * that still knows the old slot goes through the pvmd instead of
 * arriving in the other group's round.  With every slot taken, a new
 * group counts through the pvmd. */
static void test_page_slot_reuse(void **state)
{
    (void)state;
    enum { SLOTS = 1024 };
    int t[4];
    spawn_members(4, t);
    join_all(3, t, "s");
    assert_int_equal(ask(t[0], "barrier s 1"), 0); /* t0 knows the slot */
    /* Every other slot taken. */
    char name[32];
    for (int i = 0; i < SLOTS - 1; i++) {
        snprintf(name, sizeof name, "fill%d", i);
        assert_int_equal(pvm_joingroup(name), 0);
    }
    /* No slot left: barriers through the pvmd. */
    assert_int_equal(ask(t[3], "join full"), 0);
    assert_int_equal(ask(t[3], "barrier full 1"), 0);
    assert_int_equal(ask(t[3], "leave full"), 0);
    /* t1 gives a count the slot cannot hold: s loses its slot, and t1
     * waits through the pvmd. */
    cmd(t[1], "barrier s 5000");
    wait_arrived("s", 1);
    /* The freed slot goes to n, where t2 waits. */
    join_all(2, t + 2, "n");
    cmd(t[2], "barrier n 2");
    wait_arrived("n", 1);
    /* t0's old slot is n's now: it must reach s's barrier, whose count
     * differs. */
    assert_int_equal(ask(t[0], "barrier s 2"), PvmMismatch);
    wait_arrived("n", 1);
    none_answered(1, &t[2]);
    assert_int_equal(ask(t[3], "barrier n 2"), 0);
    assert_int_equal(answer(t[2], NULL), 0);
    /* n deleted and made again: the same slot (the only one free), a new
     * owner value; nobody's old copy gets in the way. */
    assert_int_equal(ask(t[2], "leave n"), 0);
    assert_int_equal(ask(t[3], "leave n"), 0);
    assert_int_equal(ask(t[3], "join n"), 0);
    assert_int_equal(ask(t[2], "join n"), 1);
    assert_int_equal(ask(t[2], "gsize n"), 2);
    cmd(t[2], "barrier n 2");
    wait_arrived("n", 1);
    assert_int_equal(ask(t[0], "barrier s 2"), PvmMismatch);
    none_answered(1, &t[2]);
    assert_int_equal(ask(t[3], "barrier n -1"), PvmMismatch);
    assert_int_equal(ask(t[3], "barrier n 2"), 0);
    assert_int_equal(answer(t[2], NULL), 0);
    /* s goes on through the pvmd: t1's count can no longer be met. */
    assert_int_equal(ask(t[2], "leave s"), 0);
    assert_int_equal(ask(t[0], "leave s"), 0);
    assert_int_equal(answer(t[1], NULL), PvmNoGroup);
    for (int i = 0; i < SLOTS - 1; i++) {
        snprintf(name, sizeof name, "fill%d", i);
        assert_int_equal(pvm_lvgroup(name), 0);
    }
    end_members(4, t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_errors, up, vm_down),
        cmocka_unit_test_setup_teardown(test_reuse, up, vm_down),
        cmocka_unit_test_setup_teardown(test_barrier_count, up, vm_down),
        cmocka_unit_test_setup_teardown(test_collectives, up, vm_down),
        cmocka_unit_test_setup_teardown(test_kill_in_barrier, up, vm_down),
        cmocka_unit_test_setup_teardown(test_cached_answers, up, vm_down),
        cmocka_unit_test_setup_teardown(test_pvm_exit_leaves, up, vm_down),
        cmocka_unit_test_setup_teardown(test_console_groups, up, vm_down),
        cmocka_unit_test_setup_teardown(test_page_rounds, up, vm_down),
        cmocka_unit_test_setup_teardown(test_page_truncate, up, vm_down),
        cmocka_unit_test_setup_teardown(test_page_big_count_mismatch, up, vm_down),
        cmocka_unit_test_setup_teardown(test_page_peer_sends, up, vm_down),
        cmocka_unit_test_setup_teardown(test_page_kill_arrived, up, vm_down),
        cmocka_unit_test_setup_teardown(test_page_slot_reuse, up, vm_down),
        cmocka_unit_test_setup_teardown(test_reuse_hosts, up, vm_down),
        cmocka_unit_test_setup_teardown(test_barrier_count_hosts, up, vm_down),
        cmocka_unit_test_setup_teardown(test_collectives_hosts, up, vm_down),
        cmocka_unit_test_setup_teardown(test_kill_in_barrier_hosts, up, vm_down),
        cmocka_unit_test_setup_teardown(test_page_mixed_hosts, up, vm_down),
        cmocka_unit_test_setup_teardown(test_page_other_hosts, up, vm_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
