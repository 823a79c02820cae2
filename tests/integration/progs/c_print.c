/*
 * c_print - prints N lines (default 3) "c_print line I of N" and exits;
 * the console test spawns it with `spawn -> c_print N'.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pvm3.h"

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 3;
    if (pvm_mytid() < 0)
        return 1;
    for (int i = 1; i <= n; i++)
        printf("c_print line %d of %d\n", i, n);
    fflush(stdout);
    pvm_exit();
    return 0;
}
