/*
 * cmd_tickle.c - the console's `tickle': pvm_tickle with the words as
 * numbers (C notation: 0x.. hex, 0.. octal; a word that is none counts
 * 0, as PVM 3.4.6's console), the answers printed "( a b ... )".
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmds.h"
#include "pvm3.h"

int cmd_tickle(struct console *c, int argc, char **argv)
{
    (void)c;
    int args[10], resp[10], nresp = 0;
    int narg = argc - 1; /* 1..10: the table checked */
    for (int i = 0; i < narg; i++)
        args[i] = (int)strtol(argv[i + 1], NULL, 0);
    int cc = pvm_tickle(narg, args, &nresp, resp);
    if (cc < 0)
        return -1; /* PvmAutoErr has said why */
    printf("(");
    for (int i = 0; i < nresp; i++)
        printf(" %d", resp[i]);
    printf(" )\n");
    return 0;
}
