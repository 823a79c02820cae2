/*
 * ctl_handlers.c - control requests, one function per CtlType.
 */
#include "ctl_handlers.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl.h"
#include "ctxtab.h"
#include "defs.h"
#include "direct.h"
#include "frame.h"
#include "group.h"
#include "hosttab.h"
#include "hostmgr.h"
#include "mbox.h"
#include "notify.h"
#include "output.h"
#include "pending.h"
#include "placement.h"
#include "request.h"
#include "route.h"
#include "pvm3.h"
#include "pvmd.h"
#include "regs.h"
#include "spawn.h"
#include "tasktab.h"
#include "tid.h"
#include "xport.h"

/* ===================================================================== */
/* Enrolment                                                              */
/* ===================================================================== */

static void hello_refuse(struct pvmd *d, const struct req *r, int code, const char *why)
{
    Pvm__HelloReply hr = PVM__HELLO_REPLY__INIT;
    hr.status = code;
    hr.arch = (char *)d->arch;
    hr.sockdir = "";
    req_reply(d, r, PVM__CTL_TYPE__CTL_HELLO_REPLY, &hr.base);
    log_info(d, "hello from pid %d refused: %s", (int)r->link->pid, why);
    /* Nothing more is taken from it while the refusal is written. */
    r->link->exited = true;
    r->link->ops->shutdown(r->link);
}

void ctl_handlers_hello(struct pvmd *d, struct xport *x, struct frame *f)
{
    struct req rq = {.type = f->h.tag, .from = 0, .wid = f->h.wid, .link = x};
    const struct req *r = &rq;
    ProtobufCMessage *m = NULL;
    if (ctl_unpack(f->h.tag, f->payload, (size_t)f->h.len, &m) < 0) {
        log_info(d, "malformed CTL_HELLO from pid %d refused", (int)x->pid);
        req_status(d, r, PvmBadMsg);
        frame_free(&f);
        return;
    }
    const Pvm__Hello *hello = (const Pvm__Hello *)m;
    if (x->uid != geteuid()) {
        hello_refuse(d, r, PvmDenied, "another user");
        goto out;
    }
    if (hello->proto_version != CTL_PROTO_VERSION) {
        hello_refuse(d, r, PvmBadVersion, "another protocol version");
        goto out;
    }
    if (d->halting) {
        hello_refuse(d, r, PvmSysErr, "the pvmd is halting");
        goto out;
    }

    /* A spawned task claims the tid it was given, once; anything else
     * (a program started from a shell, a stale claim) gets a fresh tid. */
    struct task *t = NULL;
    if (hello->claimed_tid) {
        t = tasktab_find(d->tasks, hello->claimed_tid);
        if (t && (!(tasktab_flags(t) & TF_SPAWNED) || tasktab_link(t)))
            t = NULL;
        if (!t)
            log_info(d, "pid %d claimed t%x, which is not a waiting spawned task: new tid",
                     (int)hello->pid, (unsigned)hello->claimed_tid);
        /* One a tasker started (regs.c): its process is known from now. */
        if (t && tasktab_pid(t) <= 0)
            tasktab_set_pid(t, x->pid);
    }
    if (!t) {
        int err = 0;
        t = tasktab_add(d, &err);
        if (t && tasktab_set_shell(t, x->pid, hello->name) < 0) {
            tasktab_end(d, t, "out of memory");
            t = NULL;
            err = PvmNoMem;
        }
        if (!t) {
            hello_refuse(d, r, err, "no tid left");
            goto out;
        }
        tasktab_start(d, t);
    }
    int tid = tasktab_tid(t);

    Pvm__HelloReply hr = PVM__HELLO_REPLY__INIT;
    const struct task_io *io = tasktab_io(t);
    hr.status = PvmOk;
    hr.tid = tid;
    hr.parent = tasktab_ptid(t);
    hr.pvmd_tid = d->mytid;
    hr.siblings = (int *)tasktab_siblings(t, &hr.n_siblings);
    hr.siblings_later = tasktab_siblings_later(t);
    hr.sockdir = d->sockdir;
    hr.out_tid = io->out_tid;
    hr.out_code = io->out_code;
    hr.out_ctx = io->out_ctx;
    hr.trace_tid = io->trace_tid;
    hr.trace_code = io->trace_code;
    hr.trace_ctx = io->trace_ctx;
    hr.ctx = io->ctx;
    hr.arch = (char *)d->arch;
    hr.direct_key.data = (uint8_t *)tasktab_direct_key(t);
    hr.direct_key.len = CTL_DIRECT_KEY_LEN;
    hr.direct_ip = d->direct_ip;
    hr.direct_sealed = d->direct_sealed;
    /* The reply is addressed to the new tid. */
    rq.from = tid;
    req_reply(d, r, PVM__CTL_TYPE__CTL_HELLO_REPLY, &hr.base);
    log_info(d, "t%x enrolled: pid %d, %s", (unsigned)tid, (int)hello->pid,
             hello->name && *hello->name ? hello->name : "(no name)");
    /* After the reply: the task reads its identity before its mail. */
    tasktab_connect(d, t, x);
out:
    ctl_free(&m);
    frame_free(&f);
}

/* ===================================================================== */
/* Requests                                                               */
/* ===================================================================== */

typedef void (*ctl_fn)(struct pvmd *d, const struct req *r, const ProtobufCMessage *m);

/* A request about a tid on another host goes to that host's pvmd when it
 * has a link, and is answered from there (through the pending table).
 * Only requests of local tasks are forwarded: the mesh is complete, so a
 * pvmd never relays for another.  Returns true when r is taken care of. */
static bool forwarded(struct pvmd *d, const struct req *r, const ProtobufCMessage *m, int tid)
{
    if (tid_host(tid) == d->myhost || (r->link && tid_is_pvmd(r->link->peer)))
        return false;
    struct host *h = hosttab_get(d->hosts, tid_host(tid));
    if (!h || !route_host_link(d, h))
        return false;
    int cc = pending_forward(d, r, m, h->tid, PENDING_TIMEOUT_MS, NULL, NULL);
    if (cc < 0)
        req_status(d, r, cc);
    return true;
}

static void h_exit(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    /* Before the reply: what the task does next finds its entries gone
     * (on the first host; another host's report may be overtaken). */
    mbox_task_left(d, r->from);
    req_status(d, r, PvmOk);
    if (!r->link)
        return;
    group_task_left(d, r->from);
    notify_task_left(d, r->from);
    ctxtab_task_left(d, r->from);
    r->link->exited = true;
    struct task *t = tasktab_find(d->tasks, r->from);
    /* A spawned task stays a task until its process exits (design.md
     * "Task end"); one started from a shell ends now. */
    if (t && tasktab_link(t) == r->link) {
        tasktab_disconnect(d, t, "pvm_exit");
        if ((t = tasktab_find(d->tasks, r->from)))
            regs_task_left(d, t);
    }
}

/* Whether task `from' may send output (trace: trace) to tid in context
 * ctx.  libpvm's reserved contexts carry pvm_catchout: only to the task
 * itself, or where its own already goes (inherited from a spawner that
 * caught it); else another task of the user could have its children's
 * output stall a stranger's pvm_exit.  A peer pvmd's request (its task is
 * not in our table) was checked there. */
static bool reserved_dest_ok(struct pvmd *d, int from, int tid, int ctx, bool trace)
{
    if (ctx < PVM_SYS_CTX || tid == 0 || tid == from)
        return true;
    struct task *t = tasktab_find(d->tasks, from);
    if (!t)
        return true;
    const struct task_io *io = tasktab_io(t);
    return trace ? tid == io->trace_tid && ctx == io->trace_ctx
                 : tid == io->out_tid && ctx == io->out_ctx;
}

static void h_spawn(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    Pvm__SpawnRequest s = *(const Pvm__SpawnRequest *)m;
    if (!reserved_dest_ok(d, r->from, s.out_tid, s.out_ctx, false)) {
        log_info(d, "t%x: spawn with output to t%x in reserved context: output to the log",
                 (unsigned)r->from, (unsigned)s.out_tid);
        s.out_tid = s.out_code = s.out_ctx = 0;
    }
    if (!reserved_dest_ok(d, r->from, s.trace_tid, s.trace_ctx, true)) {
        log_info(d, "t%x: spawn with trace to t%x in reserved context: no trace", (unsigned)r->from,
                 (unsigned)s.trace_tid);
        s.trace_tid = s.trace_code = s.trace_ctx = 0;
    }
    placement_spawn(d, r, &s);
}

/* This host's tasks (all, or task `which') as TaskInfos in infos/ptrs
 * (room for tasktab_count).  Returns how many. */
static size_t local_tasks(struct pvmd *d, int which, Pvm__TaskInfo *infos, Pvm__TaskInfo **ptrs)
{
    size_t n = 0;
    for (struct task *t = tasktab_first(d->tasks); t; t = tasktab_next(t)) {
        if (which && tasktab_tid(t) != which)
            continue;
        Pvm__TaskInfo *ti = &infos[n];
        pvm__task_info__init(ti);
        ti->tid = tasktab_tid(t);
        int ptid = tasktab_ptid(t);
        ti->ptid = ptid > 0 ? ptid : 0; /* pvm_tasks: 0 = no parent */
        ti->host = d->mytid;
        ti->flag = tasktab_flags(t);
        ti->name = (char *)tasktab_name(t);
        ti->pid = (int)tasktab_pid(t);
        ptrs[n++] = ti;
    }
    return n;
}

/* pvm_tasks(0): every host's tasks, asked of every other pvmd at once
 * and put together, this host's first.  A host that does not answer
 * adds nothing. */
struct all_tasks {
    struct req r;
    int left;
    ProtobufCMessage **replies; /* one per other host, or NULL */
    int nreplies;
};

static void all_tasks_finish(struct pvmd *d, struct all_tasks *at)
{
    size_t max = tasktab_count(d->tasks);
    for (int i = 0; i < at->nreplies; i++)
        if (at->replies[i])
            max += ((Pvm__TasksReply *)at->replies[i])->n_tasks;
    Pvm__TaskInfo *infos = calloc(max ? max : 1, sizeof *infos);
    Pvm__TaskInfo **ptrs = calloc(max ? max : 1, sizeof *ptrs);
    if (!infos || !ptrs) {
        req_status(d, &at->r, PvmNoMem);
    } else {
        Pvm__TasksReply tr = PVM__TASKS_REPLY__INIT;
        tr.n_tasks = local_tasks(d, 0, infos, ptrs);
        for (int i = 0; i < at->nreplies; i++) {
            const Pvm__TasksReply *rep = (const Pvm__TasksReply *)at->replies[i];
            for (size_t k = 0; rep && k < rep->n_tasks; k++)
                ptrs[tr.n_tasks++] = rep->tasks[k];
        }
        tr.tasks = ptrs;
        req_reply(d, &at->r, PVM__CTL_TYPE__CTL_TASKS_REPLY, &tr.base);
    }
    free(infos);
    free(ptrs);
    for (int i = 0; i < at->nreplies; i++)
        ctl_free(&at->replies[i]);
    free(at->replies);
    free(at);
}

struct all_tasks_part {
    struct all_tasks *at;
    int slot;
};

static void all_tasks_part(struct pvmd *d, const struct req *orig, int status,
                           const struct frame *reply, void *arg)
{
    struct all_tasks_part *p = arg;
    struct all_tasks *at = p->at;
    (void)orig;
    if (status == 0 && reply->h.tag == PVM__CTL_TYPE__CTL_TASKS_REPLY &&
        ctl_unpack(reply->h.tag, reply->payload, (size_t)reply->h.len, &at->replies[p->slot]) < 0)
        at->replies[p->slot] = NULL;
    free(p);
    if (--at->left == 0)
        all_tasks_finish(d, at);
}

/* Returns true when r went to the other hosts (it is answered later). */
static bool tasks_everywhere(struct pvmd *d, const struct req *r)
{
    if (r->link && tid_is_pvmd(r->link->peer))
        return false; /* a peer asks for this host's only */
    int others = hosttab_count(d->hosts) - 1;
    if (others <= 0)
        return false;
    struct all_tasks *at = calloc(1, sizeof *at);
    if (!at || !(at->replies = calloc((size_t)others, sizeof *at->replies))) {
        free(at);
        return false;
    }
    at->r = *r;
    at->r.link = NULL;
    at->nreplies = others;
    at->left = 1;
    int slot = 0;
    for (struct host *h = hosttab_next(d->hosts, 0); h && slot < others;
         h = hosttab_next(d->hosts, h->num)) {
        if (h->num == d->myhost)
            continue;
        struct all_tasks_part *p = malloc(sizeof *p);
        if (!p)
            break;
        *p = (struct all_tasks_part){.at = at, .slot = slot++};
        Pvm__TaskRef tr = PVM__TASK_REF__INIT;
        tr.tid = h->tid;
        at->left++;
        if (pending_forward(d, r, &tr.base, h->tid, 5000, all_tasks_part, p) < 0) {
            at->left--;
            free(p);
        }
    }
    if (--at->left == 0)
        all_tasks_finish(d, at);
    return true;
}

static void h_tasks(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    int which = ((const Pvm__TaskRef *)m)->tid;
    if (which && forwarded(d, r, m, which))
        return;
    if (which == 0 && tasks_everywhere(d, r))
        return;
    Pvm__TasksReply tr = PVM__TASKS_REPLY__INIT;
    size_t max = tasktab_count(d->tasks);
    Pvm__TaskInfo *infos = calloc(max ? max : 1, sizeof *infos);
    Pvm__TaskInfo **ptrs = calloc(max ? max : 1, sizeof *ptrs);
    if (!infos || !ptrs) {
        free(infos);
        free(ptrs);
        req_status(d, r, PvmNoMem);
        return;
    }
    bool all = which == 0 || which == d->mytid;
    if (!all && tid_is_pvmd(which)) {
        /* A host that is not (or no longer) linked. */
        tr.status = PvmNoHost;
    } else {
        tr.n_tasks = local_tasks(d, all ? 0 : which, infos, ptrs);
        if (!all && tr.n_tasks == 0)
            tr.status = PvmNoTask;
    }
    tr.tasks = ptrs;
    req_reply(d, r, PVM__CTL_TYPE__CTL_TASKS_REPLY, &tr.base);
    free(infos);
    free(ptrs);
}

static void h_config(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    Pvm__HostInfo *infos, **ptrs;
    int n = hosttab_infos(d->hosts, &infos, &ptrs);
    if (n < 0) {
        req_status(d, r, PvmNoMem);
        return;
    }
    Pvm__ConfigReply cr = PVM__CONFIG_REPLY__INIT;
    cr.n_hosts = (size_t)n;
    cr.hosts = ptrs;
    cr.narch = hosttab_narch(d->hosts);
    req_reply(d, r, PVM__CTL_TYPE__CTL_CONFIG_REPLY, &cr.base);
    free(infos);
    free(ptrs);
}

/* Sends signal sig to local task tid.  Returns PvmOk, PvmNoTask, or
 * PvmBadParam for a pvmd. */
static int signal_task(struct pvmd *d, int tid, int sig, bool group)
{
    if (tid == d->mytid)
        return PvmBadParam;
    struct task *t = tasktab_find(d->tasks, tid);
    if (!t || tasktab_pid(t) <= 0)
        return PvmNoTask;
    /* pvm_kill ends what the task started too; pvm_sendsig signals the
     * task's own process.  ESRCH: the process is gone and its exit
     * callback has not run yet; the task is ending anyway. */
    if (group)
        spawn_kill(d, t, sig);
    else
        kill(tasktab_pid(t), sig);
    log_info(d, "signal %d sent to t%x (pid %d)", sig, (unsigned)tid, (int)tasktab_pid(t));
    return PvmOk;
}

static void h_kill(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    int tid = ((const Pvm__TaskRef *)m)->tid;
    if (!forwarded(d, r, m, tid))
        req_status(d, r, signal_task(d, tid, SIGTERM, true));
}

static void h_signal(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    const Pvm__SignalRequest *s = (const Pvm__SignalRequest *)m;
    if (!forwarded(d, r, m, s->tid))
        req_status(d, r, signal_task(d, s->tid, s->signum, false));
}

static void h_pstat(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    int tid = ((const Pvm__TaskRef *)m)->tid;
    if (forwarded(d, r, m, tid))
        return;
    int code = PvmNoTask;
    if (tid == d->mytid || tasktab_find(d->tasks, tid))
        code = PvmOk;
    req_status(d, r, code);
}

static void h_mstat(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    const char *name = ((const Pvm__HostRef *)m)->name;
    /* Only a host's name in the table, as in PVM 3.4.6: not "localhost"
     * or an address of this host (which a spawn's `where' accepts). */
    req_status(d, r, hosttab_find_name(d->hosts, name) ? PvmOk : PvmNoHost);
}

static void h_halt(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    hostmgr_halt(d, r);
}

static void h_set_output(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    const Pvm__OutputRedirect *o = (const Pvm__OutputRedirect *)m;
    struct task *t = tasktab_find(d->tasks, r->from);
    if (!t) {
        req_status(d, r, PvmNoTask);
        return;
    }
    if (!reserved_dest_ok(d, r->from, o->out_tid, o->out_ctx, false)) {
        req_status(d, r, PvmBadParam);
        return;
    }
    tasktab_set_output(t, o->out_tid, o->out_code, o->out_ctx);
    req_status(d, r, PvmOk);
}

static void h_siblings(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    if (!r->link || !tid_is_pvmd(r->link->peer) || !tid_is_pvmd(r->from))
        return; /* from a pvmd only; there is no reply */
    const Pvm__Siblings *s = (const Pvm__Siblings *)m;
    placement_siblings(d, s->tids, s->n_tids);
}

/* A route query names the task to reach; the asker is the local task that
 * sent it, or, forwarded by another host's pvmd, a task of that host.  A
 * task of this host is reached at its socket path; one of another host
 * over TCP with a credential its own pvmd makes (docs/design.md, "Direct
 * routes across hosts"), so the query goes on to that pvmd. */
static void h_route_query(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    const Pvm__TaskRef *q = (const Pvm__TaskRef *)m;
    int tid = q->tid, asker = r->from;
    bool from_peer = r->link && tid_is_pvmd(r->link->peer);
    if (from_peer) {
        /* A pvmd asks for its own tasks only. */
        if (!tid_is_task(q->for_tid) || tid_host(q->for_tid) != tid_host(r->link->peer)) {
            req_status(d, r, PvmBadParam);
            return;
        }
        asker = q->for_tid;
    } else if (!tid_is_task(asker)) {
        req_status(d, r, PvmBadParam);
        return;
    }
    if (tid_host(tid) != d->myhost) {
        Pvm__TaskRef fq = PVM__TASK_REF__INIT;
        fq.tid = tid;
        fq.for_tid = asker;
        if (from_peer || !forwarded(d, r, &fq.base, tid))
            req_status(d, r, PvmNoHost);
        return;
    }
    Pvm__RouteReply rr = PVM__ROUTE_REPLY__INIT;
    char path[PATHS_MAX] = "";
    uint8_t cred[CTL_DIRECT_KEY_LEN];
    rr.path = path;
    rr.ip = "";
    struct task *t = tasktab_find(d->tasks, tid);
    if (!t)
        rr.status = PvmNoTask;
    else if (!tasktab_link(t))
        rr.status = PvmNotFound; /* not enrolled (yet): use the pvmd route */
    else if (tid_host(asker) == d->myhost)
        rr.status = paths_task_sock(path, sizeof path, d->sockdir, tid) < 0 ? PvmSysErr : PvmOk;
    else if (!tasktab_direct_port(t) || !d->direct_ip[0])
        rr.status = PvmNotFound; /* it takes no direct routes from other hosts */
    else {
        rr.status = PvmOk;
        rr.ip = d->direct_ip;
        rr.port = tasktab_direct_port(t);
        direct_cred(cred, tasktab_direct_key(t), asker, tid);
        rr.cred.data = cred;
        rr.cred.len = sizeof cred;
        rr.sealed = d->direct_sealed;
        rr.aes = crypto_aead_aes256gcm_is_available();
    }
    if (rr.status != PvmOk)
        path[0] = 0;
    req_reply(d, r, PVM__CTL_TYPE__CTL_ROUTE_REPLY, &rr.base);
    sodium_memzero(cred, sizeof cred);
}

/* CTL_DIRECT_PORT: a task of this host listens for direct routes. */
static void h_direct_port(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    struct task *t = tasktab_find(d->tasks, r->from);
    if (t && r->link && tasktab_link(t) == r->link)
        tasktab_set_direct_port(t, (uint16_t)((const Pvm__DirectPort *)m)->port);
}

/* Which requests a peer pvmd may make of this one (the rest are a local
 * task's business: its own exit, output, routes, spawning here). */
static const struct {
    ctl_fn fn;
    bool remote; /* also served for a peer pvmd */
} ctl_table[] = {
    [PVM__CTL_TYPE__CTL_EXIT] = {h_exit, false},
    [PVM__CTL_TYPE__CTL_SPAWN] = {h_spawn, true}, /* a peer: for a task of its host */
    [PVM__CTL_TYPE__CTL_TASKS] = {h_tasks, true},
    [PVM__CTL_TYPE__CTL_CONFIG] = {h_config, true},
    [PVM__CTL_TYPE__CTL_KILL] = {h_kill, true},
    [PVM__CTL_TYPE__CTL_SIGNAL] = {h_signal, true},
    [PVM__CTL_TYPE__CTL_PSTAT] = {h_pstat, true},
    [PVM__CTL_TYPE__CTL_MSTAT] = {h_mstat, true},
    [PVM__CTL_TYPE__CTL_HALT] = {h_halt, true}, /* a peer: only the first host's pvmd */
    [PVM__CTL_TYPE__CTL_SET_OUTPUT] = {h_set_output, false},
    [PVM__CTL_TYPE__CTL_ADDHOSTS] = {hostmgr_add, true},
    [PVM__CTL_TYPE__CTL_DELHOSTS] = {hostmgr_delete, true},
    [PVM__CTL_TYPE__CTL_HOST_TABLE] = {hostmgr_table, true},
    [PVM__CTL_TYPE__CTL_SIBLINGS] = {h_siblings, true},
    [PVM__CTL_TYPE__CTL_NOTIFY] = {notify_request, true}, /* a peer: watching our tasks */
    [PVM__CTL_TYPE__CTL_TASKS_GONE] = {notify_tasks_gone, true},
    [PVM__CTL_TYPE__CTL_ROUTE_QUERY] = {h_route_query, true}, /* a peer: for a task of its host */
    [PVM__CTL_TYPE__CTL_DIRECT_PORT] = {h_direct_port, false},
    /* groups (group.c): a peer pvmd forwards its tasks' requests */
    [PVM__CTL_TYPE__CTL_GRP_JOIN] = {group_request, true},
    [PVM__CTL_TYPE__CTL_GRP_LEAVE] = {group_request, true},
    [PVM__CTL_TYPE__CTL_GRP_INFO] = {group_request, true},
    [PVM__CTL_TYPE__CTL_GRP_BARRIER] = {group_wait, false},
    [PVM__CTL_TYPE__CTL_GRP_FREEZE] = {group_wait, false},
    [PVM__CTL_TYPE__CTL_GRP_LIST] = {group_list, true},
    [PVM__CTL_TYPE__CTL_GRP_ARRIVE] = {group_arrive, true},
    [PVM__CTL_TYPE__CTL_GRP_RELEASE] = {group_release, true},
    [PVM__CTL_TYPE__CTL_GRP_GONE] = {group_gone, true},
    [PVM__CTL_TYPE__CTL_GRP_ROUND_DONE] = {group_round_done, false},
    [PVM__CTL_TYPE__CTL_GRP_HOST] = {group_host, true},
    /* registered helpers, clock, tickle (regs.c) */
    [PVM__CTL_TYPE__CTL_HOSTSYNC] = {regs_hostsync, true}, /* a peer: for a task of its host */
    [PVM__CTL_TYPE__CTL_TICKLE] = {regs_tickle, false},
    [PVM__CTL_TYPE__CTL_REG] = {regs_register, false},
    /* contexts (ctxtab.c): a task's own pvmd hands them out */
    [PVM__CTL_TYPE__CTL_CTX_NEW] = {ctxtab_new, false},
    [PVM__CTL_TYPE__CTL_CTX_FREE] = {ctxtab_free, false},
    /* mailbox (mbox.c): a peer pvmd forwards its tasks' requests */
    [PVM__CTL_TYPE__CTL_MBOX_PUT] = {mbox_request, true},
    [PVM__CTL_TYPE__CTL_MBOX_GET] = {mbox_request, true},
    [PVM__CTL_TYPE__CTL_MBOX_DEL] = {mbox_request, true},
    [PVM__CTL_TYPE__CTL_MBOX_INFO] = {mbox_request, true},
    [PVM__CTL_TYPE__CTL_MBOX_RESET] = {mbox_request, true},
    [PVM__CTL_TYPE__CTL_MBOX_GONE] = {mbox_gone, true},
};

#define CTL_TABLE_LEN ((int)(sizeof ctl_table / sizeof ctl_table[0]))

void ctl_handlers_dispatch(struct pvmd *d, struct xport *x, int from, struct frame *f)
{
    int type = f->h.tag;
    struct req r = {.type = type, .from = from, .wid = f->h.wid, .link = x};
    /* What comes over a peer pvmd's link, whoever it claims to be from,
     * gets only what the table allows a peer. */
    bool remote = x && tid_is_pvmd(x->peer);
    if (type < 0 || type >= CTL_TABLE_LEN || !ctl_table[type].fn ||
        (remote && !ctl_table[type].remote)) {
        log_info(d, "t%x: control type %d is not a request: refused", (unsigned)from, type);
        req_status(d, &r, PvmBadMsg);
        frame_free(&f);
        return;
    }
    ProtobufCMessage *m = NULL;
    if (ctl_unpack(type, f->payload, (size_t)f->h.len, &m) < 0) {
        log_info(d, "t%x: malformed %s refused", (unsigned)from, ctl_type_name(type));
        req_status(d, &r, PvmBadMsg);
        frame_free(&f);
        return;
    }
    log_debug(d, "t%x: %s", (unsigned)from, ctl_type_name(type));
    ctl_table[type].fn(d, &r, m);
    ctl_free(&m);
    frame_free(&f);
}
