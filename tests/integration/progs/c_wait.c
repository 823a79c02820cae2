/*
 * c_wait - enrolls, prints "c_wait ready" and waits to be killed; gives up
 * after 60 s so that a failed test never leaves it behind for long.
 */
#include <stdio.h>
#include <unistd.h>

#include "pvm3.h"

int main(void)
{
    if (pvm_mytid() < 0)
        return 1;
    printf("c_wait ready\n");
    fflush(stdout);
    for (int i = 0; i < 60; i++)
        sleep(1);
    pvm_exit();
    return 0;
}
