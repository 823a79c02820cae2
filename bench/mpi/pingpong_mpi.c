/*
 * pingpong_mpi - the ping-pong of pingpong_bench.c with MPI_Send/MPI_Recv,
 * as a reference for bench/run.sh.  Built with mpicc, run with two ranks:
 *
 *   mpirun -np 2 pingpong_mpi [-f factor]
 *
 * Rank 0 sends, rank 1 echoes; same sizes, iteration counts, warm-up and
 * output lines as pingpong_bench:
 *
 *   pingpong size=<bytes> iters=<n> median_us=<t> min_us=<t> p90_us=<t>
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIZE (4 << 20)

static const struct {
    int size;
    int iters;
} plan[] = {
    {8, 2000},    {64, 2000},    {1024, 2000},   {16384, 1000},
    {65536, 500}, {262144, 200}, {1048576, 100}, {4194304, 30},
};
#define NPLAN ((int)(sizeof plan / sizeof plan[0]))

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int rank, nranks, factor = 1;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    if (argc > 2 && strcmp(argv[1], "-f") == 0)
        factor = atoi(argv[2]);
    if (factor < 1)
        factor = 1;
    if (nranks != 2) {
        if (rank == 0)
            fprintf(stderr, "pingpong_mpi: run with exactly 2 ranks\n");
        MPI_Finalize();
        return 2;
    }
    char *buf = malloc(MAX_SIZE);
    double *times = malloc(2000 * sizeof *times);
    if (buf == NULL || times == NULL) {
        fprintf(stderr, "pingpong_mpi: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    memset(buf, 1, MAX_SIZE);
    if (rank == 0)
        printf("# pingpong_mpi 2 ranks\n");
    for (int s = 0; s < NPLAN; s++) {
        int size = plan[s].size;
        int iters = plan[s].iters / factor;
        if (iters < 5)
            iters = 5;
        int warm = size <= 65536 ? 50 : 5;
        for (int it = -warm; it < iters; it++) {
            if (rank == 0) {
                double t0 = MPI_Wtime();
                MPI_Send(buf, size, MPI_BYTE, 1, 1, MPI_COMM_WORLD);
                MPI_Recv(buf, size, MPI_BYTE, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                if (it >= 0)
                    times[it] = (MPI_Wtime() - t0) * 1e6;
            } else {
                MPI_Recv(buf, size, MPI_BYTE, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                MPI_Send(buf, size, MPI_BYTE, 0, 1, MPI_COMM_WORLD);
            }
        }
        if (rank == 0) {
            qsort(times, (size_t)iters, sizeof times[0], cmp_double);
            printf("pingpong size=%d iters=%d median_us=%.2f min_us=%.2f p90_us=%.2f\n", size,
                   iters, times[iters / 2], times[0], times[iters * 9 / 10]);
            fflush(stdout);
        }
    }
    free(buf);
    free(times);
    MPI_Finalize();
    return 0;
}
