/*
 * group.c - dynamic groups (libgpvm3): pvm_joingroup, pvm_lvgroup,
 * pvm_getinst, pvm_gettid, pvm_gsize, pvm_freezegroup, pvm_barrier,
 * pvm_bcast.
 *
 * Membership lives in the pvmds (the first host's is the authority,
 * daemon/group.c); libpvm3 keeps a copy of each group this task asked
 * about, dropped when the group changes (lpvm_grp_members), so gsize,
 * gettid and getinst on an unchanged group cost no round trip.  Return
 * values and error codes are PVM 3.4.6's.
 */
#include <stddef.h>
#include <stdlib.h>

#include "lpvm.h"

int pvm_joingroup(char *group)
{
    return lpvm_err("pvm_joingroup", lpvm_grp_join(group));
}

int pvm_lvgroup(char *group)
{
    return lpvm_err("pvm_lvgroup", lpvm_grp_leave(group));
}

int pvm_getinst(char *group, int tid)
{
    const int *tids;
    int n = lpvm_grp_members(group, &tids, NULL, NULL);
    if (n < 0)
        return lpvm_err("pvm_getinst", n);
    for (int i = 0; i < n; i++)
        if (tids[i] == tid)
            return i;
    return lpvm_err("pvm_getinst", PvmNotInGroup);
}

int pvm_gettid(char *group, int inum)
{
    const int *tids;
    int n = lpvm_grp_members(group, &tids, NULL, NULL);
    if (n < 0)
        return lpvm_err("pvm_gettid", n);
    if (inum < 0 || inum >= n || tids[inum] == 0)
        return lpvm_err("pvm_gettid", PvmNoInst);
    return tids[inum];
}

int pvm_gsize(char *group)
{
    const int *tids;
    int size;
    int n = lpvm_grp_members(group, &tids, &size, NULL);
    if (n < 0)
        return lpvm_err("pvm_gsize", n);
    return size;
}

int pvm_freezegroup(char *group, int size)
{
    /* PVM 3.4.6 answers a size of 0 or below -1 with PvmMismatch, and a
     * freeze with the group's size. */
    int cc = !group || !*group        ? PvmNullGroup
             : size == 0 || size < -1 ? PvmMismatch
                                      : lpvm_grp_freeze(group, size);
    if (cc < 0)
        return lpvm_err("pvm_freezegroup", cc);
    return pvm_gsize(group);
}

int pvm_barrier(char *group, int count)
{
    /* PVM 3.4.6 answers a count of 0 or below -1 with PvmMismatch (after
     * checking the name). */
    int cc;
    if (!group || !*group)
        cc = PvmNullGroup;
    else if (count == 0 || count < -1)
        cc = PvmMismatch;
    else
        cc = lpvm_grp_barrier(group, count);
    return lpvm_err("pvm_barrier", cc);
}

int pvm_bcast(char *group, int msgtag)
{
    const int *tids;
    int size;
    int n = lpvm_grp_members(group, &tids, &size, NULL);
    if (n < 0)
        return lpvm_err("pvm_bcast", n);
    /* Every member but the caller (pvm_mcast skips the caller and free
     * instances are dropped here); pvm_mcast sends one copy per host. */
    int me = pvm_mytid();
    int list[256];
    int *l = n <= 256 ? list : NULL;
    if (!l) {
        l = malloc((size_t)n * sizeof *l);
        if (!l)
            return lpvm_err("pvm_bcast", PvmNoMem);
    }
    int k = 0;
    for (int i = 0; i < n; i++)
        if (tids[i] && tids[i] != me)
            l[k++] = tids[i];
    /* Nobody to send to: PvmNoInst, as PVM 3.4.6 says. */
    int cc = k ? pvm_mcast(l, k, msgtag) : PvmNoInst;
    if (l != list) {
        free(l);
    }
    return lpvm_err("pvm_bcast", cc < 0 ? cc : PvmOk);
}
