/*
 * coll_mpi.c - the collectives of group_bench.c with Open MPI:
 * MPI_Barrier, MPI_Bcast of 8 B and 1 MiB, MPI_Reduce of 1 and 10^5
 * doubles, each followed by a barrier whose own time is subtracted, as
 * group_bench does.  Rank 0 prints the same lines.
 *
 *   mpirun -np N coll_mpi [-k iters]
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int n, rank, iters = 50;

static double time_barrier(int k)
{
    double t0 = MPI_Wtime();
    for (int i = 0; i < k; i++)
        MPI_Barrier(MPI_COMM_WORLD);
    return (MPI_Wtime() - t0) * 1e6 / k;
}

static double time_bcast(int k, int bytes, char *buf)
{
    double t0 = MPI_Wtime();
    for (int i = 0; i < k; i++) {
        MPI_Bcast(buf, bytes, MPI_BYTE, 0, MPI_COMM_WORLD);
        MPI_Barrier(MPI_COMM_WORLD);
    }
    return (MPI_Wtime() - t0) * 1e6 / k;
}

static double time_reduce(int k, int count, double *a, double *r)
{
    double t0 = MPI_Wtime();
    for (int i = 0; i < k; i++) {
        MPI_Reduce(a, r, count, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        MPI_Barrier(MPI_COMM_WORLD);
    }
    return (MPI_Wtime() - t0) * 1e6 / k;
}

static void report(const char *op, double us)
{
    if (rank == 0)
        printf("coll op=%s n=%d iters=%d us=%.1f\n", op, n, iters, us);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_size(MPI_COMM_WORLD, &n);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-k") && i + 1 < argc)
            iters = atoi(argv[++i]);
    char *buf = calloc(1 << 20, 1);
    double *a = calloc(100000, sizeof *a), *r = calloc(100000, sizeof *r);
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
    time_reduce(3, 1, a, r);
    report("reduce1", time_reduce(iters, 1, a, r) - bar);
    time_reduce(2, 100000, a, r);
    report("reduce100k", time_reduce(big, 100000, a, r) - bar);
    MPI_Finalize();
    return 0;
}
