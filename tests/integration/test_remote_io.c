/*
 * test_remote_io.c - signals and output of tasks on other hosts (three
 * hosts on this machine, 127.0.0.x): pvm_sendsig, PvmOutputTid/Code and
 * PvmTraceTid/Code carried to children (and their children) elsewhere, a
 * remote task's PvmSelfOutputTid/Code, and pvm_catchout of children on
 * two other hosts.  Each compares with what PVM 3.4.6 does on one host.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "pvm3.h"
#include "test_api_util.h"
#include "tid.h"

static int h2, h3; /* the other hosts' pvmd tids */

static int up3(void **state)
{
    if (vm_up(state) < 0)
        return -1;
    char *hosts[] = {"127.0.0.2", "127.0.0.3"};
    int infos[2] = {0, 0};
    if (pvm_addhosts(hosts, 2, infos) != 2)
        return -1;
    h2 = infos[0];
    h3 = infos[1];
    return 0;
}

/* Spawns one copy of prog (args) on host `where'. */
static int spawn_on(const char *prog, char **args, const char *where)
{
    int tid = 0;
    assert_int_equal(
        pvm_spawn((char *)harness_prog(prog), args, PvmTaskHost, (char *)where, 1, &tid), 1);
    assert_true(tid > 0);
    return tid;
}

static void test_sendsig_across_hosts(void **state)
{
    (void)state;
    int tid = spawn_on("t_sig", NULL, "127.0.0.2");
    assert_int_equal(pvm_tidtohost(tid), h2);
    expect_msg(tid, 1);
    assert_int_equal(pvm_sendsig(tid, SIGUSR1), 0);
    expect_msg(tid, 2);
}

/* One output message: the task it is about, and its count. */
static void output_msg(int tag, int *tid, int *count, char *bytes, size_t cap)
{
    struct timeval tv = {20, 0};
    int b = pvm_trecv(-1, tag, &tv);
    assert_true(b > 0);
    assert_int_equal(pvm_upkint(tid, 1, 1), 0);
    assert_int_equal(pvm_upkint(count, 1, 1), 0);
    bytes[0] = 0;
    if (*count > 0) {
        assert_true((size_t)*count < cap);
        assert_int_equal(pvm_upkbyte(bytes, *count, 1), 0);
        bytes[*count] = 0;
    }
}

static void test_output_tid_across_hosts(void **state)
{
    (void)state;
    int me = pvm_mytid();
    pvm_setopt(PvmOutputTid, me);
    pvm_setopt(PvmOutputCode, 55);
    char *args[] = {"3", NULL};
    int child = spawn_on("t_print", args, "127.0.0.3");
    int tid, count, lines = 0;
    char bytes[4096], want[64];
    snprintf(want, sizeof want, " from t%x\n", (unsigned)child);
    for (int begin = -2; begin <= -1; begin++) { /* PVM 3.4.6 announces twice */
        output_msg(55, &tid, &count, bytes, sizeof bytes);
        assert_int_equal(tid, child);
        assert_int_equal(count, begin);
        int ptid = 0;
        assert_int_equal(pvm_upkint(&ptid, 1, 1), 0);
        assert_int_equal(ptid, me);
    }
    for (;;) {
        output_msg(55, &tid, &count, bytes, sizeof bytes);
        assert_int_equal(tid, child);
        if (count == 0)
            break; /* ends */
        for (char *p = bytes; (p = strstr(p, want)); p++)
            lines++;
    }
    assert_int_equal(lines, 3);
}

/* Output and trace settings reach a child on another host, and its own
 * child on a third, as PVM 3.4.6 gives them on one host: the spawner's
 * PvmOutput and PvmTrace settings become both the child's and its
 * PvmSelf ones. */
static void check_opts(int from, int me)
{
    struct timeval tv = {20, 0};
    assert_true(pvm_trecv(from, 10, &tv) > 0);
    int v[8];
    assert_int_equal(pvm_upkint(v, 8, 1), 0);
    int want[8] = {me, 56, me, 57, me, 56, me, 57};
    for (int i = 0; i < 8; i++)
        assert_int_equal(v[i], want[i]);
}

static void test_settings_inherited_across_hosts(void **state)
{
    (void)state;
    int me = pvm_mytid();
    pvm_setopt(PvmOutputTid, me);
    pvm_setopt(PvmOutputCode, 56);
    pvm_setopt(PvmTraceTid, me);
    pvm_setopt(PvmTraceCode, 57);
    char *args[] = {"opts", NULL};
    check_opts(spawn_on("r_io", args, "127.0.0.2"), me);
    char *grand[] = {"grand", "127.0.0.3", NULL};
    check_opts(spawn_on("r_io", grand, "127.0.0.2"), me);
}

/* A task on another host sends its own output here. */
static void test_self_output_across_hosts(void **state)
{
    (void)state;
    char me[32];
    snprintf(me, sizeof me, "%d", pvm_mytid());
    char *args[] = {"self", me, "58", NULL};
    int child = spawn_on("r_io", args, "127.0.0.2");
    int tid, count;
    char bytes[4096], want[64];
    output_msg(58, &tid, &count, bytes, sizeof bytes);
    assert_int_equal(tid, child);
    snprintf(want, sizeof want, "self line from t%x\n", (unsigned)child);
    assert_string_equal(bytes, want);
    expect_msg(child, 11);
}

/* pvm_catchout prints the lines of children on two other hosts, each
 * under its tid, and pvm_exit waits for all of them. */
static void test_catchout_across_hosts(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(pvm_catchout(f), 0);
    char *args[] = {"4", NULL};
    int c2 = spawn_on("t_print", args, "127.0.0.2");
    int c3 = spawn_on("t_print", args, "127.0.0.3");
    assert_int_equal(pvm_tidtohost(c2), h2);
    assert_int_equal(pvm_tidtohost(c3), h3);
    assert_int_equal(pvm_exit(), 0);
    rewind(f);
    char line[512];
    int n2 = 0, n3 = 0;
    char p2[32], p3[32];
    snprintf(p2, sizeof p2, "[t%x] line ", (unsigned)c2);
    snprintf(p3, sizeof p3, "[t%x] line ", (unsigned)c3);
    while (fgets(line, sizeof line, f)) {
        n2 += !strncmp(line, p2, strlen(p2));
        n3 += !strncmp(line, p3, strlen(p3));
    }
    fclose(f);
    assert_int_equal(n2, 4);
    assert_int_equal(n3, 4);
    assert_true(pvm_mytid() > 0);
    pvm_catchout(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sendsig_across_hosts, up3, vm_down),
        cmocka_unit_test_setup_teardown(test_output_tid_across_hosts, up3, vm_down),
        cmocka_unit_test_setup_teardown(test_settings_inherited_across_hosts, up3, vm_down),
        cmocka_unit_test_setup_teardown(test_self_output_across_hosts, up3, vm_down),
        cmocka_unit_test_setup_teardown(test_catchout_across_hosts, up3, vm_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
