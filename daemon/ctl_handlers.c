/*
 * ctl_handlers.c - control requests, one function per CtlType.
 */
#include "ctl_handlers.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "ctl.h"
#include "defs.h"
#include "frame.h"
#include "hosttab.h"
#include "output.h"
#include "pvm3.h"
#include "pvmd.h"
#include "spawn.h"
#include "tasktab.h"
#include "tid.h"

/* ===================================================================== */
/* Replies                                                                */
/* ===================================================================== */

static void reply(struct pvmd *d, struct conn *c, const struct wire_hdr *req, int type,
                  const ProtobufCMessage *msg)
{
    struct frame *f = frame_ctl(d->mytid, c->tid, type, WIRE_F_REPLY, req->wid, msg);
    if (!f) {
        log_error(d, "no memory for a %s reply to t%x", ctl_type_name(type), (unsigned)c->tid);
        return;
    }
    xport_send(&c->x, f);
}

static void reply_status(struct pvmd *d, struct conn *c, const struct wire_hdr *req, int code)
{
    Pvm__Status st = PVM__STATUS__INIT;
    st.code = code;
    reply(d, c, req, PVM__CTL_TYPE__CTL_STATUS, &st.base);
}

/* ===================================================================== */
/* Enrolment                                                              */
/* ===================================================================== */

static void hello_refuse(struct pvmd *d, struct conn *c, const struct wire_hdr *req, int code,
                         const char *why)
{
    Pvm__HelloReply r = PVM__HELLO_REPLY__INIT;
    r.status = code;
    r.arch = (char *)d->arch;
    r.sockdir = "";
    reply(d, c, req, PVM__CTL_TYPE__CTL_HELLO_REPLY, &r.base);
    log_info(d, "hello from pid %d refused: %s", (int)c->peer_pid, why);
    conn_shutdown(c);
}

void ctl_handlers_hello(struct pvmd *d, struct conn *c, struct frame *f)
{
    ProtobufCMessage *m = NULL;
    if (ctl_unpack(f->h.tag, f->payload, (size_t)f->h.len, &m) < 0) {
        log_info(d, "malformed CTL_HELLO from pid %d refused", (int)c->peer_pid);
        reply_status(d, c, &f->h, PvmBadMsg);
        frame_free(&f);
        return;
    }
    const Pvm__Hello *hello = (const Pvm__Hello *)m;
    if (c->peer_uid != geteuid()) {
        hello_refuse(d, c, &f->h, PvmDenied, "another user");
        goto out;
    }
    if (hello->proto_version != CTL_PROTO_VERSION) {
        hello_refuse(d, c, &f->h, PvmBadVersion, "another protocol version");
        goto out;
    }
    if (d->halting) {
        hello_refuse(d, c, &f->h, PvmSysErr, "the pvmd is halting");
        goto out;
    }

    /* A spawned task claims the tid it was given, once; anything else
     * (a program started from a shell, a stale claim) gets a fresh tid. */
    struct task *t = NULL;
    if (hello->claimed_tid) {
        t = tasktab_find(d->tasks, hello->claimed_tid);
        if (t && (!(t->flags & TF_SPAWNED) || t->conn))
            t = NULL;
        if (!t)
            log_info(d, "pid %d claimed t%x, which is not a waiting spawned task: new tid",
                     (int)hello->pid, (unsigned)hello->claimed_tid);
    }
    if (!t) {
        int err = 0;
        t = tasktab_add(d, &err);
        if (!t) {
            hello_refuse(d, c, &f->h, err, "no tid left");
            goto out;
        }
        t->pid = c->peer_pid;
        t->name = strdup(hello->name ? hello->name : "");
    }
    c->tid = t->tid;

    Pvm__HelloReply r = PVM__HELLO_REPLY__INIT;
    r.status = PvmOk;
    r.tid = t->tid;
    r.parent = t->ptid;
    r.pvmd_tid = d->mytid;
    r.n_siblings = t->nsib;
    r.siblings = t->siblings;
    r.sockdir = d->sockdir;
    r.out_tid = t->out_tid;
    r.out_code = t->out_code;
    r.out_ctx = t->out_ctx;
    r.trace_tid = t->trace_tid;
    r.trace_code = t->trace_code;
    r.trace_ctx = t->trace_ctx;
    r.arch = (char *)d->arch;
    reply(d, c, &f->h, PVM__CTL_TYPE__CTL_HELLO_REPLY, &r.base);
    log_info(d, "t%x enrolled: pid %d, %s", (unsigned)t->tid, (int)hello->pid,
             hello->name && *hello->name ? hello->name : "(no name)");
    /* After the reply: the task reads its identity before its mail. */
    tasktab_connect(d, t, c);
out:
    ctl_free(&m);
    frame_free(&f);
}

/* ===================================================================== */
/* Requests                                                               */
/* ===================================================================== */

typedef void (*ctl_fn)(struct pvmd *d, struct conn *c, const struct wire_hdr *req,
                       const ProtobufCMessage *m);

static void h_exit(struct pvmd *d, struct conn *c, const struct wire_hdr *req,
                   const ProtobufCMessage *m)
{
    reply_status(d, c, req, PvmOk);
    c->exited = true;
    struct task *t = tasktab_find(d->tasks, c->tid);
    if (!t || t->conn != c)
        return;
    if (t->flags & TF_SPAWNED) {
        /* Still a task until its process exits (design.md "Task end"). */
        t->conn = NULL;
        t->flags &= ~TF_CONN;
        log_info(d, "t%x left PVM (pvm_exit)", (unsigned)t->tid);
    } else {
        tasktab_end(d, t, "pvm_exit");
    }
}

static void h_spawn(struct pvmd *d, struct conn *c, const struct wire_hdr *req,
                    const ProtobufCMessage *m)
{
    const Pvm__SpawnRequest *s = (const Pvm__SpawnRequest *)m;
    int *tids = calloc((size_t)s->count, sizeof *tids);
    if (!tids) {
        reply_status(d, c, req, PvmNoMem);
        return;
    }
    spawn_run(d, c->tid, s, tids);
    Pvm__SpawnReply r = PVM__SPAWN_REPLY__INIT;
    r.n_tids = (size_t)s->count;
    r.tids = tids;
    reply(d, c, req, PVM__CTL_TYPE__CTL_SPAWN_REPLY, &r.base);
    /* The reply first, then the children's OUTPUT_BEGIN (design.md). */
    for (int i = 0; i < s->count; i++) {
        struct task *t = tids[i] > 0 ? tasktab_find(d->tasks, tids[i]) : NULL;
        if (t)
            output_begin(d, t);
    }
    free(tids);
}

static void h_tasks(struct pvmd *d, struct conn *c, const struct wire_hdr *req,
                    const ProtobufCMessage *m)
{
    int which = ((const Pvm__TaskRef *)m)->tid;
    Pvm__TasksReply r = PVM__TASKS_REPLY__INIT;
    size_t max = tasktab_count(d->tasks);
    Pvm__TaskInfo *infos = calloc(max ? max : 1, sizeof *infos);
    Pvm__TaskInfo **ptrs = calloc(max ? max : 1, sizeof *ptrs);
    if (!infos || !ptrs) {
        free(infos);
        free(ptrs);
        reply_status(d, c, req, PvmNoMem);
        return;
    }
    bool all = which == 0 || which == d->mytid;
    if (!all && tid_is_pvmd(which)) {
        /* Another host's tasks: the multi-host issue asks that pvmd. */
        r.status = PvmNoHost;
    } else {
        for (struct task *t = tasktab_first(d->tasks); t; t = t->next) {
            if (!all && t->tid != which)
                continue;
            Pvm__TaskInfo *ti = &infos[r.n_tasks];
            pvm__task_info__init(ti);
            ti->tid = t->tid;
            ti->ptid = t->ptid > 0 ? t->ptid : 0; /* pvm_tasks: 0 = no parent */
            ti->host = d->mytid;
            ti->flag = t->flags;
            ti->name = t->name ? t->name : "";
            ti->pid = (int)t->pid;
            ptrs[r.n_tasks++] = ti;
        }
        if (!all && r.n_tasks == 0)
            r.status = PvmNoTask;
    }
    r.tasks = ptrs;
    reply(d, c, req, PVM__CTL_TYPE__CTL_TASKS_REPLY, &r.base);
    free(infos);
    free(ptrs);
}

static void h_config(struct pvmd *d, struct conn *c, const struct wire_hdr *req,
                     const ProtobufCMessage *m)
{
    int n = hosttab_count(d->hosts);
    Pvm__HostInfo *infos = calloc((size_t)n + 1, sizeof *infos);
    Pvm__HostInfo **ptrs = calloc((size_t)n + 1, sizeof *ptrs);
    if (!infos || !ptrs) {
        free(infos);
        free(ptrs);
        reply_status(d, c, req, PvmNoMem);
        return;
    }
    Pvm__ConfigReply r = PVM__CONFIG_REPLY__INIT;
    for (struct host *h = hosttab_next(d->hosts, 0); h; h = hosttab_next(d->hosts, h->num)) {
        Pvm__HostInfo *hi = &infos[r.n_hosts];
        pvm__host_info__init(hi);
        hi->tid = h->tid;
        hi->name = h->name;
        hi->arch = h->arch;
        hi->speed = h->speed;
        hi->dsig = h->dsig;
        ptrs[r.n_hosts++] = hi;
    }
    r.hosts = ptrs;
    r.narch = hosttab_narch(d->hosts);
    reply(d, c, req, PVM__CTL_TYPE__CTL_CONFIG_REPLY, &r.base);
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
    if (!t)
        return PvmNoTask;
    if (t->pid <= 0)
        return PvmNoTask;
    /* pvm_kill ends what the task started too; pvm_sendsig signals the
     * task's own process.  ESRCH: the process is gone and its exit
     * callback has not run yet; the task is ending anyway. */
    if (group)
        spawn_kill(t, sig);
    else
        kill(t->pid, sig);
    log_info(d, "signal %d sent to t%x (pid %d)", sig, (unsigned)tid, (int)t->pid);
    return PvmOk;
}

static void h_kill(struct pvmd *d, struct conn *c, const struct wire_hdr *req,
                   const ProtobufCMessage *m)
{
    reply_status(d, c, req, signal_task(d, ((const Pvm__TaskRef *)m)->tid, SIGTERM, true));
}

static void h_signal(struct pvmd *d, struct conn *c, const struct wire_hdr *req,
                     const ProtobufCMessage *m)
{
    const Pvm__SignalRequest *s = (const Pvm__SignalRequest *)m;
    reply_status(d, c, req, signal_task(d, s->tid, s->signum, false));
}

static void h_pstat(struct pvmd *d, struct conn *c, const struct wire_hdr *req,
                    const ProtobufCMessage *m)
{
    int tid = ((const Pvm__TaskRef *)m)->tid;
    int code = PvmNoTask;
    if (tid == d->mytid || tasktab_find(d->tasks, tid))
        code = PvmOk;
    reply_status(d, c, req, code);
}

static void h_mstat(struct pvmd *d, struct conn *c, const struct wire_hdr *req,
                    const ProtobufCMessage *m)
{
    const char *name = ((const Pvm__HostRef *)m)->name;
    int code =
        hosttab_find_name(d->hosts, name) || spawn_names_this_host(d, name) ? PvmOk : PvmNoHost;
    reply_status(d, c, req, code);
}

static void h_halt(struct pvmd *d, struct conn *c, const struct wire_hdr *req,
                   const ProtobufCMessage *m)
{
    reply_status(d, c, req, PvmOk);
    char why[64];
    snprintf(why, sizeof why, "halt requested by t%x", (unsigned)c->tid);
    pvmd_halt(d, why);
}

static void h_set_output(struct pvmd *d, struct conn *c, const struct wire_hdr *req,
                         const ProtobufCMessage *m)
{
    const Pvm__OutputRedirect *o = (const Pvm__OutputRedirect *)m;
    struct task *t = tasktab_find(d->tasks, c->tid);
    if (!t) {
        reply_status(d, c, req, PvmNoTask);
        return;
    }
    t->out_tid = o->out_tid;
    t->out_code = o->out_code;
    t->out_ctx = o->out_ctx;
    reply_status(d, c, req, PvmOk);
}

static void h_not_yet(struct pvmd *d, struct conn *c, const struct wire_hdr *req,
                      const ProtobufCMessage *m)
{
    reply_status(d, c, req, PvmNotImpl);
}

static void h_route_query(struct pvmd *d, struct conn *c, const struct wire_hdr *req,
                          const ProtobufCMessage *m)
{
    int tid = ((const Pvm__TaskRef *)m)->tid;
    Pvm__RouteReply r = PVM__ROUTE_REPLY__INIT;
    char path[PATHS_MAX] = "";
    r.path = path;
    struct task *t = tasktab_find(d->tasks, tid);
    if (tid_host(tid) != d->myhost)
        r.status = PvmNoHost; /* no direct route across hosts */
    else if (!t)
        r.status = PvmNoTask;
    else if (!t->conn)
        r.status = PvmNotFound; /* not enrolled (yet): use the pvmd route */
    else if (paths_task_sock(path, sizeof path, d->sockdir, tid) < 0)
        r.status = PvmSysErr;
    else
        r.status = PvmOk;
    if (r.status != PvmOk)
        path[0] = 0;
    reply(d, c, req, PVM__CTL_TYPE__CTL_ROUTE_REPLY, &r.base);
}

static const struct {
    ctl_fn fn;
} ctl_table[] = {
    [PVM__CTL_TYPE__CTL_EXIT] = {h_exit},        [PVM__CTL_TYPE__CTL_SPAWN] = {h_spawn},
    [PVM__CTL_TYPE__CTL_TASKS] = {h_tasks},      [PVM__CTL_TYPE__CTL_CONFIG] = {h_config},
    [PVM__CTL_TYPE__CTL_KILL] = {h_kill},        [PVM__CTL_TYPE__CTL_SIGNAL] = {h_signal},
    [PVM__CTL_TYPE__CTL_PSTAT] = {h_pstat},      [PVM__CTL_TYPE__CTL_MSTAT] = {h_mstat},
    [PVM__CTL_TYPE__CTL_HALT] = {h_halt},        [PVM__CTL_TYPE__CTL_SET_OUTPUT] = {h_set_output},
    [PVM__CTL_TYPE__CTL_ADDHOSTS] = {h_not_yet}, [PVM__CTL_TYPE__CTL_DELHOSTS] = {h_not_yet},
    [PVM__CTL_TYPE__CTL_NOTIFY] = {h_not_yet},   [PVM__CTL_TYPE__CTL_ROUTE_QUERY] = {h_route_query},
};

#define CTL_TABLE_LEN ((int)(sizeof ctl_table / sizeof ctl_table[0]))

void ctl_handlers_dispatch(struct pvmd *d, struct conn *c, struct frame *f)
{
    int type = f->h.tag;
    if (f->h.flags & WIRE_F_REPLY) {
        log_info(d, "t%x: unexpected reply %s dropped", (unsigned)c->tid, ctl_type_name(type));
        frame_free(&f);
        return;
    }
    if (type < 0 || type >= CTL_TABLE_LEN || !ctl_table[type].fn) {
        log_info(d, "t%x: control type %d is not a request: refused", (unsigned)c->tid, type);
        reply_status(d, c, &f->h, PvmBadMsg);
        frame_free(&f);
        return;
    }
    ProtobufCMessage *m = NULL;
    if (ctl_unpack(type, f->payload, (size_t)f->h.len, &m) < 0) {
        log_info(d, "t%x: malformed %s refused", (unsigned)c->tid, ctl_type_name(type));
        reply_status(d, c, &f->h, PvmBadMsg);
        frame_free(&f);
        return;
    }
    log_debug(d, "t%x: %s", (unsigned)c->tid, ctl_type_name(type));
    ctl_table[type].fn(d, c, &f->h, m);
    ctl_free(&m);
    frame_free(&f);
}
