/*
 * fpvm_group.c - the collectives of libgpvm3 from Fortran, and PVM's
 * reduce operators under Fortran names.
 */
#include "fpvm.h"

typedef void (*fpvm_reduce_fn)(int *, void *, void *, int *, int *);

/* call pvmfreduce(func, data, count, datatype, msgtag, group, root, info).
 * A Fortran subroutine func(datatype, x, y, num, info) has the C
 * signature pvm_reduce calls (every argument by reference), and the
 * datatype codes are the same: func passes through unchanged. */
FPVM_API void pvmfreduce_(fpvm_reduce_fn func, void *data, int *count, int *datatype, int *msgtag,
                          char *group, int *root, int *info, size_t grouplen)
{
    char g[FPVM_GROUP_MAX];

    *info = fpvm_str_in(g, sizeof g, group, grouplen)
                ? PvmBadParam
                : pvm_reduce(func, data, *count, *datatype, *msgtag, g, *root);
}

/* call pvmfgather(result, data, count, datatype, msgtag, group, root, info) */
FPVM_API void pvmfgather_(void *result, void *data, int *count, int *datatype, int *msgtag,
                          char *group, int *root, int *info, size_t grouplen)
{
    char g[FPVM_GROUP_MAX];

    *info = fpvm_str_in(g, sizeof g, group, grouplen)
                ? PvmBadParam
                : pvm_gather(result, data, *count, *datatype, *msgtag, g, *root);
}

/* call pvmfscatter(result, data, count, datatype, msgtag, group, root, info) */
FPVM_API void pvmfscatter_(void *result, void *data, int *count, int *datatype, int *msgtag,
                           char *group, int *root, int *info, size_t grouplen)
{
    char g[FPVM_GROUP_MAX];

    *info = fpvm_str_in(g, sizeof g, group, grouplen)
                ? PvmBadParam
                : pvm_scatter(result, data, *count, *datatype, *msgtag, g, *root);
}

/* EXTERNAL PvmSum ... in Fortran name pvmsum_ ...: the same functions, to
 * pass to pvmfreduce or to call (call PvmProduct(datatype, x, y, n, info)). */
FPVM_API void pvmmax_(int *datatype, void *x, void *y, int *num, int *info)
{
    PvmMax(datatype, x, y, num, info);
}
FPVM_API void pvmmin_(int *datatype, void *x, void *y, int *num, int *info)
{
    PvmMin(datatype, x, y, num, info);
}
FPVM_API void pvmsum_(int *datatype, void *x, void *y, int *num, int *info)
{
    PvmSum(datatype, x, y, num, info);
}
FPVM_API void pvmproduct_(int *datatype, void *x, void *y, int *num, int *info)
{
    PvmProduct(datatype, x, y, num, info);
}
