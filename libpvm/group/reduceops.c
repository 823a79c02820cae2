/*
 * reduceops.c - the predefined reduce functions PvmMax, PvmMin, PvmSum and
 * PvmProduct (pvm_reduce(3PVM)): x[i] = op(x[i], y[i]) for *num items of
 * *datatype.
 *
 * One table, indexed by datatype and operator, holds the elementwise loop
 * for every supported pair; an empty slot is an unsupported pair and gives
 * *info = PvmBadParam.  The supported pairs are PVM 3.4.6's, measured
 * against Debian's libgpvm3: Max and Min for BYTE, SHORT, INT, LONG,
 * FLOAT, DOUBLE, CPLX and DCPLX (complex by modulus, as the man page says);
 * Sum and Product for the same types except BYTE; nothing for the unsigned
 * types or strings.  On a tie of moduli the first operand stays, as in PVM.
 */
#include <stddef.h>

#include "pvm3.h"

enum { OP_MAX, OP_MIN, OP_SUM, OP_PRODUCT, OP_COUNT };

typedef void (*elementwise_fn)(void *x, const void *y, int n);

/* ===================================================================== */
/* Elementwise loops                                                      */
/* ===================================================================== */

/* Integer sums and products are computed in the unsigned type U, wide
 * enough that promotion cannot bring them back to signed int: signed
 * overflow is undefined behaviour, and PVM users expect wrap-around. */
#define REAL_CMP_OPS(name, T)                                                                      \
    static void name##_max(void *x, const void *y, int n)                                          \
    {                                                                                              \
        T *a = x;                                                                                  \
        const T *b = y;                                                                            \
        for (int i = 0; i < n; i++)                                                                \
            if (b[i] > a[i])                                                                       \
                a[i] = b[i];                                                                       \
    }                                                                                              \
    static void name##_min(void *x, const void *y, int n)                                          \
    {                                                                                              \
        T *a = x;                                                                                  \
        const T *b = y;                                                                            \
        for (int i = 0; i < n; i++)                                                                \
            if (b[i] < a[i])                                                                       \
                a[i] = b[i];                                                                       \
    }

/* Integer sums and products are computed in the unsigned type U, wide
 * enough that promotion cannot bring them back to signed int: signed
 * overflow is undefined behaviour, and PVM users expect wrap-around. */
#define REAL_ARITH_OPS(name, T, U)                                                                 \
    static void name##_sum(void *x, const void *y, int n)                                          \
    {                                                                                              \
        T *a = x;                                                                                  \
        const T *b = y;                                                                            \
        for (int i = 0; i < n; i++)                                                                \
            a[i] = (T)((U)a[i] + (U)b[i]);                                                         \
    }                                                                                              \
    static void name##_product(void *x, const void *y, int n)                                      \
    {                                                                                              \
        T *a = x;                                                                                  \
        const T *b = y;                                                                            \
        for (int i = 0; i < n; i++)                                                                \
            a[i] = (T)((U)a[i] * (U)b[i]);                                                         \
    }

#define REAL_OPS(name, T, U) REAL_CMP_OPS(name, T) REAL_ARITH_OPS(name, T, U)

/* Complex items are (re, im) pairs of T.  Moduli are compared squared in
 * the wider type W, where the squares cannot overflow; that also keeps
 * libgpvm3 free of libm, which PVM's link line (-lgpvm3 -lpvm3) lacks. */
#define COMPLEX_OPS(name, T, W)                                                                    \
    static W name##_mod2(const T *z)                                                               \
    {                                                                                              \
        return (W)z[0] * (W)z[0] + (W)z[1] * (W)z[1];                                              \
    }                                                                                              \
    static void name##_max(void *x, const void *y, int n)                                          \
    {                                                                                              \
        T *a = x;                                                                                  \
        const T *b = y;                                                                            \
        for (int i = 0; i < 2 * n; i += 2)                                                         \
            if (name##_mod2(b + i) > name##_mod2(a + i))                                           \
                a[i] = b[i], a[i + 1] = b[i + 1];                                                  \
    }                                                                                              \
    static void name##_min(void *x, const void *y, int n)                                          \
    {                                                                                              \
        T *a = x;                                                                                  \
        const T *b = y;                                                                            \
        for (int i = 0; i < 2 * n; i += 2)                                                         \
            if (name##_mod2(b + i) < name##_mod2(a + i))                                           \
                a[i] = b[i], a[i + 1] = b[i + 1];                                                  \
    }                                                                                              \
    static void name##_sum(void *x, const void *y, int n)                                          \
    {                                                                                              \
        T *a = x;                                                                                  \
        const T *b = y;                                                                            \
        for (int i = 0; i < 2 * n; i++)                                                            \
            a[i] += b[i];                                                                          \
    }                                                                                              \
    static void name##_product(void *x, const void *y, int n)                                      \
    {                                                                                              \
        T *a = x;                                                                                  \
        const T *b = y;                                                                            \
        for (int i = 0; i < 2 * n; i += 2) {                                                       \
            T re = a[i] * b[i] - a[i + 1] * b[i + 1];                                              \
            T im = a[i] * b[i + 1] + a[i + 1] * b[i];                                              \
            a[i] = re;                                                                             \
            a[i + 1] = im;                                                                         \
        }                                                                                          \
    }

/* PVM_BYTE is C's char in pvm_pkbyte; PVM compares it signed. */
REAL_CMP_OPS(byte, signed char)
REAL_OPS(short, short, unsigned)
REAL_OPS(int, int, unsigned)
REAL_OPS(long, long, unsigned long)
REAL_OPS(float, float, float)
REAL_OPS(double, double, double)
COMPLEX_OPS(cplx, float, double)
COMPLEX_OPS(dcplx, double, long double)

/* ===================================================================== */
/* The table                                                              */
/* ===================================================================== */

#define ALL_OPS(name)                                                                              \
    {                                                                                              \
        name##_max, name##_min, name##_sum, name##_product                                         \
    }

static const elementwise_fn reduceops_table[][OP_COUNT] = {
    [PVM_BYTE] = {[OP_MAX] = byte_max, [OP_MIN] = byte_min},
    [PVM_SHORT] = ALL_OPS(short),
    [PVM_INT] = ALL_OPS(int),
    [PVM_FLOAT] = ALL_OPS(float),
    [PVM_CPLX] = ALL_OPS(cplx),
    [PVM_DOUBLE] = ALL_OPS(double),
    [PVM_DCPLX] = ALL_OPS(dcplx),
    [PVM_LONG] = ALL_OPS(long),
};

#define NTYPES ((int)(sizeof reduceops_table / sizeof reduceops_table[0]))

static void apply(int op, int *datatype, void *x, void *y, int *num, int *info)
{
    int rc = PvmBadParam;
    if (datatype && num && *datatype >= 0 && *datatype < NTYPES) {
        elementwise_fn f = reduceops_table[*datatype][op];
        /* A count <= 0 is nothing to do, as in PVM. */
        if (f && (*num <= 0 || (x && y))) {
            if (*num > 0)
                f(x, y, *num);
            rc = PvmOk;
        }
    }
    if (info)
        *info = rc;
}

void PvmMax(int *datatype, void *x, void *y, int *num, int *info)
{
    apply(OP_MAX, datatype, x, y, num, info);
}

void PvmMin(int *datatype, void *x, void *y, int *num, int *info)
{
    apply(OP_MIN, datatype, x, y, num, info);
}

void PvmSum(int *datatype, void *x, void *y, int *num, int *info)
{
    apply(OP_SUM, datatype, x, y, num, info);
}

void PvmProduct(int *datatype, void *x, void *y, int *num, int *info)
{
    apply(OP_PRODUCT, datatype, x, y, num, info);
}
