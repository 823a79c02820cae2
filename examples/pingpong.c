/*
 * pingpong - round-trip times between two tasks.
 *
 * Started from a shell, pingpong spawns a copy of itself and bounces
 * messages of 8 B to 1 MiB off it, checking the echoed bytes, and prints
 * the median round trip and the bandwidth it implies for each size.
 * bench/pingpong_bench.c is the benchmark version of this.
 *
 *   pingpong [-d]      -d: ask for PVM's direct route (PvmRouteDirect)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pvm3.h"

/* Set below to report a per-task spawn error; declared here too because
 * PVM 3.4.6's own pvm3.h does not declare it (the library defines it). */
extern int pvm_errno;

#define TAG_PING 1
#define TAG_STOP 2
#define MAX_SIZE (1 << 20)

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

static void send_bytes(int tid, int tag, char *buf, int len)
{
    if (pvm_initsend(PvmDataRaw) < 0)
        die("pingpong: pvm_initsend");
    if (len > 0 && pvm_pkbyte(buf, len, 1) < 0)
        die("pingpong: pvm_pkbyte");
    if (pvm_send(tid, tag) < 0)
        die("pingpong: pvm_send");
}

/* Receives one message from tid into buf; returns its tag. */
static int recv_bytes(int tid, char *buf, int *len)
{
    int bytes, tag, src;
    int bufid = pvm_recv(tid, -1);
    if (bufid < 0)
        die("pingpong: pvm_recv");
    if (pvm_bufinfo(bufid, &bytes, &tag, &src) < 0)
        die("pingpong: pvm_bufinfo");
    if (bytes > MAX_SIZE) {
        fprintf(stderr, "pingpong: message of %d bytes is too big\n", bytes);
        pvm_exit();
        exit(1);
    }
    if (bytes > 0 && pvm_upkbyte(buf, bytes, 1) < 0)
        die("pingpong: pvm_upkbyte");
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

static int ping(char *buf, char *back, int direct)
{
    static const int sizes[] = {8, 64, 512, 4096, 32768, 262144, 1048576};
    char *args[] = {"-child", direct ? "-d" : NULL, NULL};
    int tid, bad = 0;
    double times[1000];

    int n = pvm_spawn("pingpong", args, PvmTaskDefault, "", 1, &tid);
    if (n < 0)
        die("pingpong: pvm_spawn");
    if (n < 1) {
        pvm_errno = tid;
        die("pingpong: pvm_spawn of pingpong");
    }
    printf("pingpong: t%x <-> t%x, %s route\n", pvm_mytid(), tid, direct ? "direct" : "default");
    printf("%10s %8s %12s %10s\n", "bytes", "iters", "median_us", "MB/s");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int size = sizes[s];
        int iters = size <= 4096 ? 1000 : size <= 32768 ? 300 : 50;
        for (int i = 0; i < size; i++)
            buf[i] = (char)(i * 7 + s);
        /* A few warm-up trips first (connections, page faults). */
        for (int it = -5; it < iters; it++) {
            int len;
            double t0 = now_us();
            send_bytes(tid, TAG_PING, buf, size);
            recv_bytes(tid, back, &len);
            if (it >= 0)
                times[it] = now_us() - t0;
            if (len != size || memcmp(buf, back, (size_t)size) != 0) {
                fprintf(stderr, "pingpong: echo of %d bytes differs\n", size);
                bad = 1;
                break;
            }
        }
        qsort(times, (size_t)iters, sizeof times[0], cmp_double);
        double med = times[iters / 2];
        printf("%10d %8d %12.1f %10.1f\n", size, iters, med, 2.0 * size / med);
    }
    send_bytes(tid, TAG_STOP, buf, 0);
    printf("pingpong: %s\n", bad ? "FAILED" : "OK");
    return bad;
}

int main(int argc, char **argv)
{
    int direct = 0, is_child = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-d") == 0)
            direct = 1;
        else if (strcmp(argv[i], "-child") == 0)
            is_child = 1;
    }
    char *buf = malloc(MAX_SIZE), *back = malloc(MAX_SIZE);
    if (buf == NULL || back == NULL) {
        fprintf(stderr, "pingpong: out of memory\n");
        return 1;
    }
    if (pvm_mytid() < 0)
        die("pingpong: pvm_mytid");
    if (direct && pvm_setopt(PvmRoute, PvmRouteDirect) < 0)
        die("pingpong: pvm_setopt");
    int parent = pvm_parent();
    if (is_child && parent < 0) {
        /* A spawned copy must not play master: it would spawn another copy. */
        fprintf(stderr, "pingpong: spawned copy without a parent (%d); giving up\n", parent);
        pvm_exit();
        return 1;
    }
    int rc = parent >= 0 ? echo(parent, buf) : ping(buf, back, direct);
    free(buf);
    free(back);
    if (pvm_exit() < 0) {
        pvm_perror("pingpong: pvm_exit");
        return 1;
    }
    return rc;
}
