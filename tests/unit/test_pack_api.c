/*
 * test_pack_api.c - PVM's buffer and packing calls: pvm_mkbuf ...
 * pvm_setminfo, every pvm_pk and pvm_upk call in every encoding and stride,
 * strings, the documented error codes (and pvm_errno), freeing the active
 * buffers, pvm_pkmesg / pvm_pkmesgbody / pvm_upkmesg, and random bodies
 * unpacked through the public calls.  No daemon is involved: a send buffer
 * is turned into the receive buffer with pvm_setrbuf, as PVM allows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch.h"
#include "core.h"
#include "pmsg.h"
#include "pvm3.h"

static uint64_t rng_state = 0x6a09e667f3bcc909ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Every test starts and ends with no buffers. */
static int clean(void **state)
{
    pmsg_free_all();
    pvm_errno = 0;
    return 0;
}

/* ======================================================================== */
/* Every pk/upk call                                                        */
/* ======================================================================== */

typedef int (*pk_fn)(void *, int, int);

/* Wrappers give every public call one shape, so one loop drives them all. */
#define WRAP(n, t)                                                                                 \
    static int pk_##n(void *p, int c, int s)                                                       \
    {                                                                                              \
        return pvm_pk##n((t *)p, c, s);                                                            \
    }                                                                                              \
    static int upk_##n(void *p, int c, int s)                                                      \
    {                                                                                              \
        return pvm_upk##n((t *)p, c, s);                                                           \
    }
WRAP(byte, char)
WRAP(short, short)
WRAP(ushort, unsigned short)
WRAP(int, int)
WRAP(uint, unsigned)
WRAP(long, long)
WRAP(ulong, unsigned long)
WRAP(float, float)
WRAP(double, double)
WRAP(cplx, float)
WRAP(dcplx, double)

static const struct {
    pk_fn pk, upk;
    size_t size; /* bytes of one item in memory, in Raw and InPlace */
    size_t xdr;  /* bytes of one item in Default (PVM 3.4.6's XDR) */
} calls[] = {
#define CALL(n, size, xdr)                                                                         \
    {                                                                                              \
        pk_##n, upk_##n, size, xdr                                                                 \
    }
    CALL(byte, 1, 1),   CALL(short, 2, 4), CALL(ushort, 2, 4),  CALL(int, 4, 4),
    CALL(uint, 4, 4),   CALL(long, 8, 4),  CALL(ulong, 8, 4),   CALL(float, 4, 4),
    CALL(double, 8, 8), CALL(cplx, 8, 8),  CALL(dcplx, 16, 16),
#undef CALL
};
#define NCALLS (sizeof calls / sizeof calls[0])

static void test_every_call_round_trip(void **state)
{
    enum { N = 37 };
    static uint8_t src[NCALLS][N * 3 * 16], dst[N * 3 * 16];
    for (size_t c = 0; c < NCALLS; c++)
        for (size_t i = 0; i < sizeof src[c]; i++)
            src[c][i] = (uint8_t)rng();
    for (int enc = PvmDataDefault; enc <= PvmDataInPlace; enc++)
        for (int stride = 1; stride <= 3; stride++) {
            int sb = pvm_initsend(enc);
            assert_true(sb > 0);
            assert_int_equal(pvm_getsbuf(), sb);
            for (size_t c = 0; c < NCALLS; c++)
                assert_int_equal(calls[c].pk(src[c], N, stride), PvmOk);
            assert_int_equal(pvm_pkstr("end"), enc == PvmDataInPlace ? PvmNotImpl : PvmOk);

            int bytes, tag, tid;
            assert_int_equal(pvm_bufinfo(sb, &bytes, &tag, &tid), PvmOk);
            /* PVM 3.4.6's sizes: XDR's in Default, with the 37 bytes padded
             * to 40 and "end" packed as int 4 and "end\0"; native in Raw;
             * nothing in an InPlace buffer before it is sent. */
            size_t want = 0;
            for (size_t c = 0; c < NCALLS; c++)
                want += N * (enc == PvmDataDefault ? calls[c].xdr : calls[c].size);
            if (enc == PvmDataDefault)
                want += 3 + 4 + 4;
            else if (enc == PvmDataRaw)
                want += 4 + 4;
            else
                want = 0;
            assert_int_equal(bytes, want);

            assert_int_equal(pvm_setrbuf(sb), 0);
            for (size_t c = 0; c < NCALLS; c++) {
                memset(dst, 0xee, sizeof dst);
                assert_int_equal(calls[c].upk(dst, N, stride), PvmOk);
                for (int i = 0; i < N; i++) {
                    size_t o = (size_t)i * (size_t)stride * calls[c].size;
                    if (enc == PvmDataDefault && calls[c].xdr < calls[c].size &&
                        calls[c].size == 8) {
                        /* A long: its low 32 bits, zero-extended. */
                        uint64_t a, b;
                        memcpy(&a, src[c] + o, 8);
                        memcpy(&b, dst + o, 8);
                        assert_int_equal(b, a & 0xffffffffu);
                    } else {
                        assert_memory_equal(dst + o, src[c] + o, calls[c].size);
                    }
                    if (stride > 1 && i + 1 < N)
                        assert_int_equal(dst[o + calls[c].size], 0xee);
                }
            }
            if (enc != PvmDataInPlace) {
                char s[8];
                assert_int_equal(pvm_upkstr(s), PvmOk);
                assert_string_equal(s, "end");
            }
            char b;
            assert_int_equal(pvm_upkbyte(&b, 1, 1), PvmNoData);
            assert_int_equal(pvm_errno, PvmNoData);
            pvm_setrbuf(0);
        }
}

/* Typed values, so the conversions (not just the bytes) are checked. */
static void test_typed_values(void **state)
{
    for (int enc = PvmDataDefault; enc <= PvmDataInPlace; enc++) {
        pvm_initsend(enc);
        short s[2] = {-32768, 32767};
        unsigned short us = 65535;
        int i = -123456789;
        unsigned u = 4000000000u;
        long l = -9000000000000000000L;
        unsigned long ul = 18000000000000000000UL;
        float f = -1.5f, cx[2] = {0.25f, -8.0f};
        double d = 1e300, dz[2] = {-1e-300, 3.0};
        char bytes[3] = {'a', '\0', (char)0xff};
        pvm_pkshort(s, 2, 1);
        pvm_pkushort(&us, 1, 1);
        pvm_pkint(&i, 1, 1);
        pvm_pkuint(&u, 1, 1);
        pvm_pklong(&l, 1, 1);
        pvm_pkulong(&ul, 1, 1);
        pvm_pkfloat(&f, 1, 1);
        pvm_pkcplx(cx, 1, 1);
        pvm_pkdouble(&d, 1, 1);
        pvm_pkdcplx(dz, 1, 1);
        pvm_pkbyte(bytes, 3, 1);
        pvm_setrbuf(pvm_getsbuf());
        short s2[2];
        unsigned short us2;
        int i2;
        unsigned u2;
        long l2;
        unsigned long ul2;
        float f2, cx2[2];
        double d2, dz2[2];
        char bytes2[3];
        pvm_upkshort(s2, 2, 1);
        pvm_upkushort(&us2, 1, 1);
        pvm_upkint(&i2, 1, 1);
        pvm_upkuint(&u2, 1, 1);
        pvm_upklong(&l2, 1, 1);
        pvm_upkulong(&ul2, 1, 1);
        pvm_upkfloat(&f2, 1, 1);
        pvm_upkcplx(cx2, 1, 1);
        pvm_upkdouble(&d2, 1, 1);
        assert_int_equal(pvm_upkdcplx(dz2, 1, 1), PvmOk);
        assert_int_equal(pvm_upkbyte(bytes2, 3, 1), PvmOk);
        assert_int_equal(s2[0], -32768);
        assert_int_equal(s2[1], 32767);
        assert_int_equal(us2, 65535);
        assert_int_equal(i2, -123456789);
        assert_true(u2 == 4000000000u);
        if (enc == PvmDataDefault) {
            /* As PVM 3.4.6: the low 32 bits, zero-extended. */
            assert_true(l2 == (long)((unsigned long)l & 0xffffffffu));
            assert_true(ul2 == (ul & 0xffffffffu));
        } else {
            assert_true(l2 == -9000000000000000000L);
            assert_true(ul2 == 18000000000000000000UL);
        }
        assert_true(f2 == -1.5f && cx2[0] == 0.25f && cx2[1] == -8.0f);
        assert_true(d2 == 1e300 && dz2[0] == -1e-300 && dz2[1] == 3.0);
        assert_memory_equal(bytes2, bytes, 3);
    }
}

static void test_strings(void **state)
{
    pvm_initsend(PvmDataDefault);
    static char longs[70000];
    memset(longs, 'q', sizeof longs - 1);
    assert_int_equal(pvm_pkstr(""), PvmOk);
    assert_int_equal(pvm_pkstr(longs), PvmOk);
    assert_int_equal(pvm_pkstr("x"), PvmOk);
    lpvm_state.opt[PvmAutoErr] = 0;
    assert_int_equal(pvm_pkstr(NULL), PvmBadParam);
    pvm_setrbuf(pvm_getsbuf());
    static char out[70000];
    out[0] = 'Z';
    assert_int_equal(pvm_upkstr(out), PvmOk);
    assert_string_equal(out, "");
    assert_int_equal(pvm_upkstr(out), PvmOk);
    assert_string_equal(out, longs);
    assert_int_equal(pvm_upkstr(out), PvmOk);
    assert_string_equal(out, "x");
    assert_int_equal(pvm_upkstr(out), PvmNoData);
}

/* ======================================================================== */
/* Buffers                                                                  */
/* ======================================================================== */

static void test_buffers(void **state)
{
    lpvm_state.opt[PvmAutoErr] = 0;
    assert_int_equal(pvm_getsbuf(), 0);
    assert_int_equal(pvm_getrbuf(), 0);
    int a = pvm_mkbuf(PvmDataDefault), b = pvm_mkbuf(PvmDataRaw), c = pvm_mkbuf(PvmDataInPlace);
    assert_true(a > 0 && b > 0 && c > 0 && a != b && b != c && a != c);
    assert_int_equal(pvm_getsbuf(), 0); /* mkbuf does not activate */
    assert_int_equal(pvm_mkbuf(3), PvmBadParam);
    assert_int_equal(pvm_errno, PvmBadParam);
    assert_int_equal(pvm_mkbuf(-1), PvmBadParam);

    assert_int_equal(pvm_setsbuf(a), 0);
    assert_int_equal(pvm_setsbuf(b), a);
    assert_int_equal(pvm_getsbuf(), b);
    assert_int_equal(pvm_setrbuf(c), 0);
    assert_int_equal(pvm_setrbuf(a), c);
    assert_int_equal(pvm_getrbuf(), a);
    assert_int_equal(pvm_setsbuf(-1), PvmBadParam);
    assert_int_equal(pvm_setsbuf(9999), PvmNoSuchBuf);
    assert_int_equal(pvm_setrbuf(-5), PvmBadParam);
    assert_int_equal(pvm_setrbuf(9999), PvmNoSuchBuf);
    assert_int_equal(pvm_errno, PvmNoSuchBuf);
    assert_int_equal(pvm_getsbuf(), b); /* failures change nothing */
    assert_int_equal(pvm_getrbuf(), a);

    /* Freeing the active buffers deactivates them. */
    assert_int_equal(pvm_freebuf(b), PvmOk);
    assert_int_equal(pvm_getsbuf(), 0);
    int x = 1;
    assert_int_equal(pvm_pkint(&x, 1, 1), PvmNoBuf);
    assert_int_equal(pvm_errno, PvmNoBuf);
    assert_int_equal(pvm_pkstr("s"), PvmNoBuf);
    assert_int_equal(pvm_freebuf(a), PvmOk);
    assert_int_equal(pvm_getrbuf(), 0);
    assert_int_equal(pvm_upkint(&x, 1, 1), PvmNoBuf);
    char s[4];
    assert_int_equal(pvm_upkstr(s), PvmNoBuf);
    assert_int_equal(pvm_freebuf(a), PvmNoSuchBuf);
    assert_int_equal(pvm_freebuf(-1), PvmBadParam);
    assert_int_equal(pvm_freebuf(0), PvmOk); /* as PVM: no buffer, no-op */
    assert_int_equal(pvm_setsbuf(0), 0);
    assert_int_equal(pvm_setrbuf(0), 0);
    assert_int_equal(pvm_freebuf(c), PvmOk);
}

static void test_initsend(void **state)
{
    lpvm_state.opt[PvmAutoErr] = 0;
    int a = pvm_initsend(PvmDataRaw);
    assert_true(a > 0);
    assert_int_equal(pvm_getsbuf(), a);
    int x = 5;
    pvm_pkint(&x, 1, 1);
    /* A new message: empty, new encoding, old contents gone. */
    int b = pvm_initsend(PvmDataDefault);
    assert_true(b > 0);
    assert_int_equal(pvm_getsbuf(), b);
    int bytes = -1;
    struct pvmminfo mi;
    assert_int_equal(pvm_bufinfo(b, &bytes, NULL, NULL), PvmOk);
    assert_int_equal(bytes, 0);
    assert_int_equal(pvm_getminfo(b, &mi), PvmOk);
    assert_int_equal(mi.enc, 0x10000000);
    if (a != b)
        assert_int_equal(pvm_bufinfo(a, NULL, NULL, NULL), PvmNoSuchBuf);
    /* A bad encoding fails and keeps the current buffer. */
    assert_int_equal(pvm_initsend(9), PvmBadParam);
    assert_int_equal(pvm_getsbuf(), b);
    /* The send buffer that is also the receive buffer keeps its data. */
    pvm_pkint(&x, 1, 1);
    pvm_setrbuf(b);
    int c = pvm_initsend(PvmDataRaw);
    assert_true(c > 0);
    assert_int_equal(pvm_getrbuf(), 0); /* initsend freed it, as PVM does */
    /* A large old buffer is released, not kept. */
    static double big[(2 << 20) / sizeof(double)];
    pvm_pkdouble(big, sizeof big / sizeof big[0], 1);
    int d = pvm_initsend(PvmDataRaw);
    assert_true(d > 0);
    assert_int_equal(pvm_bufinfo(d, &bytes, NULL, NULL), PvmOk);
    assert_int_equal(bytes, 0);
}

static void test_info(void **state)
{
    lpvm_state.opt[PvmAutoErr] = 0;
    int b = pvm_mkbuf(PvmDataRaw);
    pvm_setsbuf(b);
    double d[3] = {1, 2, 3};
    pvm_pkdouble(d, 3, 1);
    int bytes = -1, tag = -1, tid = -1;
    assert_int_equal(pvm_bufinfo(b, &bytes, &tag, &tid), PvmOk);
    assert_int_equal(bytes, 24);
    assert_int_equal(tag, 0);
    assert_int_equal(tid, 0);
    assert_int_equal(pvm_bufinfo(b, NULL, NULL, NULL), PvmOk);
    assert_int_equal(pvm_bufinfo(0, &bytes, &tag, &tid), PvmBadParam);
    assert_int_equal(pvm_bufinfo(-3, &bytes, &tag, &tid), PvmBadParam);
    assert_int_equal(pvm_bufinfo(4242, &bytes, &tag, &tid), PvmNoSuchBuf);

    struct pvmminfo mi = {.len = 1,
                          .ctx = 11,
                          .tag = 22,
                          .wid = 33,
                          .enc = 44,
                          .crc = 55,
                          .src = 0x40001,
                          .dst = 0x80002};
    assert_int_equal(pvm_setminfo(b, &mi), PvmOk);
    struct pvmminfo got;
    memset(&got, 0xff, sizeof got);
    assert_int_equal(pvm_getminfo(b, &got), PvmOk);
    assert_int_equal(got.len, 24);               /* not settable */
    assert_int_equal(got.enc, arch_this_dsig()); /* native data signature */
    assert_int_equal(got.crc, 0);
    assert_int_equal(got.ctx, 11);
    assert_int_equal(got.tag, 22);
    assert_int_equal(got.wid, 33);
    assert_int_equal(got.src, 0x40001);
    assert_int_equal(got.dst, 0x80002);
    assert_int_equal(pvm_bufinfo(b, &bytes, &tag, &tid), PvmOk);
    assert_int_equal(tag, 22);
    assert_int_equal(tid, 0x40001);
    assert_int_equal(pvm_getminfo(b, NULL), PvmBadParam);
    assert_int_equal(pvm_setminfo(b, NULL), PvmBadParam);
    assert_int_equal(pvm_getminfo(0, &got), PvmBadParam);
    assert_int_equal(pvm_getminfo(4242, &got), PvmNoSuchBuf);
    assert_int_equal(pvm_setminfo(4242, &mi), PvmNoSuchBuf);
    /* PVM 3.3's pvm_getmwid / pvm_setmwid: minfo's wid. */
    assert_int_equal(pvm_getmwid(b), got.wid);
    assert_int_equal(pvm_setmwid(b, -9), PvmOk);
    assert_int_equal(pvm_getmwid(b), -9);
    pvm_getminfo(b, &got);
    assert_int_equal(got.wid, -9);
    assert_int_equal(pvm_getmwid(0), PvmBadParam);
    assert_int_equal(pvm_getmwid(-1), PvmBadParam);
    assert_int_equal(pvm_getmwid(4242), PvmNoSuchBuf);
    assert_int_equal(pvm_setmwid(0, 1), PvmBadParam);
    assert_int_equal(pvm_setmwid(4242, 1), PvmNoSuchBuf);
    int ip = pvm_mkbuf(PvmDataInPlace);
    pvm_getminfo(ip, &got);
    assert_int_equal(got.enc, 0x20000000);
}

static void test_bad_params(void **state)
{
    lpvm_state.opt[PvmAutoErr] = 0;
    pvm_initsend(PvmDataDefault);
    int x[4] = {0};
    assert_int_equal(pvm_pkint(x, -1, 1), PvmBadParam);
    assert_int_equal(pvm_errno, PvmBadParam);
    /* A negative stride walks backwards, as PVM 3.4.6. */
    assert_int_equal(pvm_pkint(x + 3, 2, -1), PvmOk);
    assert_int_equal(pvm_pkdouble(NULL, 1, 1), PvmBadParam);
    assert_int_equal(pvm_pkint(NULL, 0, 1), PvmOk); /* nothing to read */
    assert_int_equal(pvm_pkint(x, 2, 0), PvmOk);    /* stride 0, as PVM */
    pvm_setrbuf(pvm_getsbuf());
    assert_int_equal(pvm_upkint(x, -1, 1), PvmBadParam);
    assert_int_equal(pvm_upkint(NULL, 1, 1), PvmBadParam);
    assert_int_equal(pvm_upkint(x, 2, 1), PvmOk);
}

/* PvmNoData leaves the cursor where it was: the next unpack still works. */
static void test_nodata_keeps_cursor(void **state)
{
    lpvm_state.opt[PvmAutoErr] = 0;
    pvm_initsend(PvmDataDefault);
    int v[2] = {10, 20};
    pvm_pkint(v, 2, 1);
    pvm_pkstr("s");
    pvm_setrbuf(pvm_getsbuf());
    int o[8];
    assert_int_equal(pvm_upkint(o, 1, 1), PvmOk);
    assert_int_equal(pvm_upkdouble((double *)o, 2, 1), PvmNoData);
    assert_int_equal(pvm_upkint(o, 4, 1), PvmNoData);
    assert_int_equal(pvm_upkint(o, 1, 1), PvmOk);
    assert_int_equal(o[0], 20);
    char s[4];
    assert_int_equal(pvm_upkstr(s), PvmOk);
    assert_string_equal(s, "s");
}

/* ======================================================================== */
/* Messages inside messages                                                 */
/* ======================================================================== */

static void test_pkmesg(void **state)
{
    lpvm_state.opt[PvmAutoErr] = 0;
    for (int oe = PvmDataDefault; oe <= PvmDataInPlace; oe++)
        for (int ie = PvmDataDefault; ie <= PvmDataRaw; ie++) {
            int inner = pvm_mkbuf(ie);
            pvm_setsbuf(inner);
            double d[2] = {1.5, -2.5};
            pvm_pkdouble(d, 2, 1);
            pvm_pkstr("inner");
            struct pvmminfo mi = {.ctx = 3, .tag = 99, .wid = 7, .src = 0x40005, .dst = 0x40006};
            pvm_setminfo(inner, &mi);
            /* Else initsend would free inner, as PVM's does. */
            pvm_setsbuf(0);
            int outer = pvm_initsend(oe);
            assert_int_equal(pvm_pkmesg(outer), PvmBadParam); /* itself */
            assert_int_equal(pvm_pkmesg(0), PvmBadParam);
            assert_int_equal(pvm_pkmesg(4242), PvmNoSuchBuf);
            int n = 7;
            pvm_pkint(&n, 1, 1);
            assert_int_equal(pvm_pkmesg(inner), PvmOk);
            assert_int_equal(pvm_pkmesg(inner), PvmOk); /* twice */
            pvm_pkint(&n, 1, 1);
            int mm = (oe == PvmDataDefault) == (ie == PvmDataDefault) ? PvmOk : PvmMismatch;
            assert_int_equal(pvm_pkmesgbody(inner), mm);

            pvm_setrbuf(outer);
            int got;
            assert_int_equal(pvm_upkint(&got, 1, 1), PvmOk);
            for (int k = 0; k < 2; k++) {
                int nb = pvm_upkmesg();
                assert_true(nb > 0);
                assert_int_not_equal(nb, inner);
                assert_int_equal(pvm_getrbuf(), outer); /* still reading outer */
                struct pvmminfo g;
                pvm_getminfo(nb, &g);
                assert_int_equal(g.ctx, 3);
                assert_int_equal(g.tag, 99);
                assert_int_equal(g.wid, 7);
                assert_int_equal(g.src, 0x40005);
                assert_int_equal(g.dst, 0x40006);
                /* "inner": int 6, 6 bytes with the NUL, padded in Default. */
                assert_int_equal(g.len, 16 + 4 + (ie == PvmDataDefault ? 8 : 6));
                assert_int_equal(g.enc, ie == PvmDataDefault ? 0x10000000 : arch_this_dsig());
                /* The new buffer unpacks like the original. */
                pvm_setrbuf(nb);
                double dd[2];
                char s[8];
                assert_int_equal(pvm_upkdouble(dd, 2, 1), PvmOk);
                assert_true(dd[0] == 1.5 && dd[1] == -2.5);
                assert_int_equal(pvm_upkstr(s), PvmOk);
                assert_string_equal(s, "inner");
                pvm_setrbuf(outer);
                pvm_freebuf(nb);
            }
            assert_int_equal(pvm_upkint(&got, 1, 1), PvmOk);
            assert_int_equal(got, 7);
            if (mm == PvmOk) {
                double dd[2];
                assert_int_equal(pvm_upkdouble(dd, 2, 1), PvmOk);
                assert_true(dd[1] == -2.5);
            }
            /* The end: nothing more, cursor kept. */
            assert_int_equal(pvm_upkmesg(), PvmNoData);
            pvm_freebuf(inner);
            pvm_setsbuf(0);
            assert_int_equal(pvm_pkmesg(outer), PvmNoBuf);
            assert_int_equal(pvm_pkmesgbody(outer), PvmNoBuf);
            pvm_setrbuf(0);
            assert_int_equal(pvm_upkmesg(), PvmNoBuf);
            pvm_freebuf(outer);
        }
}

/* ======================================================================== */
/* Hostile bodies through the public calls                                  */
/* ======================================================================== */

/* ======================================================================== */
/* PVM 3.4.6's packed sizes                                                 */
/* ======================================================================== */

static int buflen(int b)
{
    int n = -1;
    assert_int_equal(pvm_bufinfo(b, &n, NULL, NULL), PvmOk);
    return n;
}

/* pvm_bufinfo after each pack, as Debian's libpvm3 (3.4.6) prints them
 * for the same calls. */
static void test_pvm346_sizes(void **state)
{
    lpvm_state.opt[PvmAutoErr] = 0;
    /* Running totals: str "hello world", str "", 3 bytes, 1 byte, 3 shorts,
     * 1 int, 5 bytes with stride 2. */
    static const int want[3][7] = {
        [PvmDataDefault] = {16, 24, 28, 32, 44, 48, 56},
        [PvmDataRaw] = {16, 21, 24, 25, 31, 35, 40},
        [PvmDataInPlace] = {0, 0, 0, 0, 0, 0, 0},
    };
    for (int enc = PvmDataDefault; enc <= PvmDataInPlace; enc++) {
        int b = pvm_mkbuf(enc);
        pvm_setsbuf(b);
        char by[10] = "abcdefghi";
        short sh[3] = {1, 2, 3};
        int one = 1, got[7];
        pvm_pkstr("hello world");
        got[0] = buflen(b);
        pvm_pkstr("");
        got[1] = buflen(b);
        pvm_pkbyte(by, 3, 1);
        got[2] = buflen(b);
        pvm_pkbyte(by, 1, 1);
        got[3] = buflen(b);
        pvm_pkshort(sh, 3, 1);
        got[4] = buflen(b);
        pvm_pkint(&one, 1, 1);
        got[5] = buflen(b);
        pvm_pkbyte(by, 5, 2);
        got[6] = buflen(b);
        assert_memory_equal(got, want[enc], sizeof got);
        pvm_freebuf(b);
    }
    /* One call at a time: long 2, ulong 2, float 2, double 2, cplx 2,
     * dcplx 2, ushort 3, uint 2, short 1, str "abcd", 2 bytes, int 1. */
    static const int each[2][12] = {
        [PvmDataDefault] = {8, 8, 8, 16, 16, 32, 12, 8, 4, 12, 4, 4},
        [PvmDataRaw] = {16, 16, 8, 16, 16, 32, 6, 8, 2, 9, 2, 4},
    };
    for (int enc = PvmDataDefault; enc <= PvmDataRaw; enc++) {
        int b = pvm_mkbuf(enc);
        pvm_setsbuf(b);
        long l[2] = {1, 2};
        unsigned long ul[2] = {1, 2};
        float f[4] = {1, 2, 3, 4};
        double d[4] = {1, 2, 3, 4};
        unsigned short us[3] = {1, 2, 3};
        unsigned u[2] = {1, 2};
        short s1 = 1;
        int i1 = 1, got[12], prev = 0, k = 0;
#define STEP(call) (call, got[k++] = buflen(b) - prev, prev = buflen(b))
        STEP(pvm_pklong(l, 2, 1));
        STEP(pvm_pkulong(ul, 2, 1));
        STEP(pvm_pkfloat(f, 2, 1));
        STEP(pvm_pkdouble(d, 2, 1));
        STEP(pvm_pkcplx(f, 2, 1));
        STEP(pvm_pkdcplx(d, 2, 1));
        STEP(pvm_pkushort(us, 3, 1));
        STEP(pvm_pkuint(u, 2, 1));
        STEP(pvm_pkshort(&s1, 1, 1));
        STEP(pvm_pkstr("abcd"));
        STEP(pvm_pkbyte("ab", 2, 1));
        STEP(pvm_pkint(&i1, 1, 1));
#undef STEP
        assert_memory_equal(got, each[enc], sizeof got);
        pvm_freebuf(b);
    }
    /* pvm_pkmesg: 36 bytes of header, then the payload padded like bytes
     * in Default; a 1-byte Raw message in either outer encoding. */
    static const int pkmesg[2] = {[PvmDataDefault] = 44, [PvmDataRaw] = 41};
    for (int enc = PvmDataDefault; enc <= PvmDataRaw; enc++) {
        int in = pvm_mkbuf(PvmDataRaw);
        pvm_setsbuf(in);
        pvm_pkbyte("x", 1, 1);
        int b = pvm_mkbuf(enc), x = 9, y = 0;
        pvm_setsbuf(b);
        assert_int_equal(pvm_pkmesg(in), PvmOk);
        pvm_pkint(&x, 1, 1);
        assert_int_equal(buflen(b), pkmesg[enc]);
        pvm_setrbuf(b);
        int nb = pvm_upkmesg();
        assert_true(nb > 0);
        assert_int_equal(buflen(nb), 1);
        assert_int_equal(pvm_upkint(&y, 1, 1), PvmOk);
        assert_int_equal(y, 9);
        pvm_setrbuf(0);
        pvm_freebuf(nb);
        pvm_freebuf(b);
        pvm_freebuf(in);
    }
}

static void test_random_bodies(void **state)
{
    lpvm_state.opt[PvmAutoErr] = 0;
    static uint8_t sink[1024];
    static char str[256];
    for (int i = 0; i < 100000; i++) {
        size_t len = rng() % 64;
        struct pmsg *m = pmsg_new_recv((int)(rng() % 3), len);
        for (size_t k = 0; k < len; k++)
            pmsg_body(m)[k] = (uint8_t)rng();
        if (len >= 4 && rng() % 2)
            memset(pmsg_body(m), 0, 3);
        int id = pmsg_register(m);
        pvm_setrbuf(id);
        for (int op = 0; op < 8; op++) {
            size_t before = m->rpos;
            int k = (int)(rng() % (NCALLS + 2)), cc;
            if (k < (int)NCALLS) {
                cc = calls[k].upk(sink, (int)(rng() % 5), 1 + (int)(rng() % 3));
            } else if (k == NCALLS) {
                cc = pvm_upkstr(str);
            } else {
                cc = pvm_upkmesg();
                if (cc > 0) {
                    assert_int_equal(pvm_freebuf(cc), PvmOk);
                    cc = 0;
                }
            }
            if (cc < 0) {
                assert_true(cc == PvmNoData || cc == PvmBadMsg);
                assert_int_equal(m->rpos, before);
            }
        }
        pvm_freebuf(id);
        assert_int_equal(pvm_getrbuf(), 0);
    }
}

int main(void)
{
    lpvm_state.opt[PvmAutoErr] = 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_call_round_trip, clean, clean),
        cmocka_unit_test_setup_teardown(test_typed_values, clean, clean),
        cmocka_unit_test_setup_teardown(test_strings, clean, clean),
        cmocka_unit_test_setup_teardown(test_buffers, clean, clean),
        cmocka_unit_test_setup_teardown(test_initsend, clean, clean),
        cmocka_unit_test_setup_teardown(test_info, clean, clean),
        cmocka_unit_test_setup_teardown(test_bad_params, clean, clean),
        cmocka_unit_test_setup_teardown(test_nodata_keeps_cursor, clean, clean),
        cmocka_unit_test_setup_teardown(test_pkmesg, clean, clean),
        cmocka_unit_test_setup_teardown(test_pvm346_sizes, clean, clean),
        cmocka_unit_test_setup_teardown(test_random_bodies, clean, clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
