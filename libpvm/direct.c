/*
 * direct.c - direct routes to tasks of other hosts (docs/design.md,
 * "Direct routes across hosts").
 *
 * Every task listens on a TCP port of its host's address and tells its
 * pvmd the port.  The first message to a task of another host goes
 * through the pvmds as ever, and asks our pvmd for a route meanwhile; the
 * task's own pvmd answers with its address, port and our credential (a
 * hash of both tids under the task's secret, common/direct.h).  Later
 * messages go over the TCP connection made with it (conn_tcp.c); the
 * receiver restores the order across the two routes by sequence number as
 * on one host.  A task admits a connection only when the dialler proves
 * it holds the credential, with a generation it has not seen from that
 * task before (a recorded handshake cannot be replayed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core.h"
#include "direct.h"
#include "tid.h"

/* Connections that have not finished their handshake: past this many, the
 * oldest is closed, and none may take longer than DIRECT_HANDSHAKE_NS (a
 * stranger cannot make us hold descriptors).  A dialler that is refused
 * has sent nothing but its preamble, and tries again later. */
#define DIRECT_MAX_UNPROVEN 64
#define DIRECT_HANDSHAKE_NS (5 * 1000 * 1000 * 1000LL)
/* Route queries a task may have out at once (each holds a place in its
 * pvmd's table of waiting requests, which has other uses). */
#define DIRECT_MAX_QUERIES 16

#define RETRY_FIRST_NS (10 * 1000 * 1000LL) /* wait after a first failure */
#define RETRY_MAX_NS (1000 * 1000 * 1000LL) /* longest wait between attempts */

struct direct_wait {
    int wid, tid;
};

/* ======================================================================== */
/* Admission (conn_tcp.h's policy)                                          */
/* ======================================================================== */

static int pol_cred(void *arg, int from, int to, bool sealed, uint8_t cred[CONN_TCP_KEY])
{
    struct lpvm_core *c = arg;
    if (to != lpvm_state.mytid || from == to)
        return PvmNoTask;
    if (lpvm_state.opt[PvmRoute] == PvmDontRoute)
        return PvmDenied; /* neither asks for direct routes nor grants them */
    if (c->dsealed && !sealed)
        return PvmDenied; /* the machine encrypts: so must its routes */
    direct_cred(cred, c->dkey, from, to);
    return 0;
}

static int pol_admit(void *arg, struct conn *cn, int from, uint64_t gen)
{
    struct lpvm_core *c = arg;
    struct peer *p = io_peer(c, from);
    if (!p)
        return PvmNoMem;
    if (gen <= p->dgen_seen)
        return PvmDenied; /* a handshake seen before: replayed */
    p->dgen_seen = gen;
    /* Our answers take it once a frame has come on it (io.c): a preamble
     * recorded and played back is admitted once, but cannot send. */
    (void)cn;
    return 0;
}

/* ======================================================================== */
/* Listening                                                                */
/* ======================================================================== */

static int resolve(const char *ip, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
                             .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    char ps[8];
    snprintf(ps, sizeof ps, "%u", (unsigned)port);
    if (getaddrinfo(ip, ps, &hints, &ai) != 0 || !ai)
        return PvmSysErr;
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

static void nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void direct_listen(struct lpvm_core *c, const Pvm__HelloReply *r)
{
    c->dpol = (struct conn_tcp_policy){.cred = pol_cred, .admit = pol_admit, .arg = c};
    if (r->direct_key.len != CTL_DIRECT_KEY_LEN || !r->direct_ip || !r->direct_ip[0] ||
        sodium_init() < 0)
        return;
    memcpy(c->dkey, r->direct_key.data, CTL_DIRECT_KEY_LEN);
    c->dsealed = r->direct_sealed;
    struct sockaddr_storage ss;
    socklen_t len;
    if (resolve(r->direct_ip, 0, &ss, &len) < 0)
        return;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
        close(fd);
        return;
    }
    uint16_t port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                   : ((struct sockaddr_in *)&ss)->sin_port);
    Pvm__DirectPort dp = PVM__DIRECT_PORT__INIT;
    dp.port = port;
    if (lpvm_post(c, PVM__CTL_TYPE__CTL_DIRECT_PORT, &dp.base, 0) < 0) {
        close(fd);
        return;
    }
    c->tfd = fd;
    c->pfds_dirty = true;
}

/* Closes the oldest unproven accepted connection when there are too many
 * for one more (direct_tick closes the overdue ones). */
static void prune_unproven(struct lpvm_core *c)
{
    int unproven = 0;
    struct conn *oldest = NULL;
    for (int i = 0; i < c->nconns; i++) {
        struct conn *k = c->conns[i];
        if (k->closed || k->kind != CONN_IN || !conn_is_tcp(k) || conn_tcp_ready(k))
            continue;
        unproven++;
        if (!oldest || conn_tcp_born(k) < conn_tcp_born(oldest))
            oldest = k;
    }
    if (unproven >= DIRECT_MAX_UNPROVEN && oldest) {
        io_close_conn(c, oldest);
        c->direct_refused++;
    }
}

void direct_accept(struct lpvm_core *c)
{
    for (;;) {
        int fd = accept4(c->tfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* The connection stays queued and the listener readable:
                 * stop polling it for a while rather than spin. */
                c->tfd_paused_ns = io_now_ns() + 100 * 1000 * 1000;
                c->pfds_dirty = true;
            }
            return;
        }
        prune_unproven(c);
        nodelay(fd);
        struct conn *k = conn_tcp_accept(fd, &c->dpol);
        if (k && io_add_conn(c, k) < 0)
            conn_destroy(&k);
        else if (k)
            c->handshakes = true;
    }
}

/* ======================================================================== */
/* Dialling                                                                 */
/* ======================================================================== */

static void backoff(struct peer *p)
{
    peer_backoff(p, io_now_ns(), RETRY_FIRST_NS, RETRY_MAX_NS);
}

/* One look at every connection without waiting, from inside a send: the
 * route reply is read, a preamble written, an acknowledgement read.  No
 * at-rest callback runs meanwhile (core->sending). */
static void look(struct lpvm_core *c)
{
    c->sending++;
    io_wait(c, NULL, NULL, 0, NULL);
    c->sending--;
    c->looked_ns = io_now_ns();
}

void direct_want(struct lpvm_core *c, struct peer *p)
{
    int64_t now = io_now_ns();
    if (p->route_wid && now - c->looked_ns > 1000 * 1000) {
        /* A task that only sends reads its route reply too (at most
         * once a millisecond). */
        look(c);
        return;
    }
    if (p->route_wid || p->conn || now < p->retry_ns || c->ndwait >= DIRECT_MAX_QUERIES)
        return;
    if (c->ndwait == c->capdwait) {
        int ncap = c->capdwait ? 2 * c->capdwait : 8;
        struct direct_wait *n = realloc(c->dwait, (size_t)ncap * sizeof *n);
        if (!n)
            return;
        c->dwait = n;
        c->capdwait = ncap;
    }
    Pvm__TaskRef q = PVM__TASK_REF__INIT;
    q.tid = p->tid;
    /* Registered before it is sent: the answer may come during the send. */
    int wid = lpvm_new_wid(c);
    p->route_wid = wid;
    c->dwait[c->ndwait++] = (struct direct_wait){.wid = wid, .tid = p->tid};
    if (lpvm_post(c, PVM__CTL_TYPE__CTL_ROUTE_QUERY, &q.base, wid) < 0) {
        for (int i = 0; i < c->ndwait; i++)
            if (c->dwait[i].wid == wid)
                c->dwait[i] = c->dwait[--c->ndwait];
        if (p->route_wid == wid)
            p->route_wid = 0;
    }
}

bool direct_usable(struct lpvm_core *c, struct peer *p)
{
    struct conn *k = p->conn;
    if (!conn_is_tcp(k) || conn_tcp_ready(k))
        return true;
    /* Its handshake is under way: the pvmds' route meanwhile. */
    look(c);
    if (p->conn != k || k->closed)
        return false;
    if (conn_tcp_ready(k)) {
        p->backoff_ns = 0; /* it works */
        return true;
    }
    return false;
}

int64_t direct_tick(struct lpvm_core *c)
{
    int64_t now = io_now_ns(), next = -1;
    bool any = false;
    for (int i = 0; i < c->nconns; i++) {
        struct conn *k = c->conns[i];
        if (k->closed || !conn_is_tcp(k) || conn_tcp_ready(k))
            continue;
        any = true;
        int64_t due = conn_tcp_born(k) + DIRECT_HANDSHAKE_NS;
        if (now >= due) {
            /* Dialled: unreachable or filtered, back off; accepted: a
             * stranger's, or a dialler that gave up. */
            io_close_conn(c, k);
            if (k->kind == CONN_IN)
                c->direct_refused++;
        } else if (next < 0 || due - now < next) {
            next = due - now;
        }
    }
    c->handshakes = any;
    return next;
}

/* A generation only grows: the wall clock in nanoseconds, so that a later
 * process with our tid starts above ours. */
static uint64_t next_gen(struct peer *p)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    p->dgen = now > p->dgen ? now : p->dgen + 1;
    return p->dgen;
}

static int dial(struct lpvm_core *c, struct peer *p, const Pvm__RouteReply *rr)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (resolve(rr->ip, (uint16_t)rr->port, &ss, &len) < 0)
        return PvmSysErr;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return PvmSysErr;
    nodelay(fd);
    if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
        close(fd);
        return PvmSysErr;
    }
    enum conn_tcp_seal seal = !rr->sealed && !c->dsealed ? CONN_TCP_PLAIN
                              : rr->aes && conn_tcp_aes()  ? CONN_TCP_AES
                                                           : CONN_TCP_CHACHA;
    struct conn *k = conn_tcp_dial(fd, lpvm_state.mytid, p->tid, rr->cred.data, seal, next_gen(p));
    if (!k)
        return PvmNoMem;
    if (io_add_conn(c, k) < 0) {
        conn_destroy(&k);
        return PvmNoMem;
    }
    p->conn = k;
    c->handshakes = true;
    return 0;
}

bool direct_on_reply(struct lpvm_core *c, const struct wire_hdr *h, struct pmsg *m)
{
    int i = 0;
    while (i < c->ndwait && c->dwait[i].wid != h->wid)
        i++;
    if (i == c->ndwait)
        return false;
    int tid = c->dwait[i].tid;
    c->dwait[i] = c->dwait[--c->ndwait];
    struct peer *p = peer_find(&c->peers, tid);
    ProtobufCMessage *out = NULL;
    int cc = PvmBadMsg;
    if (h->tag == PVM__CTL_TYPE__CTL_ROUTE_REPLY &&
        ctl_unpack(h->tag, pmsg_body(m), m->len, &out) == 0) {
        const Pvm__RouteReply *rr = (const Pvm__RouteReply *)out;
        /* Another host's task: an address and a credential, never a path. */
        cc = rr->status < 0 ? rr->status : rr->ip[0] ? 0 : PvmBadMsg;
        if (cc == 0 && p && p->route_wid == h->wid && !p->conn)
            cc = dial(c, p, rr);
        if (rr->cred.data)
            sodium_memzero(rr->cred.data, rr->cred.len);
        ctl_free(&out);
    }
    sodium_memzero(pmsg_body(m), m->len);
    if (p && p->route_wid == h->wid) {
        p->route_wid = 0;
        /* The back-off starts again only once a route works
         * (direct_usable): a route refused at its handshake backs off. */
        if (cc < 0)
            backoff(p);
    }
    pmsg_destroy(&m);
    return true;
}

void direct_closed(struct lpvm_core *c, struct peer *p)
{
    (void)c;
    backoff(p);
}

void direct_drain(struct lpvm_core *c)
{
    if (c->drained || c->pid != getpid())
        return;
    c->drained = true;
    /* Every route's end of stream first, then one wait for all. */
    bool any = false;
    for (int i = 0; i < c->nconns; i++)
        if (!c->conns[i]->closed && conn_is_tcp(c->conns[i]) && conn_tcp_ready(c->conns[i])) {
            conn_tcp_shutdown(c->conns[i]);
            any = true;
        }
    for (int64_t end = io_now_ns() + 2000 * 1000 * 1000LL; any && io_now_ns() < end;) {
        any = false;
        for (int i = 0; i < c->nconns; i++) {
            struct conn *k = c->conns[i];
            if (!k->closed && conn_is_tcp(k) && conn_tcp_ready(k) && !conn_tcp_drained(k))
                any = true;
        }
        if (any) {
            struct timespec ts = {0, 5 * 1000 * 1000}; /* TCP's acknowledgements wake nothing */
            nanosleep(&ts, NULL);
        }
    }
}

void direct_fini(struct lpvm_core *c)
{
    if (c->tfd >= 0)
        close(c->tfd);
    c->tfd = -1;
    free(c->dwait);
    c->dwait = NULL;
    c->ndwait = c->capdwait = 0;
    sodium_memzero(c->dkey, sizeof c->dkey);
}
