/*
 * idle_cpu - CPU used by a task blocked in pvm_recv, for bench/run.sh.
 *
 * The parent spawns a copy of itself and waits for its "ready" message;
 * the copy then blocks in pvm_recv while the parent sleeps (default 3 s)
 * and afterwards wakes it with one message.  The copy measures its own CPU
 * time (getrusage) and wall time across that pvm_recv and reports back:
 *
 *   idle wall_s=<t> cpu_s=<t> cpu_pct=<p>
 *
 * Same source for this project's libpvm3 and PVM 3.4.6.
 *
 *   idle_cpu [seconds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "pvm3.h"

#define TAG_READY 1
#define TAG_WAKE 2
#define TAG_REPORT 3

static void die(char *what)
{
    pvm_perror(what);
    pvm_exit();
    exit(1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

static void send_doubles(int tid, int tag, double *v, int n)
{
    if (pvm_initsend(PvmDataDefault) < 0)
        die("idle_cpu: pvm_initsend");
    if (n > 0 && pvm_pkdouble(v, n, 1) < 0)
        die("idle_cpu: pvm_pkdouble");
    if (pvm_send(tid, tag) < 0)
        die("idle_cpu: pvm_send");
}

static int child(int parent)
{
    send_doubles(parent, TAG_READY, NULL, 0);
    double c0 = cpu_seconds(), t0 = now();
    if (pvm_recv(parent, TAG_WAKE) < 0)
        die("idle_cpu: pvm_recv");
    double res[2] = {now() - t0, cpu_seconds() - c0};
    send_doubles(parent, TAG_REPORT, res, 2);
    return 0;
}

static int parent_side(double seconds)
{
    int tid;
    double res[2];
    char *args[] = {"-child", NULL};
    int n = pvm_spawn("idle_cpu", args, PvmTaskDefault, "", 1, &tid);
    if (n < 0)
        die("idle_cpu: pvm_spawn");
    if (n < 1) {
        fprintf(stderr, "idle_cpu: pvm_spawn of idle_cpu failed with %d\n", tid);
        pvm_exit();
        exit(1);
    }
    if (pvm_recv(tid, TAG_READY) < 0)
        die("idle_cpu: pvm_recv");
    usleep((useconds_t)(seconds * 1e6));
    send_doubles(tid, TAG_WAKE, NULL, 0);
    if (pvm_recv(tid, TAG_REPORT) < 0)
        die("idle_cpu: pvm_recv");
    if (pvm_upkdouble(res, 2, 1) < 0)
        die("idle_cpu: pvm_upkdouble");
    printf("idle wall_s=%.3f cpu_s=%.4f cpu_pct=%.3f\n", res[0], res[1],
           res[0] > 0 ? 100.0 * res[1] / res[0] : 0.0);
    return 0;
}

int main(int argc, char **argv)
{
    int is_child = argc > 1 && strcmp(argv[1], "-child") == 0;
    double seconds = argc > 1 && !is_child ? atof(argv[1]) : 3.0;
    if (seconds <= 0 || seconds > 3600) {
        fprintf(stderr, "usage: idle_cpu [seconds]\n");
        return 2;
    }
    if (pvm_mytid() < 0)
        die("idle_cpu: pvm_mytid");
    int parent = pvm_parent();
    if (is_child && parent < 0) {
        /* A spawned copy must not play parent: it would spawn another copy. */
        fprintf(stderr, "idle_cpu: spawned copy without a parent (%d)\n", parent);
        pvm_exit();
        return 1;
    }
    int rc = parent >= 0 ? child(parent) : parent_side(seconds);
    if (pvm_exit() < 0) {
        pvm_perror("idle_cpu: pvm_exit");
        return 1;
    }
    return rc;
}
