/*
 * r_io - output and trace settings of a task, for test_remote_io.
 *
 *   r_io opts           reports to its parent (tag 10) pvm_getopt of
 *                       PvmOutputTid, PvmOutputCode, PvmTraceTid,
 *                       PvmTraceCode, PvmSelfOutputTid, PvmSelfOutputCode,
 *                       PvmSelfTraceTid, PvmSelfTraceCode, then exits.
 *   r_io grand HOST     spawns `r_io opts' on HOST with its own settings
 *                       and relays the grandchild's report (tag 10).
 *   r_io self TID CODE  sets PvmSelfOutputTid TID and PvmSelfOutputCode
 *                       CODE, prints "self line from tXXX", tells its
 *                       parent (tag 11) and exits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvm3.h"

static const int opts[] = {PvmOutputTid,     PvmOutputCode,     PvmTraceTid,     PvmTraceCode,
                           PvmSelfOutputTid, PvmSelfOutputCode, PvmSelfTraceTid, PvmSelfTraceCode};
#define NOPTS ((int)(sizeof opts / sizeof opts[0]))

int main(int argc, char **argv)
{
    int me = pvm_mytid(), parent = pvm_parent();
    if (argc > 1 && !strcmp(argv[1], "opts")) {
        int v[NOPTS];
        for (int i = 0; i < NOPTS; i++)
            v[i] = pvm_getopt(opts[i]);
        pvm_initsend(PvmDataDefault);
        pvm_pkint(v, NOPTS, 1);
        pvm_send(parent, 10);
    } else if (argc > 2 && !strcmp(argv[1], "grand")) {
        char *args[] = {"opts", NULL};
        int tid = 0;
        int v[NOPTS] = {0};
        if (pvm_spawn(argv[0], args, PvmTaskHost, argv[2], 1, &tid) == 1 && pvm_recv(tid, 10) > 0 &&
            pvm_upkint(v, NOPTS, 1) == 0) {
            pvm_initsend(PvmDataDefault);
            pvm_pkint(v, NOPTS, 1);
            pvm_send(parent, 10);
        }
    } else if (argc > 3 && !strcmp(argv[1], "self")) {
        pvm_setopt(PvmSelfOutputTid, (int)strtol(argv[2], NULL, 0));
        pvm_setopt(PvmSelfOutputCode, atoi(argv[3]));
        printf("self line from t%x\n", (unsigned)me);
        fflush(stdout);
        pvm_initsend(PvmDataDefault);
        pvm_send(parent, 11);
    }
    pvm_exit();
    return 0;
}
