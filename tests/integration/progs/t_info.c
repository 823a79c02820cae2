/*
 * t_info - reports to its parent (tag 10): its tid, parent, argc, each
 * argument, $T_INFO_VAR (or "-"), the number of siblings and their tids,
 * pvm_getopt(PvmOutputTid), then exits.
 */
#include <stdlib.h>

#include "pvm3.h"

int main(int argc, char **argv)
{
    int me = pvm_mytid();
    int parent = pvm_parent();
    int *sib = NULL;
    int nsib = pvm_siblings(&sib);
    const char *v = getenv("T_INFO_VAR");
    pvm_initsend(PvmDataDefault);
    pvm_pkint(&me, 1, 1);
    pvm_pkint(&parent, 1, 1);
    pvm_pkint(&argc, 1, 1);
    for (int i = 1; i < argc; i++)
        pvm_pkstr(argv[i]);
    pvm_pkstr((char *)(v ? v : "-"));
    pvm_pkint(&nsib, 1, 1);
    if (nsib > 0)
        pvm_pkint(sib, nsib, 1);
    int out = pvm_getopt(PvmOutputTid);
    pvm_pkint(&out, 1, 1);
    pvm_send(parent, 10);
    pvm_exit();
    return 0;
}
