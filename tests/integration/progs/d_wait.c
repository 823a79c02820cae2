/*
 * d_wait - a program that never calls PVM: says "waiting", then waits for
 * signals.  SIGUSR1 prints "got signal 10" and exits 0; SIGTERM is fatal
 * unless started with the argument "stubborn" (then it is ignored and only
 * SIGKILL ends it).  Used by the pvmd tests for kill, signal and halt.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
    got = sig;
}

int main(int argc, char **argv)
{
    signal(SIGUSR1, on_usr1);
    if (argc > 1 && !strcmp(argv[1], "stubborn"))
        signal(SIGTERM, SIG_IGN);
    printf("waiting pid %d\n", (int)getpid());
    fflush(stdout);
    while (!got)
        pause();
    printf("got signal %d\n", (int)got);
    return 0;
}
