/*
 * lpvm.c - enrolment, control requests to the pvmd, leaving the VM.
 *
 * A process becomes a task the first time it calls almost anything
 * (PVM's implicit enrolment): it connects to pvmd.sock, says CTL_HELLO
 * (claiming the tid its pvmd gave it in PVM_TASK_TID if it was spawned)
 * and gets its tid, parent, siblings and inherited output settings back.
 * It then listens on t<tid>.sock so that tasks on its host can reach it
 * directly (docs/design.md, "One host"), and on a TCP port for tasks of
 * other hosts (direct.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "arch.h"
#include "core.h"
#include "ctl.h"
#include "defs.h"
#include "sock.h"
#include "tid.h"

/* ======================================================================== */
/* Control requests                                                         */
/* ======================================================================== */

static bool reply_arrived(struct lpvm_core *core, void *arg)
{
    (void)arg;
    return core->reply != NULL;
}

int lpvm_new_wid(struct lpvm_core *c)
{
    if (++c->next_wid <= 0)
        c->next_wid = 1;
    return c->next_wid;
}

int lpvm_post(struct lpvm_core *c, int type, const ProtobufCMessage *req, int wid)
{
    Pvm__Empty empty = PVM__EMPTY__INIT;
    uint8_t *buf = NULL;
    size_t len = 0;
    int cc = ctl_pack(req ? req : &empty.base, &buf, &len);
    if (cc < 0)
        return cc;
    struct wire_hdr h = {
        .flags = WIRE_F_CTL,
        .src = lpvm_state.mytid,
        .dst = lpvm_state.pvmd_tid,
        .tag = type,
        .wid = wid,
        .len = len,
    };
    cc = io_send_buf(c, c->pvmd, &h, buf, len);
    free(buf);
    return cc;
}

/* Sends a control frame to the pvmd and waits for the reply to it. */
static int exchange(struct lpvm_core *c, int type, const ProtobufCMessage *req, struct pmsg **reply)
{
    pmsg_destroy(&c->reply);
    /* Awaited from before the send: the reply may come during it. */
    c->await_wid = lpvm_new_wid(c);
    int cc = lpvm_post(c, type, req, c->await_wid);
    if (cc == 0)
        cc = io_wait(c, reply_arrived, NULL, IO_FOREVER, NULL);
    c->await_wid = 0;
    if (cc < 0)
        return PvmSysErr;
    *reply = c->reply;
    c->reply = NULL;
    return 0;
}

int lpvm_request(struct lpvm_core *c, int type, const ProtobufCMessage *req, int reply_type,
                 ProtobufCMessage **reply)
{
    /* PVM runs message handlers in every call that talks to its pvmd. */
    mhf_point(c);
    struct pmsg *m = NULL;
    int cc = exchange(c, type, req, &m);
    if (cc < 0)
        return cc;
    ProtobufCMessage *out = NULL;
    if (m->tag == reply_type) {
        cc = ctl_unpack(reply_type, pmsg_body(m), m->len, &out);
    } else if (m->tag == PVM__CTL_TYPE__CTL_STATUS) {
        /* A pvmd that cannot serve the request answers Status instead. */
        cc = ctl_unpack(PVM__CTL_TYPE__CTL_STATUS, pmsg_body(m), m->len, &out);
        if (cc == 0) {
            int code = ((Pvm__Status *)out)->code;
            ctl_free(&out);
            cc = code < 0 ? code : PvmBadMsg;
        }
    } else {
        cc = PvmBadMsg;
    }
    pmsg_destroy(&m);
    if (cc < 0)
        return cc;
    *reply = out;
    return 0;
}

int lpvm_request_status(struct lpvm_core *c, int type, const ProtobufCMessage *req)
{
    ProtobufCMessage *out = NULL;
    int cc = lpvm_request(c, type, req, PVM__CTL_TYPE__CTL_STATUS, &out);
    if (cc < 0)
        return cc;
    cc = ((Pvm__Status *)out)->code;
    ctl_free(&out);
    return cc;
}

/* ======================================================================== */
/* Enrolment                                                                */
/* ======================================================================== */

int lpvm_connect_pvmd(const char *sockdir, int *fdp)
{
    char path[PATHS_MAX];
    if (paths_join(path, sizeof path, sockdir, PVMD_SOCK_NAME) < 0)
        return PvmSysErr;
    /* The pvmd never waits for us, so waiting on a full backlog cannot
     * hang for long. */
    return sock_connect_unix(path, SOCK_CONNECT_WAIT | SOCK_CONNECT_TUNE, fdp);
}

/* Listens on t<tid>.sock for direct routes.  Failure is not fatal: peers
 * then reach us through the pvmd. */
static void listen_direct(struct lpvm_core *c)
{
    char path[PATHS_MAX];
    if (paths_task_sock(path, sizeof path, c->sockdir, lpvm_state.mytid) < 0)
        return;
    /* A socket left there by an earlier task with this tid is replaced. */
    int fd;
    if (sock_listen_unix(path, 128, &fd) < 0)
        return;
    c->lfd = fd;
    strcpy(c->lpath, path);
    c->pfds_dirty = true;
}

/* Lines printed by a spawned task must reach its pvmd as they are
 * printed, not when a 4 KiB block fills (docs/design.md, "Output"). */
static void line_buffer_stdout(void)
{
    struct stat st;
    if (fstat(STDOUT_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
        setvbuf(stdout, NULL, _IOLBF, 0);
}

static int claimed_tid(void)
{
    const char *s = getenv(ENV_TASK_TID);
    if (!s || !*s)
        return 0;
    char *end;
    long v = strtol(s, &end, 0);
    return (*end == 0 && v > 0 && v <= INT32_MAX && tid_is_task((int)v)) ? (int)v : 0;
}

static void apply_hello(struct lpvm_core *c, const Pvm__HelloReply *r, bool spawned)
{
    lpvm_state.mytid = r->tid;
    lpvm_state.parent = r->parent > 0 || r->parent == PvmParentNotSet ? r->parent : PvmNoParent;
    lpvm_state.pvmd_tid = r->pvmd_tid;
    c->pvmd->peer_tid = r->pvmd_tid;
    /* The whole list may have been read with the reply and taken already
     * (task_api_siblings): it wins over the reply's partial one. */
    c->sib_pending = r->siblings_later && !c->sib_final;
    if (r->n_siblings && !c->sib_final) {
        c->siblings = malloc(r->n_siblings * sizeof(int));
        if (c->siblings) {
            for (size_t i = 0; i < r->n_siblings; i++)
                c->siblings[i] = r->siblings[i];
            c->nsiblings = (int)r->n_siblings;
        }
    }
    if (r->sockdir && *r->sockdir && strlen(r->sockdir) < sizeof c->sockdir)
        strcpy(c->sockdir, r->sockdir);
    snprintf(c->arch, sizeof c->arch, "%s", r->arch && *r->arch ? r->arch : arch_this());
    /* What the spawner chose for our output is both where our own output
     * goes and the default for our children (so grandchildren's output
     * reaches a catchout too, as in PVM). */
    int *o = lpvm_state.opt;
    o[PvmOutputTid] = o[PvmSelfOutputTid] = r->out_tid;
    o[PvmOutputCode] = o[PvmSelfOutputCode] = r->out_code;
    o[PvmOutputContext] = o[PvmSelfOutputContext] = r->out_ctx;
    o[PvmTraceTid] = o[PvmSelfTraceTid] = r->trace_tid;
    o[PvmTraceCode] = o[PvmSelfTraceCode] = r->trace_code;
    o[PvmTraceContext] = o[PvmSelfTraceContext] = r->trace_ctx;
    /* A spawned task starts in its spawner's context; any other keeps the
     * one it set (pvm_setcontext works before enrolment, as in PVM). */
    if (spawned)
        lpvm_state.ctx = r->ctx;
}

static int hello(struct lpvm_core *c)
{
    Pvm__Hello h = PVM__HELLO__INIT;
    h.proto_version = CTL_PROTO_VERSION;
    h.pid = (int32_t)getpid();
    h.claimed_tid = claimed_tid();
    h.name = program_invocation_short_name ? program_invocation_short_name : "";
    struct pmsg *m = NULL;
    int cc = exchange(c, PVM__CTL_TYPE__CTL_HELLO, &h.base, &m);
    if (cc < 0)
        return cc;
    ProtobufCMessage *out = NULL;
    if (m->tag == PVM__CTL_TYPE__CTL_HELLO_REPLY)
        cc = ctl_unpack(m->tag, pmsg_body(m), m->len, &out);
    else
        cc = PvmBadMsg;
    sodium_memzero(pmsg_body(m), m->len); /* our secret was in it */
    pmsg_destroy(&m);
    if (cc < 0)
        return cc;
    Pvm__HelloReply *r = (Pvm__HelloReply *)out;
    if (r->status < 0 || !tid_is_task(r->tid) || !tid_is_pvmd(r->pvmd_tid)) {
        cc = r->status < 0 ? r->status : PvmBadMsg;
        ctl_free(&out);
        return cc;
    }
    /* Our claim was accepted: we are the task the pvmd spawned. */
    apply_hello(c, r, h.claimed_tid && r->tid == h.claimed_tid);
    direct_listen(c, r);
    if (r->direct_key.data)
        sodium_memzero(r->direct_key.data, r->direct_key.len);
    ctl_free(&out);
    return 0;
}

static void drain_at_exit(void)
{
    struct lpvm_core *c = lpvm_state.core;
    if (c && c->pid == getpid())
        direct_drain(c);
}

static int enroll(void)
{
    struct lpvm_core *c = calloc(1, sizeof *c);
    if (!c)
        return PvmNoMem;
    c->pid = getpid();
    c->lfd = -1;
    c->tfd = -1;
    c->pfds_dirty = true;
    lpvm_state.core = c;
    int fd;
    int cc = paths_sockdir(c->sockdir, sizeof c->sockdir);
    if (cc == 0)
        cc = lpvm_connect_pvmd(c->sockdir, &fd);
    if (cc == 0) {
        c->pvmd = conn_new_unix(fd, CONN_PVMD);
        cc = c->pvmd ? io_add_conn(c, c->pvmd) : PvmNoMem;
        if (cc < 0)
            conn_destroy(&c->pvmd);
    }
    if (cc == 0)
        cc = hello(c);
    if (cc < 0) {
        lpvm_core_teardown();
        return cc;
    }
    /* Our own descendants must not claim our tid. */
    unsetenv(ENV_TASK_TID);
    /* A task that ends without pvm_exit still ends its direct routes
     * gracefully. */
    static bool at_exit;
    if (!at_exit && atexit(drain_at_exit) == 0)
        at_exit = true;
    listen_direct(c);
    line_buffer_stdout();
    return 0;
}

int lpvm_core_get(struct lpvm_core **out)
{
    struct lpvm_core *c = lpvm_state.core;
    if (c && c->pid != getpid()) {
        /* A forked child holding copies of the parent's connections: it is
         * a new process and enrolls afresh. */
        lpvm_core_teardown();
        c = NULL;
    }
    if (c && !c->dead) {
        /* A pvmd that died is seen by the next call that talks to it; one
         * that does not (pvm_mytid) looks too, at most every 100 ms. */
        int64_t now = io_now_ns();
        if (now - c->alive_checked > 100 * 1000 * 1000) {
            c->alive_checked = now;
            struct pollfd pf = {.fd = c->pvmd->fd, .events = POLLRDHUP};
            if (poll(&pf, 1, 0) == 1 && (pf.revents & (POLLHUP | POLLRDHUP | POLLERR)))
                io_close_conn(c, c->pvmd);
        }
    }
    if (c && c->dead) {
        /* The pvmd went away.  Enrolling again would make this process a
         * new task with a new tid and no parent -- a worker would turn into
         * a master -- so every call fails, as in PVM, until pvm_exit. */
        return PvmSysErr;
    }
    if (!c) {
        int cc = enroll();
        if (cc < 0)
            return cc;
        c = lpvm_state.core;
    }
    *out = c;
    return 0;
}

int lpvm_enroll(void)
{
    struct lpvm_core *c;
    int cc = lpvm_core_get(&c);
    return cc < 0 ? cc : lpvm_state.mytid;
}

/* ======================================================================== */
/* Leaving                                                                  */
/* ======================================================================== */

void lpvm_core_teardown(void)
{
    struct lpvm_core *c = lpvm_state.core;
    if (!c)
        return;
    bool mine = c->pid == getpid();
    for (int i = 0; i < c->nconns; i++)
        conn_destroy(&c->conns[i]);
    free(c->conns);
    free(c->pfds);
    if (c->lfd >= 0)
        close(c->lfd);
    direct_fini(c);
    /* A forked child must not remove its parent's socket. */
    if (mine && c->lpath[0])
        unlink(c->lpath);
    recv_drop_all(c);
    pmsg_destroy(&c->reply);
    peer_tab_fini(&c->peers);
    free(c->siblings);
    free(c->catch_tids);
    task_api_free_tables(c);
    host_api_free(c);
    lgroup_forget();
    mbox_api_forget();
    free(c->fds);
    free(c);
    lpvm_state.core = NULL;
    lpvm_state.mytid = 0;
    lpvm_state.parent = PvmNoParent;
    lpvm_state.pvmd_tid = 0;
}

/* ======================================================================== */
/* API                                                                      */
/* ======================================================================== */

int pvm_mytid(void)
{
    int cc = lpvm_enroll();
    return lpvm_err("pvm_mytid", cc);
}

int pvm_parent(void)
{
    int cc = lpvm_enroll();
    if (cc < 0)
        return lpvm_err("pvm_parent", cc);
    /* No parent is an answer, not a failure: nothing is printed.  It is
     * PvmNoParent, or PvmParentNotSet when the spawner asked for that. */
    if (lpvm_state.parent <= 0)
        pvm_errno = lpvm_state.parent;
    return lpvm_state.parent;
}

int pvm_exit(void)
{
    /* Inside a message handler the wait that runs it (and the library
     * call above it) still holds the core: PVM 3.4.6 refuses too. */
    if (lpvm_state.mhf_running)
        return lpvm_err("pvm_exit", PvmNotImpl);
    struct lpvm_core *c = lpvm_state.core;
    if (!c)
        return PvmOk;
    if (c->pid == getpid() && !c->dead) {
        /* pvm_catchout: children's output is printed before we leave. */
        catchout_drain(c);
        /* What we sent last over direct routes is taken before the pvmd
         * hears we leave (a TaskExit notice must not overtake it). */
        io_watch_flush(c);
        c->exiting = true;
        direct_drain(c);
        if (!c->dead)
            lpvm_request_status(c, PVM__CTL_TYPE__CTL_EXIT, NULL);
    }
    lpvm_core_teardown();
    /* Handlers are the enrolled task's: a new enrolment starts without. */
    mhf_clear();
    return PvmOk;
}
