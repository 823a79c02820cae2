/*
 * ring - an SPMD token ring.
 *
 * Every instance runs the same code.  Started with `spawn -N ring [laps]`
 * (console) or pvm_spawn(..., N, ...), each instance finds its place with
 * pvm_siblings(); instance 0 starts a token that every hop increments, and
 * after `laps` trips round the ring it checks the count and prints the
 * result with the time per hop.
 *
 * Started alone (from a shell, or `spawn -1`: no siblings), ring is its own
 * launcher: it spawns N instances (default 4) with `-r` so that instance 0
 * also reports the result line to it, and prints that line.  The decision
 * goes by pvm_siblings(), not pvm_parent(): tasks that the console spawns
 * have no parent (PvmParentNotSet in PVM 3.4) but do have siblings.
 *
 *   ring [-n N] [laps (default 1000)]          from a shell
 *   spawn -4 -> ring [laps]                    from the console
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pvm3.h"

/* Set below to report a per-task spawn error; declared here too because
 * PVM 3.4.6's own pvm3.h does not declare it (the library defines it). */
extern int pvm_errno;

#define TAG_TOKEN 1
#define TAG_REPORT 2
#define MAX_RING 1024

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

static void send_token(int tid, int token)
{
    if (pvm_initsend(PvmDataDefault) < 0)
        die("ring: pvm_initsend");
    if (pvm_pkint(&token, 1, 1) < 0)
        die("ring: pvm_pkint");
    if (pvm_send(tid, TAG_TOKEN) < 0)
        die("ring: pvm_send");
}

static int recv_token(int tid)
{
    int token;
    if (pvm_recv(tid, TAG_TOKEN) < 0)
        die("ring: pvm_recv");
    if (pvm_upkint(&token, 1, 1) < 0)
        die("ring: pvm_upkint");
    return token;
}

/* One member of the ring of the n tasks sibs[]; returns the exit status. */
static int member(int *sibs, int n, int laps, int report)
{
    int mytid = pvm_mytid();
    int me = -1;
    for (int i = 0; i < n; i++)
        if (sibs[i] == mytid)
            me = i;
    if (me < 0) {
        fprintf(stderr, "ring: t%x is not among its %d siblings\n", mytid, n);
        return 1;
    }
    int left = sibs[(me + n - 1) % n];
    int right = sibs[(me + 1) % n];

    if (me != 0) {
        for (int lap = 0; lap < laps; lap++)
            send_token(right, recv_token(left) + 1);
        return 0;
    }

    double t0 = now();
    int token = 0;
    for (int lap = 0; lap < laps; lap++) {
        send_token(right, token + 1);
        token = recv_token(left);
    }
    double dt = now() - t0;
    int want = laps * n;
    char line[256];
    snprintf(line, sizeof line,
             "ring: %d tasks, %d laps, token = %d (expected %d), %.1f us/hop: %s", n, laps, token,
             want, dt * 1e6 / want, token == want ? "OK" : "FAILED");
    printf("%s\n", line);
    fflush(stdout);
    if (report) {
        if (pvm_initsend(PvmDataDefault) < 0)
            die("ring: pvm_initsend");
        int ok = token == want;
        if (pvm_pkint(&ok, 1, 1) < 0 || pvm_pkstr(line) < 0)
            die("ring: pvm_pack");
        if (pvm_send(pvm_parent(), TAG_REPORT) < 0)
            die("ring: pvm_send");
    }
    return token == want ? 0 : 1;
}

/* Started from a shell: spawn the ring and print what instance 0 reports. */
static int launcher(int n, int laps)
{
    int tids[MAX_RING];
    char lapsarg[32];
    char *args[] = {"-r", lapsarg, NULL};

    snprintf(lapsarg, sizeof lapsarg, "%d", laps);
    int got = pvm_spawn("ring", args, PvmTaskDefault, "", n, tids);
    if (got < 0)
        die("ring: pvm_spawn");
    if (got < n) {
        for (int i = 0; i < n; i++)
            if (tids[i] < 0) {
                pvm_errno = tids[i];
                pvm_perror("ring: pvm_spawn of ring");
            } else {
                pvm_kill(tids[i]);
            }
        pvm_exit();
        return 1;
    }
    int ok;
    char line[256];
    if (pvm_recv(tids[0], TAG_REPORT) < 0)
        die("ring: pvm_recv");
    if (pvm_upkint(&ok, 1, 1) < 0 || pvm_upkstr(line) < 0)
        die("ring: pvm_unpack");
    printf("%s\n", line);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    int n = 4, laps = 1000, report = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-r") == 0)
            report = 1;
        else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            n = atoi(argv[++i]);
        else
            laps = atoi(argv[i]);
    }
    if (n < 2 || n > MAX_RING || laps < 1) {
        fprintf(stderr, "usage: ring [-n 2..%d] [laps >= 1]\n", MAX_RING);
        return 2;
    }
    if (pvm_mytid() < 0)
        die("ring: pvm_mytid");
    int *sibs;
    int nsibs = pvm_siblings(&sibs);
    if (nsibs < 0)
        die("ring: pvm_siblings");
    int parent = pvm_parent();
    if (report && (parent < 0 || nsibs < 2)) {
        /* Spawned by a launcher (-r) but orphaned or alone: launching here
         * would multiply the tasks. */
        fprintf(stderr, "ring: started with -r but parent %d, %d siblings; giving up\n", parent,
                nsibs);
        pvm_exit();
        return 1;
    }
    int rc = nsibs < 2 ? launcher(n, laps) : member(sibs, nsibs, laps, report);
    if (pvm_exit() < 0) {
        pvm_perror("ring: pvm_exit");
        return 1;
    }
    return rc;
}
