/*
 * f_survive - survivors of a host's failure (tests/integration/
 * test_netns_failures.sh; bench/failure.sh uses the master's notices).
 *
 *   f_survive master H1 H2 N LINGER [dontroute]
 *       Spawns a victim on host H1 and a peer on host H2, asks
 *       PvmHostDelete for H1 (tag 70) and H2 (tag 72), PvmTaskExit for the
 *       victim (tag 71) and the peer (tag 73), then streams numbered
 *       messages (tag 1, 64 in flight) to the peer, which echoes each.
 *       After the first 1000 echoes it prints READY: the caller then makes
 *       H1 fail.  It goes on until N were echoed and the notices for H1
 *       and the victim came LINGER seconds ago (at most 30 s after READY),
 *       drains, and prints what arrived: every line is one fact with the
 *       time of day (CLOCK_REALTIME, seconds) where it matters:
 *           READY t=...
 *           NOTICE tag=70 tid=40000 t=...
 *           STREAM sent=N inorder=N dup=0 gap=0 peer_inorder=N peer_bad=0
 *           DONE
 *       With dontroute the stream goes through the pvmds (PvmDontRoute).
 *   f_survive peer      echoes its parent's tag-1 messages, checking their
 *                       numbers, until tag 9; then reports (tag 8).
 *   f_survive victim    says ready (tag 1) to its parent, if it has one,
 *                       then waits in pvm_recv; exits when that fails.
 *   f_survive watch H1  asks PvmHostDelete for host H1 (tag 70), prints
 *                       READY, then one NOTICE line when it comes (60 s
 *                       at most): the benchmark's probe.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "pvm3.h"

enum { TAG_DATA = 1, TAG_REPORT = 8, TAG_END = 9, WINDOW = 64 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int host_dtid(const char *name)
{
    int n, narch;
    struct pvmhostinfo *hi;
    if (pvm_config(&n, &narch, &hi) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(hi[i].hi_name, name) == 0)
            return hi[i].hi_tid;
    return -1;
}

static int spawn_on(const char *self, const char *host, char *mode)
{
    char *args[] = {mode, NULL};
    int tid = 0;
    if (pvm_spawn((char *)self, args, PvmTaskHost, (char *)host, 1, &tid) != 1) {
        printf("FAIL spawn %s on %s: %d\n", mode, host, tid);
        return -1;
    }
    struct timeval tv = {20, 0};
    if (pvm_trecv(tid, 1, &tv) <= 0) {
        printf("FAIL %s on %s never said ready\n", mode, host);
        return -1;
    }
    return tid;
}

static int send_int(int tid, int tag, int v)
{
    pvm_initsend(PvmDataDefault);
    pvm_pkint(&v, 1, 1);
    return pvm_send(tid, tag);
}

static int master(const char *self, const char *h1, const char *h2, long n, double linger,
                  int dontroute)
{
    if (dontroute)
        pvm_setopt(PvmRoute, PvmDontRoute);
    int d1 = host_dtid(h1), d2 = host_dtid(h2);
    if (d1 < 0 || d2 < 0) {
        printf("FAIL hosts %s %s not in the machine\n", h1, h2);
        return 1;
    }
    int victim = spawn_on(self, h1, "victim");
    int peer = spawn_on(self, h2, "peer");
    if (victim < 0 || peer < 0)
        return 1;
    printf("TASKS victim=%x peer=%x\n", (unsigned)victim, (unsigned)peer);
    if (pvm_notify(PvmHostDelete, 70, 1, &d1) < 0 || pvm_notify(PvmTaskExit, 71, 1, &victim) < 0 ||
        pvm_notify(PvmHostDelete, 72, 1, &d2) < 0 || pvm_notify(PvmTaskExit, 73, 1, &peer) < 0) {
        printf("FAIL pvm_notify\n");
        return 1;
    }
    long sent = 0, got = 0, dup = 0, gap = 0;
    double ready = 0, t70 = 0, t71 = 0, stop_at = 0;
    for (;;) {
        double t = now();
        if (ready && t70 && t71 && !stop_at)
            stop_at = (t70 > t71 ? t70 : t71) + linger;
        bool more = got < n || !stop_at || t < stop_at;
        if (ready && t > ready + 30)
            more = false; /* the notices never came: report what did */
        while (more && sent - got < WINDOW) {
            int r = send_int(peer, TAG_DATA, (int)(sent + 1));
            if (r < 0) {
                printf("FAIL pvm_send: %d after %ld\n", r, sent);
                return 1;
            }
            sent++;
        }
        if (!more && got >= sent)
            break;
        struct timeval tv = {0, 20000};
        int b = pvm_trecv(-1, -1, &tv);
        if (b < 0) {
            printf("FAIL pvm_trecv: %d\n", b);
            return 1;
        }
        if (b == 0) {
            if (!more && now() > (stop_at ? stop_at : ready + 30) + 10) {
                printf("FAIL echoes stopped at %ld of %ld\n", got, sent);
                break;
            }
            continue;
        }
        int len, tag, src, v = 0;
        pvm_bufinfo(b, &len, &tag, &src);
        pvm_upkint(&v, 1, 1);
        if (tag == TAG_DATA && src == peer) {
            if (v == got + 1)
                got++;
            else if (v <= got)
                dup++;
            else {
                gap++;
                got = v;
            }
            if (!ready && got >= 1000) {
                ready = now();
                printf("READY t=%.6f\n", ready);
                fflush(stdout);
            }
        } else if (tag >= 70 && tag <= 73) {
            double at = now();
            if (tag == 70 && !t70)
                t70 = at;
            if (tag == 71 && !t71)
                t71 = at;
            printf("NOTICE tag=%d tid=%x t=%.6f\n", tag, (unsigned)v, at);
            fflush(stdout);
        } else {
            printf("UNEXPECTED tag=%d from %x\n", tag, (unsigned)src);
        }
    }
    int report[2] = {-1, -1};
    send_int(peer, TAG_END, 0);
    struct timeval tv = {10, 0};
    if (pvm_trecv(peer, TAG_REPORT, &tv) > 0)
        pvm_upkint(report, 2, 1);
    printf("STREAM sent=%ld inorder=%ld dup=%ld gap=%ld peer_inorder=%d peer_bad=%d\n", sent, got,
           dup, gap, report[0], report[1]);
    printf("DONE\n");
    pvm_exit();
    return 0;
}

static int peer(void)
{
    int parent = pvm_parent();
    pvm_initsend(PvmDataDefault);
    pvm_send(parent, 1);
    int inorder = 0, bad = 0;
    for (;;) {
        int b = pvm_recv(parent, -1);
        if (b < 0)
            return 1;
        int len, tag, src, v = 0;
        pvm_bufinfo(b, &len, &tag, &src);
        if (tag == TAG_END)
            break;
        pvm_upkint(&v, 1, 1);
        if (v == inorder + 1)
            inorder++;
        else
            bad++;
        int old = pvm_setsbuf(b); /* the received buffer goes back as it is */
        pvm_send(parent, TAG_DATA);
        pvm_setsbuf(old);
    }
    int report[2] = {inorder, bad};
    pvm_initsend(PvmDataDefault);
    pvm_pkint(report, 2, 1);
    pvm_send(parent, TAG_REPORT);
    pvm_exit();
    return 0;
}

static int victim(void)
{
    int parent = pvm_parent();
    if (parent > 0) {
        pvm_initsend(PvmDataDefault);
        pvm_send(parent, 1);
    } else {
        printf("VICTIM t%x\n", (unsigned)pvm_mytid());
        fflush(stdout);
    }
    for (;;)
        if (pvm_recv(-1, -1) < 0)
            return 1;
}

static int watch(const char *h1)
{
    int d1 = host_dtid(h1);
    if (d1 < 0 || pvm_notify(PvmHostDelete, 70, 1, &d1) < 0) {
        printf("FAIL no host %s\n", h1);
        return 1;
    }
    printf("READY t=%.6f\n", now());
    fflush(stdout);
    struct timeval tv = {60, 0};
    int b = pvm_trecv(-1, 70, &tv);
    if (b > 0) {
        int v = 0;
        pvm_upkint(&v, 1, 1);
        printf("NOTICE tag=70 tid=%x t=%.6f\n", (unsigned)v, now());
    } else {
        printf("NONE t=%.6f\n", now());
    }
    pvm_exit();
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 6 && strcmp(argv[1], "master") == 0)
        return master(argv[0], argv[2], argv[3], atol(argv[4]), atof(argv[5]),
                      argc > 6 && strcmp(argv[6], "dontroute") == 0);
    if (argc >= 2 && strcmp(argv[1], "peer") == 0)
        return peer();
    if (argc >= 2 && strcmp(argv[1], "victim") == 0)
        return victim();
    if (argc >= 3 && strcmp(argv[1], "watch") == 0)
        return watch(argv[2]);
    fprintf(stderr,
            "usage: f_survive master H1 H2 N LINGER [dontroute] | peer | victim | watch H1\n");
    return 2;
}
