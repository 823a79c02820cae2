/*
 * fpvm_base.c - the first Fortran routines (the Fortran issue adds the
 * rest).  gfortran calls name_ with every argument by reference.
 */
#include "pvm3.h"

void pvmfmytid_(int *tid)
{
    *tid = pvm_mytid();
}
void pvmfparent_(int *tid)
{
    *tid = pvm_parent();
}
void pvmfexit_(int *info)
{
    *info = pvm_exit();
}
