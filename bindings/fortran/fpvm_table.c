/*
 * fpvm_table.c - the pvmf* routines that hand a C table out one row per
 * call (pvmfconfig, pvmftasks, pvmfgetmboxinfo) or one entry per index
 * (pvmfsiblings), and the rest of the mailbox.
 *
 * PVM 3.4.6's cycle, kept here: the first call asks libpvm3 for the whole
 * table and returns its first row; each later call returns the next row,
 * from the same table, until the last one, after which the next call asks
 * again.  Passing -1 as the count (nhost, ntask, nclasses) asks again at
 * once.  The host and task tables are copied here (libpvm3's are freed by
 * pvmfexit); the mailbox's is libpvm3's own, valid until its next
 * pvm_getmboxinfo.
 */
#include <stdlib.h>
#include <string.h>

#include "fpvm.h"

/* Where one cycle stands: rows in the table (0: ask first), next row. */
struct cycle {
    int n;
    int next;
};

/* Returns the row to hand out now, asking again (fetch, which returns the
 * row count or a negative error) when the cycle is over or *count is -1.
 * Returns -1 with nothing to hand out: *err is then the error, or 0 when
 * the table is empty. */
static int cycle_row(struct cycle *c, const int *count, int (*fetch)(void *), void *arg, int *err)
{
    int row;

    *err = 0;
    if (c->n == 0 || *count == -1) {
        int n = fetch(arg);

        c->n = 0;
        if (n < 0) {
            *err = n;
            return -1;
        }
        c->n = n;
        c->next = 0;
    }
    if (c->next >= c->n) {
        c->n = 0;
        return -1;
    }
    row = c->next++;
    if (c->next == c->n)
        c->n = 0; /* the last row: the next call asks again */
    return row;
}

/* ---- pvmfconfig -------------------------------------------------------- */

static struct cycle config_cycle;
static struct pvmhostinfo *config_hosts; /* our copy (see copy_hosts) */
static int config_nhost, config_narch;

static void free_hosts(void)
{
    for (int i = 0; i < config_nhost; i++) {
        free(config_hosts[i].hi_name);
        free(config_hosts[i].hi_arch);
    }
    free(config_hosts);
    config_hosts = NULL;
    config_nhost = 0;
}

/* libpvm3's table goes at its next pvm_config (C code's, pvm_reg_rm's) or
 * pvmfexit, and a cycle may go on after either: the rows are copied. */
static int copy_hosts(const struct pvmhostinfo *h, int n)
{
    config_hosts = calloc(n > 0 ? (size_t)n : 1, sizeof *config_hosts);
    if (!config_hosts)
        return PvmNoMem;
    for (config_nhost = 0; config_nhost < n; config_nhost++) {
        struct pvmhostinfo *c = &config_hosts[config_nhost];

        *c = h[config_nhost];
        c->hi_name = strdup(h[config_nhost].hi_name ? h[config_nhost].hi_name : "");
        c->hi_arch = strdup(h[config_nhost].hi_arch ? h[config_nhost].hi_arch : "");
        if (!c->hi_name || !c->hi_arch) {
            config_nhost++;
            free_hosts();
            return PvmNoMem;
        }
    }
    return n;
}

static int config_fetch(void *arg)
{
    struct pvmhostinfo *hosts;
    int n, info = pvm_config(&n, &config_narch, &hosts);

    (void)arg;
    free_hosts();
    return info < 0 ? info : copy_hosts(hosts, n);
}

/* call pvmfconfig(nhost, narch, dtid, name, arch, speed, info): one host
 * a call; info is 1 when a host is returned (PVM 3.4.6), < 0 on error. */
FPVM_API void pvmfconfig_(int *nhost, int *narch, int *dtid, char *name, char *arch, int *speed,
                          int *info, size_t namelen, size_t archlen)
{
    int err, row = cycle_row(&config_cycle, nhost, config_fetch, NULL, &err);
    const struct pvmhostinfo *h;

    if (row < 0) {
        if (err < 0)
            *info = err;
        return;
    }
    h = &config_hosts[row];
    *nhost = config_nhost;
    *narch = config_narch;
    *dtid = h->hi_tid;
    fpvm_str_out(name, namelen, h->hi_name);
    fpvm_str_out(arch, archlen, h->hi_arch);
    *speed = h->hi_speed;
    *info = 1;
}

/* ---- pvmftasks --------------------------------------------------------- */

static struct cycle tasks_cycle;
static struct pvmtaskinfo *tasks_list; /* our copy, as config_hosts */
static int tasks_ntask;

static void free_tasks(void)
{
    for (int i = 0; i < tasks_ntask; i++)
        free(tasks_list[i].ti_a_out);
    free(tasks_list);
    tasks_list = NULL;
    tasks_ntask = 0;
}

static int tasks_fetch(void *arg)
{
    struct pvmtaskinfo *t;
    int n, info = pvm_tasks(*(int *)arg, &n, &t);

    free_tasks();
    if (info < 0)
        return info;
    tasks_list = calloc(n > 0 ? (size_t)n : 1, sizeof *tasks_list);
    if (!tasks_list)
        return PvmNoMem;
    for (tasks_ntask = 0; tasks_ntask < n; tasks_ntask++) {
        struct pvmtaskinfo *c = &tasks_list[tasks_ntask];

        *c = t[tasks_ntask];
        c->ti_a_out = strdup(t[tasks_ntask].ti_a_out ? t[tasks_ntask].ti_a_out : "");
        if (!c->ti_a_out) {
            free_tasks();
            return PvmNoMem;
        }
    }
    return n;
}

/* call pvmftasks(where, ntask, tid, ptid, dtid, flag, aout, info): one
 * task a call; info is 1 when a task is returned (PVM 3.4.6). */
FPVM_API void pvmftasks_(int *where, int *ntask, int *tid, int *ptid, int *dtid, int *flag,
                         char *aout, int *info, size_t aoutlen)
{
    int err, row = cycle_row(&tasks_cycle, ntask, tasks_fetch, where, &err);
    const struct pvmtaskinfo *t;

    if (row < 0) {
        if (err < 0)
            *info = err;
        return;
    }
    t = &tasks_list[row];
    *ntask = tasks_ntask;
    *tid = t->ti_tid;
    *ptid = t->ti_ptid;
    *dtid = t->ti_host;
    *flag = t->ti_flag;
    fpvm_str_out(aout, aoutlen, t->ti_a_out);
    *info = 1;
}

/* ---- pvmfsiblings ------------------------------------------------------ */

/* call pvmfsiblings(ntids, index, sibling): an index outside [0, ntids)
 * gives sibling PvmNoTask (PVM 3.4.6; the man page says -1 leaves it
 * unchanged).  The list is asked for on every call (it is libpvm3's, known
 * after the first): a copy kept here would outlive pvmfexit. */
FPVM_API void pvmfsiblings_(int *ntids, int *index, int *sibling)
{
    int *tids = NULL;
    int n = pvm_siblings(&tids);

    *ntids = n;
    *sibling = *index >= 0 && *index < n ? tids[*index] : PvmNoTask;
}

/* ---- the mailbox -------------------------------------------------------- */

/* call pvmfputinfo(name, bufid, flags, index) */
FPVM_API void pvmfputinfo_(char *name, int *bufid, int *flags, int *index, size_t namelen)
{
    char n[FPVM_NAME_MAX];

    *index = fpvm_str_in(n, sizeof n, name, namelen) ? PvmBadParam : pvm_putinfo(n, *bufid, *flags);
}

/* call pvmfrecvinfo(name, index, flags, bufid) */
FPVM_API void pvmfrecvinfo_(char *name, int *index, int *flags, int *bufid, size_t namelen)
{
    char n[FPVM_NAME_MAX];

    *bufid =
        fpvm_str_in(n, sizeof n, name, namelen) ? PvmBadParam : pvm_recvinfo(n, *index, *flags);
}

/* call pvmfdelinfo(name, index, flags, info) */
FPVM_API void pvmfdelinfo_(char *name, int *index, int *flags, int *info, size_t namelen)
{
    char n[FPVM_NAME_MAX];

    *info = fpvm_str_in(n, sizeof n, name, namelen) ? PvmBadParam : pvm_delinfo(n, *index, *flags);
}

static struct cycle mbox_cycle;
static struct pvmmboxinfo *mbox_classes;
static int mbox_nclasses;

static int mbox_fetch(void *arg)
{
    int info = pvm_getmboxinfo(arg, &mbox_nclasses, &mbox_classes);

    return info < 0 ? info : mbox_nclasses;
}

/* call pvmfgetmboxinfo(pattern, name, nclasses, nentries, index, owner,
 * flags, info): one class a call (pattern is read when a cycle starts);
 * index, owner and flags get nentries values each.  No class matching is
 * PvmNotFound.  Unlike PVM 3.4.6, nclasses and info (0) are set too. */
FPVM_API void pvmfgetmboxinfo_(char *pattern, char *name, int *nclasses, int *nentries, int *index,
                               int *owner, int *flags, int *info, size_t patternlen, size_t namelen)
{
    char pat[FPVM_NAME_MAX] = "";
    const struct pvmmboxinfo *c;
    int err, row;

    if ((mbox_cycle.n == 0 || *nclasses == -1) &&
        fpvm_str_in(pat, sizeof pat, pattern, patternlen) != 0) {
        *info = PvmBadParam;
        return;
    }
    row = cycle_row(&mbox_cycle, nclasses, mbox_fetch, pat, &err);
    if (row < 0) {
        *info = err < 0 ? err : PvmNotFound;
        return;
    }
    c = &mbox_classes[row];
    *nclasses = mbox_nclasses;
    fpvm_str_out(name, namelen, c->mi_name);
    *nentries = c->mi_nentries;
    for (int i = 0; i < c->mi_nentries; i++) {
        index[i] = c->mi_indices[i];
        owner[i] = c->mi_owners[i];
        flags[i] = c->mi_flags[i];
    }
    *info = 0;
}
