/*
 * t_print - prints "line N from tXXXXX" for N = 1..argv[1] (default 3),
 * odd lines on stdout and even ones on stderr, then exits.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pvm3.h"

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 3;
    int me = pvm_mytid();
    for (int i = 1; i <= n; i++)
        fprintf(i % 2 ? stdout : stderr, "line %d from t%x\n", i, (unsigned)me);
    pvm_exit();
    return 0;
}
