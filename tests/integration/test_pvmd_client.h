/*
 * test_pvmd_client.h - a tiny raw-protocol client for the pvmd tests.
 *
 * The pvmd tests talk to the daemon in frames (common/wire.h) and control
 * messages (common/ctl.h) directly, so they test the daemon alone, not
 * libpvm.  libpvm3.so exports only PVM's API, so the codecs are compiled
 * in here; their definitions are weak, so a build that also links
 * pvmcommon's objects keeps working.
 */
#ifndef TEST_PVMD_CLIENT_H
#define TEST_PVMD_CLIENT_H

#include "../../common/ctl.c"
#include "../../common/paths.c"
#include "../../common/sock.c"
#include "../../common/wire.c"
#pragma weak wire_encode
#pragma weak wire_decode
#pragma weak ctl_descriptor
#pragma weak ctl_type_name
#pragma weak ctl_validate
#pragma weak ctl_pack
#pragma weak ctl_unpack
#pragma weak ctl_free
#pragma weak paths_sockdir
#pragma weak paths_join
#pragma weak paths_task_sock
#pragma weak sock_connect_unix
#pragma weak sock_listen_unix
#pragma weak sock_accept_unix
#pragma weak sock_peer_cred
#pragma weak sock_peer_same_user
#pragma weak sock_tune

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "defs.h"
#include "harness.h"
#include "pvm3.h"
#include "tid.h"

struct tc_msg {
    struct wire_hdr h;
    uint8_t *data;
    struct tc_msg *next;
};

struct tc {
    int fd;
    int tid;
    int pvmd_tid;
    int parent;
    int wid;
    struct tc_msg *q; /* frames that arrived while waiting for a reply */
};

static inline long tc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static inline void tc_pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Connects to the pvmd of sockdir (a blocking socket with the system's
 * buffer sizes: the tests see the pvmd as a plain client would).  Returns
 * the socket, or -1. */
static inline int tc_connect_fd(const char *sockdir)
{
    char path[PATHS_MAX];
    int fd;
    if (paths_join(path, sizeof path, sockdir, PVMD_SOCK_NAME) < 0 ||
        sock_connect_unix(path, SOCK_CONNECT_WAIT | SOCK_CONNECT_BLOCKING, &fd) < 0)
        return -1;
    return fd;
}

static inline int tc_write_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t r = send(fd, b, n, MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        b += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Reads exactly n bytes within the deadline (ms since tc_now_ms).  0, or
 * -1 on EOF, error or timeout. */
static inline int tc_read_all(int fd, void *p, size_t n, long deadline)
{
    uint8_t *b = p;
    while (n) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        long left = deadline - tc_now_ms();
        if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
            return -1;
        ssize_t r = read(fd, b, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        b += r;
        n -= (size_t)r;
    }
    return 0;
}

static inline int tc_send_frame(int fd, const struct wire_hdr *h, const void *data)
{
    uint8_t hb[WIRE_HDR_LEN];
    wire_encode(h, hb);
    if (tc_write_all(fd, hb, sizeof hb) < 0)
        return -1;
    return h->len ? tc_write_all(fd, data, (size_t)h->len) : 0;
}

/* Reads one frame (payload malloc'd into *data, NULL when empty). */
static inline int tc_recv_frame(int fd, struct wire_hdr *h, uint8_t **data, int timeout_ms)
{
    long deadline = tc_now_ms() + timeout_ms;
    uint8_t hb[WIRE_HDR_LEN];
    *data = NULL;
    if (tc_read_all(fd, hb, sizeof hb, deadline) < 0 || wire_decode(hb, sizeof hb, h) < 0)
        return -1;
    if (!h->len)
        return 0;
    *data = malloc((size_t)h->len);
    if (!*data || tc_read_all(fd, *data, (size_t)h->len, deadline) < 0) {
        free(*data);
        *data = NULL;
        return -1;
    }
    return 0;
}

/* Sends control message msg of type `type' to the pvmd; returns its wid. */
static inline int tc_send_ctl(struct tc *c, int type, const ProtobufCMessage *msg)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (ctl_pack(msg, &buf, &len) < 0)
        return -1;
    struct wire_hdr h = {.flags = WIRE_F_CTL,
                         .src = c->tid,
                         .dst = c->pvmd_tid,
                         .tag = type,
                         .wid = ++c->wid,
                         .len = len};
    int r = tc_send_frame(c->fd, &h, buf);
    free(buf);
    return r < 0 ? -1 : c->wid;
}

/* Waits for the reply to wid, queueing other frames.  Returns the reply's
 * control message (type in *type), or NULL. */
static inline ProtobufCMessage *tc_wait_reply(struct tc *c, int wid, int *type, int timeout_ms)
{
    long deadline = tc_now_ms() + timeout_ms;
    for (;;) {
        struct wire_hdr h;
        uint8_t *data;
        long left = deadline - tc_now_ms();
        if (left <= 0 || tc_recv_frame(c->fd, &h, &data, (int)left) < 0)
            return NULL;
        if ((h.flags & WIRE_F_CTL) && (h.flags & WIRE_F_REPLY) && h.wid == wid) {
            ProtobufCMessage *m = NULL;
            ctl_unpack(h.tag, data, (size_t)h.len, &m);
            free(data);
            if (type)
                *type = h.tag;
            return m;
        }
        struct tc_msg *n = calloc(1, sizeof *n), **pp = &c->q;
        n->h = h;
        n->data = data;
        while (*pp)
            pp = &(*pp)->next;
        *pp = n;
    }
}

/* A request whose reply is a Status: returns its code, or 1 on failure. */
static inline int tc_status(struct tc *c, int type, const ProtobufCMessage *msg)
{
    int wid = tc_send_ctl(c, type, msg), rt = 0;
    ProtobufCMessage *m = wid < 0 ? NULL : tc_wait_reply(c, wid, &rt, 10000);
    if (!m || rt != PVM__CTL_TYPE__CTL_STATUS) {
        ctl_free(&m);
        return 1;
    }
    int code = ((Pvm__Status *)m)->code;
    ctl_free(&m);
    return code;
}

/* Connects and enrols (claimed: a tid or 0).  Returns 0, or the refusal
 * status / -1. */
static inline int tc_open(struct tc *c, const char *sockdir, int claimed)
{
    memset(c, 0, sizeof *c);
    c->fd = tc_connect_fd(sockdir);
    if (c->fd < 0)
        return -1;
    Pvm__Hello hello = PVM__HELLO__INIT;
    hello.proto_version = CTL_PROTO_VERSION;
    hello.pid = (int)getpid();
    hello.claimed_tid = claimed;
    hello.name = "rawclient";
    int wid = tc_send_ctl(c, PVM__CTL_TYPE__CTL_HELLO, &hello.base), rt = 0;
    ProtobufCMessage *m = wid < 0 ? NULL : tc_wait_reply(c, wid, &rt, 10000);
    if (!m || rt != PVM__CTL_TYPE__CTL_HELLO_REPLY) {
        ctl_free(&m);
        return -1;
    }
    Pvm__HelloReply *r = (Pvm__HelloReply *)m;
    int st = r->status;
    c->tid = r->tid;
    c->pvmd_tid = r->pvmd_tid;
    c->parent = r->parent;
    ctl_free(&m);
    return st;
}

static inline void tc_close(struct tc *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    while (c->q) {
        struct tc_msg *n = c->q->next;
        free(c->q->data);
        free(c->q);
        c->q = n;
    }
}

/* Sends a user message. */
static inline int tc_send_user(struct tc *c, int dst, int tag, const void *data, size_t len)
{
    struct wire_hdr h = {.src = c->tid, .dst = dst, .tag = tag, .len = len};
    return tc_send_frame(c->fd, &h, data);
}

/* Receives the next user frame (queued ones first).  0 or -1. */
static inline int tc_recv_user(struct tc *c, struct wire_hdr *h, uint8_t **data, int timeout_ms)
{
    if (c->q) {
        struct tc_msg *m = c->q;
        c->q = m->next;
        *h = m->h;
        *data = m->data;
        free(m);
        return 0;
    }
    return tc_recv_frame(c->fd, h, data, timeout_ms);
}

static inline int32_t tc_be32(const uint8_t *p)
{
    return (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
                     p[3]);
}

/* Spawns `file' with args (NULL-terminated, may be NULL), count copies,
 * children's output to out_tid with tag out_code.  Writes the tids into
 * tids; returns the number of entries, or -1. */
static inline int tc_spawn(struct tc *c, const char *file, char **args, int flags,
                           const char *where, int count, int out_tid, int out_code, int *tids)
{
    Pvm__SpawnRequest s = PVM__SPAWN_REQUEST__INIT;
    s.file = (char *)file;
    s.argv = args;
    while (args && args[s.n_argv])
        s.n_argv++;
    s.flags = flags;
    s.where = (char *)(where ? where : "");
    s.count = count;
    s.out_tid = out_tid;
    s.out_code = out_code;
    int wid = tc_send_ctl(c, PVM__CTL_TYPE__CTL_SPAWN, &s.base), rt = 0;
    ProtobufCMessage *m = wid < 0 ? NULL : tc_wait_reply(c, wid, &rt, 10000);
    if (!m || rt != PVM__CTL_TYPE__CTL_SPAWN_REPLY) {
        ctl_free(&m);
        return -1;
    }
    Pvm__SpawnReply *r = (Pvm__SpawnReply *)m;
    int n = (int)r->n_tids;
    for (int i = 0; i < n; i++)
        tids[i] = r->tids[i];
    ctl_free(&m);
    return n;
}

/* CTL_TASKS for `which'; returns the reply (free with ctl_free) or NULL. */
static inline Pvm__TasksReply *tc_tasks(struct tc *c, int which)
{
    Pvm__TaskRef ref = PVM__TASK_REF__INIT;
    ref.tid = which;
    int wid = tc_send_ctl(c, PVM__CTL_TYPE__CTL_TASKS, &ref.base), rt = 0;
    ProtobufCMessage *m = wid < 0 ? NULL : tc_wait_reply(c, wid, &rt, 10000);
    if (m && rt != PVM__CTL_TYPE__CTL_TASKS_REPLY)
        ctl_free(&m);
    return (Pvm__TasksReply *)m;
}

static inline int tc_pstat(struct tc *c, int tid)
{
    Pvm__TaskRef ref = PVM__TASK_REF__INIT;
    ref.tid = tid;
    return tc_status(c, PVM__CTL_TYPE__CTL_PSTAT, &ref.base);
}

/* Waits (checking every 10 ms, up to timeout_ms) until pstat(tid) says
 * PvmNoTask.  Returns 0 or -1. */
static inline int tc_wait_gone(struct tc *c, int tid, int timeout_ms)
{
    long deadline = tc_now_ms() + timeout_ms;
    while (tc_now_ms() < deadline) {
        if (tc_pstat(c, tid) == PvmNoTask)
            return 0;
        tc_pause_ms(10);
    }
    return -1;
}

/* Path of the pvmd this build made (beside the test programs' directory:
 * <build>/tests/integration/progs -> <build>/daemon/pvmd). */
static inline const char *tc_pvmd_path(void)
{
    static char p[600];
    snprintf(p, sizeof p, "%s/../../../daemon/pvmd", harness_prog(""));
    return p;
}

/* True when the file exists and contains `needle' (read whole). */
static inline bool tc_file_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return strstr(buf, needle) != NULL;
}

#endif
