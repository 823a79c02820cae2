/*
 * hello - the smallest PVM program.
 *
 * Started from a shell it has no parent: it enrolls, spawns one copy of
 * itself and prints the host name the copy sends back.  The copy (which has
 * a parent) sends its host name to the parent and leaves.
 *
 *   hello
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvm3.h"

/* Set below to report a per-task spawn error; declared here too because
 * PVM 3.4.6's own pvm3.h does not declare it (the library defines it). */
extern int pvm_errno;

#define HELLO_TAG 1

/* Reports the failed call with PVM's error text and leaves with status 1. */
static void die(char *what)
{
    pvm_perror(what);
    pvm_exit();
    exit(1);
}

static int child(int parent)
{
    char host[256];

    if (gethostname(host, sizeof host) != 0)
        strcpy(host, "(unknown)");
    host[sizeof host - 1] = '\0';
    if (pvm_initsend(PvmDataDefault) < 0)
        die("hello: pvm_initsend");
    if (pvm_pkstr(host) < 0)
        die("hello: pvm_pkstr");
    if (pvm_send(parent, HELLO_TAG) < 0)
        die("hello: pvm_send");
    return 0;
}

static int master(int mytid)
{
    char reply[256];
    int tid;
    int bytes, tag, src;

    printf("hello: I am t%x\n", mytid);
    char *args[] = {"-child", NULL};
    int n = pvm_spawn("hello", args, PvmTaskDefault, "", 1, &tid);
    if (n < 0)
        die("hello: pvm_spawn");
    if (n < 1) {
        pvm_errno = tid;
        die("hello: pvm_spawn of hello");
    }
    int bufid = pvm_recv(tid, HELLO_TAG);
    if (bufid < 0)
        die("hello: pvm_recv");
    if (pvm_bufinfo(bufid, &bytes, &tag, &src) < 0)
        die("hello: pvm_bufinfo");
    if (bytes > (int)sizeof reply) {
        fprintf(stderr, "hello: reply of %d bytes is too long\n", bytes);
        pvm_exit();
        return 1;
    }
    if (pvm_upkstr(reply) < 0)
        die("hello: pvm_upkstr");
    printf("hello: from t%x on host %s\n", src, reply);
    return 0;
}

int main(int argc, char **argv)
{
    int mytid = pvm_mytid();
    if (mytid < 0)
        die("hello: pvm_mytid");
    int parent = pvm_parent();
    if (parent < 0 && argc > 1 && strcmp(argv[1], "-child") == 0) {
        /* A spawned copy must not play master: it would spawn another copy. */
        fprintf(stderr, "hello: spawned copy without a parent (%d); giving up\n", parent);
        pvm_exit();
        return 1;
    }
    int rc = parent >= 0 ? child(parent) : master(mytid);
    if (pvm_exit() < 0) {
        pvm_perror("hello: pvm_exit");
        return 1;
    }
    return rc;
}
