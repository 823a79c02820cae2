/*
 * test_wire.c - the frame header codec: layout, round trips, every
 * rejection, truncations and random input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pvm3.h"
#include "wire.h"

/* Deterministic generator, so a failure reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static struct wire_hdr sample(void)
{
    struct wire_hdr h = {
        .flags = WIRE_F_CTL | WIRE_F_REPLY | WIRE_F_NOSEQ,
        .src = 0x40001,
        .dst = 0x3fffffff,
        .tag = -7,
        .ctx = 0x7fff0000,
        .enc = PvmDataRaw,
        .wid = -123456789,
        .seq = 0xfedcba9876543210ull,
        .len = WIRE_MAX_PAYLOAD,
    };
    return h;
}

static void assert_hdr_equal(const struct wire_hdr *a, const struct wire_hdr *b)
{
    assert_int_equal(a->flags, b->flags);
    assert_int_equal(a->src, b->src);
    assert_int_equal(a->dst, b->dst);
    assert_int_equal(a->tag, b->tag);
    assert_int_equal(a->ctx, b->ctx);
    assert_int_equal(a->enc, b->enc);
    assert_int_equal(a->wid, b->wid);
    assert_true(a->seq == b->seq);
    assert_true(a->len == b->len);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct wire_hdr in = sample(), out;
    uint8_t buf[WIRE_HDR_LEN];
    wire_encode(&in, buf);
    assert_int_equal(wire_decode(buf, sizeof buf, &out), 0);
    assert_hdr_equal(&in, &out);

    /* Extremes of every signed and unsigned field. */
    struct wire_hdr lo = {0};
    lo.tag = INT32_MIN;
    lo.ctx = INT32_MIN;
    lo.enc = INT32_MIN;
    lo.wid = INT32_MIN;
    wire_encode(&lo, buf);
    assert_int_equal(wire_decode(buf, sizeof buf, &out), 0);
    assert_hdr_equal(&lo, &out);

    struct wire_hdr hi = {.flags = WIRE_F_KNOWN,
                          .src = INT32_MAX,
                          .dst = INT32_MAX,
                          .tag = INT32_MAX,
                          .ctx = INT32_MAX,
                          .enc = INT32_MAX,
                          .wid = INT32_MAX,
                          .seq = UINT64_MAX,
                          .len = WIRE_MAX_PAYLOAD};
    wire_encode(&hi, buf);
    assert_int_equal(wire_decode(buf, sizeof buf, &out), 0);
    assert_hdr_equal(&hi, &out);

    /* A longer buffer (header followed by payload) decodes the same. */
    uint8_t big[WIRE_HDR_LEN + 16];
    memset(big, 0xee, sizeof big);
    wire_encode(&in, big);
    assert_int_equal(wire_decode(big, sizeof big, &out), 0);
    assert_hdr_equal(&in, &out);
}

/* Each field set on its own, so a swapped pair of offsets cannot hide. */
static void test_each_field(void **state)
{
    (void)state;
    for (int f = 0; f < 9; f++) {
        struct wire_hdr in = {0}, out;
        switch (f) {
        case 0:
            in.flags = WIRE_F_NOSEQ;
            break;
        case 1:
            in.src = 0x40002;
            break;
        case 2:
            in.dst = 0x80003;
            break;
        case 3:
            in.tag = 11;
            break;
        case 4:
            in.ctx = 12;
            break;
        case 5:
            in.enc = 13;
            break;
        case 6:
            in.wid = 14;
            break;
        case 7:
            in.seq = 15;
            break;
        case 8:
            in.len = 16;
            break;
        }
        uint8_t buf[WIRE_HDR_LEN];
        wire_encode(&in, buf);
        assert_int_equal(wire_decode(buf, sizeof buf, &out), 0);
        assert_hdr_equal(&in, &out);
    }
}

/* The byte layout is a protocol: little endian whatever the host. */
static void test_layout(void **state)
{
    (void)state;
    struct wire_hdr h = {.flags = 0x0102 & WIRE_F_KNOWN,
                         .src = 0x04030201,
                         .dst = 0x40001,
                         .seq = 0x0807060504030201ull,
                         .len = 0x0201};
    uint8_t b[WIRE_HDR_LEN];
    wire_encode(&h, b);
    assert_memory_equal(b, "PVM3", 4);
    assert_int_equal(b[4], WIRE_VERSION);
    assert_int_equal(b[5], WIRE_HDR_LEN);
    static const uint8_t src[4] = {1, 2, 3, 4};
    assert_memory_equal(b + 8, src, 4);
    static const uint8_t dst[4] = {1, 0, 4, 0};
    assert_memory_equal(b + 12, dst, 4);
    static const uint8_t seq[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_memory_equal(b + 32, seq, 8);
    static const uint8_t len[8] = {1, 2, 0, 0, 0, 0, 0, 0};
    assert_memory_equal(b + 40, len, 8);

    struct wire_hdr neg = {.tag = -1};
    wire_encode(&neg, b);
    for (int i = 16; i < 20; i++)
        assert_int_equal(b[i], 0xff);
}

/* Decoding bytes that fail must leave *h alone. */
static void expect_reject(const uint8_t *b, size_t n, int code)
{
    struct wire_hdr out;
    memset(&out, 0x5a, sizeof out);
    struct wire_hdr before = out;
    assert_int_equal(wire_decode(b, n, &out), code);
    assert_memory_equal(&out, &before, sizeof out);
}

static void test_rejections(void **state)
{
    (void)state;
    struct wire_hdr h = sample();
    uint8_t good[WIRE_HDR_LEN], b[WIRE_HDR_LEN];
    wire_encode(&h, good);

    /* Magic, each byte. */
    for (int i = 0; i < 4; i++) {
        memcpy(b, good, sizeof b);
        b[i] ^= 0x20;
        expect_reject(b, sizeof b, PvmBadMsg);
    }
    /* Another version, older or newer. */
    memcpy(b, good, sizeof b);
    b[4] = WIRE_VERSION + 1;
    expect_reject(b, sizeof b, PvmBadVersion);
    b[4] = 0;
    expect_reject(b, sizeof b, PvmBadVersion);
    /* Bad magic wins over a bad version: garbage is not a version problem. */
    b[0] = 0;
    expect_reject(b, sizeof b, PvmBadMsg);
    /* Header length. */
    memcpy(b, good, sizeof b);
    b[5] = WIRE_HDR_LEN + 8;
    expect_reject(b, sizeof b, PvmBadMsg);
    b[5] = 0;
    expect_reject(b, sizeof b, PvmBadMsg);
    /* Every unknown flag bit. */
    for (int bit = 0; bit < 16; bit++) {
        if ((1u << bit) & WIRE_F_KNOWN)
            continue;
        struct wire_hdr t = h;
        t.flags = (uint16_t)(1u << bit);
        wire_encode(&t, b);
        expect_reject(b, sizeof b, PvmBadMsg);
    }
    /* Payload just over the limit, and the largest value. */
    struct wire_hdr t = h;
    t.len = WIRE_MAX_PAYLOAD + 1;
    wire_encode(&t, b);
    expect_reject(b, sizeof b, PvmBadMsg);
    t.len = UINT64_MAX;
    wire_encode(&t, b);
    expect_reject(b, sizeof b, PvmBadMsg);
    /* Negative tids. */
    t = h;
    t.src = -1;
    wire_encode(&t, b);
    expect_reject(b, sizeof b, PvmBadMsg);
    t = h;
    t.dst = INT32_MIN;
    wire_encode(&t, b);
    expect_reject(b, sizeof b, PvmBadMsg);
    /* ... but 0 is a task before enrolment. */
    t = h;
    t.src = 0;
    t.dst = 0;
    wire_encode(&t, b);
    struct wire_hdr out;
    assert_int_equal(wire_decode(b, sizeof b, &out), 0);
    assert_int_equal(out.src, 0);
}

static void test_truncations(void **state)
{
    (void)state;
    uint8_t b[WIRE_HDR_LEN];
    struct wire_hdr variants[3] = {sample(), {0}, {.flags = WIRE_F_CTL, .src = 0x40001}};
    for (int v = 0; v < 3; v++) {
        wire_encode(&variants[v], b);
        for (size_t n = 0; n < WIRE_HDR_LEN; n++)
            expect_reject(b, n, PvmNoData);
    }
    expect_reject(NULL, 0, PvmNoData);
}

/* Random bytes: only the documented results; whatever decodes re-encodes
 * to the very same bytes (the codec is a bijection on valid headers). */
static void check_random(uint8_t *b)
{
    struct wire_hdr out;
    int rc = wire_decode(b, WIRE_HDR_LEN, &out);
    assert_true(rc == 0 || rc == PvmBadMsg || rc == PvmBadVersion);
    if (rc == 0) {
        uint8_t again[WIRE_HDR_LEN];
        wire_encode(&out, again);
        assert_memory_equal(again, b, WIRE_HDR_LEN);
    }
}

static void test_random(void **state)
{
    (void)state;
    uint8_t b[WIRE_HDR_LEN];
    int decoded = 0;
    for (int i = 0; i < 200000; i++) {
        for (int j = 0; j < WIRE_HDR_LEN; j += 8) {
            uint64_t r = rng();
            memcpy(b + j, &r, 8);
        }
        /* Half the time start like a frame, to get past the magic. */
        if (i & 1) {
            struct wire_hdr h = {0};
            uint8_t good[WIRE_HDR_LEN];
            wire_encode(&h, good);
            memcpy(b, good, 6 + (rng() % 3));
            b[6] &= (uint8_t)(rng() & 0x0f);
            b[7] = (rng() & 7) ? 0 : b[7];
            b[11] &= 0x7f;
            b[15] &= 0x7f;
            b[44] = b[45] = b[46] = b[47] = 0;
            b[43] &= 0x07;
        }
        struct wire_hdr out;
        if (wire_decode(b, sizeof b, &out) == 0)
            decoded++;
        check_random(b);
        /* Short random input is always PvmNoData. */
        size_t n = rng() % WIRE_HDR_LEN;
        assert_int_equal(wire_decode(b, n, &out), PvmNoData);
    }
    /* The biased half must reach the accepting path often. */
    assert_true(decoded > 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),  cmocka_unit_test(test_each_field),
        cmocka_unit_test(test_layout),      cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_truncations), cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
