/*
 * mw_master - master/worker with dynamic load balancing.
 *
 * The master spawns N mw_worker tasks and hands out work items one at a
 * time: item k asks "how many primes lie in [k*SPAN, (k+1)*SPAN)?".  A
 * worker that returns a result gets the next item, so fast workers do more.
 * When every item is done the master tells the workers to stop, then checks
 * every result against its own serial count.
 *
 *   mw_master [workers (default 4)] [items (default 64)]
 */
#include <stdio.h>
#include <stdlib.h>

#include "pvm3.h"

/* Set below to report a per-task spawn error; declared here too because
 * PVM 3.4.6's own pvm3.h does not declare it (the library defines it). */
extern int pvm_errno;

/* Message tags shared with mw_worker.c. */
#define TAG_WORK 1   /* master -> worker: int item */
#define TAG_RESULT 2 /* worker -> master: int item, int count */
#define TAG_STOP 3   /* master -> worker: no body */
#define SPAN 20000
#define MAX_WORKERS 64

static void die(char *what)
{
    pvm_perror(what);
    pvm_exit();
    exit(1);
}

/* The same count the workers make, done here for the check. */
static int count_primes(int lo, int hi)
{
    int count = 0;
    for (int n = lo < 2 ? 2 : lo; n < hi; n++) {
        int prime = 1;
        for (int d = 2; d * d <= n; d++)
            if (n % d == 0) {
                prime = 0;
                break;
            }
        count += prime;
    }
    return count;
}

static void send_item(int tid, int item)
{
    if (pvm_initsend(PvmDataDefault) < 0)
        die("mw_master: pvm_initsend");
    if (pvm_pkint(&item, 1, 1) < 0)
        die("mw_master: pvm_pkint");
    if (pvm_send(tid, TAG_WORK) < 0)
        die("mw_master: pvm_send");
}

int main(int argc, char **argv)
{
    int nworkers = argc > 1 ? atoi(argv[1]) : 4;
    int nitems = argc > 2 ? atoi(argv[2]) : 64;
    int tids[MAX_WORKERS];

    if (nworkers < 1 || nworkers > MAX_WORKERS || nitems < 1) {
        fprintf(stderr, "usage: mw_master [workers 1..%d] [items >= 1]\n", MAX_WORKERS);
        return 2;
    }
    int *results = calloc((size_t)nitems, sizeof *results);
    int *done_by = calloc((size_t)nitems, sizeof *done_by);
    if (results == NULL || done_by == NULL) {
        fprintf(stderr, "mw_master: out of memory\n");
        return 1;
    }
    if (pvm_mytid() < 0)
        die("mw_master: pvm_mytid");

    int n = pvm_spawn("mw_worker", NULL, PvmTaskDefault, "", nworkers, tids);
    if (n < 0)
        die("mw_master: pvm_spawn");
    if (n < nworkers) {
        for (int i = 0; i < nworkers; i++)
            if (tids[i] < 0) {
                pvm_errno = tids[i];
                pvm_perror("mw_master: pvm_spawn of mw_worker");
            }
        for (int i = 0; i < nworkers; i++)
            if (tids[i] >= 0)
                pvm_kill(tids[i]);
        pvm_exit();
        return 1;
    }

    /* Prime the pump: one item per worker, then one more per result. */
    int next = 0;
    for (int i = 0; i < nworkers && next < nitems; i++)
        send_item(tids[i], next++);
    for (int got = 0; got < nitems; got++) {
        int item, count, bytes, tag, src;
        int bufid = pvm_recv(-1, TAG_RESULT);
        if (bufid < 0)
            die("mw_master: pvm_recv");
        if (pvm_bufinfo(bufid, &bytes, &tag, &src) < 0)
            die("mw_master: pvm_bufinfo");
        if (pvm_upkint(&item, 1, 1) < 0 || pvm_upkint(&count, 1, 1) < 0)
            die("mw_master: pvm_upkint");
        if (item < 0 || item >= nitems || done_by[item] != 0) {
            fprintf(stderr, "mw_master: bad or repeated item %d from t%x\n", item, src);
            pvm_exit();
            return 1;
        }
        results[item] = count;
        done_by[item] = src;
        if (next < nitems)
            send_item(src, next++);
    }
    for (int i = 0; i < nworkers; i++) {
        if (pvm_initsend(PvmDataDefault) < 0)
            die("mw_master: pvm_initsend");
        if (pvm_send(tids[i], TAG_STOP) < 0)
            die("mw_master: pvm_send");
    }

    /* Check every result and show who did how much. */
    int bad = 0;
    long total = 0;
    for (int k = 0; k < nitems; k++) {
        int want = count_primes(k * SPAN, (k + 1) * SPAN);
        if (results[k] != want) {
            fprintf(stderr, "mw_master: item %d: got %d, expected %d (from t%x)\n", k, results[k],
                    want, done_by[k]);
            bad++;
        }
        total += results[k];
    }
    for (int i = 0; i < nworkers; i++) {
        int mine = 0;
        for (int k = 0; k < nitems; k++)
            mine += done_by[k] == tids[i];
        printf("mw_master: worker t%x did %d items\n", tids[i], mine);
    }
    printf("mw_master: %d workers, %d items, %ld primes below %d: %s\n", nworkers, nitems, total,
           nitems * SPAN, bad ? "FAILED" : "OK");
    free(results);
    free(done_by);
    if (pvm_exit() < 0) {
        pvm_perror("mw_master: pvm_exit");
        return 1;
    }
    return bad ? 1 : 0;
}
