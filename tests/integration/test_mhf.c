/*
 * test_mhf.c - message handlers (pvm_addmhf, pvm_delmhf) as PVM 3.4.6
 * runs them (measured against its library, docs/design.md "Message
 * handlers"), on one host and across three.
 *
 * Ids from 9, the lowest free first, gone at pvm_exit; overlapping
 * handlers PvmExists, bad ids PvmBadParam / PvmNotFound.  A handler takes
 * a message that matches as it comes in (-1: any source, tag, context),
 * and no receive sees it; one queued before the handler stays a receive's.
 * Handlers run in the calls that read messages -- receives, probes,
 * sends, requests to the pvmd -- and not in calls that stay in the
 * library; with the message as receive buffer and no send buffer, both
 * restored afterwards and the message freed; never nested; a message
 * whose handler is deleted before it ran is a receive's again.
 */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "pvm3.h"
#include "test_api_util.h"
#include "tid.h"

int pvmdisplaymhfinfo(char *who, char *msg, int tid);

static void send_ints(int tid, int tag, int *v, int n)
{
    assert_true(pvm_initsend(PvmDataDefault) > 0);
    assert_int_equal(pvm_pkint(v, n, 1), 0);
    assert_int_equal(pvm_send(tid, tag), 0);
}

/* Asks relay child `child' (progs/x_ctx.c) to send back one int `val'
 * with tag in context ctx. */
static void relay(int child, int ctx, int tag, int val)
{
    int cmd[] = {1, ctx, tag, val};
    int old = pvm_setcontext(0);
    send_ints(child, 1, cmd, 4);
    pvm_setcontext(old);
}

static void relay_end(int child)
{
    int end = -1;
    send_ints(child, 1, &end, 1);
}

/* What the handler saw, last call. */
static struct seen {
    int calls;
    int mid, rbuf, sbuf, len, tag, src, val, ctx;
} seen;

static int h_record(int mid)
{
    seen.calls++;
    seen.mid = mid;
    seen.rbuf = pvm_getrbuf();
    seen.sbuf = pvm_getsbuf();
    seen.ctx = pvm_getcontext();
    pvm_bufinfo(mid, &seen.len, &seen.tag, &seen.src);
    seen.val = -1;
    pvm_upkint(&seen.val, 1, 1);
    return 0;
}

/* ======================================================================== */
/* Ids and errors                                                           */
/* ======================================================================== */

static void test_ids_and_errors(void **state)
{
    (void)state;
    /* PVM 3.4.6's library keeps 0..8 for its own. */
    assert_int_equal(pvm_addmhf(-1, 10, 0, h_record), 9);
    assert_int_equal(pvm_addmhf(-1, -1, 5, h_record), 10);
    /* Overlapping: some message would match both. */
    assert_int_equal(pvm_addmhf(-1, 10, 0, h_record), PvmExists);
    assert_int_equal(pvm_addmhf(0x40005, 10, 0, h_record), PvmExists);
    assert_int_equal(pvm_addmhf(-1, 11, -1, h_record), PvmExists); /* ctx -1 meets ctx 5 */
    assert_int_equal(pvm_addmhf(0x40005, 10, -1, h_record), PvmExists);
    assert_int_equal(pvm_errno, PvmExists);
    /* Disjoint in one field is enough. */
    assert_int_equal(pvm_addmhf(-1, 11, 0, h_record), 11);
    assert_int_equal(pvm_addmhf(0x40005, 12, 7, h_record), 12);
    /* No function: PVM 3.4.6 takes it and crashes on the first match. */
    assert_int_equal(pvm_addmhf(-1, 99, 0, NULL), PvmBadParam);
    assert_int_equal(pvm_delmhf(-1), PvmBadParam);
    assert_int_equal(pvm_delmhf(0), PvmNotFound); /* PVM's own: never a program's */
    assert_int_equal(pvm_delmhf(8), PvmNotFound);
    assert_int_equal(pvm_delmhf(13), PvmNotFound);
    assert_int_equal(pvm_delmhf(INT32_MAX), PvmNotFound);
    /* Freed ids come back, lowest first. */
    assert_int_equal(pvm_delmhf(10), PvmOk);
    assert_int_equal(pvm_delmhf(10), PvmNotFound);
    assert_int_equal(pvm_delmhf(9), PvmOk);
    assert_int_equal(pvm_addmhf(-1, 20, 0, h_record), 9);
    assert_int_equal(pvm_addmhf(-1, 21, 0, h_record), 10);
    assert_int_equal(pvm_addmhf(-1, 22, 0, h_record), 13);
    assert_int_equal(pvmdisplaymhfinfo("test", "ids", pvm_mytid()), 0);
    /* pvm_exit takes them all. */
    pvm_exit();
    assert_true(pvm_mytid() > 0);
    assert_int_equal(pvm_delmhf(9), PvmNotFound);
    assert_int_equal(pvm_addmhf(-1, 20, 0, h_record), 9);
}

/* ======================================================================== */
/* Where handlers run                                                       */
/* ======================================================================== */

/* With every message on the pvmd's route (PvmDontRoute, both ends), one
 * that has come is readable on the pvmd's socket before libpvm reads it. */
static void wait_readable(void)
{
    int *fds = NULL;
    assert_true(pvm_getfds(&fds) >= 1);
    struct pollfd pf = {.fd = fds[0], .events = POLLIN};
    assert_int_equal(poll(&pf, 1, 20000), 1);
}

static int dr_child;

static int call_getcontext(void)
{
    return pvm_getcontext();
}
static int call_mytid(void)
{
    return pvm_mytid();
}
static int call_initsend(void)
{
    return pvm_initsend(PvmDataDefault);
}
static int call_bufinfo(void)
{
    return pvm_bufinfo(pvm_getsbuf(), NULL, NULL, NULL);
}
static int call_getopt(void)
{
    return pvm_getopt(PvmRoute);
}
static int call_send(void)
{
    pvm_initsend(PvmDataDefault);
    return pvm_send(dr_child, 500); /* a tag the relay never reads */
}
static int call_config(void)
{
    int nh, na;
    struct pvmhostinfo *hi;
    return pvm_config(&nh, &na, &hi);
}
static int call_tasks(void)
{
    int nt;
    struct pvmtaskinfo *ti;
    return pvm_tasks(0, &nt, &ti);
}
static int call_pstat(void)
{
    return pvm_pstat(dr_child);
}
static int call_probe(void)
{
    return pvm_probe(-1, 77);
}
static int call_nrecv(void)
{
    return pvm_nrecv(-1, 77);
}
static int call_trecv(void)
{
    struct timeval tv = {0, 0};
    return pvm_trecv(-1, 77, &tv);
}
static int call_newcontext(void)
{
    return pvm_freecontext(pvm_newcontext());
}

static void test_where_handlers_run(void **state)
{
    (void)state;
    pvm_setopt(PvmRoute, PvmDontRoute);
    dr_child = spawn1("x_ctx", (char *[]){"relay", "dontroute", NULL});
    expect_msg(dr_child, 1);
    /* Whatever else the pvmd had to say is read by now. */
    call_config();
    static const struct {
        const char *name;
        int (*call)(void);
        bool runs;
    } calls[] = {
        {"pvm_getcontext", call_getcontext, false},
        {"pvm_mytid", call_mytid, false},
        {"pvm_initsend", call_initsend, false},
        {"pvm_bufinfo", call_bufinfo, false},
        {"pvm_getopt", call_getopt, false},
        {"pvm_send", call_send, true},
        {"pvm_config", call_config, true},
        {"pvm_tasks", call_tasks, true},
        {"pvm_pstat", call_pstat, true},
        {"pvm_probe", call_probe, true},
        {"pvm_nrecv", call_nrecv, true},
        {"pvm_trecv", call_trecv, true},
        {"pvm_newcontext", call_newcontext, true},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        /* The message is matched as it is read, so the handler goes in
         * once it waits unread: the asking send cannot have taken it. */
        relay(dr_child, 0, 30, (int)i);
        wait_readable();
        int id = pvm_addmhf(dr_child, 30, 0, h_record);
        assert_int_equal(id, 9);
        int before = seen.calls;
        calls[i].call();
        if (seen.calls != before + (calls[i].runs ? 1 : 0))
            fail_msg("%s: the handler ran %d times, want %d", calls[i].name, seen.calls - before,
                     calls[i].runs ? 1 : 0);
        /* A receive always runs it, and never gets the message. */
        assert_int_equal(pvm_nrecv(-1, 30), 0);
        assert_int_equal(seen.calls, before + 1);
        assert_int_equal(seen.val, (int)i);
        assert_int_equal(pvm_delmhf(id), PvmOk);
    }
    relay_end(dr_child);
}

/* ======================================================================== */
/* What a handler sees                                                      */
/* ======================================================================== */

static int h_frees(int mid)
{
    seen.calls++;
    assert_int_equal(pvm_freebuf(mid), PvmOk);
    seen.rbuf = pvm_getrbuf();
    return 0;
}

static void test_buffers(void **state)
{
    (void)state;
    pvm_setopt(PvmRoute, PvmDontRoute);
    int child = spawn1("x_ctx", (char *[]){"relay", "dontroute", NULL});
    int rb = pvm_recv(child, 1); /* "ready": our receive buffer */
    assert_true(rb > 0);
    int c = pvm_newcontext();
    relay(child, c, 40, 4242);
    /* relay's initsend made the send buffer (its id changes at every
     * initsend, as in PVM 3.4.6): the one the handler must give back. */
    int sb = pvm_getsbuf();
    assert_true(sb > 0);
    wait_readable();
    assert_int_equal(pvm_addmhf(-1, -1, c, h_record), 9);
    int nh, na;
    struct pvmhostinfo *hi;
    assert_int_equal(pvm_config(&nh, &na, &hi), 0);
    assert_int_equal(seen.calls, 1);
    /* In the handler: the message is the receive buffer, no send buffer;
     * its own context stays the task's. */
    assert_true(seen.mid > 0);
    assert_int_equal(seen.rbuf, seen.mid);
    assert_int_equal(seen.sbuf, 0);
    assert_int_equal(seen.tag, 40);
    assert_int_equal(seen.src, child);
    assert_int_equal(seen.len, 4);
    assert_int_equal(seen.val, 4242);
    assert_int_equal(seen.ctx, 0);
    /* Afterwards: ours again, and the message freed. */
    assert_int_equal(pvm_getrbuf(), rb);
    assert_int_equal(pvm_getsbuf(), sb);
    assert_int_equal(pvm_bufinfo(rb, NULL, NULL, NULL), PvmOk);
    assert_int_equal(pvm_bufinfo(seen.mid, NULL, NULL, NULL), PvmNoSuchBuf);
    /* A handler that frees the message itself. */
    assert_int_equal(pvm_addmhf(-1, 41, 0, h_frees), 10);
    relay(child, 0, 41, 1);
    relay(child, 0, 42, 2);
    assert_true(pvm_recv(child, 42) > 0);
    assert_int_equal(seen.calls, 2);
    assert_int_equal(seen.rbuf, 0);
    relay_end(child);
}

/* ======================================================================== */
/* Which messages                                                           */
/* ======================================================================== */

static void test_queued_before_stays(void **state)
{
    (void)state;
    int child = spawn1("x_ctx", (char *[]){"relay", NULL});
    expect_msg(child, 1);
    relay(child, 0, 31, 1);
    relay(child, 0, 32, 2);
    assert_true(pvm_recv(child, 32) > 0); /* 31 is queued by now */
    assert_int_equal(pvm_addmhf(-1, 31, 0, h_record), 9);
    assert_int_equal(pvm_nrecv(-1, 77), 0);
    assert_int_equal(seen.calls, 0);
    assert_true(pvm_nrecv(child, 31) > 0);
    /* The next one is the handler's. */
    relay(child, 0, 31, 3);
    relay(child, 0, 32, 4);
    assert_true(pvm_recv(child, 32) > 0);
    assert_int_equal(seen.calls, 1);
    assert_int_equal(seen.val, 3);
    relay_end(child);
}

static int self_ping;

/* Records the message and sends the task a message of its own: a wait for
 * that one ends once the handler has run. */
static int h_ping(int mid)
{
    h_record(mid);
    pvm_initsend(PvmDataDefault);
    pvm_send(pvm_mytid(), self_ping);
    pvm_freebuf(pvm_setsbuf(0));
    return 0;
}

static void test_wildcards_contexts_notify(void **state)
{
    (void)state;
    int child = spawn1("x_ctx", (char *[]){"relay", NULL});
    expect_msg(child, 1);
    int ca = pvm_newcontext(), cb = pvm_newcontext();
    int any_in_a = pvm_addmhf(-1, -1, ca, h_record);
    assert_int_equal(pvm_addmhf(child, 41, cb, h_record), 10);
    /* Any tag in ca; tag 41 from the child in cb; nothing else. */
    int cmd[] = {5, ca, 50, 1, ca, 51, 2, 0, 50, 3, cb, 41, 4, cb, 42, 5};
    send_ints(child, 1, cmd, 16);
    pvm_setcontext(cb);
    assert_true(pvm_recv(child, 42) > 0);
    assert_int_equal(seen.calls, 3);
    assert_int_equal(seen.val, 4);
    pvm_setcontext(0);
    assert_true(pvm_nrecv(child, 50) > 0);
    assert_int_equal(pvm_nrecv(-1, -1), 0);
    /* A context wildcard, once nothing overlaps it. */
    assert_int_equal(pvm_addmhf(-1, 60, -1, h_record), PvmExists);
    assert_int_equal(pvm_delmhf(any_in_a), PvmOk);
    assert_int_equal(pvm_addmhf(-1, 60, -1, h_record), 9);
    int cmd2[] = {4, ca, 60, 6, 0, 60, 7, -3, 60, 8, 0, 61, 9};
    send_ints(child, 1, cmd2, 13);
    assert_true(pvm_recv(child, 61) > 0);
    assert_int_equal(seen.calls, 6);
    assert_int_equal(seen.val, 8);
    relay_end(child);
    /* pvm_notify's message (from the pvmd, PVM's pvmd tid as source), as
     * in pvm_addmhf(3PVM)'s example. */
    self_ping = 71;
    assert_int_equal(pvm_addmhf(-1, 70, -1, h_ping), 11);
    int t = spawn1("x_ctx", (char *[]){"report", NULL});
    assert_int_equal(pvm_notify(PvmTaskExit, 70, 1, &t), 0);
    assert_true(pvm_recv(pvm_mytid(), 71) > 0);
    assert_int_equal(seen.calls, 7);
    assert_int_equal(seen.tag, 70);
    assert_int_equal(seen.val, t);
    assert_true(pvm_recv(t, 1) > 0); /* its report was a receive's */
}

/* ======================================================================== */
/* Nesting, deleting, replying                                              */
/* ======================================================================== */

static int nest_child, b_id, a_calls, b_calls_in_a;

/* Handler A waits for tag 23 (handler B's tag 22 comes meanwhile), then
 * deletes B before B ever ran. */
static int h_a(int mid)
{
    (void)mid;
    a_calls++;
    assert_true(pvm_recv(nest_child, 23) > 0);
    b_calls_in_a = seen.calls;
    assert_int_equal(pvm_delmhf(b_id), PvmOk);
    return 0;
}

static void test_no_nesting_and_delete(void **state)
{
    (void)state;
    nest_child = spawn1("x_ctx", (char *[]){"relay", NULL});
    expect_msg(nest_child, 1);
    assert_int_equal(pvm_addmhf(-1, 21, 0, h_a), 9);
    b_id = pvm_addmhf(-1, 22, 0, h_record);
    assert_int_equal(b_id, 10);
    int cmd[] = {3, 0, 21, 1, 0, 22, 2, 0, 23, 3};
    send_ints(nest_child, 1, cmd, 10);
    /* A runs in this receive; B's message comes during A and is B's, but
     * B cannot run inside A, and once deleted the message is ours. */
    struct timeval tv = {20, 0};
    int b = pvm_trecv(nest_child, 22, &tv);
    assert_true(b > 0);
    assert_int_equal(a_calls, 1);
    assert_int_equal(b_calls_in_a, 0);
    assert_int_equal(seen.calls, 0);
    int v = 0;
    pvm_upkint(&v, 1, 1);
    assert_int_equal(v, 2);
    relay_end(nest_child);
}

/* pvm_addmhf(3PVM)'s pattern: a handler answers the sender. */
static int h_reply(int mid)
{
    int len, tag, src;
    pvm_bufinfo(mid, &len, &tag, &src);
    pvm_setsbuf(pvm_mkbuf(PvmDataDefault));
    int v = 41;
    pvm_pkint(&v, 1, 1);
    pvm_send(src, 91);
    pvm_freebuf(pvm_setsbuf(0));
    return 0;
}

static void test_handler_replies(void **state)
{
    (void)state;
    assert_int_equal(pvm_addmhf(-1, 90, 0, h_reply), 9);
    int sb = pvm_initsend(PvmDataDefault);
    int child = spawn1("x_ctx", (char *[]){"ask", "90", "91", NULL});
    struct timeval tv = {20, 0};
    assert_true(pvm_trecv(child, 92, &tv) > 0);
    int v = 0;
    pvm_upkint(&v, 1, 1);
    assert_int_equal(v, 42);
    assert_int_equal(pvm_getsbuf(), sb);
}

/* ======================================================================== */
/* Leaving from a handler                                                   */
/* ======================================================================== */

static int exit_cc, exit_errno;

static int h_exit(int mid)
{
    (void)mid;
    seen.calls++;
    exit_cc = pvm_exit();
    exit_errno = pvm_errno;
    return 0;
}

static void send_self(int tag)
{
    assert_true(pvm_initsend(PvmDataDefault) > 0);
    assert_int_equal(pvm_send(pvm_mytid(), tag), 0);
}

/* The wait that runs a handler, and the call above it, still use the
 * task's connection: PVM 3.4.6's pvm_exit refuses (PvmNotImpl) there. */
static void test_exit_in_handler(void **state)
{
    (void)state;
    int me = pvm_mytid();
    assert_int_equal(pvm_addmhf(-1, 95, -1, h_exit), 9);
    send_self(95); /* the handler may run in this send already */
    int nh, na;
    struct pvmhostinfo *hi;
    assert_int_equal(pvm_config(&nh, &na, &hi), 0);
    assert_int_equal(seen.calls, 1);
    assert_int_equal(exit_cc, PvmNotImpl);
    assert_int_equal(exit_errno, PvmNotImpl);
    /* Still the same task, still enrolled, and its handler still in. */
    assert_int_equal(pvm_mytid(), me);
    assert_int_equal(pvm_delmhf(9), PvmOk);
}

static int h_halt(int mid)
{
    (void)mid;
    seen.calls++;
    exit_cc = pvm_halt();
    return 0;
}

/* pvm_halt in a handler ends the virtual machine, but the core its caller
 * waits on only goes dead: every call fails until pvm_exit frees it. */
static void test_halt_in_handler(void **state)
{
    (void)state;
    assert_int_equal(pvm_addmhf(-1, 96, -1, h_halt), 9);
    send_self(96);
    /* Once the handler has run (in the send or here) nothing comes. */
    assert_int_equal(pvm_recv(-1, 97), PvmSysErr);
    assert_int_equal(seen.calls, 1);
    assert_int_equal(exit_cc, PvmOk);
    assert_int_equal(pvm_nrecv(-1, -1), PvmSysErr);
    assert_int_equal(pvm_exit(), PvmOk);
}

/* ======================================================================== */
/* Three hosts                                                              */
/* ======================================================================== */

static void test_across_hosts(void **state)
{
    (void)state;
    char *hosts[] = {"127.0.0.2", "127.0.0.3"};
    int infos[2];
    assert_int_equal(pvm_addhosts(hosts, 2, infos), 2);
    int c = pvm_newcontext();
    int kids[2];
    for (int h = 0; h < 2; h++) {
        assert_int_equal(pvm_spawn((char *)harness_prog("x_ctx"), (char *[]){"relay", NULL},
                                   PvmTaskHost, hosts[h], 1, &kids[h]),
                         1);
        expect_msg(kids[h], 1);
    }
    assert_int_equal(pvm_addmhf(-1, 80, c, h_record), 9);
    /* Many, so that later ones take the direct routes across hosts. */
    for (int i = 0; i < 50; i++)
        for (int h = 0; h < 2; h++)
            relay(kids[h], c, 80, i);
    for (int h = 0; h < 2; h++) {
        relay(kids[h], 0, 81, h);
        struct timeval tv = {20, 0};
        assert_true(pvm_trecv(kids[h], 81, &tv) > 0);
        relay_end(kids[h]);
    }
    assert_int_equal(seen.calls, 100);
    pvm_setcontext(c);
    assert_int_equal(pvm_nrecv(-1, 80), 0);
    pvm_setcontext(0);
}

static int up(void **state)
{
    memset(&seen, 0, sizeof seen);
    return vm_up(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ids_and_errors, up, vm_down),
        cmocka_unit_test_setup_teardown(test_where_handlers_run, up, vm_down),
        cmocka_unit_test_setup_teardown(test_buffers, up, vm_down),
        cmocka_unit_test_setup_teardown(test_queued_before_stays, up, vm_down),
        cmocka_unit_test_setup_teardown(test_wildcards_contexts_notify, up, vm_down),
        cmocka_unit_test_setup_teardown(test_no_nesting_and_delete, up, vm_down),
        cmocka_unit_test_setup_teardown(test_handler_replies, up, vm_down),
        cmocka_unit_test_setup_teardown(test_exit_in_handler, up, vm_down),
        cmocka_unit_test_setup_teardown(test_halt_in_handler, up, vm_down),
        cmocka_unit_test_setup_teardown(test_across_hosts, up, vm_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
