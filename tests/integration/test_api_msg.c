/*
 * test_api_msg.c - libpvm's messaging against a real pvmd: send/recv with
 * wildcards, per-pair order (also across the switch from the pvmd route to
 * the direct one), nrecv/probe/trecv, mcast, psend/precv for every type,
 * recvf, contexts, messages to self, bad arguments.
 */
#include <limits.h>
#include <sys/stat.h>

#include "test_api_util.h"

/* Send to self: wildcards and order, no pvmd involved. */
static void test_self_wildcards(void **state)
{
    (void)state;
    int me = pvm_mytid();
    for (int tag = 1; tag <= 3; tag++) {
        pvm_initsend(PvmDataDefault);
        pvm_pkint(&tag, 1, 1);
        assert_int_equal(pvm_send(me, tag), 0);
    }
    int v, len, tag, src;
    /* A specific tag skips earlier messages. */
    int b = pvm_recv(me, 2);
    assert_true(b > 0);
    assert_int_equal(pvm_bufinfo(b, &len, &tag, &src), 0);
    assert_int_equal(tag, 2);
    assert_int_equal(src, me);
    assert_int_equal(len, 4);
    pvm_upkint(&v, 1, 1);
    assert_int_equal(v, 2);
    /* Wildcards take the oldest. */
    b = pvm_recv(-1, -1);
    pvm_upkint(&v, 1, 1);
    assert_int_equal(v, 1);
    /* The previous receive buffer was freed by the new receive. */
    assert_true(pvm_bufinfo(b, &len, &tag, &src) == 0);
    b = pvm_recv(-1, -1);
    pvm_upkint(&v, 1, 1);
    assert_int_equal(v, 3);
    assert_int_equal(pvm_nrecv(-1, -1), 0);
}

static void test_echo_roundtrip_and_order(void **state)
{
    (void)state;
    int t = spawn1("t_echo", NULL);
    expect_msg(t, 1);
    for (int i = 0; i < 500; i++) {
        pvm_initsend(i % 2 ? PvmDataRaw : PvmDataDefault);
        pvm_pkint(&i, 1, 1);
        assert_int_equal(pvm_send(t, 100 + i % 7), 0);
    }
    for (int i = 0; i < 500; i++) {
        int b = pvm_recv(t, -1);
        assert_true(b > 0);
        int len, tag, src, v = -1;
        pvm_bufinfo(b, &len, &tag, &src);
        assert_int_equal(src, t);
        assert_int_equal(tag, 100 + i % 7);
        assert_int_equal(pvm_upkint(&v, 1, 1), 0);
        assert_int_equal(v, i);
    }
    send_empty(t, 999);
}

/* Messages sent before the receiver enrolled go through the pvmd; later
 * ones go directly and may overtake them: order must hold anyway. */
static void test_order_across_route_switch(void **state)
{
    (void)state;
    char fifo[300];
    snprintf(fifo, sizeof fifo, "%s/order.fifo", vm.tmp);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char *args[] = {"order", fifo, NULL};
    int t = spawn1("t_echo", args);
    int *fds, n0 = pvm_getfds(&fds);
    assert_true(n0 >= 1);
    int i = 1;
    for (; i <= 50; i++) { /* the child has not enrolled: via the pvmd */
        pvm_initsend(PvmDataDefault);
        pvm_pkint(&i, 1, 1);
        assert_int_equal(pvm_send(t, i), 0);
    }
    FILE *f = fopen(fifo, "w");
    assert_non_null(f);
    fputc('x', f);
    fclose(f);
    /* The child enrolls and says so over a direct connection to us, which
     * we then use to send to it as well: from here on our messages go
     * directly and can overtake the 50 still queued in the pvmd. */
    expect_msg(t, 3);
    for (; i <= 150; i++) {
        pvm_initsend(PvmDataDefault);
        pvm_pkint(&i, 1, 1);
        assert_int_equal(pvm_send(t, i), 0);
    }
    int total = i - 1;
    pvm_initsend(PvmDataDefault);
    assert_int_equal(pvm_send(t, 0), 0);
    int b = pvm_recv(t, 2);
    assert_true(b > 0);
    int good = -1;
    pvm_upkint(&good, 1, 1);
    assert_int_equal(good, total);
}

/* Sends an int to ourselves with tag. */
static void send_self_int(int tag, int v)
{
    assert_true(pvm_initsend(PvmDataDefault) > 0);
    pvm_pkint(&v, 1, 1);
    assert_int_equal(pvm_send(pvm_mytid(), tag), 0);
}

/* A buffer id from pvm_probe names a message still queued: freeing it,
 * making it the receive buffer and receiving again, or making it the send
 * buffer and calling pvm_initsend (each frees it, as in PVM) removes it
 * from the queue instead of leaving a freed message there. */
static void test_probe_id_freed_while_queued(void **state)
{
    (void)state;
    send_self_int(81, 1);
    send_self_int(81, 2);
    int p = pvm_probe(-1, 81);
    assert_true(p > 0);
    assert_int_equal(pvm_freebuf(p), 0);
    int v = 0;
    assert_true(pvm_recv(-1, 81) > 0);
    pvm_upkint(&v, 1, 1);
    assert_int_equal(v, 2);

    send_self_int(82, 3);
    send_self_int(82, 4);
    p = pvm_probe(-1, 82);
    assert_true(p > 0);
    pvm_setrbuf(p);
    assert_true(pvm_recv(-1, 82) > 0); /* frees p, the message with 3 */
    pvm_upkint(&v, 1, 1);
    assert_int_equal(v, 4);

    send_self_int(83, 5);
    p = pvm_probe(-1, 83);
    int old = pvm_setsbuf(p);
    assert_true(pvm_initsend(PvmDataDefault) > 0); /* frees p */
    pvm_freebuf(old);
    struct timeval zero = {0, 0};
    assert_int_equal(pvm_trecv(-1, 83, &zero), 0);
    assert_int_equal(pvm_trecv(-1, 81, &zero), 0);
    assert_int_equal(pvm_trecv(-1, 82, &zero), 0);
}

static void test_nrecv_probe_trecv(void **state)
{
    (void)state;
    int me = pvm_mytid();
    assert_int_equal(pvm_nrecv(-1, 77), 0);
    assert_int_equal(pvm_probe(-1, 77), 0);
    send_empty(me, 77);
    int p = pvm_probe(-1, 77);
    assert_true(p > 0);
    int len, tag, src;
    assert_int_equal(pvm_bufinfo(p, &len, &tag, &src), 0);
    assert_int_equal(tag, 77);
    assert_int_equal(pvm_probe(me, 77), p); /* probing does not consume */
    assert_int_equal(pvm_nrecv(me, 77), p);
    assert_int_equal(pvm_getrbuf(), p);
    assert_int_equal(pvm_nrecv(-1, 77), 0);

    /* trecv returns 0 after about the time asked. */
    struct timeval tv = {0, 300000};
    double t0 = now_s();
    assert_int_equal(pvm_trecv(-1, 78, &tv), 0);
    double dt = now_s() - t0;
    assert_true(dt >= 0.29);
    /* Not grossly late; the margin absorbs wake-up delays on a loaded
     * 2-core machine running the suite in parallel under sanitizers. */
    assert_true(dt < 1.0);
    struct timeval zero = {0, 0};
    assert_int_equal(pvm_trecv(-1, 78, &zero), 0);
    send_empty(me, 78);
    assert_true(pvm_trecv(-1, 78, &tv) > 0);
    /* A negative time-out only looks at what has arrived (PVM 3.4.6). */
    struct timeval neg = {-1, 0};
    assert_int_equal(pvm_trecv(-1, 78, &neg), 0);
    /* A time-out too long to count in nanoseconds waits, as for ever. */
    int t = spawn1("x_ctx", (char *[]){"report", NULL});
    struct timeval huge = {LONG_MAX, 0};
    assert_true(pvm_trecv(t, 1, &huge) > 0);
    struct timeval huge_us = {0, LONG_MAX};
    send_empty(me, 79);
    assert_true(pvm_trecv(-1, 79, &huge_us) > 0);
}

static void test_mcast(void **state)
{
    (void)state;
    int t[3];
    for (int i = 0; i < 3; i++) {
        t[i] = spawn1("t_echo", NULL);
        expect_msg(t[i], 1);
    }
    int list[4] = {t[0], pvm_mytid(), t[1], t[2]};
    pvm_initsend(PvmDataDefault);
    pvm_pkstr("to all");
    assert_int_equal(pvm_mcast(list, 4, 55), 0);
    for (int i = 0; i < 3; i++) {
        int b = pvm_recv(t[i], 55);
        assert_true(b > 0);
        char s[16];
        pvm_upkstr(s);
        assert_string_equal(s, "to all");
    }
    /* Not to the caller, even though it was listed. */
    assert_int_equal(pvm_nrecv(pvm_mytid(), 55), 0);
    assert_int_equal(pvm_mcast(list, -1, 55), PvmBadParam);
    assert_int_equal(pvm_mcast(NULL, 2, 55), PvmBadParam);
    int bad[1] = {-5};
    assert_int_equal(pvm_mcast(bad, 1, 55), PvmBadParam);
    assert_int_equal(pvm_mcast(list, 0, 55), 0);
    pvm_initsend(PvmDataDefault);
    assert_int_equal(pvm_mcast(t, 3, 999), 0);
}

static void test_psend_precv_types(void **state)
{
    (void)state;
    int t = spawn1("t_echo", NULL);
    expect_msg(t, 1);
    /* PVM 3.4.6 has no PVM_STR in psend/precv. */
    assert_int_equal(pvm_psend(t, 200, "abc", 3, PVM_STR), PvmNotImpl);
    static const int types[] = {PVM_BYTE,  PVM_SHORT, PVM_INT,    PVM_FLOAT, PVM_CPLX, PVM_DOUBLE,
                                PVM_DCPLX, PVM_LONG,  PVM_USHORT, PVM_UINT,  PVM_ULONG};
    static const size_t sizes[] = {1, 2, 4, 4, 8, 8, 16, 8, 2, 4, 8};
    unsigned char out[16 * 40], in[16 * 40 + 16];
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
        for (size_t i = 0; i < sizeof out; i++)
            out[i] = (unsigned char)(i * 13 + k);
        memset(in, 0xee, sizeof in);
        assert_int_equal(pvm_psend(t, 200 + (int)k, out, 40, types[k]), 0);
        int rt = 0, rg = 0, rc = 0;
        assert_int_equal(pvm_precv(t, 200 + (int)k, in, 40, types[k], &rt, &rg, &rc), 0);
        assert_int_equal(rt, t);
        assert_int_equal(rg, 200 + (int)k);
        assert_int_equal(rc, 40 * (int)sizes[k]); /* bytes, as PVM 3.4.6 */
        assert_memory_equal(in, out, 40 * sizes[k]);
        assert_int_equal(in[40 * sizes[k]], 0xee); /* nothing beyond */
    }
    /* A psend is an ordinary message too; precv of fewer items truncates. */
    int v[5] = {1, 2, 3, 4, 5};
    assert_int_equal(pvm_psend(t, 300, v, 5, PVM_INT), 0);
    int b = pvm_recv(t, 300);
    int w[5];
    assert_int_equal(pvm_upkint(w, 5, 1), 0);
    assert_memory_equal(w, v, sizeof v);
    assert_int_equal(pvm_getrbuf(), b); /* precv below leaves it alone */
    assert_int_equal(pvm_psend(t, 301, v, 5, PVM_INT), 0);
    int rc = 0;
    memset(w, 0, sizeof w);
    assert_int_equal(pvm_precv(t, 301, w, 2, PVM_INT, NULL, NULL, &rc), 0);
    /* Only 2 items fit; the count says the message had 5 (in bytes,
     * as PVM 3.4.6). */
    assert_int_equal(rc, 5 * (int)sizeof v[0]);
    assert_memory_equal(w, v, 2 * sizeof v[0]);
    assert_int_equal(w[2], 0);
    assert_int_equal(pvm_getrbuf(), b);
    assert_int_equal(pvm_psend(t, 1, NULL, 5, PVM_INT), PvmBadParam);
    /* PVM 3.4.6: a negative length sends an empty message (after a
     * complaint), and precv of a negative length takes one, its length
     * told. */
    assert_int_equal(pvm_psend(t, 302, v, -1, PVM_INT), 0);
    rc = -1;
    assert_int_equal(pvm_precv(t, 302, w, -1, PVM_INT, NULL, NULL, &rc), 0);
    assert_int_equal(rc, 0);
    assert_int_equal(pvm_psend(t, 303, v, 1, PVM_INT), 0);
    assert_int_equal(pvm_precv(t, 303, w, -1, PVM_INT, NULL, NULL, &rc), 0);
    assert_int_equal(rc, (int)sizeof v[0]);
    assert_int_equal(pvm_psend(t, 1, v, 1, 99), PvmBadParam);
    assert_int_equal(pvm_precv(t, 1, w, 1, 99, NULL, NULL, NULL), PvmBadParam);
    send_empty(t, 999);
}

static int recvf_calls;
/* Picks the message with the highest tag (rank = tag). */
static int pick_highest(int bufid, int tid, int tag)
{
    (void)tid;
    (void)tag;
    recvf_calls++;
    int len, t, src;
    if (pvm_bufinfo(bufid, &len, &t, &src) < 0)
        return -1;
    return t >= 40 && t < 50 ? t : 0;
}

static void test_recvf(void **state)
{
    (void)state;
    int me = pvm_mytid();
    send_empty(me, 41);
    send_empty(me, 45);
    send_empty(me, 43);
    assert_null(pvm_recvf(pick_highest));
    int b = pvm_recv(-1, -1);
    int len, tag, src;
    pvm_bufinfo(b, &len, &tag, &src);
    assert_int_equal(tag, 45);
    assert_true(recvf_calls >= 3);
    assert_ptr_equal(pvm_recvf(NULL), pick_highest);
    b = pvm_recv(-1, -1);
    pvm_bufinfo(b, &len, &tag, &src);
    assert_int_equal(tag, 41);
    assert_true(pvm_recv(-1, 43) > 0);
}

static void test_context(void **state)
{
    (void)state;
    int me = pvm_mytid();
    assert_int_equal(pvm_getcontext(), PvmBaseContext);
    assert_int_equal(pvm_setcontext(5), PvmBaseContext);
    send_empty(me, 60); /* in context 5 */
    assert_int_equal(pvm_setcontext(0), 5);
    assert_int_equal(pvm_nrecv(-1, 60), 0); /* not seen in context 0 */
    pvm_setcontext(5);
    assert_true(pvm_nrecv(-1, 60) > 0);
    pvm_setcontext(0);
    /* Any value, as in PVM 3.4.6, but libpvm's reserved contexts. */
    assert_int_equal(pvm_setcontext(-3), 0);
    assert_int_equal(pvm_setcontext(0x7fff0000), PvmBadParam);
    assert_int_equal(pvm_setcontext(0), -3);
    assert_int_equal(pvm_getcontext(), 0);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    pvm_initsend(PvmDataDefault);
    assert_int_equal(pvm_send(-3, 1), PvmBadParam);
    assert_int_equal(pvm_send(0x40000001, 1), PvmBadParam); /* not a tid layout */
    assert_int_equal(pvm_send(pvm_mytid(), -5), PvmBadParam);
    assert_int_equal(pvm_recv(-7, 1), PvmBadParam);
    assert_int_equal(pvm_recv(-1, -2), PvmBadParam);
    assert_int_equal(pvm_nrecv(0x40000000, -1), PvmBadParam);
    assert_int_equal(pvm_probe(-1, -9), PvmBadParam);
    assert_int_equal(pvm_errno, PvmBadParam);
    /* No send buffer. */
    int sb = pvm_getsbuf();
    pvm_setsbuf(0);
    assert_int_equal(pvm_send(pvm_mytid(), 1), PvmNoBuf);
    pvm_setsbuf(sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_self_wildcards),
        cmocka_unit_test(test_echo_roundtrip_and_order),
        cmocka_unit_test(test_order_across_route_switch),
        cmocka_unit_test(test_nrecv_probe_trecv),
        cmocka_unit_test(test_probe_id_freed_while_queued),
        cmocka_unit_test(test_mcast),
        cmocka_unit_test(test_psend_precv_types),
        cmocka_unit_test(test_recvf),
        cmocka_unit_test(test_context),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, vm_up, vm_down);
}
