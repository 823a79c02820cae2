/*
 * group_bench.c - group collectives: barrier, bcast (8 B and 1 MiB) and
 * reduce (1 and 10^5 doubles) over N tasks.  PVM 3.4's public API only,
 * so one source builds against this project's libgpvm3 and against PVM
 * 3.4.6's (whose group server is pvmgs).  See bench/README.md.
 *
 *   group_bench [-n N] [-k iters]
 *
 * The first task joins group "gbench", spawns N-1 copies of itself (dealt
 * over the hosts), and every member joins; after a warm-up each operation
 * runs `iters' times, timed at instance 0, and instance 0 prints
 *   coll op=OP n=N iters=K us=MEAN
 * per operation: barrier (pvm_barrier of all N); bcast8 and bcast1m (the
 * root's pvm_bcast, every other member receives, then all meet at a
 * barrier, whose own time is subtracted); reduce1 and reduce100k
 * (pvm_reduce PvmSum of doubles to instance 0, then a barrier,
 * subtracted).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "pvm3.h"

#define GROUP "gbench"
#define TAG_CFG 50
#define TAG_BCAST 51
#define TAG_RED 52

static double now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return tv.tv_sec * 1e6 + tv.tv_usec;
}

static int n = 8, iters = 50;
static int inst;

static double time_barrier(int k)
{
    double t0 = now_us();
    for (int i = 0; i < k; i++)
        if (pvm_barrier(GROUP, n) < 0)
            exit(2);
    return (now_us() - t0) / k;
}

static double time_bcast(int k, int bytes, char *buf)
{
    double t0 = now_us();
    for (int i = 0; i < k; i++) {
        if (inst == 0) {
            pvm_initsend(PvmDataRaw);
            pvm_pkbyte(buf, bytes, 1);
            if (pvm_bcast(GROUP, TAG_BCAST) < 0)
                exit(3);
        } else {
            pvm_recv(-1, TAG_BCAST);
            pvm_upkbyte(buf, bytes, 1);
        }
        pvm_barrier(GROUP, n);
    }
    return (now_us() - t0) / k;
}

static double time_reduce(int k, int count, double *a)
{
    double t0 = now_us();
    for (int i = 0; i < k; i++) {
        for (int j = 0; j < count; j++)
            a[j] = inst + j;
        if (pvm_reduce(PvmSum, a, count, PVM_DOUBLE, TAG_RED, GROUP, 0) < 0)
            exit(4);
        pvm_barrier(GROUP, n);
    }
    return (now_us() - t0) / k;
}

static void report(const char *op, double us)
{
    if (inst == 0) {
        printf("coll op=%s n=%d iters=%d us=%.1f\n", op, n, iters, us);
        fflush(stdout);
    }
}

int main(int argc, char **argv)
{
    int parent = pvm_parent();
    if (parent == PvmNoParent || parent == PvmParentNotSet) {
        for (int i = 1; i < argc; i++) {
            if (!strcmp(argv[i], "-n") && i + 1 < argc)
                n = atoi(argv[++i]);
            else if (!strcmp(argv[i], "-k") && i + 1 < argc)
                iters = atoi(argv[++i]);
        }
    }
    if ((inst = pvm_joingroup(GROUP)) < 0) {
        pvm_perror("group_bench: join");
        pvm_exit();
        return 1;
    }
    if (parent == PvmNoParent || parent == PvmParentNotSet) {
        int *tids = calloc((size_t)n, sizeof *tids);
        char *args[] = {NULL};
        int got = n > 1 ? pvm_spawn(argv[0], args, PvmTaskDefault, "", n - 1, tids) : 0;
        if (got != n - 1) {
            fprintf(stderr, "group_bench: spawned %d of %d\n", got, n - 1);
            pvm_lvgroup(GROUP);
            pvm_exit();
            return 1;
        }
        int cfg[2] = {n, iters};
        pvm_initsend(PvmDataDefault);
        pvm_pkint(cfg, 2, 1);
        pvm_mcast(tids, n - 1, TAG_CFG);
        free(tids);
    } else {
        int cfg[2];
        pvm_recv(parent, TAG_CFG);
        pvm_upkint(cfg, 2, 1);
        n = cfg[0];
        iters = cfg[1];
    }
    pvm_barrier(GROUP, n);

    char *buf = calloc(1 << 20, 1);
    double *a = calloc(100000, sizeof *a);
    /* warm-up, then measured */
    /* Just after the spawn the machine is still busy starting tasks: a
     * longer warm-up, and the better of two measurements. */
    time_barrier(20);
    double bar = time_barrier(iters), bar2 = time_barrier(iters);
    if (bar2 < bar)
        bar = bar2;
    report("barrier", bar);
    time_bcast(3, 8, buf);
    report("bcast8", time_bcast(iters, 8, buf) - bar);
    int big = iters / 5 > 3 ? iters / 5 : 3;
    time_bcast(2, 1 << 20, buf);
    report("bcast1m", time_bcast(big, 1 << 20, buf) - bar);
    time_reduce(3, 1, a);
    report("reduce1", time_reduce(iters, 1, a) - bar);
    time_reduce(2, 100000, a);
    report("reduce100k", time_reduce(big, 100000, a) - bar);
    if (inst == 0 && a[7] != (double)n * (n - 1) / 2 + 7.0 * n)
        fprintf(stderr, "group_bench: wrong reduce result %g\n", a[7]);

    pvm_barrier(GROUP, n);
    pvm_lvgroup(GROUP);
    pvm_exit();
    return 0;
}
