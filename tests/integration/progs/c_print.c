/*
 * c_print N [K] - prints N lines (default 3) "c_print line I of N"; with
 * K, first spawns K copies of itself printing N lines each (their output
 * belongs to the same console job: children inherit the output tid).
 */
#include <stdio.h>
#include <stdlib.h>

#include "pvm3.h"

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 3;
    int kids = argc > 2 ? atoi(argv[2]) : 0;
    if (pvm_mytid() < 0)
        return 1;
    if (kids > 0) {
        int tids[64];
        char *args[] = {argv[1], NULL};
        if (kids > 64)
            kids = 64;
        if (pvm_spawn(argv[0], args, PvmTaskDefault, NULL, kids, tids) != kids)
            printf("c_print: spawn failed\n");
    }
    for (int i = 1; i <= n; i++)
        printf("c_print line %d of %d\n", i, n);
    fflush(stdout);
    pvm_exit();
    return 0;
}
