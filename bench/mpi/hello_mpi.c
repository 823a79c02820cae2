/*
 * hello_mpi - MPI_Init and MPI_Finalize, nothing else: bench/run.sh times
 * `mpirun -np 256 hello_mpi` as a reference for spawn_bench when
 * MPI_START=1 (it is slow on 2 cores, so it is not run by default).
 */
#include <mpi.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Finalize();
    return 0;
}
