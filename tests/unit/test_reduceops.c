/*
 * test_reduceops.c - PvmMax, PvmMin, PvmSum and PvmProduct: which
 * datatypes each supports (PVM 3.4.6's set), their results, complex
 * numbers by modulus, wrap-around, and bad arguments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <string.h>

#include <cmocka.h>

#include "pvm3.h"

typedef void (*reduce_fn)(int *, void *, void *, int *, int *);

static int run(reduce_fn f, int type, void *x, void *y, int n)
{
    int info = 12345;
    f(&type, x, y, &n, &info);
    return info;
}

/* Which (operator, datatype) pairs PVM 3.4.6 accepts. */
static void test_support_matrix(void **state)
{
    (void)state;
    static const struct {
        reduce_fn f;
        const char *name;
        int byte_ok;
    } ops[] = {{PvmMax, "PvmMax", 1},
               {PvmMin, "PvmMin", 1},
               {PvmSum, "PvmSum", 0},
               {PvmProduct, "PvmProduct", 0}};
    static const int supported[] = {PVM_SHORT,  PVM_INT,   PVM_FLOAT, PVM_CPLX,
                                    PVM_DOUBLE, PVM_DCPLX, PVM_LONG};
    static const int unsupported[] = {PVM_STR, PVM_USHORT, PVM_UINT, PVM_ULONG, 12, -1, 1000};
    for (size_t o = 0; o < 4; o++) {
        for (size_t t = 0; t < sizeof supported / sizeof supported[0]; t++) {
            double x[4] = {1, 2, 3, 4}, y[4] = {1, 2, 3, 4};
            assert_int_equal(run(ops[o].f, supported[t], x, y, 1), PvmOk);
        }
        for (size_t t = 0; t < sizeof unsupported / sizeof unsupported[0]; t++) {
            double x[4] = {1, 2, 3, 4}, y[4] = {5, 6, 7, 8};
            assert_int_equal(run(ops[o].f, unsupported[t], x, y, 1), PvmBadParam);
            /* Refused means untouched. */
            assert_true(x[0] == 1 && x[1] == 2);
        }
        char bx[2] = {1, 2}, by[2] = {3, 4};
        assert_int_equal(run(ops[o].f, PVM_BYTE, bx, by, 2), ops[o].byte_ok ? PvmOk : PvmBadParam);
    }
}

/* The illustration of pvm_reduce(3PVM): three members' arrays summed. */
static void test_man_page_example(void **state)
{
    (void)state;
    int a[5] = {1, 2, 3, 4, 5}, b[5] = {10, 20, 30, 40, 50}, c[5] = {100, 200, 300, 400, 500};
    assert_int_equal(run(PvmSum, PVM_INT, a, b, 5), PvmOk);
    assert_int_equal(run(PvmSum, PVM_INT, a, c, 5), PvmOk);
    static const int want[5] = {111, 222, 333, 444, 555};
    assert_memory_equal(a, want, sizeof want);
}

static void test_integers(void **state)
{
    (void)state;
    short s[3] = {-5, 7, 300}, t[3] = {4, -8, 2};
    assert_int_equal(run(PvmMax, PVM_SHORT, s, t, 3), PvmOk);
    assert_true(s[0] == 4 && s[1] == 7 && s[2] == 300);
    assert_int_equal(run(PvmMin, PVM_SHORT, s, t, 3), PvmOk);
    assert_true(s[0] == 4 && s[1] == -8 && s[2] == 2);
    assert_int_equal(run(PvmProduct, PVM_SHORT, s, t, 3), PvmOk);
    assert_true(s[0] == 16 && s[1] == 64 && s[2] == 4);

    int i[4] = {1, -2, 3, INT_MAX}, j[4] = {-1, -3, 3, 1};
    assert_int_equal(run(PvmSum, PVM_INT, i, j, 4), PvmOk);
    assert_true(i[0] == 0 && i[1] == -5 && i[2] == 6 && i[3] == INT_MIN); /* wraps */
    assert_int_equal(run(PvmProduct, PVM_INT, i, j, 3), PvmOk);
    assert_true(i[0] == 0 && i[1] == 15 && i[2] == 18);

    long l[2] = {LONG_MIN, 1L << 40}, m[2] = {0, 1L << 41};
    assert_int_equal(run(PvmMin, PVM_LONG, l, m, 2), PvmOk);
    assert_true(l[0] == LONG_MIN && l[1] == (1L << 40));
    assert_int_equal(run(PvmMax, PVM_LONG, l, m, 2), PvmOk);
    assert_true(l[0] == 0 && l[1] == (1L << 41));
    assert_int_equal(run(PvmSum, PVM_LONG, l, m, 2), PvmOk);
    assert_true(l[0] == 0 && l[1] == (1L << 42));

    /* Short products that overflow int once promoted must not misbehave. */
    short big[1] = {SHRT_MIN}, big2[1] = {SHRT_MIN};
    assert_int_equal(run(PvmProduct, PVM_SHORT, big, big2, 1), PvmOk);
    assert_int_equal(big[0], 0);

    /* Bytes compare signed, as in PVM. */
    signed char b[3] = {100, -5, 0}, c[3] = {-100, 3, 0};
    assert_int_equal(run(PvmMax, PVM_BYTE, b, c, 3), PvmOk);
    assert_true(b[0] == 100 && b[1] == 3 && b[2] == 0);
    assert_int_equal(run(PvmMin, PVM_BYTE, b, c, 3), PvmOk);
    assert_true(b[0] == -100 && b[1] == 3);
}

static void test_reals(void **state)
{
    (void)state;
    float f[3] = {1.5f, -2.0f, 0.0f}, g[3] = {-1.5f, 4.0f, 0.25f};
    assert_int_equal(run(PvmMax, PVM_FLOAT, f, g, 3), PvmOk);
    assert_true(f[0] == 1.5f && f[1] == 4.0f && f[2] == 0.25f);
    assert_int_equal(run(PvmProduct, PVM_FLOAT, f, g, 3), PvmOk);
    assert_true(f[0] == -2.25f && f[1] == 16.0f && f[2] == 0.0625f);

    double d[3] = {1e300, -1e-300, 2.5}, e[3] = {-1e300, 1e-300, 0.5};
    assert_int_equal(run(PvmMin, PVM_DOUBLE, d, e, 3), PvmOk);
    assert_true(d[0] == -1e300 && d[1] == -1e-300 && d[2] == 0.5);
    assert_int_equal(run(PvmSum, PVM_DOUBLE, d, e, 3), PvmOk);
    assert_true(d[0] == -2e300 && d[1] == 0.0 && d[2] == 1.0);
}

static void test_complex(void **state)
{
    (void)state;
    /* (3+4i) has modulus 5, (0+6i) 6: max takes the whole pair. */
    float x[4] = {3, 4, 1, 0}, y[4] = {0, 6, 2, 0};
    assert_int_equal(run(PvmMax, PVM_CPLX, x, y, 2), PvmOk);
    static const float xmax[4] = {0, 6, 2, 0};
    assert_memory_equal(x, xmax, sizeof xmax);
    float u[4] = {3, 4, -7, 0}, v[4] = {0, 6, 2, 0};
    assert_int_equal(run(PvmMin, PVM_CPLX, u, v, 2), PvmOk);
    static const float umin[4] = {3, 4, 2, 0};
    assert_memory_equal(u, umin, sizeof umin);

    /* Equal moduli: the first operand stays (PVM's behaviour). */
    double a[2] = {3, 4}, b[2] = {4, 3}, c[2] = {-5, 0};
    assert_int_equal(run(PvmMax, PVM_DCPLX, a, b, 1), PvmOk);
    assert_true(a[0] == 3 && a[1] == 4);
    assert_int_equal(run(PvmMin, PVM_DCPLX, a, c, 1), PvmOk);
    assert_true(a[0] == 3 && a[1] == 4);

    /* Moduli of huge values compare right (no overflow to inf). */
    double h[2] = {1e300, 1e300}, k[2] = {1.5e300, 0};
    assert_int_equal(run(PvmMax, PVM_DCPLX, h, k, 1), PvmOk);
    assert_true(h[0] == 1.5e300 && h[1] == 0); /* 1.5e300 > 1.414e300 */
    float hf[2] = {3e38f, 0}, kf[2] = {2e38f, 2.5e38f};
    assert_int_equal(run(PvmMax, PVM_CPLX, hf, kf, 1), PvmOk);
    assert_true(hf[0] == 2e38f && hf[1] == 2.5e38f);

    /* (3+4i)(1+6i) = -21+22i;  (1+2i)(2+3i) = -4+7i. */
    float p[4] = {3, 4, 1, 2}, q[4] = {1, 6, 2, 3};
    assert_int_equal(run(PvmProduct, PVM_CPLX, p, q, 2), PvmOk);
    static const float prod[4] = {-21, 22, -4, 7};
    assert_memory_equal(p, prod, sizeof prod);
    double s[4] = {3, 4, 1, 2}, t[4] = {1, 6, 2, 3};
    assert_int_equal(run(PvmSum, PVM_DCPLX, s, t, 2), PvmOk);
    assert_true(s[0] == 4 && s[1] == 10 && s[2] == 3 && s[3] == 5);
    double dp[2] = {0, 1}, dq[2] = {0, 1};
    assert_int_equal(run(PvmProduct, PVM_DCPLX, dp, dq, 1), PvmOk);
    assert_true(dp[0] == -1 && dp[1] == 0);
}

/* Only *num items are touched. */
static void test_count(void **state)
{
    (void)state;
    int x[4] = {1, 1, 1, 1}, y[4] = {2, 2, 2, 2};
    assert_int_equal(run(PvmSum, PVM_INT, x, y, 2), PvmOk);
    assert_true(x[0] == 3 && x[1] == 3 && x[2] == 1 && x[3] == 1);
    double z[4] = {1, 1, 1, 1}, w[4] = {2, 2, 2, 2};
    assert_int_equal(run(PvmSum, PVM_DCPLX, z, w, 1), PvmOk);
    assert_true(z[0] == 3 && z[1] == 3 && z[2] == 1 && z[3] == 1);
    /* Zero or negative counts do nothing and succeed, as in PVM. */
    assert_int_equal(run(PvmSum, PVM_INT, x, y, 0), PvmOk);
    assert_int_equal(run(PvmSum, PVM_INT, x, y, -3), PvmOk);
    assert_int_equal(run(PvmMax, PVM_INT, NULL, NULL, 0), PvmOk);
    assert_true(x[0] == 3 && x[2] == 1);
}

/* PVM itself would crash on these; here they are reported. */
static void test_bad_pointers(void **state)
{
    (void)state;
    int x[1] = {1}, y[1] = {2}, n = 1, type = PVM_INT, info = 0;
    PvmSum(NULL, x, y, &n, &info);
    assert_int_equal(info, PvmBadParam);
    PvmSum(&type, x, y, NULL, &info);
    assert_int_equal(info, PvmBadParam);
    PvmSum(&type, NULL, y, &n, &info);
    assert_int_equal(info, PvmBadParam);
    PvmSum(&type, x, NULL, &n, &info);
    assert_int_equal(info, PvmBadParam);
    PvmSum(&type, x, y, &n, NULL); /* no place for info: still works */
    assert_int_equal(x[0], 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_support_matrix), cmocka_unit_test(test_man_page_example),
        cmocka_unit_test(test_integers),       cmocka_unit_test(test_reals),
        cmocka_unit_test(test_complex),        cmocka_unit_test(test_count),
        cmocka_unit_test(test_bad_pointers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
