/*
 * test_api_bulk.c - libpvm under load and at rest, and without a pvmd:
 * a 256 MiB round trip, two tasks sending each other 64 MiB at once (no
 * deadlock), an idle task blocked in pvm_recv uses < 1% CPU, no pvmd ->
 * PvmSysErr, pvm_start_pvmd.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "defs.h"
#include "test_api_util.h"

static unsigned char pattern(size_t i, int who)
{
    return (unsigned char)(i * 31 + (i >> 12) + who);
}

static void test_256mib_roundtrip(void **state)
{
    (void)state;
    size_t n = (size_t)256 << 20;
    unsigned char *out = malloc(n);
    assert_non_null(out);
    for (size_t i = 0; i < n; i++)
        out[i] = pattern(i, 7);
    int t = spawn1("t_echo", NULL);
    expect_msg(t, 1);
    double t0 = now_s();
    assert_true(pvm_initsend(PvmDataInPlace) > 0);
    assert_int_equal(pvm_pkbyte((char *)out, (int)n, 1), 0);
    assert_int_equal(pvm_send(t, 7), 0);
    int b = pvm_recv(t, 7);
    assert_true(b > 0);
    double dt = now_s() - t0;
    int len, tag, src;
    pvm_bufinfo(b, &len, &tag, &src);
    assert_int_equal((size_t)len, n);
    /* Unpack in place of the original and compare against the pattern. */
    memset(out, 0, n);
    assert_int_equal(pvm_upkbyte((char *)out, (int)n, 1), 0);
    for (size_t i = 0; i < n; i += 4093)
        assert_int_equal(out[i], pattern(i, 7));
    assert_int_equal(out[n - 1], pattern(n - 1, 7));
    print_message("256 MiB round trip: %.2f s\n", dt);
    free(out);
    pvm_freebuf(pvm_getrbuf());
    send_empty(t, 999);
}

/* Both sides write 64 MiB before either reads: each send must read what
 * arrives meanwhile, or both would block forever on full sockets. */
/* Two tasks send each other n bytes at once; with dontroute both go
 * through the pvmd, which holds back both senders past its high-water mark
 * (daemon/route.c): each must still progress by reading while it waits. */
static void swap(size_t n, bool dontroute)
{
    char arg[32];
    snprintf(arg, sizeof arg, "%zu", n);
    char *args[] = {"swap", arg, dontroute ? "dontroute" : NULL, NULL};
    int old_route = pvm_setopt(PvmRoute, dontroute ? PvmDontRoute : PvmAllowDirect);
    int t = spawn1("t_echo", args);
    expect_msg(t, 1);
    unsigned char *out = malloc(n), *in = malloc(n);
    assert_non_null(out);
    assert_non_null(in);
    for (size_t i = 0; i < n; i++)
        out[i] = pattern(i, 2);
    send_empty(t, 2); /* go: the child starts sending now */
    pvm_initsend(PvmDataInPlace);
    pvm_pkbyte((char *)out, (int)n, 1);
    assert_int_equal(pvm_send(t, 5), 0);
    assert_true(pvm_recv(t, 5) > 0);
    assert_int_equal(pvm_upkbyte((char *)in, (int)n, 1), 0);
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++)
        ok = in[i] == pattern(i, 1);
    assert_true(ok);
    assert_true(pvm_recv(t, 3) > 0);
    int child_ok = 0;
    pvm_upkint(&child_ok, 1, 1);
    assert_int_equal(child_ok, 1);
    free(out);
    free(in);
    pvm_setopt(PvmRoute, old_route);
}

static void test_64mib_swap_no_deadlock(void **state)
{
    (void)state;
    swap((size_t)64 << 20, false);
}

static void test_96mib_swap_through_the_pvmd(void **state)
{
    (void)state;
    swap((size_t)96 << 20, true);
}

/* A receiver that dies while a 64 MiB message to it is on the way: the
 * send returns (the frame then goes via the pvmd, which drops it), the
 * connection it was written on is freed only after the send has let go
 * of it (ASan builds check that), and the sender goes on working. */
static void test_receiver_dies_mid_send(void **state)
{
    (void)state;
    size_t n = (size_t)64 << 20;
    int t = spawn1("t_hangup", NULL);
    expect_msg(t, 1);
    char *big = calloc(1, n);
    assert_non_null(big);
    pvm_initsend(PvmDataInPlace);
    pvm_pkbyte(big, (int)n, 1);
    int cc = pvm_send(t, 9);
    assert_true(cc == 0 || cc == PvmSysErr);
    free(big);
    wait_gone(t);
    int me = pvm_mytid();
    send_empty(me, 10);
    expect_msg(me, 10);
}

/* utime + stime of process pid, in clock ticks. */
static long cpu_ticks(int pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    long ut = 0, st = 0;
    /* fields after the name: state ppid pgrp session tty tpgid flags minflt
     * cminflt majflt cmajflt utime stime */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld", &ut, &st) != 2)
        return -1;
    return ut + st;
}

static void test_idle_task_uses_no_cpu(void **state)
{
    (void)state;
    int t = spawn1("t_echo", NULL);
    expect_msg(t, 1); /* now blocked in pvm_recv */
    int ntask;
    struct pvmtaskinfo *ti;
    assert_int_equal(pvm_tasks(t, &ntask, &ti), 0);
    int pid = ti[0].ti_pid;
    long c0 = cpu_ticks(pid);
    assert_true(c0 >= 0);
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    /* We wait too, in pvm_trecv: it must sleep as well, and return in
     * about the time asked. */
    struct timeval tv = {2, 0};
    double t0 = now_s();
    assert_int_equal(pvm_trecv(t, 12345, &tv), 0);
    double dt = now_s() - t0;
    getrusage(RUSAGE_SELF, &r1);
    long c1 = cpu_ticks(pid);
    long hz = sysconf(_SC_CLK_TCK);
    double child_cpu = (double)(c1 - c0) / (double)hz;
    double self_cpu = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) +
                      (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
                      (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) * 1e-6 +
                      (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) * 1e-6;
    print_message("idle 2 s: child %.3f s cpu, self %.3f s cpu, trecv took %.3f s\n", child_cpu,
                  self_cpu, dt);
    assert_true(dt >= 1.99 && dt < 3.0); /* upper bound: see test_api_msg's trecv */
    assert_true(child_cpu <= 0.02);
    assert_true(self_cpu <= 0.02);
    send_empty(t, 999);
}

/* The VM of test_no_pvmd_then_start_pvmd.  Static, and stopped by the
 * test's teardown too: a failed assertion must not leave its daemonized
 * pvmd (not the harness's child) or its directory behind. */
static struct harness own;

static int own_down(void **state)
{
    (void)state;
    pvm_exit();
    harness_stop(&own); /* ends the pvmd by its environment and pvmd.pid */
    harness_use(&vm);
    return 0;
}

/* Without a pvmd, calls fail with PvmSysErr; pvm_start_pvmd starts one
 * (and refuses a second, and starts one again right after pvm_halt);
 * pvm_halt stops it. */
static void test_no_pvmd_then_start_pvmd(void **state)
{
    (void)state;
    pvm_exit();
    assert_int_equal(harness_prepare(&own, 60), 0); /* a directory, no pvmd */
    assert_int_equal(pvm_mytid(), PvmSysErr);
    assert_int_equal(pvm_errno, PvmSysErr);
    assert_int_equal(pvm_spawn("x", NULL, 0, NULL, 1, NULL), PvmSysErr);
    assert_int_equal(pvm_send(0x40001, 1), PvmSysErr);
    assert_int_equal(pvm_recv(-1, -1), PvmSysErr);
    assert_int_equal(pvm_config(NULL, NULL, NULL), PvmSysErr);

    int cc = pvm_start_pvmd(0, NULL, 1);
    assert_int_equal(cc, 0);
    int me = pvm_mytid();
    assert_true(me > 0);
    assert_int_equal(pvm_start_pvmd(0, NULL, 1), PvmDupHost);
    int t = spawn1("t_echo", NULL);
    expect_msg(t, 1);
    /* Read the pid now: after halt the file is gone. */
    char pidpath[PATHS_MAX];
    assert_int_equal(paths_join(pidpath, sizeof pidpath, own.sockdir, PVMD_PID_NAME), 0);
    FILE *pf = fopen(pidpath, "r");
    int pvmd_pid = 0;
    if (pf) {
        if (fscanf(pf, "%d", &pvmd_pid) != 1)
            pvmd_pid = 0;
        fclose(pf);
    }
    assert_true(pvmd_pid > 0);
    /* A pvmd started right after pvm_halt comes up (the halting one may
     * still hold its lock for a moment: the new one waits for it), three
     * times in a row. */
    for (int round = 0; round < 3; round++) {
        assert_int_equal(pvm_halt(), 0);
        assert_int_equal(pvm_start_pvmd(0, NULL, 1), 0);
        assert_true(pvm_mytid() > 0);
        pf = fopen(pidpath, "r");
        assert_non_null(pf);
        if (fscanf(pf, "%d", &pvmd_pid) != 1)
            pvmd_pid = 0;
        fclose(pf);
        assert_true(pvmd_pid > 0);
    }
    assert_int_equal(pvm_halt(), 0);
    assert_int_equal(pvm_mytid(), PvmSysErr);
    /* The pvmd is not our child: wait for it to go. */
    for (int i = 0; i < 500 && kill(pvmd_pid, 0) == 0; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (kill(pvmd_pid, 0) == 0)
        fail_msg("pvmd %d still running after pvm_halt", pvmd_pid);
    own_down(NULL);
    assert_true(pvm_mytid() > 0); /* back in the harness's VM */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_256mib_roundtrip),
        cmocka_unit_test(test_64mib_swap_no_deadlock),
        cmocka_unit_test(test_96mib_swap_through_the_pvmd),
        cmocka_unit_test(test_receiver_dies_mid_send),
        cmocka_unit_test(test_idle_task_uses_no_cpu),
        cmocka_unit_test_teardown(test_no_pvmd_then_start_pvmd, own_down),
    };
    return cmocka_run_group_tests(tests, vm_up, vm_down);
}
