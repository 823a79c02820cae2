/*
 * t_hangup - enrolls, tells its parent it is ready (tag 1), then reads
 * nothing and dies by SIGALRM one second later: a receiver that goes away
 * in the middle of a large message sent to it.
 */
#include <unistd.h>

#include "pvm3.h"

int main(void)
{
    int parent = pvm_parent();
    pvm_initsend(PvmDataDefault);
    pvm_send(parent, 1);
    alarm(1);
    for (;;)
        pause();
}
