/*
 * t_parent - prints "parent N" with N = pvm_parent(), then exits.
 */
#include <stdio.h>

#include "pvm3.h"

int main(void)
{
    pvm_setopt(PvmAutoErr, 0);
    printf("parent %d\n", pvm_parent());
    pvm_exit();
    return 0;
}
