/*
 * test_packf.c - pvm_packf / pvm_unpackf: the man page's example, every
 * conversion by value and by address, counts and strides written and taken
 * from '*' arguments, string arrays, %+ (initsend), identical bytes to the
 * pvm_pk* calls, and the errors.
 */
#include <complex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core.h"
#include "pmsg.h"
#include "pvm3.h"

static int clean(void **state)
{
    pmsg_free_all();
    lpvm_state.opt[PvmAutoErr] = 0;
    return 0;
}

/* Turns the send buffer around for unpacking. */
static void turn(void)
{
    pvm_setrbuf(pvm_getsbuf());
}

static void test_man_page_example(void **state)
{
    int count = 4, iarry[4] = {1, 2, 3, 4};
    double darry[4] = {0.5, 1.5, 2.5, 3.5};
    assert_int_equal(pvm_packf("%+ %d %*d %4lf", PvmDataRaw, count, count, iarry, darry), PvmOk);
    struct pmsg *m = pmsg_lookup(pvm_getsbuf());
    assert_non_null(m);
    assert_int_equal(m->enc, PvmDataRaw);
    assert_int_equal(pmsg_payload_len(m), 4 + 16 + 32);
    turn();
    int c2 = 0, i2[4] = {0};
    double d2[4] = {0};
    assert_int_equal(pvm_unpackf("%d", &c2), PvmOk);
    assert_int_equal(c2, 4);
    assert_int_equal(pvm_unpackf("%*d %4lf", c2, i2, d2), PvmOk);
    assert_memory_equal(i2, iarry, sizeof iarry);
    assert_memory_equal(d2, darry, sizeof darry);
    assert_int_equal(pvm_unpackf("%d", &c2), PvmNoData);
}

/* Every conversion by value: packs the same bytes as the pk calls. */
static void test_values_match_pk_calls(void **state)
{
    for (int enc = PvmDataDefault; enc <= PvmDataInPlace; enc++) {
        char c = 'Z';
        short h = -300;
        unsigned short uh = 60000;
        int i = -70000;
        unsigned u = 3000000000u;
        long l = -5000000000L;
        unsigned long ul = 10000000000UL;
        float f = 0.75f, fx[2] = {1.25f, -2.0f};
        double d = -6.5, dx[2] = {7.0, -8.25};
        float complex zf = 1.25f - 2.0f * I;
        double complex zd = 7.0 - 8.25 * I;

        int a = pvm_mkbuf(enc);
        pvm_setsbuf(a);
        assert_int_equal(pvm_packf("%c %hd %hud %uhd %d %ud %ld %lud %f %lf %x %lx", c, h, uh, uh,
                                   i, u, l, ul, f, d, zf, zd),
                         PvmOk);
        if (enc != PvmDataInPlace)
            assert_int_equal(pvm_packf("%s%s", "str", ""), PvmOk);

        int b = pvm_mkbuf(enc);
        pvm_setsbuf(b);
        pvm_pkbyte(&c, 1, 1);
        pvm_pkshort(&h, 1, 1);
        pvm_pkushort(&uh, 1, 1);
        pvm_pkushort(&uh, 1, 1);
        pvm_pkint(&i, 1, 1);
        pvm_pkuint(&u, 1, 1);
        pvm_pklong(&l, 1, 1);
        pvm_pkulong(&ul, 1, 1);
        pvm_pkfloat(&f, 1, 1);
        pvm_pkdouble(&d, 1, 1);
        pvm_pkcplx(fx, 1, 1);
        pvm_pkdcplx(dx, 1, 1);
        if (enc != PvmDataInPlace) {
            pvm_pkstr("str");
            pvm_pkstr("");
        }

        struct pmsg *ma = pmsg_lookup(a), *mb = pmsg_lookup(b);
        assert_int_equal(pmsg_flatten(ma), PvmOk);
        assert_int_equal(pmsg_flatten(mb), PvmOk);
        assert_int_equal(ma->len, mb->len);
        assert_memory_equal(pmsg_body(ma), pmsg_body(mb), ma->len);

        /* And unpackf reads them back (all by address). */
        pvm_setrbuf(a);
        char c2;
        short h2;
        unsigned short uh2, uh3;
        int i2;
        unsigned u2;
        long l2;
        unsigned long ul2;
        float f2, fx2[2];
        double d2, dx2[2];
        assert_int_equal(pvm_unpackf("%c %hd %hud %uhd %d %ud %ld %lud %f %lf %x %lx", &c2, &h2,
                                     &uh2, &uh3, &i2, &u2, &l2, &ul2, &f2, &d2, fx2, dx2),
                         PvmOk);
        assert_int_equal(c2, 'Z');
        assert_int_equal(h2, -300);
        assert_int_equal(uh2, 60000);
        assert_int_equal(uh3, 60000);
        assert_int_equal(i2, -70000);
        assert_true(u2 == 3000000000u);
        /* Default keeps a long's low 32 bits, zero-extended (PVM 3.4.6). */
        assert_true(l2 ==
                    (enc == PvmDataDefault ? (long)(-5000000000L & 0xffffffffL) : -5000000000L));
        assert_true(ul2 == (enc == PvmDataDefault ? 10000000000UL & 0xffffffffu : 10000000000UL));
        assert_true(f2 == 0.75f && d2 == -6.5);
        assert_true(fx2[0] == 1.25f && fx2[1] == -2.0f);
        assert_true(dx2[0] == 7.0 && dx2[1] == -8.25);
        if (enc != PvmDataInPlace) {
            char s1[8], s2[8];
            assert_int_equal(pvm_unpackf("%s %s", s1, s2), PvmOk);
            assert_string_equal(s1, "str");
            assert_string_equal(s2, "");
        }
        pvm_freebuf(a);
        pvm_freebuf(b);
    }
}

static void test_counts_and_strides(void **state)
{
    pvm_initsend(PvmDataDefault);
    int v[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    double d[6] = {0, 10, 20, 30, 40, 50};
    short h[4] = {9, 8, 7, 6};
    /* Written, from arguments, stride only (count 1), count 0. */
    assert_int_equal(pvm_packf("%3.3d %*.*lf %.2hd %0d %2c", v, 3, 2, d, h, v, "xy"), PvmOk);
    /* PVM 3.4.6's XDR sizes: a short takes 4, 2 bytes are padded to 4. */
    assert_int_equal(pmsg_payload_len(pmsg_lookup(pvm_getsbuf())), 12 + 24 + 4 + 0 + 4);
    turn();
    int ov[3];
    double od[3];
    short oh;
    char oc[2];
    assert_int_equal(pvm_unpackf("%3d %*lf %hd %2c", ov, 3, od, &oh, oc), PvmOk);
    assert_int_equal(ov[0], 0);
    assert_int_equal(ov[1], 3);
    assert_int_equal(ov[2], 6);
    assert_true(od[0] == 0 && od[1] == 20 && od[2] == 40);
    assert_int_equal(oh, 9);
    assert_memory_equal(oc, "xy", 2);

    /* Unpacking with a stride spreads the items out again. */
    pvm_initsend(PvmDataRaw);
    pvm_packf("%4d", v);
    turn();
    int spread[7];
    memset(spread, 0xff, sizeof spread);
    assert_int_equal(pvm_unpackf("%4.2d", spread), PvmOk);
    assert_int_equal(spread[0], 0);
    assert_int_equal(spread[2], 1);
    assert_int_equal(spread[4], 2);
    assert_int_equal(spread[6], 3);
    assert_int_equal(spread[1], -1);
}

static void test_string_arrays(void **state)
{
    pvm_initsend(PvmDataDefault);
    char *words[4] = {"alpha", "beta", "gamma", "delta"};
    /* Every other word, then one by value. */
    assert_int_equal(pvm_packf("%2.2s %s", words, "last"), PvmOk);
    turn();
    char b0[8], b1[8], b2[8];
    char *outs[2] = {b0, b1};
    assert_int_equal(pvm_unpackf("%2s %s", outs, b2), PvmOk);
    assert_string_equal(b0, "alpha");
    assert_string_equal(b1, "gamma");
    assert_string_equal(b2, "last");
}

static void test_initsend_in_format(void **state)
{
    int old = pvm_initsend(PvmDataRaw);
    assert_int_equal(pvm_packf("%+", PvmDataDefault), PvmOk);
    struct pmsg *m = pmsg_lookup(pvm_getsbuf());
    assert_int_equal(m->enc, PvmDataDefault);
    (void)old;
    int x = 0x01020304;
    pvm_packf("%d", x);
    assert_memory_equal(pmsg_body(m), "\x01\x02\x03\x04", 4);
    /* Again in the middle: starts a new message. */
    assert_int_equal(pvm_packf("%d %+ %d", 1, PvmDataRaw, 2), PvmOk);
    m = pmsg_lookup(pvm_getsbuf());
    assert_int_equal(m->enc, PvmDataRaw);
    assert_int_equal(pmsg_payload_len(m), 4);
    /* unpackf skips %+ and its argument. */
    turn();
    int y = 0;
    assert_int_equal(pvm_unpackf("%+ %d", PvmDataRaw, &y), PvmOk);
    assert_int_equal(y, 2);
    assert_int_equal(pvm_packf("%+", 17), PvmBadParam);
}

static void test_errors(void **state)
{
    int x = 1;
    assert_int_equal(pvm_packf("%d", x), PvmNoBuf);
    assert_int_equal(pvm_errno, PvmNoBuf);
    assert_int_equal(pvm_unpackf("%d", &x), PvmNoBuf);
    pvm_initsend(PvmDataDefault);
    assert_int_equal(pvm_packf(NULL), PvmBadParam);
    assert_int_equal(pvm_unpackf(NULL), PvmBadParam);
    static const char *const bad[] = {"%q", "%hf", "%lc", "%hx", "%ls", "%us", "%", "%.d", "%3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(pvm_packf(bad[i], &x), PvmBadParam);
        assert_int_equal(pvm_errno, PvmBadParam);
    }
    assert_int_equal(pvm_packf("%99999999999d", &x), PvmBadParam);
    /* A negative '*' count packs nothing (PVM 3.4.6). */
    assert_int_equal(pvm_packf("%*d", -1, &x), PvmOk);
    assert_int_equal(pvm_packf("%2s", NULL), PvmBadParam);
    assert_int_equal(pmsg_payload_len(pmsg_lookup(pvm_getsbuf())), 0);
    /* A negative '*' stride walks backwards: a[2], a[1]. */
    int a[3] = {7, 8, 9}, b[2] = {0, 0};
    assert_int_equal(pvm_packf("%2.*d", -1, &a[2]), PvmOk);
    pvm_setrbuf(pvm_setsbuf(0));
    assert_int_equal(pvm_unpackf("%2d", b), PvmOk);
    assert_int_equal(b[0], 9);
    assert_int_equal(b[1], 8);
    pvm_initsend(PvmDataDefault);
    /* Text between conversions is ignored; an empty format does nothing. */
    assert_int_equal(pvm_packf(""), PvmOk);
    assert_int_equal(pvm_packf("n = %d;", 5), PvmOk);

    /* Strings cannot be packed InPlace (pvm_pack(3PVM)). */
    pvm_initsend(PvmDataInPlace);
    assert_int_equal(pvm_packf("%s", "no"), PvmNotImpl);
    assert_int_equal(pvm_packf("%d", 4), PvmOk); /* a value is copied */
    turn();
    assert_int_equal(pvm_unpackf("%d", &x), PvmOk);
    assert_int_equal(x, 4);
    assert_int_equal(pvm_unpackf("%d", &x), PvmNoData);
    char s[4];
    assert_int_equal(pvm_unpackf("%s", s), PvmNoData);
    assert_int_equal(pvm_unpackf("%s", NULL), PvmBadParam);
}

int main(void)
{
    lpvm_state.opt[PvmAutoErr] = 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_man_page_example, clean, clean),
        cmocka_unit_test_setup_teardown(test_values_match_pk_calls, clean, clean),
        cmocka_unit_test_setup_teardown(test_counts_and_strides, clean, clean),
        cmocka_unit_test_setup_teardown(test_string_arrays, clean, clean),
        cmocka_unit_test_setup_teardown(test_initsend_in_format, clean, clean),
        cmocka_unit_test_setup_teardown(test_errors, clean, clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
