/*
 * bench_pack.c - packing and unpacking 1 MiB of doubles in each encoding.
 *
 * Builds unchanged against this project's libpvm3 and against PVM 3.4.6
 * (bench/pack_compare.sh builds and runs both).  Packing uses only calls
 * that need no daemon in either library: a buffer is made with pvm_mkbuf,
 * made the send buffer, packed, made the receive buffer and unpacked, then
 * freed.  Every repetition uses a fresh buffer, so both libraries pay for
 * building a 1 MiB message each time.  A plain memcpy of 1 MiB is timed the
 * same way as the reference.
 *
 * PVM 3.4.6 cannot unpack an InPlace buffer that was never sent (it returns
 * PvmBadMsg).  When local unpacking fails like that and a pvmd is reachable,
 * the message is sent to the task itself and the received copy is unpacked
 * instead (only the unpack is timed); the last column says which.
 *
 * Output: one line per measurement,
 *   <op> <encoding> <median ns> <GB/s> <local|recv>
 * with op pack, unpack or memcpy.  Usage: bench_pack [repetitions]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pvm3.h"

#define NBYTES (1 << 20)
#define NDOUBLES (NBYTES / (int)sizeof(double))

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void report(const char *op, const char *enc, double ns, const char *how)
{
    printf("%-7s %-8s %12.0f %8.2f %s\n", op, enc, ns, NBYTES / ns, how);
}

/* One repetition: pack into a fresh buffer and unpack it, locally or (when
 * mytid > 0) after sending it to ourselves.  Returns the unpack's code. */
static int once(int enc, const double *src, double *dst, int mytid, double *tp, double *tu)
{
    int b = pvm_mkbuf(enc);
    if (b < 0)
        return b;
    pvm_setsbuf(b);
    double t0 = now_ns();
    int cc = pvm_pkdouble((double *)src, NDOUBLES, 1);
    double t1 = now_ns();
    int rb = b;
    if (cc >= 0 && mytid > 0) {
        cc = pvm_send(mytid, 1);
        rb = cc < 0 ? cc : pvm_recv(mytid, 1);
    }
    if (cc < 0 || rb < 0) {
        pvm_setsbuf(0);
        pvm_freebuf(b);
        return cc < 0 ? cc : rb;
    }
    pvm_setrbuf(rb);
    double t2 = now_ns();
    cc = pvm_upkdouble(dst, NDOUBLES, 1);
    double t3 = now_ns();
    pvm_setrbuf(0);
    pvm_setsbuf(0);
    if (rb != b)
        pvm_freebuf(rb);
    pvm_freebuf(b);
    *tp = t1 - t0;
    *tu = t3 - t2;
    return cc;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 200;
    if (reps < 1)
        reps = 1;
    double *src = malloc(NBYTES), *dst = malloc(NBYTES);
    double *tpack = malloc(reps * sizeof *tpack), *tunpack = malloc(reps * sizeof *tunpack);
    if (!src || !dst || !tpack || !tunpack)
        return 1;
    for (int i = 0; i < NDOUBLES; i++)
        src[i] = i * 0.25 - 1000.0;
    memset(dst, 0, NBYTES);

    static const struct {
        const char *name;
        int enc;
    } encs[] = {{"Default", PvmDataDefault}, {"Raw", PvmDataRaw}, {"InPlace", PvmDataInPlace}};
    int status = 0, mytid = 0;
    for (size_t e = 0; e < sizeof encs / sizeof encs[0]; e++) {
        int self = 0, cc = 0;
        for (int r = -5; r < reps && cc >= 0; r++) { /* 5 warm-up rounds */
            double tp, tu;
            cc = once(encs[e].enc, src, dst, self, &tp, &tu);
            if (cc == PvmBadMsg && !self && r == -5) {
                /* Try a received copy instead (needs a pvmd). */
                if (!mytid)
                    mytid = pvm_mytid();
                if (mytid > 0) {
                    self = mytid;
                    cc = once(encs[e].enc, src, dst, self, &tp, &tu);
                }
            }
            if (r >= 0) {
                tpack[r] = tp;
                tunpack[r] = tu;
            }
        }
        if (cc < 0) {
            fprintf(stderr, "%s: error %d\n", encs[e].name, cc);
            printf("pack    %-8s            -        - n/a\n", encs[e].name);
            printf("unpack  %-8s            -        - n/a\n", encs[e].name);
            continue;
        }
        if (memcmp(src, dst, NBYTES) != 0) {
            fprintf(stderr, "%s: unpacked data differs\n", encs[e].name);
            status = 1;
        }
        memset(dst, 0, NBYTES);
        report("pack", encs[e].name, median(tpack, reps), "local");
        report("unpack", encs[e].name, median(tunpack, reps), self ? "recv" : "local");
    }

    for (int r = -5; r < reps; r++) {
        double t0 = now_ns();
        memcpy(dst, src, NBYTES);
        /* Keep the copy from being optimised away. */
        __asm__ __volatile__("" : : "r"(dst) : "memory");
        double t1 = now_ns();
        if (r >= 0)
            tpack[r] = t1 - t0;
    }
    report("memcpy", "-", median(tpack, reps), "local");
    if (mytid > 0)
        pvm_exit();
    free(src);
    free(dst);
    free(tpack);
    free(tunpack);
    return status;
}
