/*
 * c_leave - enrolls, leaves PVM (pvm_exit), prints "c_leave left" and
 * keeps running (60 s at most, so that a failed test never leaves it
 * behind for long): a task the console's ps marks as exited (flag o).
 */
#include <stdio.h>
#include <unistd.h>

#include "pvm3.h"

int main(void)
{
    if (pvm_mytid() < 0)
        return 1;
    pvm_exit();
    printf("c_leave left\n");
    fflush(stdout);
    for (int i = 0; i < 60; i++)
        sleep(1);
    return 0;
}
