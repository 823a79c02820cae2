/*
 * group_notimpl.c - groups and collectives (libgpvm3) before the groups
 * issue lands.  Each returns PvmNotImpl, never a silent success; the list
 * of everything not implemented yet is docs/api-status.md.
 */
#include "lpvm.h"

#define NOTIMPL(fn) return lpvm_err(#fn, PvmNotImpl)

int pvm_joingroup(char *group)
{
    (void)group;
    NOTIMPL(pvm_joingroup);
}
int pvm_lvgroup(char *group)
{
    (void)group;
    NOTIMPL(pvm_lvgroup);
}
int pvm_getinst(char *group, int tid)
{
    (void)group;
    (void)tid;
    NOTIMPL(pvm_getinst);
}
int pvm_gettid(char *group, int inum)
{
    (void)group;
    (void)inum;
    NOTIMPL(pvm_gettid);
}
int pvm_gsize(char *group)
{
    (void)group;
    NOTIMPL(pvm_gsize);
}
int pvm_barrier(char *group, int count)
{
    (void)group;
    (void)count;
    NOTIMPL(pvm_barrier);
}
int pvm_bcast(char *group, int msgtag)
{
    (void)group;
    (void)msgtag;
    NOTIMPL(pvm_bcast);
}
int pvm_freezegroup(char *group, int size)
{
    (void)group;
    (void)size;
    NOTIMPL(pvm_freezegroup);
}

int pvm_reduce(void (*func)(int *, void *, void *, int *, int *), void *data, int count,
               int datatype, int msgtag, char *group, int rootginst)
{
    (void)func;
    (void)data;
    (void)count;
    (void)datatype;
    (void)msgtag;
    (void)group;
    (void)rootginst;
    NOTIMPL(pvm_reduce);
}

int pvm_gather(void *result, void *data, int count, int datatype, int msgtag, char *group,
               int rootginst)
{
    (void)result;
    (void)data;
    (void)count;
    (void)datatype;
    (void)msgtag;
    (void)group;
    (void)rootginst;
    NOTIMPL(pvm_gather);
}

int pvm_scatter(void *result, void *data, int count, int datatype, int msgtag, char *group,
                int rootginst)
{
    (void)result;
    (void)data;
    (void)count;
    (void)datatype;
    (void)msgtag;
    (void)group;
    (void)rootginst;
    NOTIMPL(pvm_scatter);
}
