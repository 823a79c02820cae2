/*
 * t_tickle - pvm_tickle(8, tid): its pvmd acts as if its link to the host
 * of pvmd tid (argv[1], in hex) had failed, once its parent sends tag 1;
 * then waits to be killed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pvm3.h"

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    int a[2] = {8, (int)strtol(argv[1], NULL, 16)}, n = 0, r[10];
    pvm_setopt(PvmAutoErr, 0);
    pvm_recv(pvm_parent(), 1);
    pvm_tickle(2, a, &n, r);
    pause();
    return 0;
}
