/*
 * spawn_bench - how long 256 tasks take to start, for bench/run.sh.
 *
 * The parent spawns N copies of itself (default 256) in as few pvm_spawn
 * calls as it takes; each copy enrolls and sends one message to the
 * parent, then leaves.  The time runs from just before the first
 * pvm_spawn call until the N-th message has arrived:
 *
 *   spawn n=<N> total_s=<t> spawn_call_s=<t> calls=<c> hosts=<h> per_host=<a,b,...>
 *
 * spawn_call_s is the time spent inside pvm_spawn alone; hosts is how many
 * hosts the tasks ran on (from pvm_tidtohost of each tid) and per_host how
 * many tasks each got, in the order pvm_config lists the hosts.  Same source for
 * this project's libpvm3 and PVM 3.4.6.
 *
 *   spawn_bench [-n N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pvm3.h"

#define TAG_HELLO 7
#define MAX_TASKS 4096

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

static int child(int parent, int mytid)
{
    if (pvm_initsend(PvmDataDefault) < 0)
        die("spawn_bench: pvm_initsend");
    if (pvm_pkint(&mytid, 1, 1) < 0)
        die("spawn_bench: pvm_pkint");
    if (pvm_send(parent, TAG_HELLO) < 0)
        die("spawn_bench: pvm_send");
    return 0;
}

static int parent_side(int n)
{
    static int tids[MAX_TASKS];
    char *args[] = {"-child", NULL};
    int started = 0, calls = 0, failures = 0;

    double t0 = now();
    while (started < n) {
        int got = pvm_spawn("spawn_bench", args, PvmTaskDefault, "", n - started, tids + started);
        calls++;
        if (got < 0)
            die("spawn_bench: pvm_spawn");
        if (got < n - started) {
            /* Keep the tids that started; report the first failure; retry the rest. */
            int k = started;
            for (int i = started; i < n; i++) {
                if (tids[i] >= 0)
                    tids[k++] = tids[i];
                else if (failures++ == 0)
                    fprintf(stderr, "spawn_bench: pvm_spawn: task failed with %d, retrying\n",
                            tids[i]);
            }
            if (got == 0 && failures > 4 * n) {
                fprintf(stderr, "spawn_bench: cannot start %d tasks\n", n - started);
                pvm_exit();
                exit(1);
            }
        }
        started += got;
    }
    double t1 = now();
    for (int i = 0; i < n; i++) {
        int bufid = pvm_recv(-1, TAG_HELLO);
        if (bufid < 0)
            die("spawn_bench: pvm_recv");
    }
    double t2 = now();
    /* Where they ran: tasks per host, in pvm_config's order. */
    int nhost = 0, narch = 0, used = 0;
    struct pvmhostinfo *hi = NULL;
    char per[4096] = "";
    for (int i = 0; i < n; i++)
        tids[i] = pvm_tidtohost(tids[i]);
    if (pvm_config(&nhost, &narch, &hi) >= 0) {
        size_t len = 0;
        for (int h = 0; h < nhost; h++) {
            int count = 0;
            for (int i = 0; i < n; i++)
                if (tids[i] == hi[h].hi_tid)
                    count++;
            used += count > 0;
            if (len < sizeof per - 16)
                len += (size_t)snprintf(per + len, sizeof per - len, "%s%d", h ? "," : "", count);
        }
    }
    printf("spawn n=%d total_s=%.4f spawn_call_s=%.4f calls=%d hosts=%d per_host=%s\n", n, t2 - t0,
           t1 - t0, calls, used, per[0] ? per : "-");
    return 0;
}

int main(int argc, char **argv)
{
    int n = 256, is_child = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-child") == 0) {
            is_child = 1;
        } else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            n = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: spawn_bench [-n tasks]\n");
            return 2;
        }
    }
    if (n < 1 || n > MAX_TASKS) {
        fprintf(stderr, "spawn_bench: 1..%d tasks\n", MAX_TASKS);
        return 2;
    }
    int mytid = pvm_mytid();
    if (mytid < 0)
        die("spawn_bench: pvm_mytid");
    int parent = pvm_parent();
    if (is_child && parent < 0) {
        /* A spawned copy must not play parent: it would spawn 256 more. */
        fprintf(stderr, "spawn_bench: spawned copy without a parent (%d)\n", parent);
        pvm_exit();
        return 1;
    }
    int rc = parent >= 0 ? child(parent, mytid) : parent_side(n);
    if (pvm_exit() < 0) {
        pvm_perror("spawn_bench: pvm_exit");
        return 1;
    }
    return rc;
}
