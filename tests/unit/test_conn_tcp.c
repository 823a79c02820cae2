/*
 * test_conn_tcp.c - the transport of direct routes across hosts
 * (libpvm/conn_tcp.c) over a socketpair: the handshake with the right and
 * wrong credentials and acknowledgements, replays, the sealing policy, no
 * frame before the handshake, frames both ways plain and sealed, what a
 * sealed stream shows on the wire, records altered, malformed or cut on
 * the way, large frames across many records with reads of every size.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn_tcp.h"
#include "direct.h"
#include "conn_collect.h"
#include "pvm3.h"
#include "wire.h"

#define ME 0x40001   /* the dialling task */
#define PEER 0x80002 /* the accepting task, another host */

static uint8_t secret[CONN_TCP_KEY] = {7, 7, 7};

/* The accepting side's policy: the credential from its secret, a
 * generation only once, sealing required when `need_seal'. */
static struct {
    bool need_seal;
    uint64_t seen;
    int admitted;
} pol_state;

static int t_cred(void *arg, int from, int to, bool sealed, uint8_t cred[CONN_TCP_KEY])
{
    (void)arg;
    if (to != PEER)
        return PvmNoTask;
    if (pol_state.need_seal && !sealed)
        return PvmDenied;
    direct_cred(cred, secret, from, to);
    return 0;
}

static int t_admit(void *arg, struct conn *c, int from, uint64_t gen)
{
    (void)arg;
    (void)c;
    assert_int_equal(from, ME);
    if (gen <= pol_state.seen)
        return PvmDenied;
    pol_state.seen = gen;
    pol_state.admitted++;
    return 0;
}

static const struct conn_tcp_policy policy = {.cred = t_cred, .admit = t_admit};


static void setup_policy(bool need_seal)
{
    pol_state.need_seal = need_seal;
    pol_state.seen = 0;
    pol_state.admitted = 0;
}


/* The ways a connection may be sealed here: AES-256-GCM only where the
 * processor has it. */
static int nseals(void)
{
    return conn_tcp_aes() ? 3 : 2;
}

/* Moves bytes both ways until both sides are ready: 0, or the code of the
 * side that failed. */
static int handshake(struct conn *a, struct conn *b)
{
    struct got g = {0};
    for (int spin = 0; spin < 10000; spin++) {
        int cc;
        if ((cc = conn_flush(a)) < 0 || (cc = conn_read(b, collect, &g)) < 0 ||
            (cc = conn_flush(b)) < 0 || (cc = conn_read(a, collect, &g)) < 0)
            return cc;
        assert_int_equal(g.n, 0);
        if (conn_tcp_ready(a) && conn_tcp_ready(b))
            return 0;
    }
    fail_msg("handshake made no progress");
    return PvmSysErr;
}

static struct conn *dialer(int fd, enum conn_tcp_seal seal, uint64_t gen, int from_key_of)
{
    uint8_t cred[CONN_TCP_KEY];
    uint8_t other[CONN_TCP_KEY] = {9};
    direct_cred(cred, from_key_of ? other : secret, ME, PEER);
    struct conn *c = conn_tcp_dial(fd, ME, PEER, cred, seal, gen);
    assert_non_null(c);
    return c;
}

static struct pmsg *body(size_t n, uint8_t seed)
{
    struct pmsg *m = pmsg_new(PvmDataRaw);
    assert_non_null(m);
    uint8_t *b = malloc(n ? n : 1);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(seed + i * 31);
    assert_int_equal(pmsg_pack(m, PVM_BYTE, b, (int)n, 1), 0);
    free(b);
    return m;
}

static struct wire_hdr hdr(int src, int dst, int tag, uint64_t len)
{
    return (struct wire_hdr){
        .src = src, .dst = dst, .tag = tag, .seq = (uint64_t)tag, .enc = PvmDataRaw, .len = len};
}

/* Starts a frame on a and moves bytes both ways until b has `want'
 * frames (or a or b fails: returns that code). */
static int pump(struct conn *a, struct wire_hdr *h, struct pmsg *m, struct conn *b, struct got *gb,
                struct got *ga, int want)
{
    if (h)
        assert_int_equal(conn_start_msg(a, h, m), 0);
    for (int spin = 0; spin < 200000; spin++) {
        int fa = conn_flush(a);
        if (fa < 0)
            return fa;
        int rb = conn_read(b, collect, gb);
        if (rb < 0)
            return rb;
        if (conn_pending(b) && conn_flush(b) < 0)
            return PvmSysErr;
        int ra = conn_read(a, collect, ga);
        if (ra < 0)
            return ra;
        if (gb->n >= want && fa == 1)
            return 0;
    }
    fail_msg("no progress");
    return PvmSysErr;
}

static void exchange(enum conn_tcp_seal seal, bool need_seal)
{
    bool sealed = seal != CONN_TCP_PLAIN;
    setup_policy(need_seal);
    int sv[2];
    pair(sv);
    struct conn *a = dialer(sv[0], seal, 1000, 0);
    struct conn *b = conn_tcp_accept(sv[1], &policy);
    assert_non_null(b);
    assert_true(conn_is_tcp(a) && conn_is_tcp(b));
    assert_false(conn_tcp_ready(a));
    assert_false(conn_tcp_ready(b));
    /* No frame before the handshake: it would be lost if refused. */
    struct pmsg *early = body(5, 1);
    struct wire_hdr eh = hdr(ME, PEER, 9, 5);
    assert_int_equal(conn_start_msg(a, &eh, early), 0);
    assert_int_equal(conn_flush(a), PvmSysErr);
    pmsg_destroy(&early);
    conn_destroy(&a);
    conn_destroy(&b);
    pair(sv);
    a = dialer(sv[0], seal, 1001, 0);
    b = conn_tcp_accept(sv[1], &policy);
    assert_int_equal(handshake(a, b), 0);
    struct got ga = {0}, gb = {0};
    /* Three frames from the dialler. */
    for (int i = 0; i < 3; i++) {
        struct pmsg *m = body((size_t)(i * 100 + 1), (uint8_t)i);
        struct wire_hdr h = hdr(ME, PEER, 10 + i, (uint64_t)(i * 100 + 1));
        assert_int_equal(pump(a, &h, m, b, &gb, &ga, i + 1), 0);
        pmsg_destroy(&m);
    }
    assert_int_equal(gb.n, 3);
    assert_int_equal(b->peer_tid, ME);
    assert_int_equal(conn_tcp_sealed(b), sealed);
    assert_int_equal(pol_state.admitted, 1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(gb.h[i].tag, 10 + i);
        assert_int_equal(gb.m[i]->len, (size_t)(i * 100 + 1));
        size_t last = (size_t)(i * 100);
        assert_int_equal(pmsg_body(gb.m[i])[0], (uint8_t)i);
        assert_int_equal(pmsg_body(gb.m[i])[last], (uint8_t)(i + last * 31));
    }
    /* And back on the same connection. */
    struct pmsg *m = body(77, 3);
    struct wire_hdr h = hdr(PEER, ME, 42, 77);
    assert_int_equal(pump(b, &h, m, a, &ga, &gb, 1), 0);
    pmsg_destroy(&m);
    assert_int_equal(ga.n, 1);
    assert_int_equal(ga.h[0].tag, 42);
    got_free(&ga);
    got_free(&gb);
    conn_destroy(&a);
    conn_destroy(&b);
}

static void test_plain(void **state)
{
    (void)state;
    exchange(CONN_TCP_PLAIN, false);
}

static void test_sealed(void **state)
{
    (void)state;
    for (int seal = CONN_TCP_CHACHA; seal < nseals(); seal++) {
        exchange((enum conn_tcp_seal)seal, false);
        exchange((enum conn_tcp_seal)seal, true);
    }
}

/* A machine that seals refuses a plain connection. */
static void test_seal_required(void **state)
{
    (void)state;
    setup_policy(true);
    int sv[2];
    pair(sv);
    struct conn *a = dialer(sv[0], CONN_TCP_PLAIN, 1000, 0);
    struct conn *b = conn_tcp_accept(sv[1], &policy);
    assert_int_equal(handshake(a, b), PvmSysErr);
    assert_false(conn_tcp_ready(a));
    assert_int_equal(pol_state.admitted, 0);
    conn_destroy(&a);
    conn_destroy(&b);
}

/* A credential made from another secret (a stranger's guess) is refused
 * before anything is read. */
static void test_wrong_credential(void **state)
{
    (void)state;
    for (int seal = 0; seal < nseals(); seal++) {
        setup_policy(false);
        int sv[2];
        pair(sv);
        struct conn *a = dialer(sv[0], (enum conn_tcp_seal)seal, 1000, 1);
        struct conn *b = conn_tcp_accept(sv[1], &policy);
        assert_int_equal(handshake(a, b), PvmSysErr);
        assert_false(conn_tcp_ready(a));
        assert_int_equal(pol_state.admitted, 0);
        conn_destroy(&a);
        conn_destroy(&b);
    }
}

/* A responder that does not hold the secret cannot make an
 * acknowledgement: the dialler takes nothing from it. */
static void test_forged_ack(void **state)
{
    (void)state;
    for (int seal = 0; seal < nseals(); seal++) {
        int sv[2];
        pair(sv);
        struct conn *a = dialer(sv[0], (enum conn_tcp_seal)seal, 7, 0);
        assert_int_equal(conn_flush(a), 1); /* the preamble */
        uint8_t pre[CONN_TCP_PREAMBLE];
        assert_int_equal(read(sv[1], pre, sizeof pre), (ssize_t)sizeof pre);
        /* The right magic, a nonce, a MAC made up; then a frame. */
        uint8_t ack[CONN_TCP_ACK] = {'P', 'V', 'A', '1', 1, 2, 3};
        memset(ack + CONN_TCP_ACK - 32, 0x5a, 32);
        assert_int_equal(write(sv[1], ack, sizeof ack), (ssize_t)sizeof ack);
        uint8_t frame[WIRE_HDR_LEN + 4] = {0};
        struct wire_hdr h = hdr(PEER, ME, 1, 4);
        wire_encode(&h, frame);
        assert_int_equal(write(sv[1], frame, sizeof frame), (ssize_t)sizeof frame);
        struct got ga = {0};
        assert_int_equal(conn_read(a, collect, &ga), PvmSysErr);
        assert_int_equal(ga.n, 0);
        assert_false(conn_tcp_ready(a));
        conn_destroy(&a);
        close(sv[1]);
    }
}

/* A recorded preamble, played back on new connections: admitted once (its
 * first delivery, as if it were the dialler's), refused after. */
static void test_replay(void **state)
{
    (void)state;
    setup_policy(false);
    int sv[2], tap[2];
    pair(sv);
    struct conn *a = dialer(sv[0], CONN_TCP_CHACHA, 5000, 0);
    assert_int_equal(conn_flush(a), 1);
    uint8_t pre[CONN_TCP_PREAMBLE];
    assert_int_equal(read(sv[1], pre, sizeof pre), (ssize_t)sizeof pre);
    struct got gb = {0};
    for (int round = 0; round < 2; round++) {
        pair(tap);
        assert_int_equal(write(tap[0], pre, sizeof pre), (ssize_t)sizeof pre);
        struct conn *b = conn_tcp_accept(tap[1], &policy);
        assert_int_equal(conn_read(b, collect, &gb), round == 0 ? 0 : PvmSysErr);
        assert_int_equal(conn_tcp_ready(b), round == 0);
        conn_destroy(&b);
        close(tap[0]);
    }
    assert_int_equal(pol_state.admitted, 1);
    assert_int_equal(gb.n, 0);
    conn_destroy(&a);
    close(sv[1]);
}

/* Moves what fd `from' has to fd `to'. */
static void relay(int from, int to)
{
    uint8_t buf[65536];
    ssize_t n;
    while ((n = read(from, buf, sizeof buf)) > 0)
        assert_int_equal(write(to, buf, (size_t)n), n);
}

/* a dials b through a relay: a on sv[0], b on tap[1]; the test sees and
 * may alter what passes between sv[1] and tap[0]. */
static void relayed(enum conn_tcp_seal seal, int sv[2], int tap[2], struct conn **a,
                    struct conn **b)
{
    pair(sv);
    pair(tap);
    *a = dialer(sv[0], seal, 100, 0);
    *b = conn_tcp_accept(tap[1], &policy);
    struct got g = {0};
    for (int spin = 0; spin < 1000 && !(conn_tcp_ready(*a) && conn_tcp_ready(*b)); spin++) {
        assert_true(conn_flush(*a) >= 0);
        relay(sv[1], tap[0]);
        assert_int_equal(conn_read(*b, collect, &g), 0);
        assert_true(conn_flush(*b) >= 0);
        relay(tap[0], sv[1]);
        assert_int_equal(conn_read(*a, collect, &g), 0);
    }
    assert_true(conn_tcp_ready(*a) && conn_tcp_ready(*b));
}

/* On the wire: a plain stream shows the payload, a sealed one does not;
 * a sealed record altered on the way ends the connection. */
static void test_on_the_wire(void **state)
{
    (void)state;
    static const char secret_text[] = "the answer is 42, the answer is 42";
    for (int seal = 0; seal < nseals(); seal++) {
        bool sealed = seal != CONN_TCP_PLAIN;
        setup_policy(false);
        int sv[2], tap[2];
        struct conn *a, *b;
        relayed((enum conn_tcp_seal)seal, sv, tap, &a, &b);
        struct pmsg *m = pmsg_new(PvmDataRaw);
        assert_int_equal(pmsg_pack(m, PVM_BYTE, (void *)secret_text, sizeof secret_text, 1), 0);
        struct wire_hdr h = hdr(ME, PEER, 1, sizeof secret_text);
        assert_int_equal(conn_start_msg(a, &h, m), 0);
        assert_int_equal(conn_flush(a), 1);
        uint8_t rec[4096];
        ssize_t n = read(sv[1], rec, sizeof rec);
        assert_true(n > WIRE_HDR_LEN);
        bool seen = memmem(rec, (size_t)n, secret_text, 10) != NULL;
        assert_int_equal(seen, !sealed);
        if (sealed)
            rec[n - 20] ^= 1; /* one bit of the ciphertext */
        assert_int_equal(write(tap[0], rec, (size_t)n), n);
        struct got gb = {0};
        assert_int_equal(conn_read(b, collect, &gb), sealed ? PvmSysErr : 0);
        assert_int_equal(gb.n, sealed ? 0 : 1);
        got_free(&gb);
        pmsg_destroy(&m);
        conn_destroy(&a);
        conn_destroy(&b);
        close(sv[1]);
        close(tap[0]);
    }
}

/* Sealed records with a length of 0 or past the limit, or cut short by
 * the end of the stream: the connection ends, nothing is delivered. */
static void test_malformed_records(void **state)
{
    (void)state;
    for (int kind = 0; kind < 3; kind++) {
        setup_policy(true);
        int sv[2], tap[2];
        struct conn *a, *b;
        relayed(CONN_TCP_CHACHA, sv, tap, &a, &b);
        uint8_t rec[64] = {0};
        size_t n = 4;
        if (kind == 0) {
            /* length 0 */
        } else if (kind == 1) {
            rec[1] = 1, rec[3] = 1; /* 65537 */
        } else {
            rec[3] = 40; /* 40 bytes and a tag announced, 20 sent, then the end */
            n = 24;
        }
        assert_int_equal(write(tap[0], rec, n), (ssize_t)n);
        if (kind == 2)
            close(tap[0]);
        struct got gb = {0};
        int cc = conn_read(b, collect, &gb);
        if (kind == 2 && cc == 0)
            cc = conn_read(b, collect, &gb);
        assert_int_equal(cc, PvmSysErr);
        assert_int_equal(gb.n, 0);
        conn_destroy(&a);
        conn_destroy(&b);
        close(sv[1]);
        if (kind != 2)
            close(tap[0]);
    }
}

/* A frame of many records (an odd size), then frames both ways, sealed
 * each way. */
static void large(enum conn_tcp_seal seal)
{
    setup_policy(true);
    int sv[2];
    pair(sv);
    struct conn *a = dialer(sv[0], seal, 1, 0);
    struct conn *b = conn_tcp_accept(sv[1], &policy);
    assert_int_equal(handshake(a, b), 0);
    size_t len = 3 * CONN_TCP_REC_MAX + 12345;
    struct pmsg *m = body(len, 9);
    struct wire_hdr h = hdr(ME, PEER, 7, len);
    struct got ga = {0}, gb = {0};
    assert_int_equal(pump(a, &h, m, b, &gb, &ga, 1), 0);
    assert_int_equal(gb.n, 1);
    assert_int_equal(gb.m[0]->len, len);
    assert_memory_equal(pmsg_body(gb.m[0]), pmsg_body(m), len);
    pmsg_destroy(&m);
    /* Back, then several small frames after it in one stream. */
    m = body(len + 1, 4);
    h = hdr(PEER, ME, 8, len + 1);
    assert_int_equal(pump(b, &h, m, a, &ga, &gb, 1), 0);
    assert_memory_equal(pmsg_body(ga.m[0]), pmsg_body(m), len + 1);
    pmsg_destroy(&m);
    for (int i = 0; i < 20; i++) {
        m = body((size_t)i, (uint8_t)i);
        h = hdr(ME, PEER, 100 + i, (uint64_t)i);
        assert_int_equal(pump(a, &h, m, b, &gb, &ga, 2 + i), 0);
        pmsg_destroy(&m);
    }
    assert_int_equal(gb.n, 21);
    for (int i = 0; i < 20; i++)
        assert_int_equal(gb.h[1 + i].tag, 100 + i);
    got_free(&ga);
    got_free(&gb);
    conn_destroy(&a);
    conn_destroy(&b);
}

static void test_large(void **state)
{
    (void)state;
    for (int seal = CONN_TCP_CHACHA; seal < nseals(); seal++)
        large((enum conn_tcp_seal)seal);
}

/* The peer going away is an error, not a hang, on either side. */
static void test_hangup(void **state)
{
    (void)state;
    setup_policy(false);
    int sv[2];
    pair(sv);
    struct conn *b = conn_tcp_accept(sv[1], &policy);
    /* Half a preamble, then the end. */
    uint8_t junk[40] = {'P', 'V', 'D', '1'};
    assert_int_equal(write(sv[0], junk, sizeof junk), (ssize_t)sizeof junk);
    struct got gb = {0};
    assert_int_equal(conn_read(b, collect, &gb), 0);
    close(sv[0]);
    assert_int_equal(conn_read(b, collect, &gb), PvmSysErr);
    conn_destroy(&b);
    /* Garbage of a whole preamble's length. */
    pair(sv);
    b = conn_tcp_accept(sv[1], &policy);
    uint8_t garbage[CONN_TCP_PREAMBLE];
    memset(garbage, 0xA5, sizeof garbage);
    assert_int_equal(write(sv[0], garbage, sizeof garbage), (ssize_t)sizeof garbage);
    assert_int_equal(conn_read(b, collect, &gb), PvmSysErr);
    assert_int_equal(pol_state.admitted, 0);
    conn_destroy(&b);
    close(sv[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),          cmocka_unit_test(test_sealed),
        cmocka_unit_test(test_seal_required),  cmocka_unit_test(test_wrong_credential),
        cmocka_unit_test(test_forged_ack),     cmocka_unit_test(test_replay),
        cmocka_unit_test(test_on_the_wire),    cmocka_unit_test(test_malformed_records),
        cmocka_unit_test(test_large),          cmocka_unit_test(test_hangup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
