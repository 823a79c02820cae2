/*
 * t_nopvm - a program that never calls PVM: prints one line, then waits
 * for a signal.
 */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    printf("not a pvm program\n");
    fflush(stdout);
    for (;;)
        pause();
}
