/*
 * coll.c - collectives (libgpvm3): pvm_reduce, pvm_gather, pvm_scatter.
 *
 * All travel as point-to-point messages in the groups' own context
 * (lpvm_grp_send/recv), tagged with the caller's msgtag, so no user
 * receive can take them and collectives with different tags do not mix.
 * Members are ranked by instance number.  Reduce runs up a binomial tree
 * rooted at the root (log2(n) steps; each member sends once); gather and
 * scatter are one message per member to or from the root, as in PVM.
 *
 * A member that leaves or dies before sending what another waits for
 * makes that wait end with PvmNoInst; in a reduce, a member whose subtree
 * failed sends its parent an empty message instead of data, so the
 * failure reaches the root instead of leaving the parent waiting
 * (docs/design.md "Groups").
 */
#include <stdlib.h>
#include <string.h>

#include "lpvm.h"

/* Bytes of one item of datatype, 0 for a type a collective cannot carry.
 * PVM 3.4.6 takes PVM_STR (as bytes) up to PVM_LONG and refuses the
 * unsigned types. */
static size_t type_size(int datatype)
{
    switch (datatype) {
    case PVM_STR:
    case PVM_BYTE:
        return 1;
    case PVM_SHORT:
        return sizeof(short);
    case PVM_INT:
        return sizeof(int);
    case PVM_FLOAT:
        return sizeof(float);
    case PVM_CPLX:
        return 2 * sizeof(float);
    case PVM_DOUBLE:
        return sizeof(double);
    case PVM_DCPLX:
        return 2 * sizeof(double);
    case PVM_LONG:
        return sizeof(long);
    default:
        return 0;
    }
}

/* The item type a collective's messages carry (PVM_STR travels as bytes). */
static int wire_type(int datatype)
{
    return datatype == PVM_STR ? PVM_BYTE : datatype;
}

/* PVM 3.4.6 takes any msgtag, negative ones too; our messages are in a
 * context of their own, where a tag must be >= 0. */
static int wire_tag(int msgtag)
{
    return msgtag & 0x7fffffff;
}

/* Checks the arguments every collective shares, in PVM 3.4.6's order. */
static int check_common(const char *group, int count, int datatype)
{
    if (!group || !*group)
        return PvmNullGroup;
    if (count <= 0 || type_size(datatype) == 0)
        return PvmBadParam;
    return 0;
}

/* The members of group in instance order: sets *ranks (malloc'd), *n and
 * the rank of the caller (-1 when not a member) and of instance root (-1
 * when free).  Returns 0 or an error. */
static int ranks_of(const char *group, int root, int **ranks, int *n, int *me_rank, int *root_rank)
{
    const int *tids;
    int ninst = lpvm_grp_members(group, &tids, NULL, NULL);
    if (ninst < 0)
        return ninst;
    int *r = malloc((size_t)(ninst ? ninst : 1) * sizeof *r);
    if (!r)
        return PvmNoMem;
    int me = pvm_mytid(), k = 0;
    *me_rank = *root_rank = -1;
    for (int i = 0; i < ninst; i++) {
        if (!tids[i])
            continue;
        if (tids[i] == me)
            *me_rank = k;
        if (i == root)
            *root_rank = k;
        r[k++] = tids[i];
    }
    *ranks = r;
    *n = k;
    return 0;
}

int pvm_reduce(void (*func)(int *, void *, void *, int *, int *), void *data, int count,
               int datatype, int msgtag, char *group, int rootginst)
{
    static const char fn[] = "pvm_reduce";
    size_t sz = type_size(datatype);
    int cc = check_common(group, count, datatype);
    if (cc == 0 && !data)
        cc = PvmBadParam;
    if (cc < 0)
        return lpvm_err(fn, cc);
    msgtag = wire_tag(msgtag);
    datatype = wire_type(datatype);
    int *ranks, n, me, root;
    cc = ranks_of(group, rootginst, &ranks, &n, &me, &root);
    if (cc < 0)
        return lpvm_err(fn, cc);
    if (me < 0 || root < 0) {
        free(ranks);
        return lpvm_err(fn, PvmNoInst);
    }
    /* A NULL function is only found out when it is needed (PVM 3.4.6
     * returns PvmOk for a group of one). */
    if (!func && n > 1) {
        free(ranks);
        return lpvm_err(fn, PvmBadParam);
    }
    int rel = (me - root + n) % n;
    size_t bytes = (size_t)count * sz;
    /* Only the root's array takes the result: the others keep theirs. */
    void *acc = rel == 0 ? data : malloc(bytes);
    void *in = malloc(bytes);
    if (!acc || !in) {
        if (acc != data)
            free(acc);
        free(in);
        free(ranks);
        return lpvm_err(fn, PvmNoMem);
    }
    if (acc != data)
        memcpy(acc, data, bytes);
    int failed = 0;
    for (int mask = 1; mask < n; mask <<= 1) {
        if (rel & mask) {
            int parent = ranks[(rel - mask + root) % n];
            /* An empty message tells the parent this subtree failed. */
            int sc = lpvm_grp_send(parent, msgtag, datatype, acc, failed ? 0 : count);
            if (sc < 0 && !failed)
                failed = sc;
            break;
        }
        int child = rel + mask;
        if (child >= n)
            continue;
        int rc = lpvm_grp_recv(group, ranks[(child + root) % n], msgtag, datatype, in, count);
        if (rc == PvmNoData)
            rc = PvmNoInst; /* the child's subtree failed */
        if (rc < 0) {
            if (!failed)
                failed = rc;
            continue;
        }
        if (!failed) {
            int dt = datatype, num = count, info = 0;
            func(&dt, acc, in, &num, &info);
            if (info < 0)
                failed = info;
        }
    }
    if (acc != data)
        free(acc);
    free(in);
    free(ranks);
    return lpvm_err(fn, failed < 0 ? failed : PvmOk);
}

/* What gather and scatter check first: the arguments (`need', the buffer
 * every caller must give), then the group's members, our instance and the
 * root's.  Turns msgtag and datatype into what travels.  Returns 0 or a
 * negative Pvm error. */
static int coll_setup(char *group, int count, int *datatype, int *msgtag, const void *need,
                      int rootginst, const int **tids, int *ninst, int *myinst)
{
    int cc = check_common(group, count, *datatype);
    if (cc == 0 && !need)
        cc = PvmBadParam;
    if (cc < 0)
        return cc;
    *msgtag = wire_tag(*msgtag);
    *datatype = wire_type(*datatype);
    int n = lpvm_grp_members(group, tids, NULL, NULL);
    if (n < 0)
        return n;
    int me = pvm_mytid();
    *myinst = -1;
    for (int i = 0; i < n; i++)
        if ((*tids)[i] == me)
            *myinst = i;
    if (*myinst < 0 || rootginst < 0 || rootginst >= n || !(*tids)[rootginst])
        return PvmNoInst;
    *ninst = n;
    return 0;
}

int pvm_gather(void *result, void *data, int count, int datatype, int msgtag, char *group,
               int rootginst)
{
    static const char fn[] = "pvm_gather";
    size_t sz = type_size(datatype);
    const int *tids;
    int ninst, myinst;
    int cc = coll_setup(group, count, &datatype, &msgtag, data, rootginst, &tids, &ninst, &myinst);
    if (cc < 0)
        return lpvm_err(fn, cc);
    size_t bytes = (size_t)count * sz;
    if (myinst != rootginst)
        return lpvm_err(fn, lpvm_grp_send(tids[rootginst], msgtag, datatype, data, count));
    if (!result)
        return lpvm_err(fn, PvmBadParam);
    /* The list may change under later calls: keep our own. */
    int *t = malloc((size_t)ninst * sizeof *t);
    if (!t)
        return lpvm_err(fn, PvmNoMem);
    memcpy(t, tids, (size_t)ninst * sizeof *t);
    int failed = 0;
    for (int i = 0; i < ninst; i++) {
        char *slot = (char *)result + (size_t)i * bytes;
        if (i == myinst) {
            memmove(slot, data, bytes);
            continue;
        }
        if (!t[i])
            continue;
        int rc = lpvm_grp_recv(group, t[i], msgtag, datatype, slot, count);
        if (rc < 0 && !failed)
            failed = rc;
    }
    free(t);
    return lpvm_err(fn, failed);
}

int pvm_scatter(void *result, void *data, int count, int datatype, int msgtag, char *group,
                int rootginst)
{
    static const char fn[] = "pvm_scatter";
    size_t sz = type_size(datatype);
    const int *tids;
    int ninst, myinst;
    int cc =
        coll_setup(group, count, &datatype, &msgtag, result, rootginst, &tids, &ninst, &myinst);
    if (cc < 0)
        return lpvm_err(fn, cc);
    size_t bytes = (size_t)count * sz;
    if (myinst != rootginst)
        return lpvm_err(fn, lpvm_grp_recv(group, tids[rootginst], msgtag, datatype, result, count));
    if (!data)
        return lpvm_err(fn, PvmBadParam);
    int *t = malloc((size_t)ninst * sizeof *t);
    if (!t)
        return lpvm_err(fn, PvmNoMem);
    memcpy(t, tids, (size_t)ninst * sizeof *t);
    int failed = 0;
    for (int i = 0; i < ninst; i++) {
        const char *slot = (const char *)data + (size_t)i * bytes;
        if (i == myinst)
            memmove(result, slot, bytes);
        else if (t[i]) {
            int sc = lpvm_grp_send(t[i], msgtag, datatype, slot, count);
            if (sc < 0 && !failed)
                failed = sc;
        }
    }
    free(t);
    return lpvm_err(fn, failed);
}
