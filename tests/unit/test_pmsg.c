/*
 * test_pmsg.c - the message-buffer engine: every type x encoding x stride
 * round trip, the exact Default bytes, strings, empty and 64 MiB messages,
 * InPlace references (read at send time, flattening, iovecs), the id table,
 * packed messages, and random, truncated and corrupted bodies thrown at
 * every unpack path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core.h"
#include "pmsg.h"
#include "pvm3.h"

/* Deterministic generator, so a failure reproduces. */
static uint64_t rng_state = 0x853c49e6748fea9bull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void fill_random(void *p, size_t n)
{
    uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)rng();
}

static const int all_types[] = {PVM_BYTE,  PVM_SHORT, PVM_USHORT, PVM_INT,  PVM_UINT, PVM_LONG,
                                PVM_ULONG, PVM_FLOAT, PVM_DOUBLE, PVM_CPLX, PVM_DCPLX};
#define NTYPES (sizeof all_types / sizeof all_types[0])
static const int all_encs[] = {PvmDataDefault, PvmDataRaw, PvmDataInPlace};

/* ======================================================================== */
/* Round trips                                                              */
/* ======================================================================== */

/* Packs n items with stride into m (several packs in a row), then checks
 * that unpacking with the same stride restores exactly the strided items
 * and leaves the gaps alone. */
static void round_trip(int enc, int type, int n, int stride, bool via_copy)
{
    size_t isz = pmsg_type_size(type);
    size_t span = (size_t)(n ? (n - 1) * stride + 1 : 0) * isz;
    uint8_t *src = malloc(span + 1), *dst = malloc(span + 1);
    fill_random(src, span + 1);
    memset(dst, 0xa5, span + 1);

    struct pmsg *m = pmsg_new(enc);
    assert_non_null(m);
    int32_t marker = 0x11223344;
    assert_int_equal(pmsg_pack(m, PVM_INT, &marker, 1, 1), PvmOk);
    assert_int_equal(pmsg_pack(m, type, src, n, stride), PvmOk);
    assert_int_equal(pmsg_pack_copy(m, PVM_INT, &marker, 1, 1), PvmOk);
    /* PVM 3.4.6's sizes: XDR's in Default (bytes padded to 4), native in
     * Raw and InPlace. */
    size_t psz = pmsg_packed_size(enc, type), body = (size_t)n * psz;
    if (enc == PvmDataDefault && type == PVM_BYTE)
        body = (body + 3) & ~(size_t)3;
    bool xdr4 = type == PVM_SHORT || type == PVM_USHORT || type == PVM_LONG || type == PVM_ULONG;
    assert_int_equal(psz, enc == PvmDataDefault && xdr4 ? 4 : isz);
    assert_int_equal(pmsg_payload_len(m), 8 + body);

    struct pmsg *r = m;
    if (via_copy) {
        r = pmsg_copy(m);
        assert_non_null(r);
        assert_int_equal(r->nrefs, 0);
    }
    int32_t got = 0;
    assert_int_equal(pmsg_unpack(r, PVM_INT, &got, 1, 1), PvmOk);
    assert_int_equal(got, marker);
    assert_int_equal(pmsg_unpack(r, type, dst, n, stride), PvmOk);
    got = 0;
    assert_int_equal(pmsg_unpack(r, PVM_INT, &got, 1, 1), PvmOk);
    assert_int_equal(got, marker);
    assert_int_equal(pmsg_unpack(r, PVM_BYTE, &got, 1, 1), PvmNoData);

    /* Default keeps a long's low 32 bits and zero-extends them. */
    bool narrow = enc == PvmDataDefault && (type == PVM_LONG || type == PVM_ULONG);
    for (int i = 0; i < n; i++) {
        size_t o = (size_t)i * (size_t)stride * isz;
        if (narrow) {
            uint64_t a, b;
            memcpy(&a, src + o, 8);
            memcpy(&b, dst + o, 8);
            assert_int_equal(b, a & 0xffffffffu);
        } else {
            assert_memory_equal(dst + o, src + o, isz);
        }
        for (size_t g = isz; i + 1 < n && g < (size_t)stride * isz; g++)
            assert_int_equal(dst[o + g], 0xa5);
    }
    assert_int_equal(dst[span], 0xa5);
    if (r != m)
        pmsg_destroy(&r);
    pmsg_destroy(&m);
    assert_null(m);
    free(src);
    free(dst);
}

static void test_round_trip_all(void **state)
{
    static const int counts[] = {0, 1, 2, 7, 100, 1000};
    for (size_t e = 0; e < 3; e++)
        for (size_t t = 0; t < NTYPES; t++)
            for (int stride = 1; stride <= 3; stride++)
                for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
                    round_trip(all_encs[e], all_types[t], counts[c], stride, false);
                    round_trip(all_encs[e], all_types[t], counts[c], stride, true);
                }
}

/* Stride 0 repeats one item, as in PVM 3.4. */
static void test_stride_zero(void **state)
{
    for (size_t e = 0; e < 3; e++) {
        struct pmsg *m = pmsg_new(all_encs[e]);
        double x = 2.5, out[4] = {0};
        assert_int_equal(pmsg_pack(m, PVM_DOUBLE, &x, 4, 0), PvmOk);
        assert_int_equal(pmsg_payload_len(m), 32);
        assert_int_equal(pmsg_unpack(m, PVM_DOUBLE, out, 4, 1), PvmOk);
        for (int i = 0; i < 4; i++)
            assert_true(out[i] == 2.5);
        pmsg_destroy(&m);
    }
}

/* ======================================================================== */
/* Exact bytes                                                              */
/* ======================================================================== */

static void expect_body(struct pmsg *m, const uint8_t *want, size_t n)
{
    assert_int_equal(pmsg_flatten(m), PvmOk);
    assert_int_equal(m->len, n);
    assert_memory_equal(pmsg_body(m), want, n);
}

static void test_default_is_big_endian(void **state)
{
    struct pmsg *m = pmsg_new(PvmDataDefault);
    char b = 0x7f;
    short h = 0x0102;
    unsigned short uh = 0xfffe;
    int i = 0x01020304;
    unsigned u = 0xa1b2c3d4u;
    long l = 0x0102030405060708L;
    unsigned long ul = 0xf1f2f3f4f5f6f7f8UL;
    float f = 1.0f, cx[2] = {1.0f, -2.0f};
    double d = 1.0, dz[2] = {-0.0, 2.0};
    assert_int_equal(pmsg_pack(m, PVM_BYTE, &b, 1, 1), 0);
    assert_int_equal(pmsg_pack(m, PVM_SHORT, &h, 1, 1), 0);
    assert_int_equal(pmsg_pack(m, PVM_USHORT, &uh, 1, 1), 0);
    assert_int_equal(pmsg_pack(m, PVM_INT, &i, 1, 1), 0);
    assert_int_equal(pmsg_pack(m, PVM_UINT, &u, 1, 1), 0);
    assert_int_equal(pmsg_pack(m, PVM_LONG, &l, 1, 1), 0);
    assert_int_equal(pmsg_pack(m, PVM_ULONG, &ul, 1, 1), 0);
    assert_int_equal(pmsg_pack(m, PVM_FLOAT, &f, 1, 1), 0);
    assert_int_equal(pmsg_pack(m, PVM_CPLX, cx, 1, 1), 0);
    assert_int_equal(pmsg_pack(m, PVM_DOUBLE, &d, 1, 1), 0);
    assert_int_equal(pmsg_pack(m, PVM_DCPLX, dz, 1, 1), 0);
    assert_int_equal(pmsg_pack_str(m, "ab"), 0);
    assert_int_equal(pmsg_pack_str(m, ""), 0);
    /* PVM 3.4.6's XDR, byte for byte (checked against Debian's libpvm3). */
    static const uint8_t want[] = {
        0x7f, 0,    0,    0,                            /* byte, padded to 4 */
        0x00, 0x00, 0x01, 0x02,                         /* short in 4 */
        0xff, 0xff, 0xff, 0xfe,                         /* ushort, sign extended */
        0x01, 0x02, 0x03, 0x04,                         /* int */
        0xa1, 0xb2, 0xc3, 0xd4,                         /* uint */
        0x05, 0x06, 0x07, 0x08,                         /* long: low 32 bits */
        0xf5, 0xf6, 0xf7, 0xf8,                         /* ulong: low 32 bits */
        0x3f, 0x80, 0x00, 0x00,                         /* float 1.0 */
        0x3f, 0x80, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, /* cplx 1, -2 */
        0x3f, 0xf0, 0,    0,    0,    0,    0,    0,    /* double 1.0 */
        0x80, 0,    0,    0,    0,    0,    0,    0,    /* dcplx -0.0 */
        0x40, 0,    0,    0,    0,    0,    0,    0,    /* ... 2.0 */
        0,    0,    0,    3,    'a',  'b',  0,    0,    /* "ab": length with NUL */
        0,    0,    0,    1,    0,    0,    0,    0,    /* "": the NUL, padded */
    };
    expect_body(m, want, sizeof want);

    /* Negative numbers keep their two's complement bits. */
    pmsg_reset(m, PvmDataDefault);
    int neg = -2;
    long lneg = -3;
    pmsg_pack(m, PVM_INT, &neg, 1, 1);
    pmsg_pack(m, PVM_LONG, &lneg, 1, 1);
    static const uint8_t want2[] = {0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xfd};
    expect_body(m, want2, sizeof want2);

    /* Unpacking, as PVM 3.4.6 on LP64: a long zero-extends its 32 bits, a
     * short keeps the low 16 of its 4 bytes. */
    long lback = 0;
    short hback = 0;
    unsigned short uhback = 0;
    assert_int_equal(pmsg_unpack(m, PVM_LONG, &lback, 1, 1), PvmOk);
    assert_int_equal(lback, 0xfffffffeL);
    assert_int_equal(pmsg_unpack(m, PVM_SHORT, &hback, 1, 1), PvmOk);
    assert_int_equal(hback, -3);
    pmsg_reset(m, PvmDataDefault);
    pmsg_pack(m, PVM_USHORT, &uh, 1, 1);
    assert_int_equal(pmsg_unpack(m, PVM_USHORT, &uhback, 1, 1), PvmOk);
    assert_int_equal(uhback, 0xfffe);
    pmsg_destroy(&m);
}

/* Bytes are padded per pack and unpack call, so split unpacks of one
 * packed run read what PVM 3.4.6 reads. */
static void test_default_byte_padding(void **state)
{
    struct pmsg *m = pmsg_new(PvmDataDefault);
    int v = 77, w = 0;
    assert_int_equal(pmsg_pack(m, PVM_BYTE, "abcdef", 6, 1), PvmOk);
    assert_int_equal(m->len, 8);
    assert_int_equal(pmsg_pack(m, PVM_BYTE, "abcdefgh", 3, 3), PvmOk); /* a, d, g */
    assert_int_equal(m->len, 12);
    assert_int_equal(pmsg_pack(m, PVM_INT, &v, 1, 1), PvmOk);
    char got[8] = {0};
    assert_int_equal(pmsg_unpack(m, PVM_BYTE, got, 3, 1), PvmOk);     /* abc, pad 1 */
    assert_int_equal(pmsg_unpack(m, PVM_BYTE, got + 3, 3, 1), PvmOk); /* ef and a pad */
    assert_string_equal(got, "abcef");
    assert_int_equal(pmsg_unpack(m, PVM_BYTE, got, 3, 1), PvmOk);
    assert_memory_equal(got, "adg", 3);
    assert_int_equal(pmsg_unpack(m, PVM_INT, &w, 1, 1), PvmOk);
    assert_int_equal(w, 77);
    assert_int_equal(pmsg_unpack(m, PVM_BYTE, got, 1, 1), PvmNoData);
    /* A backward walk pads once, after its last item, as PVM 3.4.6. */
    pmsg_reset(m, PvmDataDefault);
    const char *abc = "abc";
    assert_int_equal(pmsg_pack(m, PVM_BYTE, abc + 2, 3, -1), PvmOk);
    assert_int_equal(m->len, 4);
    assert_int_equal(pmsg_pack(m, PVM_INT, &v, 1, 1), PvmOk);
    memset(got, 0, sizeof got);
    assert_int_equal(pmsg_unpack(m, PVM_BYTE, got + 2, 3, -1), PvmOk);
    assert_string_equal(got, "abc");
    assert_int_equal(pmsg_unpack(m, PVM_INT, &w, 1, 1), PvmOk);
    assert_int_equal(w, 77);
    pmsg_destroy(&m);
}

/* Long arrays take the vector path: still exact big-endian bytes, for
 * every unit width and every length around the vector size. */
static void test_default_bulk_bytes(void **state)
{
    static const int widths[] = {PVM_INT, PVM_DOUBLE, PVM_CPLX, PVM_DCPLX};
    static uint8_t src[1024 * 16 + 16], want[sizeof src];
    fill_random(src, sizeof src);
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        int type = widths[w];
        size_t isz = pmsg_type_size(type), unit = type == PVM_CPLX    ? 4
                                                  : type == PVM_DCPLX ? 8
                                                                      : isz;
        for (int n = 0; n <= 1024; n += n < 80 ? 1 : 97) {
            for (size_t b = 0; b < (size_t)n * isz; b += unit)
                for (size_t k = 0; k < unit; k++)
                    want[b + k] = src[b + unit - 1 - k];
            struct pmsg *m = pmsg_new(PvmDataDefault);
            assert_int_equal(pmsg_pack(m, type, src, n, 1), PvmOk);
            assert_int_equal(m->len, (size_t)n * isz);
            if (n > 0)
                assert_memory_equal(pmsg_body(m), want, (size_t)n * isz);
            pmsg_destroy(&m);
        }
    }
}

static void test_raw_is_native(void **state)
{
    for (int enc = PvmDataRaw; enc <= PvmDataInPlace; enc++) {
        struct pmsg *m = pmsg_new(enc);
        int i[3] = {0x01020304, 5, 0x0a0b0c0d};
        double d = 3.25;
        pmsg_pack(m, PVM_INT, i, 2, 2); /* i[0], i[2] */
        pmsg_pack(m, PVM_DOUBLE, &d, 1, 1);
        pmsg_pack_str(m, "xyz");
        short h = -5;
        long l = 0x0102030405060708L;
        pmsg_pack_copy(m, PVM_SHORT, &h, 1, 1);
        pmsg_pack_copy(m, PVM_LONG, &l, 1, 1);
        /* Native sizes, no padding; the string's NUL is packed and counted. */
        uint8_t want[8 + 8 + 8 + 2 + 8];
        int32_t four = 4;
        memcpy(want, &i[0], 4);
        memcpy(want + 4, &i[2], 4);
        memcpy(want + 8, &d, 8);
        memcpy(want + 16, &four, 4);
        memcpy(want + 20, "xyz", 4);
        memcpy(want + 24, &h, 2);
        memcpy(want + 26, &l, 8);
        expect_body(m, want, sizeof want);
        pmsg_destroy(&m);
    }
}

/* ======================================================================== */
/* Strings, empty messages, zero items                                      */
/* ======================================================================== */

static void test_strings(void **state)
{
    size_t longlen = 100000;
    char *longs = malloc(longlen + 1);
    for (size_t i = 0; i < longlen; i++)
        longs[i] = (char)('a' + i % 26);
    longs[longlen] = '\0';
    char *out = malloc(longlen + 1);
    for (int enc = PvmDataDefault; enc <= PvmDataInPlace; enc++) {
        struct pmsg *m = pmsg_new(enc);
        assert_int_equal(pmsg_pack_str(m, ""), PvmOk);
        assert_int_equal(pmsg_pack_str(m, longs), PvmOk);
        assert_int_equal(pmsg_pack_str(m, "tail"), PvmOk);
        assert_int_equal(pmsg_pack_str(m, NULL), PvmBadParam);
        memset(out, 'X', longlen + 1);
        assert_int_equal(pmsg_unpack_str(m, out), PvmOk);
        assert_string_equal(out, "");
        /* Too small: PvmOverflow and nothing consumed. */
        size_t before = m->rpos;
        assert_int_equal(pmsg_unpack_strn(m, out, longlen), PvmOverflow);
        assert_int_equal(m->rpos, before);
        assert_int_equal(pmsg_unpack_strn(m, out, longlen + 1), PvmOk);
        assert_string_equal(out, longs);
        char small[5];
        assert_int_equal(pmsg_unpack_strn(m, small, sizeof small), PvmOk);
        assert_string_equal(small, "tail");
        assert_int_equal(pmsg_unpack_str(m, out), PvmNoData);
        pmsg_destroy(&m);
    }
    free(longs);
    free(out);
}

static void test_empty_and_zero_items(void **state)
{
    for (int enc = PvmDataDefault; enc <= PvmDataInPlace; enc++) {
        struct pmsg *m = pmsg_new(enc);
        assert_int_equal(m->id, 0);
        assert_int_equal(m->enc, enc);
        assert_int_equal(pmsg_payload_len(m), 0);
        assert_int_equal(pmsg_niov(m), 0);
        struct iovec iov[2];
        assert_int_equal(pmsg_iov(m, iov, 2), 0);
        assert_non_null(pmsg_body(m));
        /* Zero items: fine, with or without a pointer, and nothing moves. */
        for (size_t t = 0; t < NTYPES; t++) {
            assert_int_equal(pmsg_pack(m, all_types[t], NULL, 0, 1), PvmOk);
            assert_int_equal(pmsg_unpack(m, all_types[t], NULL, 0, 1), PvmOk);
        }
        assert_int_equal(pmsg_payload_len(m), 0);
        char c;
        assert_int_equal(pmsg_unpack(m, PVM_BYTE, &c, 1, 1), PvmNoData);
        assert_int_equal(pmsg_unpack_str(m, &c), PvmNoData);
        struct pmsg *cp = pmsg_copy(m);
        assert_non_null(cp);
        assert_int_equal(pmsg_payload_len(cp), 0);
        pmsg_destroy(&cp);
        pmsg_destroy(&m);
    }
    assert_null(pmsg_new(3));
    assert_null(pmsg_new(-1));
    struct pmsg *none = NULL;
    pmsg_destroy(&none);
    pmsg_destroy(NULL);
}

/* ======================================================================== */
/* Errors                                                                   */
/* ======================================================================== */

static void test_bad_params(void **state)
{
    struct pmsg *m = pmsg_new(PvmDataDefault);
    int x[4] = {1, 2, 3, 4};
    assert_int_equal(pmsg_pack(m, PVM_INT, x, -1, 1), PvmBadParam);
    assert_int_equal(pmsg_pack(m, PVM_INT, NULL, 1, -1), PvmBadParam);
    assert_int_equal(pmsg_pack(m, PVM_INT, NULL, 1, 1), PvmBadParam);
    assert_int_equal(pmsg_pack(m, PVM_STR, x, 1, 1), PvmBadParam);
    assert_int_equal(pmsg_pack(m, 12, x, 1, 1), PvmBadParam);
    assert_int_equal(pmsg_pack(m, -3, x, 1, 1), PvmBadParam);
    assert_int_equal(pmsg_pack(NULL, PVM_INT, x, 1, 1), PvmBadParam);
    /* The array could not exist: (n-1)*stride items overflow. */
    assert_int_equal(pmsg_pack(m, PVM_DCPLX, x, 0x7fffffff, 0x7fffffff), PvmBadParam);
    assert_int_equal(pmsg_payload_len(m), 0);
    pmsg_pack(m, PVM_INT, x, 4, 1);
    assert_int_equal(pmsg_unpack(m, PVM_INT, x, -1, 1), PvmBadParam);
    assert_int_equal(pmsg_unpack(m, PVM_INT, NULL, 1, -2), PvmBadParam);
    assert_int_equal(pmsg_unpack(m, PVM_INT, NULL, 1, 1), PvmBadParam);
    assert_int_equal(pmsg_unpack(m, 99, x, 1, 1), PvmBadParam);
    assert_int_equal(m->rpos, 0);
    assert_int_equal(pmsg_type_size(PVM_STR), 0);
    assert_int_equal(pmsg_type_size(99), 0);
    assert_int_equal(pmsg_type_size(PVM_DCPLX), 16);
    assert_int_equal(pmsg_reset(m, 7), PvmBadParam);
    pmsg_destroy(&m);
}

/* PvmNoData never moves the cursor, whatever asked for too much. */
static void test_nodata_keeps_cursor(void **state)
{
    for (int enc = PvmDataDefault; enc <= PvmDataInPlace; enc++) {
        struct pmsg *m = pmsg_new(enc);
        int v[3] = {7, 8, 9};
        pmsg_pack(m, PVM_INT, v, 3, 1);
        int out[8];
        assert_int_equal(pmsg_unpack(m, PVM_INT, out, 1, 1), PvmOk);
        size_t pos = m->rpos;
        assert_int_equal(pmsg_unpack(m, PVM_INT, out, 3, 1), PvmNoData);
        assert_int_equal(pmsg_unpack(m, PVM_DOUBLE, out, 2, 1), PvmNoData);
        assert_int_equal(pmsg_unpack(m, PVM_INT, out, 3, 2), PvmNoData);
        assert_int_equal(pmsg_unpack(m, PVM_DCPLX, out, 1, 1), PvmNoData);
        assert_int_equal(m->rpos, pos);
        assert_int_equal(pmsg_unpack(m, PVM_INT, out, 2, 1), PvmOk);
        assert_int_equal(out[0], 8);
        assert_int_equal(out[1], 9);
        pmsg_destroy(&m);
    }
    /* A string whose length is beyond the end, or negative. */
    struct pmsg *r = pmsg_new_recv(PvmDataDefault, 6);
    memcpy(pmsg_body(r), (const uint8_t[]){0, 0, 0, 5, 'a', 'b'}, 6);
    char s[16];
    assert_int_equal(pmsg_unpack_str(r, s), PvmNoData);
    assert_int_equal(r->rpos, 0);
    memcpy(pmsg_body(r), "\xff\xff\xff\xfe", 4);
    assert_int_equal(pmsg_unpack_str(r, s), PvmBadMsg);
    assert_int_equal(r->rpos, 0);
    pmsg_destroy(&r);
}

/* ======================================================================== */
/* Big messages                                                             */
/* ======================================================================== */

static void test_64mib(void **state)
{
    size_t n = (64u << 20) / sizeof(double);
    double *src = malloc(n * sizeof *src), *dst = malloc(n * sizeof *dst);
    for (size_t i = 0; i < n; i++)
        src[i] = (double)i * 0.5;
    for (int enc = PvmDataDefault; enc <= PvmDataInPlace; enc++) {
        struct pmsg *m = pmsg_new(enc);
        /* In two halves, so the body also grows across a pack. */
        assert_int_equal(pmsg_pack(m, PVM_DOUBLE, src, (int)(n / 2), 1), PvmOk);
        assert_int_equal(pmsg_pack(m, PVM_DOUBLE, src + n / 2, (int)(n / 2), 1), PvmOk);
        assert_int_equal(pmsg_payload_len(m), 64u << 20);
        memset(dst, 0, n * sizeof *dst);
        assert_int_equal(pmsg_unpack(m, PVM_DOUBLE, dst, (int)n, 1), PvmOk);
        assert_memory_equal(dst, src, n * sizeof *dst);
        if (enc == PvmDataDefault) {
            uint8_t *b = pmsg_body(m);
            assert_int_equal(b[8 * 1], 0x3f); /* 0.5 = 3fe0... */
            assert_int_equal(b[8 * 1 + 1], 0xe0);
        }
        pmsg_destroy(&m);
    }
    /* Bytes: one big strided pack. */
    struct pmsg *m = pmsg_new(PvmDataRaw);
    assert_int_equal(pmsg_pack(m, PVM_BYTE, src, (int)(n * sizeof *src / 2), 2), PvmOk);
    assert_int_equal(pmsg_payload_len(m), 32u << 20);
    pmsg_destroy(&m);
    free(src);
    free(dst);
}

/* ======================================================================== */
/* InPlace                                                                  */
/* ======================================================================== */

/* Reads the payload through pmsg_iov, as a transport does. */
static size_t gather(struct pmsg *m, uint8_t *out, int max)
{
    struct iovec iov[64];
    int n = pmsg_iov(m, iov, max);
    assert_true(n >= 0);
    size_t t = 0;
    for (int i = 0; i < n; i++) {
        memcpy(out + t, iov[i].iov_base, iov[i].iov_len);
        t += iov[i].iov_len;
    }
    return t;
}

static void test_inplace_read_at_send(void **state)
{
    struct pmsg *m = pmsg_new(PvmDataInPlace);
    int a[4] = {1, 2, 3, 4};
    double d[6] = {0, 1, 2, 3, 4, 5};
    pmsg_pack(m, PVM_INT, a, 4, 1);
    pmsg_pack_str(m, "mid");             /* copied into the body */
    pmsg_pack(m, PVM_DOUBLE, d, 3, 2);   /* strided reference */
    pmsg_pack_copy(m, PVM_INT, a, 1, 1); /* copied: value 1 now */
    assert_int_equal(m->nrefs, 2);
    size_t total = 16 + 8 + 24 + 4; /* the string: int 4, "mid" and its NUL */
    assert_int_equal(pmsg_payload_len(m), total);
    assert_int_equal(pmsg_niov(m), 4);

    /* Change the user's data after packing: the send sees the new data. */
    a[0] = 100;
    a[3] = 400;
    d[2] = 22;
    d[4] = 44;
    uint8_t buf[128], want[128];
    int32_t four = 4;
    memcpy(want, a, 16);
    memcpy(want + 16, &four, 4);
    memcpy(want + 20, "mid", 4);
    memcpy(want + 24, &d[0], 8);
    memcpy(want + 32, &d[2], 8);
    memcpy(want + 40, &d[4], 8);
    int one = 1;
    memcpy(want + 48, &one, 4);
    for (int max = 1; max <= 5; max++) {
        memset(buf, 0, sizeof buf);
        assert_int_equal(gather(m, buf, max), total);
        assert_memory_equal(buf, want, total);
    }
    /* The stride-1 reference is handed out in place, not copied. */
    struct iovec iov[8];
    assert_int_equal(pmsg_iov(m, iov, 8), 4);
    assert_ptr_equal(iov[0].iov_base, a);

    /* A copy reads the data now; later changes do not reach it. */
    struct pmsg *c = pmsg_copy(m);
    a[1] = -5;
    assert_int_equal(pmsg_payload_len(c), total);
    assert_int_equal(c->len, total);
    assert_memory_equal(pmsg_body(c), buf, total);

    /* Unpacking straight from the references, then after flattening. */
    int ai[4];
    char s[8];
    double dd[3];
    int last;
    assert_int_equal(pmsg_unpack(m, PVM_INT, ai, 4, 1), PvmOk);
    assert_int_equal(ai[1], -5);
    assert_int_equal(pmsg_unpack_str(m, s), PvmOk);
    assert_string_equal(s, "mid");
    assert_int_equal(pmsg_unpack(m, PVM_DOUBLE, dd, 3, 1), PvmOk);
    assert_true(dd[1] == 22 && dd[2] == 44);
    assert_int_equal(pmsg_unpack(m, PVM_INT, &last, 1, 1), PvmOk);
    assert_int_equal(last, 1);
    assert_int_equal(m->nrefs, 0); /* the string read flattened it */
    pmsg_destroy(&c);
    pmsg_destroy(&m);
}

static void test_inplace_merge_and_flatten(void **state)
{
    /* A loop of single-item packs over an array is one reference. */
    struct pmsg *m = pmsg_new(PvmDataInPlace);
    int a[1000];
    for (int i = 0; i < 1000; i++) {
        a[i] = i;
        assert_int_equal(pmsg_pack(m, PVM_INT, &a[i], 1, 1), PvmOk);
    }
    assert_int_equal(m->nrefs, 1);
    assert_int_equal(pmsg_niov(m), 1);
    pmsg_destroy(&m);

    /* Many separate references: unpack flattens once and stays right. */
    m = pmsg_new(PvmDataInPlace);
    static int vals[300][2];
    for (int i = 0; i < 300; i++) {
        vals[i][0] = i;
        vals[i][1] = -i;
        pmsg_pack(m, PVM_INT, &vals[i][0], 1, 1);
        pmsg_pack_copy(m, PVM_INT, &vals[i][1], 1, 1);
    }
    assert_int_equal(m->nrefs, 300);
    for (int i = 0; i < 300; i++) {
        int v[2];
        assert_int_equal(pmsg_unpack(m, PVM_INT, v, 2, 1), PvmOk);
        assert_int_equal(v[0], i);
        assert_int_equal(v[1], -i);
    }
    pmsg_destroy(&m);
}

static void test_recv_and_reset(void **state)
{
    struct pmsg *r = pmsg_new_recv(PvmDataInPlace, 8);
    assert_int_equal(r->enc, PvmDataRaw); /* InPlace arrives as Raw */
    assert_int_equal(pmsg_payload_len(r), 8);
    double d = 9.5;
    memcpy(pmsg_body(r), &d, 8);
    pmsg_body(r)[-WIRE_HDR_LEN] = 1; /* the headroom is writable */
    double got;
    assert_int_equal(pmsg_unpack(r, PVM_DOUBLE, &got, 1, 1), PvmOk);
    assert_true(got == 9.5);
    r->tag = 5;
    assert_int_equal(pmsg_reset(r, PvmDataDefault), PvmOk);
    assert_int_equal(r->tag, 0);
    assert_int_equal(pmsg_payload_len(r), 0);
    assert_int_equal(r->rpos, 0);
    pmsg_destroy(&r);

    /* A frame with an unknown encoding unpacks as PvmBadMsg. */
    r = pmsg_new_recv(77, 4);
    memset(pmsg_body(r), 0, 4);
    int i;
    assert_int_equal(pmsg_unpack(r, PVM_INT, &i, 1, 1), PvmBadMsg);
    assert_int_equal(pmsg_unpack_str(r, (char *)&i), PvmBadMsg);
    pmsg_destroy(&r);
}

/* ======================================================================== */
/* The id table                                                             */
/* ======================================================================== */

static void test_id_table(void **state)
{
    enum { N = 500 };
    static struct pmsg *ms[N];
    static int ids[N];
    for (int i = 0; i < N; i++) {
        ms[i] = pmsg_new(PvmDataRaw);
        ids[i] = pmsg_register(ms[i]);
        assert_true(ids[i] > 0);
        assert_int_equal(pmsg_register(ms[i]), ids[i]); /* idempotent */
        for (int j = 0; j < i; j++)
            assert_int_not_equal(ids[j], ids[i]);
    }
    for (int i = 0; i < N; i++)
        assert_ptr_equal(pmsg_lookup(ids[i]), ms[i]);
    assert_null(pmsg_lookup(0));
    assert_null(pmsg_lookup(-1));
    assert_null(pmsg_lookup(1 << 30));
    /* Destroying unregisters, and clears an active buffer id. */
    lpvm_state.sbuf = ids[10];
    lpvm_state.rbuf = ids[11];
    int freed = ids[10];
    pmsg_destroy(&ms[10]);
    pmsg_destroy(&ms[11]);
    assert_int_equal(lpvm_state.sbuf, 0);
    assert_int_equal(lpvm_state.rbuf, 0);
    assert_null(pmsg_lookup(freed));
    /* Freed ids are reused. */
    ms[10] = pmsg_new(PvmDataRaw);
    ms[11] = pmsg_new(PvmDataRaw);
    int a = pmsg_register(ms[10]), b = pmsg_register(ms[11]);
    assert_true((a == ids[10] || a == ids[11]) && (b == ids[10] || b == ids[11]) && a != b);
    lpvm_state.sbuf = a;
    pmsg_free_all();
    assert_int_equal(lpvm_state.sbuf, 0);
    assert_null(pmsg_lookup(ids[0]));
    assert_int_equal(pmsg_register(NULL), PvmBadParam);
    /* The table works again after free_all. */
    struct pmsg *m = pmsg_new(PvmDataDefault);
    assert_true(pmsg_register(m) > 0);
    pmsg_free_all();
}

/* ======================================================================== */
/* Messages inside messages                                                 */
/* ======================================================================== */

static void test_pack_msg(void **state)
{
    for (int oe = PvmDataDefault; oe <= PvmDataInPlace; oe++)
        for (int ie = PvmDataDefault; ie <= PvmDataInPlace; ie++) {
            struct pmsg *in = pmsg_new(ie), *out = pmsg_new(oe);
            double d[3] = {1, 2, 3};
            pmsg_pack(in, PVM_DOUBLE, d, 3, 1);
            in->src = 0x40001;
            in->dst = 0x40002;
            in->tag = 77;
            in->ctx = 5;
            in->wid = -9;
            int pre = 42;
            pmsg_pack(out, PVM_INT, &pre, 1, 1);
            assert_int_equal(pmsg_pack_msg(out, in), PvmOk);
            assert_int_equal(pmsg_pack_msg(out, out), PvmBadParam);
            d[0] = 10; /* read at pack time even for InPlace inner */
            assert_int_equal(pmsg_pack_str(out, "after"), PvmOk);

            struct pmsg *got = NULL;
            int p;
            assert_int_equal(pmsg_unpack(out, PVM_INT, &p, 1, 1), PvmOk);
            assert_int_equal(p, 42);
            assert_int_equal(pmsg_unpack_msg(out, &got), PvmOk);
            assert_non_null(got);
            assert_int_equal(got->enc, ie);
            assert_int_equal(got->src, 0x40001);
            assert_int_equal(got->dst, 0x40002);
            assert_int_equal(got->tag, 77);
            assert_int_equal(got->ctx, 5);
            assert_int_equal(got->wid, -9);
            assert_int_equal(got->id, 0);
            double gd[3];
            assert_int_equal(pmsg_unpack(got, PVM_DOUBLE, gd, 3, 1), PvmOk);
            assert_true(gd[0] == 1 && gd[1] == 2 && gd[2] == 3);
            char s[8];
            assert_int_equal(pmsg_unpack_str(out, s), PvmOk);
            assert_string_equal(s, "after");
            assert_int_equal(pmsg_unpack_msg(out, &got), PvmNoData);

            /* Bodies only: layouts must agree. */
            struct pmsg *b = pmsg_new(oe);
            int want = (oe == PvmDataDefault) == (ie == PvmDataDefault) ? PvmOk : PvmMismatch;
            assert_int_equal(pmsg_pack_body(b, in), want);
            if (want == PvmOk) {
                assert_int_equal(pmsg_payload_len(b), 24);
                assert_int_equal(pmsg_unpack(b, PVM_DOUBLE, gd, 3, 1), PvmOk);
                assert_true(gd[0] == (ie == PvmDataInPlace ? 10 : 1) && gd[2] == 3);
            }
            pmsg_destroy(&b);
            pmsg_destroy(&got);
            pmsg_destroy(&in);
            pmsg_destroy(&out);
        }
}

static void test_pack_msg_layout(void **state)
{
    struct pmsg *in = pmsg_new(PvmDataRaw), *out = pmsg_new(PvmDataDefault);
    uint8_t payload[2] = {0xaa, 0xbb};
    pmsg_pack(in, PVM_BYTE, payload, 2, 1);
    in->ctx = 1;
    in->tag = 2;
    in->wid = 3;
    in->src = 4;
    in->dst = 5;
    assert_int_equal(pmsg_pack_msg(out, in), PvmOk);
    static const uint8_t want[] = {
        0,    0,    0, 0, /* len, high half */
        0,    0,    0, 2, /* len, low half */
        0,    0,    0, 1, /* ctx */
        0,    0,    0, 2, /* tag */
        0,    0,    0, 3, /* wid */
        0,    0,    0, 1, /* enc PvmDataRaw */
        0,    0,    0, 0, /* crc */
        0,    0,    0, 4, /* src */
        0,    0,    0, 5, /* dst */
        0xaa, 0xbb, 0, 0, /* the payload, padded as bytes */
    };
    /* 36 bytes of header in either encoding, as PVM 3.4.6. */
    expect_body(out, want, sizeof want);
    /* Every truncation short of the padding: PvmNoData and the cursor
     * stays; a bad enc is PvmBadMsg. */
    for (size_t cut = 0; cut < sizeof want - 2; cut++) {
        struct pmsg *r = pmsg_new_recv(PvmDataDefault, cut), *got = NULL;
        memcpy(pmsg_body(r), want, cut);
        assert_int_equal(pmsg_unpack_msg(r, &got), PvmNoData);
        assert_null(got);
        assert_int_equal(r->rpos, 0);
        pmsg_destroy(&r);
    }
    struct pmsg *r = pmsg_new_recv(PvmDataDefault, sizeof want), *got = NULL;
    memcpy(pmsg_body(r), want, sizeof want);
    pmsg_body(r)[23] = 9;
    assert_int_equal(pmsg_unpack_msg(r, &got), PvmBadMsg);
    assert_int_equal(r->rpos, 0);
    pmsg_destroy(&r);
    pmsg_destroy(&in);
    pmsg_destroy(&out);
}

/* ======================================================================== */
/* Hostile bodies                                                           */
/* ======================================================================== */

/* Runs random unpacks over m until one fails; every failure must leave the
 * cursor where it was. */
static void hammer(struct pmsg *m)
{
    static uint8_t sink[4096 * 16 * 3];
    char *str = malloc(pmsg_payload_len(m) + 1);
    for (int op = 0; op < 12; op++) {
        size_t before = m->rpos;
        int cc, kind = (int)(rng() % 16);
        if (kind < 11) {
            int n = (int)(rng() % 9), stride = 1 + (int)(rng() % 3);
            cc = pmsg_unpack(m, all_types[kind], sink, n, stride);
        } else if (kind < 13) {
            cc = pmsg_unpack_str(m, str);
        } else if (kind < 14) {
            char small[4];
            cc = pmsg_unpack_strn(m, small, sizeof small);
        } else {
            struct pmsg *got = NULL;
            cc = pmsg_unpack_msg(m, &got);
            if (cc == PvmOk) {
                hammer(got);
                pmsg_destroy(&got);
            }
            assert_null(got);
        }
        if (cc < 0) {
            assert_true(cc == PvmNoData || cc == PvmBadMsg || cc == PvmOverflow);
            assert_int_equal(m->rpos, before);
            if (cc == PvmNoData)
                break;
        }
        assert_true(m->rpos <= pmsg_payload_len(m));
    }
    free(str);
}

static void test_random_bodies(void **state)
{
    static const int encs[] = {PvmDataDefault, PvmDataRaw, PvmDataInPlace, 4, -1};
    uint8_t buf[256];
    for (int i = 0; i < 100000; i++) {
        size_t len = rng() % (i % 10 == 0 ? 256 : 48);
        fill_random(buf, len);
        /* Bias lengths small, so strings and packed messages parse deep. */
        if (len >= 8 && rng() % 2) {
            memset(buf, 0, 4);
            buf[3] = (uint8_t)(rng() % 16);
        }
        struct pmsg *m = pmsg_new_recv(encs[rng() % 5], len);
        assert_non_null(m);
        memcpy(pmsg_body(m), buf, len);
        hammer(m);
        pmsg_destroy(&m);
    }
}

/* A valid message of every kind of item, cut at every length and with
 * every single byte corrupted. */
static void test_truncated_and_corrupted(void **state)
{
    for (int enc = PvmDataDefault; enc <= PvmDataRaw; enc++) {
        struct pmsg *in = pmsg_new(enc), *m = pmsg_new(enc);
        short h[3] = {1, -2, 3};
        pmsg_pack(in, PVM_SHORT, h, 3, 1);
        pmsg_pack_str(in, "inner");
        int ints[5] = {5, 4, 3, 2, 1};
        pmsg_pack(m, PVM_INT, ints, 5, 1);
        pmsg_pack_str(m, "hello, world");
        pmsg_pack_msg(m, in);
        double dz[4] = {1, 2, 3, 4};
        pmsg_pack(m, PVM_DCPLX, dz, 2, 1);
        pmsg_pack_str(m, "");
        size_t full = pmsg_payload_len(m);
        uint8_t *body = pmsg_body(m);
        /* The last string's padding (Default) is skipped as far as it is
         * there: a body cut inside it still unpacks whole. */
        size_t whole = full - (enc == PvmDataDefault ? 3 : 0);

        for (size_t cut = 0; cut <= full; cut++) {
            struct pmsg *r = pmsg_new_recv(enc, cut);
            memcpy(pmsg_body(r), body, cut);
            int oi[5];
            char s[32];
            double od[4];
            struct pmsg *got = NULL;
            int steps = 0, cc;
            if ((cc = pmsg_unpack(r, PVM_INT, oi, 5, 1)) == 0 && ++steps &&
                (cc = pmsg_unpack_str(r, s)) == 0 && ++steps &&
                (cc = pmsg_unpack_msg(r, &got)) == 0 && ++steps &&
                (cc = pmsg_unpack(r, PVM_DCPLX, od, 2, 1)) == 0 && ++steps &&
                (cc = pmsg_unpack_str(r, s)) == 0)
                steps++;
            if (cut >= whole) {
                assert_int_equal(steps, 5);
                assert_string_equal(s, "");
                assert_true(od[3] == 4);
            } else {
                assert_int_equal(cc, PvmNoData);
                assert_true(steps < 5);
            }
            pmsg_destroy(&got);
            pmsg_destroy(&r);
        }
        for (size_t at = 0; at < full; at++)
            for (int bit = 0; bit < 8; bit++) {
                struct pmsg *r = pmsg_new_recv(enc, full);
                memcpy(pmsg_body(r), body, full);
                pmsg_body(r)[at] ^= (uint8_t)(1u << bit);
                hammer(r);
                pmsg_destroy(&r);
            }
        pmsg_destroy(&in);
        pmsg_destroy(&m);
    }
}

int main(void)
{
    lpvm_state.opt[PvmAutoErr] = 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_all),
        cmocka_unit_test(test_stride_zero),
        cmocka_unit_test(test_default_is_big_endian),
        cmocka_unit_test(test_default_bulk_bytes),
        cmocka_unit_test(test_default_byte_padding),
        cmocka_unit_test(test_raw_is_native),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_empty_and_zero_items),
        cmocka_unit_test(test_bad_params),
        cmocka_unit_test(test_nodata_keeps_cursor),
        cmocka_unit_test(test_64mib),
        cmocka_unit_test(test_inplace_read_at_send),
        cmocka_unit_test(test_inplace_merge_and_flatten),
        cmocka_unit_test(test_recv_and_reset),
        cmocka_unit_test(test_id_table),
        cmocka_unit_test(test_pack_msg),
        cmocka_unit_test(test_pack_msg_layout),
        cmocka_unit_test(test_random_bodies),
        cmocka_unit_test(test_truncated_and_corrupted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
