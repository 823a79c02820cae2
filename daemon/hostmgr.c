/*
 * hostmgr.c - adding and deleting hosts, the host table everywhere.
 */
#include "hostmgr.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "defs.h"
#include "event.h"
#include "frame.h"
#include "hostfile.h"
#include "hosttab.h"
#include "mesh_keys.h"
#include "pending.h"
#include "pvm3.h"
#include "pvmd.h"
#include "regs.h"
#include "route.h"
#include "spawn.h"
#include "tid.h"
#include "xport.h"
#include "xport_zmq.h"

struct add_req;

/* One host being started. */
struct start {
    struct pvmd *d;
    struct add_req *req;
    int idx;                   /* its slot in the request */
    int num;                   /* the host number it will have */
    char *name;                /* as requested (without options) */
    struct hostfile_entry opt; /* its options (hostfile syntax) */
    const char *rsh;           /* the remote shell it is started through, or NULL */
    int hoster;                /* the registered hoster it was handed to (0: started here) */
    bool out_eof;              /* its stdout has ended */
    char exit_why[300];        /* how its process ended, once it has */
    uv_process_t proc;
    uv_pipe_t in, out, err;
    uv_write_t wreq;
    uint8_t *ticket; /* holds the machine's secret key: wiped once written */
    size_t ticket_len;
    uv_timer_t timer;
    int open; /* handles not yet closed */
    bool finished;
    char outb[1024];
    size_t nout;
    char errb[2048];
    size_t nerr;
    /* from its ready line */
    char addr[256], arch[64];
    int dsig;
    unsigned long long epoch;
    struct start *next; /* in hm->starts */
};

/* One CTL_ADDHOSTS being served. */
struct add_req {
    struct req r; /* link NULL: answered by routing */
    size_t n, left;
    int *results;
    char **why;
};

struct hostmgr {
    uint64_t version;      /* of the table last sent (first host) or taken (others) */
    uv_timer_t table_wait; /* a new host: halts when no table comes (hostmgr_joined) */
    bool waiting;
    bool reserved[TID_MAX_HOST + 1];
    struct start *starts;
};

static struct hostmgr *hm_of(struct pvmd *d)
{
    if (!d->hm)
        d->hm = calloc(1, sizeof *d->hm);
    return d->hm;
}

static bool is_master(struct pvmd *d)
{
    return d->myhost == HOSTMGR_MASTER;
}

/* ===================================================================== */
/* The table                                                              */
/* ===================================================================== */

void hostmgr_broadcast(struct pvmd *d)
{
    struct hostmgr *hm = hm_of(d);
    if (!hm)
        return;
    Pvm__HostInfo *infos, **ptrs;
    int n = hosttab_infos(d->hosts, &infos, &ptrs);
    if (n < 0) {
        log_error(d, "no memory to send the host table");
        return;
    }
    Pvm__HostTable t = PVM__HOST_TABLE__INIT;
    t.version = ++hm->version;
    t.n_hosts = (size_t)n;
    t.hosts = ptrs;
    /* Packed once, a copy for each pvmd. */
    int num = 0;
    struct frame *f0 = frame_ctl(d->mytid, d->mytid, PVM__CTL_TYPE__CTL_HOST_TABLE, 0, 0, &t.base);
    free(infos);
    free(ptrs);
    if (!f0) {
        log_error(d, "no memory to send the host table");
        return;
    }
    /* By number: a send that fails at once may take a host out of the
     * table (hostmgr_on_event) under this loop. */
    for (struct host *h; (h = hosttab_next(d->hosts, num));) {
        num = h->num;
        if (num == d->myhost)
            continue;
        struct wire_hdr hd = f0->h;
        hd.dst = h->tid;
        struct frame *f = frame_copy(&hd, NULL, 0, f0, 0);
        if (f)
            route_frame(d, f);
    }
    frame_free(&f0);
}

/* A host leaves the table: whatever waits on it is told, then it goes
 * (on the first host the event's hosts subscriber removes it and sends
 * every pvmd the table).  Its link, if any, stays until its pvmd closes
 * it. */
static void host_gone(struct pvmd *d, struct host *h, const char *why)
{
    int tid = h->tid;
    log_info(d, "host %s (t%x) deleted: %s", h->name, (unsigned)tid, why);
    event_raise(d, &(struct event){.kind = EVENT_HOST_LOST, .tid = tid, .why = why});
    if ((h = hosttab_get(d->hosts, tid_host(tid))))
        hosttab_remove(d->hosts, h->num);
}

void hostmgr_on_event(struct pvmd *d, const struct event *ev)
{
    if (ev->kind != EVENT_HOST_LOST || !is_master(d) || d->halting)
        return;
    struct host *h = hosttab_get(d->hosts, tid_host(ev->tid));
    if (!h || h->num == d->myhost)
        return;
    /* The table changes after the event (subscribers see it as it was). */
    log_info(d, "host %s (t%x) leaves the virtual machine: %s", h->name, (unsigned)h->tid,
             ev->why ? ev->why : "lost");
    hosttab_remove(d->hosts, h->num);
    hostmgr_broadcast(d);
}

void hostmgr_table(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    const Pvm__HostTable *t = (const Pvm__HostTable *)m;
    struct hostmgr *hm = hm_of(d);
    if (is_master(d) || r->from != tid_pvmd(HOSTMGR_MASTER) || !hm) {
        log_info(d, "host table from t%x refused", (unsigned)r->from);
        return;
    }
    if (t->version <= hm->version)
        return; /* an older one overtaken by a newer */
    hm->version = t->version;
    if (hm->waiting)
        uv_timer_stop(&hm->table_wait);
    bool listed[TID_MAX_HOST + 1] = {false};
    for (size_t i = 0; i < t->n_hosts; i++) {
        const Pvm__HostInfo *hi = t->hosts[i];
        int num = tid_host(hi->tid);
        listed[num] = true;
        struct host *h = hosttab_get(d->hosts, num);
        if (h && h->epoch && hi->epoch && h->epoch != hi->epoch) {
            /* The same number, another start: a new host. */
            host_gone(d, h, "restarted");
            h = NULL;
        }
        if (!h) {
            h = hosttab_add(d->hosts, num, hi->name, hi->arch, hi->speed, hi->dsig);
            if (!h) {
                log_error(d, "no memory for host %s", hi->name);
                continue;
            }
            log_info(d, "host %s (t%x) joined", h->name, (unsigned)h->tid);
            event_raise(d, &(struct event){.kind = EVENT_HOST_ADD, .tid = h->tid});
        }
        /* What the first host says of a host wins (this pvmd may have
         * known it only from its ticket). */
        if ((strcmp(h->name, hi->name) || strcmp(h->arch, hi->arch) || h->speed != hi->speed ||
             h->dsig != hi->dsig) &&
            hosttab_update(h, hi->name, hi->arch, hi->speed, hi->dsig) < 0)
            log_error(d, "no memory to update host %s", hi->name);
        h->epoch = hi->epoch;
        if (num != d->myhost && *hi->addr && (!h->addr || strcmp(h->addr, hi->addr)) &&
            hosttab_set_addr(h, hi->addr) < 0)
            log_error(d, "no memory for host %s's address", h->name);
    }
    for (int num = 1; num <= TID_MAX_HOST; num++) {
        struct host *h = hosttab_get(d->hosts, num);
        if (h && !listed[num] && num != d->myhost)
            host_gone(d, h, "no longer in the host table");
    }
    if (!listed[d->myhost]) {
        log_info(d, "this host is no longer in the host table");
        pvmd_halt(d, "deleted from the virtual machine");
    }
}

/* ===================================================================== */
/* Starting a host's pvmd                                                 */
/* ===================================================================== */

/* True for an IPv4 address in 127.0.0.0/8 other than this pvmd's own
 * mesh address: a host started on this machine. */
static bool local_extra(struct pvmd *d, const char *name)
{
    struct in_addr a;
    if (inet_pton(AF_INET, name, &a) != 1 || (ntohl(a.s_addr) >> 24) != 127)
        return false;
    char mine[300];
    snprintf(mine, sizeof mine, "tcp://%s:", name);
    return strncmp(d->mesh_addr, mine, strlen(mine)) != 0;
}

static void add_finish(struct add_req *a, struct pvmd *d);

static void start_release(struct start *s)
{
    if (--s->open > 0)
        return;
    struct hostmgr *hm = s->d->hm;
    for (struct start **pp = &hm->starts; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    if (s->ticket)
        mesh_keys_wipe(s->ticket, s->ticket_len);
    free(s->ticket);
    free(s->name);
    hostfile_entry_fini(&s->opt);
    free(s);
}

static void on_start_closed(uv_handle_t *h)
{
    struct start *s = h->data;
    struct pvmd *d = s->d;
    start_release(s);
    pvmd_halt_check(d);
}

static void close_h(struct start *s, uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, on_start_closed);
}

/* The start is over: result is the new pvmd's tid or a negative error
 * with `why'.  Closes what it no longer needs (the process handle goes
 * when the process exits). */
static void start_done(struct start *s, int result, const char *why)
{
    if (s->finished)
        return;
    s->finished = true;
    struct pvmd *d = s->d;
    struct add_req *a = s->req;
    uv_timer_stop(&s->timer);
    close_h(s, (uv_handle_t *)&s->timer);
    if (!s->hoster) {
        close_h(s, (uv_handle_t *)&s->in);
        close_h(s, (uv_handle_t *)&s->out);
        close_h(s, (uv_handle_t *)&s->err);
    }
    if (d->hm)
        d->hm->reserved[s->num] = false;
    if (result > 0) {
        struct host *h = hosttab_add(d->hosts, s->num, s->name, s->arch,
                                     s->opt.speed > 0 ? s->opt.speed : 1000, s->dsig);
        if (!h || hosttab_set_addr(h, s->addr) < 0) {
            if (h)
                hosttab_remove(d->hosts, s->num);
            result = PvmNoMem;
            why = "out of memory";
        } else {
            h->epoch = s->epoch;
            log_info(d, "host %s (t%x) added at %s", s->name, (unsigned)h->tid, s->addr);
            event_raise(d, &(struct event){.kind = EVENT_HOST_ADD, .tid = h->tid});
            /* At once, not when the whole request is done: the new pvmd
             * halts when no table comes (hostmgr_joined), and a slow host
             * of the same request must not make it. */
            hostmgr_broadcast(d);
        }
    }
    if (result < 0)
        log_info(d, "host %s not added: %s", s->name, why);
    if (a) {
        a->results[s->idx] = result;
        a->why[s->idx] = strdup(result < 0 && why ? why : "");
        s->req = NULL;
        if (--a->left == 0)
            add_finish(a, d);
    }
}

/* The stderr text so far, trimmed, for the requester. */
static const char *stderr_text(struct start *s, const char *dflt)
{
    while (s->nerr && (s->errb[s->nerr - 1] == '\n' || s->errb[s->nerr - 1] == ' '))
        s->nerr--;
    s->errb[s->nerr] = 0;
    return s->nerr ? s->errb : dflt;
}

static void on_start_exit(uv_process_t *p, int64_t status, int sig)
{
    struct start *s = p->data;
    snprintf(s->exit_why, sizeof s->exit_why, "%s%s exited (%s %lld) before the pvmd was ready",
             s->rsh ? "the remote shell " : "its pvmd", s->rsh ? s->rsh : "",
             sig ? "signal" : "status", (long long)(sig ? sig : status));
    /* Exiting 0 is what a pvmd that said ready does (it runs on as a
     * daemon): its line may still be in the pipe, so stdout's end
     * decides.  Anything else is a failure now. */
    if (!s->finished && (sig || status != 0 || s->out_eof))
        start_done(s, PvmCantStart, stderr_text(s, s->exit_why));
    close_h(s, (uv_handle_t *)p);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct start *s = h->data;
    (void)suggested;
    if (h == (uv_handle_t *)&s->out)
        *buf = uv_buf_init(s->outb + s->nout, (unsigned)(sizeof s->outb - 1 - s->nout));
    else
        *buf = uv_buf_init(s->errb + s->nerr, (unsigned)(sizeof s->errb - 1 - s->nerr));
}

static void on_err(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    struct start *s = st->data;
    (void)buf;
    if (n > 0)
        s->nerr += (size_t)n;
    if (n < 0 || s->nerr >= sizeof s->errb - 1)
        uv_read_stop(st);
}

/* The new pvmd's first line (through its stdout, or a hoster's reply):
 * it is ready, or the start failed. */
static void start_said(struct start *s, const char *line)
{
    char sockdir[512];
    if (sscanf(line, "pvmd ready %511s %255s %63s %i %llx", sockdir, s->addr, s->arch, &s->dsig,
               &s->epoch) != 5) {
        char why[1200];
        snprintf(why, sizeof why, "its pvmd said: %s", line);
        start_done(s, PvmCantStart, why);
        return;
    }
    start_done(s, tid_pvmd(s->num), NULL);
}

static void on_out(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    struct start *s = st->data;
    (void)buf;
    if (n < 0 && !s->finished) {
        /* Its stdout ended without the ready line. */
        s->out_eof = true;
        if (s->exit_why[0])
            start_done(s, PvmCantStart, stderr_text(s, s->exit_why));
    }
    if (n < 0 || s->finished) {
        uv_read_stop(st);
        return;
    }
    s->nout += (size_t)n;
    s->outb[s->nout] = 0;
    char *nl = strchr(s->outb, '\n');
    if (!nl) {
        if (s->nout >= sizeof s->outb - 1)
            start_done(s, PvmCantStart, "its pvmd said something else than ready");
        return;
    }
    *nl = 0;
    start_said(s, s->outb);
}

static void on_timeout(uv_timer_t *t)
{
    struct start *s = t->data;
    if (s->proc.pid > 0)
        kill(s->proc.pid, SIGKILL);
    start_done(s, PvmCantStart, stderr_text(s, "its pvmd did not say it was ready in time"));
}

static void on_ticket_written(uv_write_t *w, int status)
{
    struct start *s = w->data;
    /* The key it carries is on the new pvmd's stdin now; not here. */
    mesh_keys_wipe(s->ticket, s->ticket_len);
    free(s->ticket);
    s->ticket = NULL;
    (void)status; /* a pvmd that cannot read it says so, or exits */
    close_h(s, (uv_handle_t *)&s->in);
}

/* The JoinTicket for host s: 4-byte big-endian length, then the message. */
static int make_ticket(struct pvmd *d, struct start *s, bool local, size_t *len)
{
    Pvm__JoinTicket t = PVM__JOIN_TICKET__INIT;
    t.proto_version = CTL_PROTO_VERSION;
    t.host = s->num;
    t.name = s->name;
    t.bind = s->opt.ip ? s->opt.ip : local ? s->name : "";
    t.master_addr = d->mesh_addr;
    t.master_tid = d->mytid;
    t.master_epoch = d->epoch;
    t.ep = s->opt.ep ? s->opt.ep : "";
    t.wd = s->opt.wd ? s->opt.wd : "";
    t.speed = s->opt.speed > 0 ? s->opt.speed : 1000;
    const char *vmid = getenv(ENV_PVM_VMID);
    t.vmid = (char *)(vmid ? vmid : "");
    char suffix[300];
    snprintf(suffix, sizeof suffix, local ? "-%s" : "", s->name);
    t.sockdir_suffix = suffix;
    /* The machine's secret key, on the new pvmd's stdin only; none: the
     * machine runs plain, and so will it. */
    uint8_t key[MESH_KEYS_LEN];
    int keyed = xport_zmq_vm_key(d, key);
    if (keyed < 0)
        return PvmSysErr;
    if (keyed) {
        t.vm_key.data = key;
        t.vm_key.len = sizeof key;
    }
    size_t n = protobuf_c_message_get_packed_size(&t.base);
    s->ticket = malloc(4 + n);
    if (!s->ticket) {
        mesh_keys_wipe(key, sizeof key);
        return PvmNoMem;
    }
    s->ticket[0] = (uint8_t)(n >> 24);
    s->ticket[1] = (uint8_t)(n >> 16);
    s->ticket[2] = (uint8_t)(n >> 8);
    s->ticket[3] = (uint8_t)n;
    protobuf_c_message_pack(&t.base, s->ticket + 4);
    mesh_keys_wipe(key, sizeof key);
    *len = s->ticket_len = 4 + n;
    return 0;
}

/* ---- through a registered hoster (pvm_reg_hoster) ---- */

/* Hands host s to the hoster: SM_STHOST in PVM's layout (int nhosts, then
 * per host int tid, string so= options, string [lo@]name, string command),
 * then what PVM's has not: per host the JoinTicket, in hex, that the
 * command must read on its stdin (it carries the machine's key, so never
 * on a command line).  The hoster answers SM_STHOSTACK
 * (hostmgr_hoster_ack); the start's timer still bounds the wait. */
static void start_by_hoster(struct pvmd *d, struct start *s, int hoster, bool local)
{
    s->hoster = hoster;
    uv_timer_init(d->loop, &s->timer);
    s->timer.data = s;
    s->open = 1;
    size_t tlen = 0;
    int tc = make_ticket(d, s, local, &tlen);
    if (tc < 0) {
        start_done(s, tc, tc == PvmNoMem ? "out of memory" : "no mesh key to give it");
        return;
    }
    char login[600], cmd[4200];
    snprintf(login, sizeof login, "%s%s%s", s->opt.lo ? s->opt.lo : "", s->opt.lo ? "@" : "",
             s->name);
    snprintf(cmd, sizeof cmd, "%s -s", s->opt.dx ? s->opt.dx : d->exe);
    char *hex = malloc(2 * tlen + 1);
    struct regs_msg b = {0};
    regs_msg_int(&b, 1);
    regs_msg_int(&b, tid_pvmd(s->num));
    regs_msg_str(&b, s->opt.so ? s->opt.so : "");
    regs_msg_str(&b, login);
    regs_msg_str(&b, cmd);
    if (hex) {
        for (size_t i = 0; i < tlen; i++)
            snprintf(hex + 2 * i, 3, "%02x", s->ticket[i]);
        regs_msg_str(&b, hex);
        mesh_keys_wipe((uint8_t *)hex, 2 * tlen);
    } else {
        b.failed = true;
    }
    free(hex);
    if (b.p && b.failed)
        mesh_keys_wipe(b.p, b.len);
    /* The key now lives in the message only. */
    mesh_keys_wipe(s->ticket, s->ticket_len);
    free(s->ticket);
    s->ticket = NULL;
    if (regs_msg_send(d, &b, hoster, SM_STHOST) < 0) {
        start_done(s, PvmNoMem, "out of memory");
        return;
    }
    log_info(d, "starting host %s (number %d) through hoster t%x", s->name, s->num,
             (unsigned)hoster);
    uv_timer_start(&s->timer, on_timeout, HOSTMGR_START_MS, 0);
}

/* A pvm_errno name a hoster may answer instead of a ready line (PVM 3.4:
 * "the literal names of the pvm_errno codes"): its code, else
 * PvmCantStart. */
static int hoster_code(const char *status)
{
    static const struct {
        const char *name;
        int code;
    } names[] = {{"PvmDSysErr", PvmDSysErr}, {"PvmDupHost", PvmDupHost},
                 {"PvmNoHost", PvmNoHost},   {"PvmBadParam", PvmBadParam},
                 {"PvmNoMem", PvmNoMem},     {"PvmSysErr", PvmSysErr}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(status, names[i].name))
            return names[i].code;
    return PvmCantStart;
}

void hostmgr_hoster_ack(struct pvmd *d, struct frame *f)
{
    struct hostmgr *hm = d->hm;
    size_t pos = 0, len = (size_t)f->h.len;
    int32_t tid;
    char status[1024];
    /* {int tid, string status} until the body ends. */
    while (hm && pos < len) {
        if (regs_get_int(f->payload, len, &pos, f->h.enc, &tid) < 0 ||
            regs_get_str(f->payload, len, &pos, f->h.enc, status, sizeof status) < 0) {
            log_info(d, "hoster t%x: malformed SM_STHOSTACK ignored", (unsigned)f->h.src);
            break;
        }
        struct start *s = hm->starts;
        while (s && (s->finished || !s->hoster || tid_pvmd(s->num) != tid))
            s = s->next;
        if (!s) {
            log_info(d, "hoster t%x: SM_STHOSTACK for t%x, which is not being started",
                     (unsigned)f->h.src, (unsigned)tid);
            continue;
        }
        if (!strncmp(status, "pvmd ready ", 11)) {
            start_said(s, status);
        } else {
            char why[1100];
            snprintf(why, sizeof why, "the hoster said: %s", status);
            start_done(s, hoster_code(status), why);
        }
    }
    frame_free(&f);
}

void hostmgr_hoster_gone(struct pvmd *d, int tid)
{
    struct hostmgr *hm = d->hm;
    /* start_done does not unlink (the handles' close does): the walk is
     * safe. */
    for (struct start *s = hm ? hm->starts : NULL; s; s = s->next)
        if (!s->finished && s->hoster == tid)
            start_done(s, PvmCantStart, "its hoster ended before it answered");
}

/* Starts host `name' as number num for request a (slot idx).  On failure
 * the slot is answered at once. */
static void start_host(struct pvmd *d, struct add_req *a, size_t idx, struct hostfile_entry *e,
                       int num)
{
    struct hostmgr *hm = hm_of(d);
    struct start *s = hm ? calloc(1, sizeof *s) : NULL;
    if (!s || !(s->name = strdup(e->name))) {
        free(s);
        a->results[idx] = PvmNoMem;
        a->why[idx] = strdup("out of memory");
        a->left--;
        return;
    }
    const char *name = s->name;
    s->opt = *e; /* takes its strings */
    memset(e, 0, sizeof *e);
    s->d = d;
    s->req = a;
    s->idx = (int)idx;
    s->num = num;
    s->next = hm->starts;
    hm->starts = s;
    hm->reserved[num] = true;

    bool local = local_extra(d, name);
    size_t tlen = 0;
    int hoster = regs_helper(d, REG_HOSTER);
    if (hoster) {
        start_by_hoster(d, s, hoster, local);
        return;
    }
    const char *rsh = getenv("PVM_RSH");
    if (!rsh || !*rsh)
        rsh = "ssh";
    char *args[8];
    int n = 0;
    if (!local) {
        s->rsh = rsh;
        args[n++] = (char *)rsh;
        if (s->opt.lo) {
            args[n++] = "-l";
            args[n++] = s->opt.lo;
        }
        args[n++] = (char *)name;
    }
    /* The same path as ours unless dx= says otherwise. */
    args[n++] = s->opt.dx ? s->opt.dx : d->exe;
    args[n++] = "-s";
    args[n] = NULL;

    uv_timer_init(d->loop, &s->timer);
    uv_pipe_init(d->loop, &s->in, 0);
    uv_pipe_init(d->loop, &s->out, 0);
    uv_pipe_init(d->loop, &s->err, 0);
    s->timer.data = s->in.data = s->out.data = s->err.data = s->proc.data = s;
    s->open = 4;
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_CREATE_PIPE | UV_READABLE_PIPE, .data.stream = (uv_stream_t *)&s->in},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&s->out},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&s->err},
    };
    uv_process_options_t o = {
        .exit_cb = on_start_exit,
        .file = args[0],
        .args = args,
        .stdio_count = 3,
        .stdio = stdio,
    };
    int tc = make_ticket(d, s, local, &tlen);
    if (tc < 0) {
        start_done(s, tc, tc == PvmNoMem ? "out of memory" : "no mesh key to give it");
        return;
    }
    int r = uv_spawn(d->loop, &s->proc, &o);
    s->open++; /* the process handle: initialised by uv_spawn even when it fails */
    if (r < 0) {
        char why[300];
        snprintf(why, sizeof why, "cannot run %s: %s", args[0], uv_strerror(r));
        start_done(s, PvmCantStart, why);
        close_h(s, (uv_handle_t *)&s->proc);
        return;
    }
    log_info(d, "starting host %s (number %d)%s%s", name, num, local ? "" : " through ",
             local ? "" : rsh);
    uv_read_start((uv_stream_t *)&s->out, on_alloc, on_out);
    uv_read_start((uv_stream_t *)&s->err, on_alloc, on_err);
    uv_buf_t b = uv_buf_init((char *)s->ticket, (unsigned)tlen);
    s->wreq.data = s;
    if (uv_write(&s->wreq, (uv_stream_t *)&s->in, &b, 1, on_ticket_written) < 0)
        close_h(s, (uv_handle_t *)&s->in);
    uv_timer_start(&s->timer, on_timeout, HOSTMGR_START_MS, 0);
}

/* ===================================================================== */
/* Requests                                                               */
/* ===================================================================== */

static void add_finish(struct add_req *a, struct pvmd *d)
{
    Pvm__HostsReply hr = PVM__HOSTS_REPLY__INIT;
    hr.n_results = a->n;
    hr.results = a->results;
    hr.n_why = a->n;
    for (size_t i = 0; i < a->n; i++)
        if (!a->why[i])
            a->why[i] = strdup("");
    hr.why = a->why;
    if (a->r.from)
        req_reply(d, &a->r, PVM__CTL_TYPE__CTL_ADDHOSTS_REPLY, &hr.base);
    for (size_t i = 0; i < a->n; i++)
        free(a->why[i]);
    free(a->why);
    free(a->results);
    free(a);
}

/* Another host's pvmd forwards host requests to the first host. */
static bool to_master(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    if (is_master(d))
        return false;
    int cc =
        pending_forward(d, r, m, tid_pvmd(HOSTMGR_MASTER), HOSTMGR_START_MS + 5000, NULL, NULL);
    if (cc < 0)
        req_status(d, r, cc);
    return true;
}

/* The lowest host number neither in the table nor being started. */
static int free_num(struct pvmd *d, struct hostmgr *hm)
{
    for (int num = 2; num <= TID_MAX_HOST; num++)
        if (!hosttab_get(d->hosts, num) && !hm->reserved[num])
            return num;
    return 0;
}

void hostmgr_add(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    if (to_master(d, r, m))
        return;
    const Pvm__HostList *l = (const Pvm__HostList *)m;
    struct hostmgr *hm = hm_of(d);
    struct add_req *a = calloc(1, sizeof *a);
    if (a) {
        a->results = calloc(l->n_names ? l->n_names : 1, sizeof *a->results);
        a->why = calloc(l->n_names ? l->n_names : 1, sizeof *a->why);
    }
    if (!hm || !a || !a->results || !a->why) {
        if (a) {
            free(a->results);
            free(a->why);
        }
        free(a);
        req_status(d, r, PvmNoMem);
        return;
    }
    a->r = *r;
    a->r.link = NULL;
    a->n = a->left = l->n_names;
    a->left++; /* held until every start below has begun */
    for (size_t i = 0; i < l->n_names; i++) {
        /* "name opt=value ...", as a hostfile line (pvm_addhosts(3PVM)). */
        struct hostfile_entry e;
        char err[512];
        int pc = hostfile_parse_host(l->names[i], NULL, &e, err, sizeof err);
        /* A name the remote shell would take for an option (ssh -oX=...). */
        if (pc == 0 && e.name[0] == '-') {
            snprintf(err, sizeof err, "\"%s\": a host name cannot start with '-'", e.name);
            hostfile_entry_fini(&e);
            pc = -1;
        }
        if (pc < 0 || e.so) {
            a->results[i] = pc < 0 ? PvmBadParam : PvmCantStart;
            a->why[i] = strdup(pc < 0 ? err : "so= (starting a pvmd by hand) is not supported");
            hostfile_entry_fini(&e);
            a->left--;
            continue;
        }
        const char *name = e.name;
        bool dup = hosttab_find_name(d->hosts, name) || spawn_names_this_host(d, name);
        for (size_t k = 0; k < i && !dup; k++)
            dup = !strncmp(l->names[k], name, strlen(name)) &&
                  (l->names[k][strlen(name)] == 0 || l->names[k][strlen(name)] == ' ');
        for (struct start *s = hm->starts; s && !dup; s = s->next)
            dup = !s->finished && !strcmp(s->name, name);
        int num = 0;
        if (!dup && !d->halting && d->mesh_addr[0])
            num = free_num(d, hm);
        if (dup || !num) {
            a->results[i] = dup ? PvmDupHost : PvmCantStart;
            a->why[i] = strdup(dup                ? "already in the virtual machine"
                               : d->halting       ? "the virtual machine is halting"
                               : !d->mesh_addr[0] ? "this pvmd has no mesh"
                                                  : "no host number left");
            hostfile_entry_fini(&e);
            a->left--;
            continue;
        }
        start_host(d, a, i, &e, num);
        hostfile_entry_fini(&e);
    }
    if (--a->left == 0)
        add_finish(a, d);
}

int hostmgr_add_hostfile(struct pvmd *d, const struct hostfile *hf, const char *path)
{
    char **names = calloc(hf->n ? hf->n : 1, sizeof *names);
    size_t n = 0;
    for (size_t i = 0; names && i < hf->n; i++) {
        const struct hostfile_entry *e = &hf->hosts[i];
        /* `&' hosts are added later, by name; this host is here already. */
        if (e->no_start || spawn_names_this_host(d, e->name))
            continue;
        int len = hostfile_format(e, NULL, 0);
        if (len < 0 || !(names[n] = malloc((size_t)len + 1)))
            continue;
        hostfile_format(e, names[n], (size_t)len + 1);
        n++;
    }
    if (n) {
        log_info(d, "hostfile %s: adding %zu host(s)", path, n);
        Pvm__HostList l = PVM__HOST_LIST__INIT;
        l.n_names = n;
        l.names = names;
        /* Nobody waits for the answer: the log has it. */
        struct req r = {.type = PVM__CTL_TYPE__CTL_ADDHOSTS};
        hostmgr_add(d, &r, &l.base);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return names ? 0 : PvmNoMem;
}

void hostmgr_delete(struct pvmd *d, const struct req *r, const ProtobufCMessage *m)
{
    if (to_master(d, r, m))
        return;
    const Pvm__HostList *l = (const Pvm__HostList *)m;
    int *results = calloc(l->n_names ? l->n_names : 1, sizeof *results);
    if (!results) {
        req_status(d, r, PvmNoMem);
        return;
    }
    for (size_t i = 0; i < l->n_names; i++) {
        struct host *h = hosttab_find_name(d->hosts, l->names[i]);
        if (!h) {
            results[i] = PvmNoHost;
            continue;
        }
        if (h->num == d->myhost) {
            results[i] = PvmBadParam; /* the first host stays: halt ends it */
            continue;
        }
        int tid = h->tid;
        Pvm__Empty e = PVM__EMPTY__INIT;
        struct frame *f = frame_ctl(d->mytid, tid, PVM__CTL_TYPE__CTL_HALT, 0, 0, &e.base);
        if (f)
            route_frame(d, f);
        host_gone(d, h, "deleted");
        results[i] = tid;
    }
    Pvm__HostsReply hr = PVM__HOSTS_REPLY__INIT;
    hr.n_results = l->n_names;
    hr.results = results;
    req_reply(d, r, PVM__CTL_TYPE__CTL_DELHOSTS_REPLY, &hr.base);
    free(results);
}

void hostmgr_halt(struct pvmd *d, const struct req *r)
{
    bool remote = r->link && tid_is_pvmd(r->link->peer);
    if (remote && r->from != tid_pvmd(HOSTMGR_MASTER)) {
        req_status(d, r, PvmDenied);
        return;
    }
    if (!remote && !is_master(d)) {
        /* pvm_halt ends the whole machine: the first host does that. */
        Pvm__Empty e = PVM__EMPTY__INIT;
        int cc = pending_forward(d, r, &e.base, tid_pvmd(HOSTMGR_MASTER), 5000, NULL, NULL);
        if (cc == 0)
            return;
        /* No first host to ask: this host at least. */
    }
    req_status(d, r, PvmOk);
    if (is_master(d)) {
        Pvm__Empty e = PVM__EMPTY__INIT;
        for (struct host *h = hosttab_next(d->hosts, 0); h; h = hosttab_next(d->hosts, h->num)) {
            if (h->num == d->myhost)
                continue;
            struct frame *f = frame_ctl(d->mytid, h->tid, PVM__CTL_TYPE__CTL_HALT, 0, 0, &e.base);
            if (f)
                route_frame(d, f);
        }
    }
    char why[64];
    snprintf(why, sizeof why, "halt requested by t%x", (unsigned)r->from);
    pvmd_halt(d, why);
}

static void on_no_table(uv_timer_t *t)
{
    struct pvmd *d = t->data;
    log_info(d, "no host table from the first host within %d ms: not a host of its machine",
             HOSTMGR_TABLE_MS);
    pvmd_halt(d, "never joined");
}

void hostmgr_joined(struct pvmd *d)
{
    struct hostmgr *hm = hm_of(d);
    if (!hm || hm->waiting)
        return;
    uv_timer_init(d->loop, &hm->table_wait);
    hm->table_wait.data = d;
    hm->waiting = true;
    uv_timer_start(&hm->table_wait, on_no_table, HOSTMGR_TABLE_MS, 0);
}

static void on_wait_closed(uv_handle_t *h)
{
    pvmd_halt_check(h->data);
}

void hostmgr_fini(struct pvmd *d)
{
    struct hostmgr *hm = d->hm;
    if (!hm)
        return;
    if (hm->waiting && !uv_is_closing((uv_handle_t *)&hm->table_wait))
        uv_close((uv_handle_t *)&hm->table_wait, on_wait_closed);
    for (struct start *s = hm->starts; s; s = s->next) {
        if (!s->finished && !s->hoster && s->proc.pid > 0)
            kill(s->proc.pid, SIGKILL);
        start_done(s, PvmCantStart, "the virtual machine is halting");
    }
}

void hostmgr_free(struct pvmd *d)
{
    free(d->hm);
    d->hm = NULL;
}
