/*
 * host_api.c - adding and deleting hosts: pvm_addhosts, pvm_delhosts.
 *
 * Each call is one control request (CTL_ADDHOSTS / CTL_DELHOSTS with a
 * HostList) answered by a HostsReply with a result per name.  Argument
 * checks follow PVM 3.4.6's libpvm, measured against Debian's build:
 *
 *   nhost < 1 or > 4095 (more hosts than a tid can number): PvmBadParam
 *     for the call, infos untouched, before the task enrols;
 *   a name that is not a host line ("", an unknown option, `&', `*'):
 *     PvmBadParam in its infos slot (pvm_addhosts); for pvm_delhosts an
 *     empty name is PvmNoHost in its slot;
 *   infos NULL: allowed, the count is still returned;
 *   a successful delete puts 0 in its slot (the pvmd answers its tid).
 *
 * PVM crashes on hosts == NULL or a NULL name; here that is PvmBadParam
 * for the call.  The return value is the number of hosts added (deleted);
 * 0 is "none", not an error, so nothing is reported for it (as PVM).
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "ctl.h"
#include "hostfile.h"
#include "tid.h"

/* What one call sends: the names that passed the local checks, and for
 * each name of the caller either its index in that list or a local error. */
struct host_req {
    char **names; /* sent, owned */
    size_t n;
    int *slot; /* per caller's name: >= 0 index into names, < 0 a local error */
};

static void host_req_fini(struct host_req *q)
{
    for (size_t i = 0; i < q->n; i++)
        free(q->names[i]);
    free(q->names);
    free(q->slot);
    *q = (struct host_req){0};
}

/* pvm_addhosts: a name is a hostfile line (pvm_addhosts(3PVM)); it is
 * sent in the parser's own form, blanks tidied, so the pvmd reads
 * exactly what was checked here. */
static int add_name(const char *name, char **out)
{
    struct hostfile_entry e;
    if (strlen(name) >= CTL_MAX_STR || hostfile_parse_host(name, NULL, &e, NULL, 0) < 0)
        return PvmBadParam;
    int len = hostfile_format(&e, NULL, 0);
    char *s = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (s)
        hostfile_format(&e, s, (size_t)len + 1);
    hostfile_entry_fini(&e);
    if (!s)
        return PvmNoMem;
    *out = s;
    return 0;
}

/* pvm_delhosts: a name is a host name as pvm_config lists it. */
static int del_name(const char *name, char **out)
{
    if (!*name)
        return PvmNoHost;
    if (strlen(name) >= CTL_MAX_STR)
        return PvmBadParam;
    return (*out = strdup(name)) ? 0 : PvmNoMem;
}

static int host_req_build(struct host_req *q, char **hosts, int nhost,
                          int (*check)(const char *, char **))
{
    *q = (struct host_req){0};
    q->names = calloc((size_t)nhost, sizeof *q->names);
    q->slot = calloc((size_t)nhost, sizeof *q->slot);
    if (!q->names || !q->slot)
        return PvmNoMem;
    for (int i = 0; i < nhost; i++) {
        char *s = NULL;
        int cc = check(hosts[i], &s);
        if (cc == PvmNoMem)
            return cc;
        if (cc < 0) {
            q->slot[i] = cc;
            continue;
        }
        q->slot[i] = (int)q->n;
        q->names[q->n++] = s;
    }
    return 0;
}

/* The shared body of both calls.  del: successes read 0, as PVM's do. */
void host_api_free(struct lpvm_core *core)
{
    for (int i = 0; i < core->nhost_why; i++)
        free(core->host_why[i]);
    free(core->host_why);
    core->host_why = NULL;
    core->nhost_why = 0;
}

/* Keeps what the pvmd said about each host that failed, by the caller's
 * index (hosts refused here have no text). */
static void keep_why(struct lpvm_core *core, const Pvm__HostsReply *r, const struct host_req *q,
                     int nhost)
{
    host_api_free(core);
    core->host_why = calloc((size_t)nhost, sizeof *core->host_why);
    if (!core->host_why)
        return;
    core->nhost_why = nhost;
    for (int i = 0; i < nhost; i++) {
        int k = q->slot[i];
        const char *w = k >= 0 && (size_t)k < r->n_why && r->why[k] ? r->why[k] : "";
        core->host_why[i] = strdup(w);
    }
}

const char *lpvm_host_why(int i)
{
    struct lpvm_core *core = lpvm_state.core;
    if (!core || i < 0 || i >= core->nhost_why || !core->host_why[i])
        return "";
    return core->host_why[i];
}

static int host_call(const char *fn, int type, int reply_type, char **hosts, int nhost, int *infos,
                     int (*check)(const char *, char **), bool del)
{
    if (nhost < 1 || nhost > TID_MAX_HOST || !hosts)
        return lpvm_err(fn, PvmBadParam);
    for (int i = 0; i < nhost; i++)
        if (!hosts[i])
            return lpvm_err(fn, PvmBadParam);
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err(fn, cc);
    struct host_req q;
    cc = host_req_build(&q, hosts, nhost, check);
    ProtobufCMessage *out = NULL;
    if (cc == 0 && q.n > 0) {
        Pvm__HostList l = PVM__HOST_LIST__INIT;
        l.n_names = q.n;
        l.names = q.names;
        cc = lpvm_request(core, type, &l.base, reply_type, &out);
        if (cc == 0 && ((Pvm__HostsReply *)out)->n_results != q.n)
            cc = PvmBadMsg;
    }
    if (cc < 0) {
        ctl_free(&out);
        host_req_fini(&q);
        return lpvm_err(fn, cc);
    }
    const Pvm__HostsReply *r = (const Pvm__HostsReply *)out;
    if (!del)
        keep_why(core, r, &q, nhost);
    int ok = 0;
    for (int i = 0; i < nhost; i++) {
        int v = q.slot[i] < 0 ? q.slot[i] : r->results[q.slot[i]];
        if (v >= 0) {
            ok++;
            if (del)
                v = 0;
        }
        if (infos)
            infos[i] = v;
    }
    ctl_free(&out);
    host_req_fini(&q);
    return ok;
}

int pvm_addhosts(char **hosts, int nhost, int *infos)
{
    return host_call("pvm_addhosts", PVM__CTL_TYPE__CTL_ADDHOSTS, PVM__CTL_TYPE__CTL_ADDHOSTS_REPLY,
                     hosts, nhost, infos, add_name, false);
}

int pvm_delhosts(char **hosts, int nhost, int *infos)
{
    return host_call("pvm_delhosts", PVM__CTL_TYPE__CTL_DELHOSTS, PVM__CTL_TYPE__CTL_DELHOSTS_REPLY,
                     hosts, nhost, infos, del_name, true);
}
