/*
 * failure_bench - the watching side of bench/failure.sh: how long after a
 * host's pvmd is killed a task on another host hears of it.
 *
 * Enrolls, asks PvmHostDelete for the host named on the command line,
 * prints
 *
 *   READY t=<time of day>
 *
 * and waits (limit_s at most) for the notice, then prints
 *
 *   NOTICE tid=<the host's pvmd tid> t=<time of day when it came>
 *
 * or "NONE t=..." when none came.  Times are CLOCK_REALTIME seconds, so
 * the script compares them with the moment it sent SIGKILL.  Only PVM
 * 3.4's public API: builds against this project's libpvm3 and against
 * PVM 3.4.6.
 *
 *   failure_bench host [limit_s (60)]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "pvm3.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: failure_bench host [limit_s]\n");
        return 2;
    }
    long limit = argc > 2 ? atol(argv[2]) : 60;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pvm_mytid() < 0)
        return 1;
    int n, narch, dtid = -1;
    struct pvmhostinfo *hi;
    if (pvm_config(&n, &narch, &hi) >= 0)
        for (int i = 0; i < n; i++)
            if (strcmp(hi[i].hi_name, argv[1]) == 0)
                dtid = hi[i].hi_tid;
    if (dtid < 0 || pvm_notify(PvmHostDelete, 70, 1, &dtid) < 0) {
        printf("FAIL no host %s\n", argv[1]);
        pvm_exit();
        return 1;
    }
    printf("READY t=%.6f\n", now());
    struct timeval tv = {limit, 0};
    int b = pvm_trecv(-1, 70, &tv);
    if (b > 0) {
        int v = 0;
        pvm_upkint(&v, 1, 1);
        printf("NOTICE tid=%x t=%.6f\n", (unsigned)v, now());
    } else {
        printf("NONE t=%.6f\n", now());
    }
    pvm_exit();
    return 0;
}
