/*
 * g_member.c - a group member for test_groups.c, driven by its parent.
 *
 * Reads commands (tag G_CMD, a string) from its parent and answers each
 * with tag G_ANS: int result, int extra.  Commands:
 *   join G | leave G | barrier G COUNT | freeze G SIZE | gsize G
 *   reduce G ROOT (PvmSum of one int, its instance + 1) | exit
 *   rounds G COUNT K [FILE]: K barriers of COUNT; with FILE (every member
 *       of the rounds on this machine, COUNT of them, or the group's size
 *       for -1), each adds one to a counter in FILE before each barrier
 *       and checks after it that all had: the result is 0, a barrier's
 *       error, or ROUNDS_EARLY; extra is the rounds passed
 *   sendbar TID BYTES G COUNT: sends TID a message of BYTES bytes (tag
 *       G_BIG), then passes barrier G COUNT
 *   recvbig TID: receives TID's G_BIG message; the result is its size
 *   exit_stay (answers, calls pvm_exit, and lives on until killed)
 *   all G N: join G, then check everything against a serial answer
 *       (membership consistency, bcast, reduce for every type and
 *       operator and a user function, gather, scatter); the result is 0
 *       or the line that failed.
 */
#include <complex.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pvm3.h"

#define G_CMD 10
#define G_ANS 11
#define K 3                  /* items per member */
#define ROUNDS_EARLY (-3000) /* a barrier let a member through too early */
#define G_BIG 20

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "g_member t%x: line %d: %s\n", (unsigned)pvm_mytid(), __LINE__, #c);   \
            return __LINE__;                                                                       \
        }                                                                                          \
    } while (0)

static int v(int i, int k)
{
    return ((i * 7 + k * 3) % 5) - 2;
}

static int p(int i, int k)
{
    int r = (i + k) % 3;
    return r == 0 ? 2 : r == 1 ? -1 : 1;
}

static void xor_ints(int *dt, void *x, void *y, int *num, int *info)
{
    int *a = x, *b = y;
    if (*dt != PVM_INT) {
        *info = PvmBadParam;
        return;
    }
    for (int i = 0; i < *num; i++)
        a[i] ^= b[i];
    *info = 0;
}

typedef void (*redfn)(int *, void *, void *, int *, int *);

/* Real types: fill with the member's values, reduce, compare at the root. */
#define REAL_CASE(T, TYPE, op, OPFN, init, combine)                                                \
    do {                                                                                           \
        T mine[K], want[K];                                                                        \
        for (int k = 0; k < K; k++) {                                                              \
            mine[k] = (T)(init(inst, k));                                                          \
            want[k] = (T)(init(0, k));                                                             \
            for (int i = 1; i < n; i++) {                                                          \
                T y = (T)(init(i, k));                                                             \
                combine(want[k], y);                                                               \
            }                                                                                      \
        }                                                                                          \
        int root = (tag++) % n;                                                                    \
        CHECK(pvm_reduce(OPFN, mine, K, TYPE, tag, group, root) == 0);                             \
        if (inst == root)                                                                          \
            for (int k = 0; k < K; k++)                                                            \
                CHECK(mine[k] == want[k]);                                                         \
        (void)op;                                                                                  \
    } while (0)

#define C_MAX(a, b) ((b) > (a) ? (a) = (b) : (a))
#define C_MIN(a, b) ((b) < (a) ? (a) = (b) : (a))
#define C_SUM(a, b) ((a) += (b))
#define C_PROD(a, b) ((a) *= (b))
#define VB(i, k) (v(i, k) + 2)

#define REAL_ALL(T, TYPE)                                                                          \
    do {                                                                                           \
        REAL_CASE(T, TYPE, 0, PvmMax, v, C_MAX);                                                   \
        REAL_CASE(T, TYPE, 1, PvmMin, v, C_MIN);                                                   \
        REAL_CASE(T, TYPE, 2, PvmSum, v, C_SUM);                                                   \
        REAL_CASE(T, TYPE, 3, PvmProduct, p, C_PROD);                                              \
    } while (0)

/* Complex: max/min by modulus (distinct moduli per member), sum, product. */
#define CPLX_ALL(T, TYPE)                                                                          \
    do {                                                                                           \
        T mine[K], want[K];                                                                        \
        /* max and min */                                                                          \
        for (int op = 0; op < 2; op++) {                                                           \
            for (int k = 0; k < K; k++) {                                                          \
                mine[k] = (inst + k + 1) + 0.5 * I;                                                \
                int best = op == 0 ? n - 1 : 0;                                                    \
                want[k] = (best + k + 1) + 0.5 * I;                                                \
            }                                                                                      \
            int root = (tag++) % n;                                                                \
            CHECK(pvm_reduce(op == 0 ? PvmMax : PvmMin, mine, K, TYPE, tag, group, root) == 0);    \
            if (inst == root)                                                                      \
                for (int k = 0; k < K; k++)                                                        \
                    CHECK(mine[k] == want[k]);                                                     \
        }                                                                                          \
        for (int k = 0; k < K; k++) {                                                              \
            mine[k] = v(inst, k) + (v(inst, k) + 1) * I;                                           \
            want[k] = 0;                                                                           \
            for (int i = 0; i < n; i++)                                                            \
                want[k] += v(i, k) + (v(i, k) + 1) * I;                                            \
        }                                                                                          \
        int root = (tag++) % n;                                                                    \
        CHECK(pvm_reduce(PvmSum, mine, K, TYPE, tag, group, root) == 0);                           \
        if (inst == root)                                                                          \
            for (int k = 0; k < K; k++)                                                            \
                CHECK(mine[k] == want[k]);                                                         \
        for (int k = 0; k < K; k++) {                                                              \
            mine[k] = p(inst, k);                                                                  \
            want[k] = 1;                                                                           \
            for (int i = 0; i < n; i++)                                                            \
                want[k] *= p(i, k);                                                                \
        }                                                                                          \
        root = (tag++) % n;                                                                        \
        CHECK(pvm_reduce(PvmProduct, mine, K, TYPE, tag, group, root) == 0);                       \
        if (inst == root)                                                                          \
            for (int k = 0; k < K; k++)                                                            \
                CHECK(mine[k] == want[k]);                                                         \
    } while (0)

static int all(char *group, int n)
{
    int me = pvm_mytid();
    int inst = pvm_joingroup(group);
    CHECK(inst >= 0);
    CHECK(pvm_barrier(group, n) == 0);

    /* Membership: everyone sees the same n instances 0..n-1. */
    CHECK(pvm_gsize(group) == n);
    CHECK(pvm_gettid(group, inst) == me);
    CHECK(pvm_getinst(group, me) == inst);
    for (int i = 0; i < n; i++) {
        int t = pvm_gettid(group, i);
        CHECK(t > 0);
        CHECK(pvm_getinst(group, t) == i);
    }
    CHECK(pvm_gettid(group, n) == PvmNoInst);
    int *tids = calloc((size_t)n, sizeof *tids);
    CHECK(tids);
    CHECK(pvm_gather(tids, &me, 1, PVM_INT, 1, group, 0) == 0);
    if (inst == 0)
        for (int i = 0; i < n; i++) {
            CHECK(tids[i] == pvm_gettid(group, i));
            for (int j = 0; j < i; j++)
                CHECK(tids[j] != tids[i]);
        }
    free(tids);

    /* Broadcast: every member but the sender gets it. */
    if (inst == 0) {
        pvm_initsend(PvmDataDefault);
        int x[2] = {4242, me};
        pvm_pkint(x, 2, 1);
        CHECK(pvm_bcast(group, 20) == 0);
    } else {
        CHECK(pvm_recv(-1, 20) > 0);
        int x[2];
        pvm_upkint(x, 2, 1);
        CHECK(x[0] == 4242 && x[1] == pvm_gettid(group, 0));
    }

    /* Reduce, every type and operator. */
    int tag = 100;
    {
        typedef char byte;
        REAL_CASE(byte, PVM_BYTE, 0, PvmMax, VB, C_MAX);
        REAL_CASE(byte, PVM_BYTE, 1, PvmMin, VB, C_MIN);
    }
    REAL_ALL(short, PVM_SHORT);
    REAL_ALL(int, PVM_INT);
    REAL_ALL(long, PVM_LONG);
    REAL_ALL(float, PVM_FLOAT);
    REAL_ALL(double, PVM_DOUBLE);
    CPLX_ALL(float complex, PVM_CPLX);
    CPLX_ALL(double complex, PVM_DCPLX);
    /* A user function. */
    {
        int mine[K], want[K];
        for (int k = 0; k < K; k++) {
            mine[k] = inst * 17 + k;
            want[k] = 0;
            for (int i = 0; i < n; i++)
                want[k] ^= i * 17 + k;
        }
        CHECK(pvm_reduce(xor_ints, mine, K, PVM_INT, 7, group, n - 1) == 0);
        if (inst == n - 1)
            for (int k = 0; k < K; k++)
                CHECK(mine[k] == want[k]);
    }
    /* Reduce of a large array (several MiB over the tree). */
    {
        int m = 100000;
        double *a = malloc((size_t)m * sizeof *a);
        CHECK(a);
        for (int k = 0; k < m; k++)
            a[k] = inst + k;
        CHECK(pvm_reduce(PvmSum, a, m, PVM_DOUBLE, 8, group, 0) == 0);
        if (inst == 0)
            for (int k = 0; k < m; k += 997)
                CHECK(a[k] == (double)n * (n - 1) / 2 + (double)n * k);
        free(a);
    }

    /* Gather and scatter of uneven values (every member's differ). */
    {
        int mine[K], *got = calloc((size_t)n * K, sizeof *got);
        double dm[K], *dg = calloc((size_t)n * K, sizeof *dg);
        CHECK(got && dg);
        for (int k = 0; k < K; k++) {
            mine[k] = inst * 100 + k * k - 7;
            dm[k] = inst * 0.25 - k;
        }
        int root = n / 2;
        CHECK(pvm_gather(got, mine, K, PVM_INT, 30, group, root) == 0);
        CHECK(pvm_gather(dg, dm, K, PVM_DOUBLE, 31, group, root) == 0);
        if (inst == root)
            for (int i = 0; i < n; i++)
                for (int k = 0; k < K; k++) {
                    CHECK(got[i * K + k] == i * 100 + k * k - 7);
                    CHECK(dg[i * K + k] == i * 0.25 - k);
                }
        int *all = calloc((size_t)n * K, sizeof *all);
        CHECK(all);
        for (int j = 0; j < n * K; j++)
            all[j] = j * j - 3 * j;
        int part[K];
        CHECK(pvm_scatter(part, inst == root ? all : NULL, K, PVM_INT, 32, group, root) == 0);
        for (int k = 0; k < K; k++) {
            int j = inst * K + k;
            CHECK(part[k] == j * j - 3 * j);
        }
        free(all);
        free(got);
        free(dg);
    }
    CHECK(pvm_barrier(group, -1) == 0);
    CHECK(pvm_lvgroup(group) == 0);
    return 0;
}

static int rounds(char *group, int count, int k, const char *file, int *passed)
{
    _Atomic int *ctr = NULL;
    int n = count == -1 ? pvm_gsize(group) : count;
    if (*file) {
        int fd = open(file, O_RDWR);
        void *m = fd >= 0 ? mmap(NULL, sizeof *ctr, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
                          : MAP_FAILED;
        if (fd >= 0)
            close(fd);
        if (m == MAP_FAILED)
            return -2000;
        ctr = m;
    }
    int cc = 0;
    for (*passed = 0; *passed < k; (*passed)++) {
        if (ctr)
            atomic_fetch_add(ctr, 1);
        if ((cc = pvm_barrier(group, count)) < 0)
            break;
        if (ctr && atomic_load(ctr) < n * (*passed + 1)) {
            cc = ROUNDS_EARLY;
            break;
        }
    }
    if (ctr)
        munmap((void *)ctr, sizeof *ctr);
    return cc < 0 ? cc : 0;
}

static int sendbar(int tid, int bytes, char *group, int count)
{
    char *b = calloc((size_t)bytes, 1);
    if (!b)
        return PvmNoMem;
    pvm_initsend(PvmDataRaw);
    pvm_pkbyte(b, bytes, 1);
    free(b);
    int cc = pvm_send(tid, G_BIG);
    return cc < 0 ? cc : pvm_barrier(group, count);
}

static int recvbig(int tid)
{
    int bytes, tag, src;
    int b = pvm_recv(tid, G_BIG);
    if (b < 0)
        return b;
    pvm_bufinfo(b, &bytes, &tag, &src);
    return bytes;
}

static void answer(int parent, int result, int extra)
{
    pvm_initsend(PvmDataDefault);
    pvm_pkint(&result, 1, 1);
    pvm_pkint(&extra, 1, 1);
    pvm_send(parent, G_ANS);
}

int main(void)
{
    int parent = pvm_parent();
    if (parent < 0)
        return 1;
    pvm_setopt(PvmAutoErr, 0);
    char cmd[256], group[200], file[200];
    for (;;) {
        if (pvm_recv(parent, G_CMD) < 0)
            break;
        if (pvm_upkstr(cmd) < 0)
            break;
        int a = 0, b = 0, c = 0, r = 0, extra = 0;
        if (sscanf(cmd, "join %199s", group) == 1)
            r = pvm_joingroup(group);
        else if (sscanf(cmd, "leave %199s", group) == 1)
            r = pvm_lvgroup(group);
        else if ((file[0] = 0, sscanf(cmd, "rounds %199s %d %d %199s", group, &a, &b, file)) >= 3)
            r = rounds(group, a, b, file, &extra);
        else if (sscanf(cmd, "sendbar %x %d %199s %d", &a, &b, group, &c) == 4)
            r = sendbar(a, b, group, c);
        else if (sscanf(cmd, "recvbig %x", &a) == 1)
            r = recvbig(a);
        else if (sscanf(cmd, "barrier %199s %d", group, &a) == 2)
            r = pvm_barrier(group, a);
        else if (sscanf(cmd, "freeze %199s %d", group, &a) == 2)
            r = pvm_freezegroup(group, a);
        else if (sscanf(cmd, "gsize %199s", group) == 1)
            r = pvm_gsize(group);
        else if (sscanf(cmd, "reduce %199s %d", group, &a) == 2) {
            extra = pvm_getinst(group, pvm_mytid()) + 1;
            r = pvm_reduce(PvmSum, &extra, 1, PVM_INT, 5, group, a);
        } else if (sscanf(cmd, "all %199s %d", group, &a) == 2)
            r = all(group, a);
        else if (strcmp(cmd, "exit") == 0)
            break;
        else if (strcmp(cmd, "exit_stay") == 0) {
            /* pvm_exit, but the process lives on (until killed). */
            answer(parent, 0, 0);
            pvm_exit();
            for (;;)
                pause();
        } else
            r = -1000;
        answer(parent, r, extra);
    }
    pvm_exit();
    return 0;
}
