/*
 * test_context.c - message contexts as PVM 3.4.6 gives them (measured
 * against its library, docs/design.md "Contexts"), on one host and across
 * three (127.0.0.1-3).
 *
 * pvm_newcontext hands out PVM's numbers (host number and local part, laid
 * out as a tid: 0x40001 first on host 1), in turn, unique over the hosts;
 * pvm_freecontext frees the caller's own only (PvmNotFound otherwise, and
 * 0 asks for a new one, as 3.4.6's pvmd reads it); a task's contexts are
 * free again once it leaves PVM or ends; all held is PvmOutOfRes.
 * pvm_setcontext takes any value but libpvm's reserved contexts, also
 * without a pvmd; receives and probes match the current context; spawned
 * tasks start in the spawner's context, over hosts too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "defs.h"
#include "harness.h"
#include "pvm3.h"
#include "test_api_util.h"
#include "tid.h"

/* Receives tag from tid in the current context within 20 s; unpacks n
 * ints into v. */
static void recv_ints(int tid, int tag, int *v, int n)
{
    struct timeval tv = {20, 0};
    int b = pvm_trecv(tid, tag, &tv);
    assert_true(b > 0);
    assert_int_equal(pvm_upkint(v, n, 1), 0);
}

static void send_ints(int tid, int tag, int *v, int n)
{
    assert_true(pvm_initsend(PvmDataDefault) > 0);
    assert_int_equal(pvm_pkint(v, n, 1), 0);
    assert_int_equal(pvm_send(tid, tag), 0);
}

/* ======================================================================== */
/* One host                                                                 */
/* ======================================================================== */

static void test_new_and_free(void **state)
{
    (void)state;
    /* A fresh virtual machine: PVM 3.4.6's first numbers. */
    int c1 = pvm_newcontext(), c2 = pvm_newcontext();
    assert_int_equal(c1, tid_make(1, 1));
    assert_int_equal(c2, tid_make(1, 2));
    assert_int_equal(pvm_freecontext(c1), PvmOk);
    assert_int_equal(pvm_freecontext(c1), PvmNotFound);
    /* A freed one comes round again only after all the others. */
    assert_int_equal(pvm_newcontext(), tid_make(1, 3));
    /* Never handed out, another host's, negative, reserved. */
    assert_int_equal(pvm_freecontext(12345), PvmNotFound);
    assert_int_equal(pvm_freecontext(tid_make(2, 1)), PvmNotFound);
    assert_int_equal(pvm_freecontext(-1), PvmNotFound);
    assert_int_equal(pvm_freecontext(PVM_GRP_CTX), PvmNotFound);
    assert_int_equal(pvm_freecontext(PVM_SYS_CTX), PvmNotFound);
    assert_int_equal(pvm_errno, PvmNotFound);
    /* PVM 3.4.6's pvmd reads 0 as a request for a new context. */
    int c4 = pvm_freecontext(0);
    assert_int_equal(c4, tid_make(1, 4));
    assert_int_equal(pvm_freecontext(c4), PvmOk);
    assert_int_equal(pvm_freecontext(c2), PvmOk);
    assert_true(PVM_CTX_IS_USER(c4));
}

static void test_setcontext_any_value(void **state)
{
    (void)state;
    assert_int_equal(pvm_getcontext(), PvmBaseContext);
    /* Any value, negative too, handed out or not (PVM 3.4.6). */
    assert_int_equal(pvm_setcontext(-5), 0);
    assert_int_equal(pvm_setcontext(0x3fffffff), -5);
    assert_int_equal(pvm_getcontext(), 0x3fffffff);
    /* ... but libpvm's own. */
    assert_int_equal(pvm_setcontext(PVM_GRP_CTX), PvmBadParam);
    assert_int_equal(pvm_setcontext(PVM_SYS_CTX), PvmBadParam);
    assert_int_equal(pvm_setcontext(INT32_MAX), PvmBadParam);
    assert_int_equal(pvm_getcontext(), 0x3fffffff);
    /* The context outlives pvm_exit, and both calls work without a pvmd;
     * a new one needs one. */
    pvm_exit();
    harness_stop(&vm);
    assert_int_equal(pvm_getcontext(), 0x3fffffff);
    assert_int_equal(pvm_setcontext(9), 0x3fffffff);
    assert_int_equal(pvm_getcontext(), 9);
    assert_int_equal(pvm_newcontext(), PvmSysErr);
    assert_int_equal(pvm_setcontext(0), 9);
}

static void test_receive_matches_context(void **state)
{
    (void)state;
    int me = pvm_mytid();
    int c = pvm_newcontext();
    int child = spawn1("x_ctx", (char *[]){"relay", NULL});
    expect_msg(child, 1);
    int cmd[] = {3, c, 7, 1, 0, 7, 2, -4, 7, 3};
    send_ints(child, 1, cmd, 10);
    int v = 0;
    /* In order from one sender: the first is here once the second is. */
    recv_ints(child, 7, &v, 1);
    assert_int_equal(v, 2);
    assert_int_equal(pvm_nrecv(child, 7), 0);
    assert_int_equal(pvm_probe(-1, -1), 0);
    assert_int_equal(pvm_setcontext(-4), 0);
    recv_ints(child, 7, &v, 1);
    assert_int_equal(v, 3);
    assert_int_equal(pvm_setcontext(c), -4);
    assert_true(pvm_probe(child, 7) > 0);
    assert_true(pvm_nrecv(-1, -1) > 0);
    assert_int_equal(pvm_upkint(&v, 1, 1), 0);
    assert_int_equal(v, 1);
    /* A message to oneself travels in the sender's context too. */
    send_ints(me, 8, &v, 1);
    assert_int_equal(pvm_setcontext(0), c);
    assert_int_equal(pvm_nrecv(me, 8), 0);
    pvm_setcontext(c);
    assert_true(pvm_nrecv(me, 8) > 0);
    pvm_setcontext(0);
    int end = -1;
    send_ints(child, 1, &end, 1);
}

static void test_spawn_inherits(void **state)
{
    (void)state;
    int c = pvm_newcontext();
    assert_int_equal(pvm_setcontext(c), 0);
    /* The child's very first call already answers the spawner's context,
     * and its message comes in it. */
    int child = spawn1("x_ctx", (char *[]){"report", NULL});
    int v = 0;
    recv_ints(child, 1, &v, 1);
    assert_int_equal(v, c);
    /* The context at spawn time: a later change is not the child's. */
    child = spawn1("x_ctx", (char *[]){"report", NULL});
    assert_int_equal(pvm_setcontext(0), c);
    assert_int_equal(pvm_nrecv(child, 1), 0);
    pvm_setcontext(c);
    recv_ints(child, 1, &v, 1);
    assert_int_equal(v, c);
    /* A child's new context is its own children's (PVM's inherit3). */
    pvm_setcontext(0);
    child = spawn1("x_ctx", (char *[]){"spawn", NULL});
    int r[3];
    recv_ints(child, 2, r, 3);
    assert_int_equal(r[0], 0);
    assert_true(r[1] > 0 && r[1] != c && tid_host(r[1]) == 1);
    assert_int_equal(r[2], r[1]);
}

/* The tests below run with PVMD_CTX_MAX=8: eight contexts on a host. */
static int up_small(void **state)
{
    setenv("PVMD_CTX_MAX", "8", 1);
    int rc = vm_up(state);
    unsetenv("PVMD_CTX_MAX");
    return rc;
}

static void test_owned_and_freed_when_the_task_goes(void **state)
{
    (void)state;
    /* A child takes every context of the host. */
    int child = spawn1("x_ctx", (char *[]){"alloc", "100", NULL});
    int r[4];
    recv_ints(child, 3, r, 4);
    assert_int_equal(r[0], 8);
    assert_int_equal(r[1], tid_make(1, 1));
    assert_int_equal(r[2], tid_make(1, 8));
    assert_int_equal(r[3], PvmOutOfRes);
    assert_int_equal(pvm_newcontext(), PvmOutOfRes);
    /* Not ours to free. */
    assert_int_equal(pvm_freecontext(r[1]), PvmNotFound);
    /* It leaves PVM (its process lives on): they are free again. */
    int how = 1;
    send_ints(child, 4, &how, 1);
    recv_ints(-1, 6, &how, 1);
    int c = pvm_newcontext();
    assert_true(c >= tid_make(1, 1) && c <= tid_make(1, 8));

    /* Another takes the seven left and ends without pvm_exit. */
    child = spawn1("x_ctx", (char *[]){"alloc", "100", NULL});
    recv_ints(child, 3, r, 4);
    assert_int_equal(r[0], 7);
    assert_int_equal(r[3], PvmOutOfRes);
    assert_int_equal(pvm_newcontext(), PvmOutOfRes);
    assert_int_equal(pvm_notify(PvmTaskExit, 9, 1, &child), 0);
    how = 0;
    send_ints(child, 4, &how, 1);
    recv_ints(-1, 9, &how, 1);
    assert_int_equal(how, child);
    int got = 0;
    for (int i = 0; i < 8; i++) {
        int k = pvm_newcontext();
        if (k < 0) {
            assert_int_equal(k, PvmOutOfRes);
            break;
        }
        got++;
    }
    assert_int_equal(got, 7);
}

/* ======================================================================== */
/* Three hosts                                                              */
/* ======================================================================== */

static void add2(void)
{
    char *hosts[] = {"127.0.0.2", "127.0.0.3"};
    int infos[2] = {0, 0};
    assert_int_equal(pvm_addhosts(hosts, 2, infos), 2);
}

static int spawn_on(const char *host, char **args)
{
    int tid = 0;
    assert_int_equal(
        pvm_spawn((char *)harness_prog("x_ctx"), args, PvmTaskHost, (char *)host, 1, &tid), 1);
    return tid;
}

static void test_across_hosts(void **state)
{
    (void)state;
    add2();
    /* Each host hands out its own: unique in the whole machine. */
    int mine = pvm_newcontext();
    assert_int_equal(mine, tid_make(1, 1));
    const char *hosts[] = {"127.0.0.2", "127.0.0.3"};
    int kids[2];
    for (int h = 0; h < 2; h++) {
        kids[h] = spawn_on(hosts[h], (char *[]){"alloc", "2", NULL});
        int r[4];
        recv_ints(kids[h], 3, r, 4);
        assert_int_equal(r[0], 2);
        assert_int_equal(r[1], tid_make(tid_host(kids[h]), 1));
        assert_int_equal(r[2], tid_make(tid_host(kids[h]), 2));
        assert_int_equal(r[3], 0);
        /* Another host's context is not ours to free. */
        assert_int_equal(pvm_freecontext(r[1]), PvmNotFound);
    }
    assert_int_not_equal(tid_host(kids[0]), tid_host(kids[1]));
    for (int h = 0; h < 2; h++) {
        int how = 0;
        send_ints(kids[h], 4, &how, 1);
    }
    /* Inherited over hosts, and messages come back in it. */
    pvm_setcontext(mine);
    int child = spawn_on("127.0.0.3", (char *[]){"report", NULL});
    int v = 0;
    recv_ints(child, 1, &v, 1);
    assert_int_equal(v, mine);
    pvm_setcontext(0);
    child = spawn_on("127.0.0.2", (char *[]){"spawn", NULL});
    int r[3];
    recv_ints(child, 2, r, 3);
    assert_int_equal(r[0], 0);
    assert_int_equal(tid_host(r[1]), tid_host(child));
    assert_int_equal(r[2], r[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_and_free, vm_up, vm_down),
        cmocka_unit_test_setup_teardown(test_setcontext_any_value, vm_up, vm_down),
        cmocka_unit_test_setup_teardown(test_receive_matches_context, vm_up, vm_down),
        cmocka_unit_test_setup_teardown(test_spawn_inherits, vm_up, vm_down),
        cmocka_unit_test_setup_teardown(test_owned_and_freed_when_the_task_goes, up_small, vm_down),
        cmocka_unit_test_setup_teardown(test_across_hosts, vm_up, vm_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
