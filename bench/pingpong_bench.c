/*
 * pingpong_bench - round-trip time between two tasks, for bench/run.sh.
 *
 * The parent spawns one copy of itself and bounces messages of 8 B .. 4 MiB
 * off it: pack (PvmDataRaw, pvm_pkbyte), pvm_send, and on the other side
 * pvm_recv, unpack, pack, send back.  Every round trip is timed on its own;
 * for each size it prints one line
 *
 *   pingpong size=<bytes> iters=<n> median_us=<t> min_us=<t> p90_us=<t>
 *
 * Uses only PVM 3.4's public API, so the same source builds against this
 * project's libpvm3 and against PVM 3.4.6 itself.
 *
 *   pingpong_bench [-d | -n] [-P] [-p usec] [-f factor] [-s size,size,...] [-h host]
 *     -h   spawn the copy on that host (PvmTaskHost); by default PvmTaskDefault
 *     -d   set PvmRoute to PvmRouteDirect in both tasks (PVM's direct
 *          task-to-task route); without it the route option is left alone
 *     -n   set PvmRoute to PvmDontRoute in both tasks: every message
 *          through the daemons
 *     -P   pvm_psend / pvm_precv instead of pack, send, receive, unpack
 *          (PVM's calls for a contiguous buffer, as MPI_Send/MPI_Recv)
 *     -p   set PvmPollTime to usec in both tasks (how long a receive spins
 *          before it sleeps, in this project; PVM 3.4 uses it only for its
 *          shared-memory builds)
 *     -f   divide the iteration counts by factor (quick runs)
 *     -s   only these sizes
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pvm3.h"

#define TAG_PING 1
#define TAG_STOP 2
#define MAX_SIZE (4 << 20)

/* Sizes and iteration counts: many trips for small messages, fewer for big. */
static const struct {
    int size;
    int iters;
} plan[] = {
    {8, 2000},    {64, 2000},    {1024, 2000},   {16384, 1000},
    {65536, 500}, {262144, 200}, {1048576, 100}, {4194304, 30},
};
#define NPLAN ((int)(sizeof plan / sizeof plan[0]))

static void die(char *what)
{
    pvm_perror(what);
    pvm_exit();
    exit(1);
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int use_psend; /* -P */

static void send_bytes(int tid, int tag, char *buf, int len)
{
    if (use_psend) {
        if (pvm_psend(tid, tag, buf, len, PVM_BYTE) < 0)
            die("pingpong_bench: pvm_psend");
        return;
    }
    if (pvm_initsend(PvmDataRaw) < 0)
        die("pingpong_bench: pvm_initsend");
    if (len > 0 && pvm_pkbyte(buf, len, 1) < 0)
        die("pingpong_bench: pvm_pkbyte");
    if (pvm_send(tid, tag) < 0)
        die("pingpong_bench: pvm_send");
}

/* Receives the next message from tid into buf; returns its tag. */
static int recv_bytes(int tid, char *buf, int *len)
{
    int bytes, tag, src;
    if (use_psend) {
        if (pvm_precv(tid, -1, buf, MAX_SIZE, PVM_BYTE, &src, &tag, &bytes) < 0)
            die("pingpong_bench: pvm_precv");
        *len = bytes;
        return tag;
    }
    int bufid = pvm_recv(tid, -1);
    if (bufid < 0)
        die("pingpong_bench: pvm_recv");
    if (pvm_bufinfo(bufid, &bytes, &tag, &src) < 0)
        die("pingpong_bench: pvm_bufinfo");
    if (bytes < 0 || bytes > MAX_SIZE) {
        fprintf(stderr, "pingpong_bench: message of %d bytes\n", bytes);
        pvm_exit();
        exit(1);
    }
    if (bytes > 0 && pvm_upkbyte(buf, bytes, 1) < 0)
        die("pingpong_bench: pvm_upkbyte");
    *len = bytes;
    return tag;
}

static int echo(int parent, char *buf)
{
    int len;
    while (recv_bytes(parent, buf, &len) == TAG_PING)
        send_bytes(parent, TAG_PING, buf, len);
    return 0;
}

/* Does the size appear in the comma-separated list (or is there no list)? */
static int wanted(const char *list, int size)
{
    if (list == NULL)
        return 1;
    for (const char *p = list; *p != '\0';) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p)
            return 0;
        if (v == size)
            return 1;
        p = *end == ',' ? end + 1 : end;
    }
    return 0;
}

static int ping(char *buf, char *back, int route, int polltime, int factor, const char *sizes,
                char *host)
{
    char pollarg[32];
    char *args[6] = {"-child"};
    int nargs = 1;

    if (route)
        args[nargs++] = route == PvmRouteDirect ? "-d" : "-n";
    if (use_psend)
        args[nargs++] = "-P";
    if (polltime >= 0) {
        snprintf(pollarg, sizeof pollarg, "%d", polltime);
        args[nargs++] = "-p";
        args[nargs++] = pollarg;
    }
    args[nargs] = NULL;
    double *times = malloc(2000 * sizeof *times);
    int tid, bad = 0;

    if (times == NULL) {
        fprintf(stderr, "pingpong_bench: out of memory\n");
        return 1;
    }
    int n = pvm_spawn("pingpong_bench", args, host ? PvmTaskHost : PvmTaskDefault, host ? host : "",
                      1, &tid);
    if (n < 0)
        die("pingpong_bench: pvm_spawn");
    if (n < 1) {
        fprintf(stderr, "pingpong_bench: pvm_spawn of pingpong_bench failed with %d\n", tid);
        pvm_exit();
        exit(1);
    }
    printf("# pingpong_bench %s route%s, PvmPollTime %d, parent t%x, child t%x%s%s\n",
           route == PvmRouteDirect ? "direct" : route == PvmDontRoute ? "daemon" : "default",
           use_psend ? ", psend/precv" : "", pvm_getopt(PvmPollTime), pvm_mytid(), tid,
           host ? " on " : "", host ? host : "");
    fflush(stdout);
    for (int s = 0; s < NPLAN && !bad; s++) {
        int size = plan[s].size;
        int iters = plan[s].iters / factor;
        if (!wanted(sizes, size))
            continue;
        if (iters < 5)
            iters = 5;
        for (int i = 0; i < size; i++)
            buf[i] = (char)(i * 13 + s);
        /* Warm-up trips: connection set-up, page faults, buffer growth. */
        int warm = size <= 65536 ? 50 : 5;
        for (int it = -warm; it < iters; it++) {
            int len;
            double t0 = now_us();
            send_bytes(tid, TAG_PING, buf, size);
            recv_bytes(tid, back, &len);
            double dt = now_us() - t0;
            if (it >= 0)
                times[it] = dt;
            if (len != size || (it == iters - 1 && memcmp(buf, back, (size_t)size) != 0)) {
                fprintf(stderr, "pingpong_bench: echo of %d bytes differs\n", size);
                bad = 1;
                break;
            }
        }
        if (bad)
            break;
        qsort(times, (size_t)iters, sizeof times[0], cmp_double);
        printf("pingpong size=%d iters=%d median_us=%.2f min_us=%.2f p90_us=%.2f\n", size, iters,
               times[iters / 2], times[0], times[iters * 9 / 10]);
        fflush(stdout);
    }
    send_bytes(tid, TAG_STOP, buf, 0);
    free(times);
    return bad;
}

int main(int argc, char **argv)
{
    int route = 0, factor = 1, is_child = 0, polltime = -1;
    const char *sizes = NULL;
    char *host = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-d") == 0)
            route = PvmRouteDirect;
        else if (strcmp(argv[i], "-n") == 0)
            route = PvmDontRoute;
        else if (strcmp(argv[i], "-P") == 0)
            use_psend = 1;
        else if (strcmp(argv[i], "-child") == 0)
            is_child = 1;
        else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc)
            polltime = atoi(argv[++i]);
        else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
            factor = atoi(argv[++i]);
        else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
            sizes = argv[++i];
        else if (strcmp(argv[i], "-h") == 0 && i + 1 < argc)
            host = argv[++i];
        else {
            fprintf(stderr, "usage: pingpong_bench [-d | -n] [-P] [-p usec] [-f factor] [-s size,...] [-h host]\n");
            return 2;
        }
    }
    if (factor < 1)
        factor = 1;
    char *buf = malloc(MAX_SIZE), *back = malloc(MAX_SIZE);
    if (buf == NULL || back == NULL) {
        fprintf(stderr, "pingpong_bench: out of memory\n");
        return 1;
    }
    if (pvm_mytid() < 0)
        die("pingpong_bench: pvm_mytid");
    if (route && pvm_setopt(PvmRoute, route) < 0)
        die("pingpong_bench: pvm_setopt");
    /* PVM 3.4.6 refuses PvmPollTime outside its shared-memory builds: go on. */
    if (polltime >= 0 && pvm_setopt(PvmPollTime, polltime) < 0)
        pvm_perror("pingpong_bench: pvm_setopt(PvmPollTime) ignored");
    int parent = pvm_parent();
    if (is_child && parent < 0) {
        /* A spawned copy must not play parent: it would spawn another copy. */
        fprintf(stderr, "pingpong_bench: spawned copy without a parent (%d)\n", parent);
        pvm_exit();
        return 1;
    }
    int rc = parent >= 0 ? echo(parent, buf) : ping(buf, back, route, polltime, factor, sizes, host);
    free(buf);
    free(back);
    if (pvm_exit() < 0) {
        pvm_perror("pingpong_bench: pvm_exit");
        return 1;
    }
    return rc;
}
