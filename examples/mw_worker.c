/*
 * mw_worker - the worker of mw_master.
 *
 * Receives work items from its parent until told to stop; for item k it
 * counts the primes in [k*SPAN, (k+1)*SPAN) and sends back (k, count).
 */
#include <stdio.h>
#include <stdlib.h>

#include "pvm3.h"

/* Message tags shared with mw_master.c. */
#define TAG_WORK 1
#define TAG_RESULT 2
#define TAG_STOP 3
#define SPAN 20000

static void die(char *what)
{
    pvm_perror(what);
    pvm_exit();
    exit(1);
}

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

int main(void)
{
    if (pvm_mytid() < 0)
        die("mw_worker: pvm_mytid");
    int master = pvm_parent();
    if (master < 0) {
        fprintf(stderr, "mw_worker: start mw_master instead; it spawns the workers\n");
        pvm_exit();
        return 1;
    }
    for (;;) {
        int bytes, tag, src, item;
        int bufid = pvm_recv(master, -1);
        if (bufid < 0)
            die("mw_worker: pvm_recv");
        if (pvm_bufinfo(bufid, &bytes, &tag, &src) < 0)
            die("mw_worker: pvm_bufinfo");
        if (tag == TAG_STOP)
            break;
        if (tag != TAG_WORK)
            continue;
        if (pvm_upkint(&item, 1, 1) < 0)
            die("mw_worker: pvm_upkint");
        int count = count_primes(item * SPAN, (item + 1) * SPAN);
        if (pvm_initsend(PvmDataDefault) < 0)
            die("mw_worker: pvm_initsend");
        if (pvm_pkint(&item, 1, 1) < 0 || pvm_pkint(&count, 1, 1) < 0)
            die("mw_worker: pvm_pkint");
        if (pvm_send(master, TAG_RESULT) < 0)
            die("mw_worker: pvm_send");
    }
    if (pvm_exit() < 0) {
        pvm_perror("mw_worker: pvm_exit");
        return 1;
    }
    return 0;
}
