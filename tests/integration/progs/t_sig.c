/*
 * t_sig - tells its parent (tag 1) that it is ready, waits for SIGUSR1,
 * then reports it (tag 2).
 */
#include <signal.h>

#include "pvm3.h"

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
    (void)sig;
    got = 1;
}

int main(void)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    signal(SIGUSR1, on_usr1);
    int parent = pvm_parent();
    pvm_initsend(PvmDataDefault);
    pvm_send(parent, 1);
    while (!got)
        sigsuspend(&old);
    pvm_initsend(PvmDataDefault);
    pvm_send(parent, 2);
    pvm_exit();
    return 0;
}
