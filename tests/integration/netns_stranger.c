/*
 * netns_stranger.c - a stranger on a pvmd's mesh port (test_netns_hosts.sh).
 *
 * A libzmq DEALER of its own, with no key and no ticket, that speaks the
 * mesh's link protocol as daemon/xport_zmq.h describes it (link part,
 * 48-byte frame header of common/wire.h, protobuf payload of
 * proto/pvm.proto, encoded here by hand) and tries to make the pvmd spawn
 * a program or answer a question.  Each scenario is a new connection:
 *
 *   nohello     a well-formed spawn request (DATA #1) without a link hello
 *   badversion  a link hello of another protocol version, then the spawn
 *   unknown     a link hello from a pvmd tid no host has, then the spawn
 *   impersonate a link hello claiming the tid of pvmd IMPERSONATE (a real
 *               host of the machine, e.g. the first one), then the spawn
 *               and a config request
 *
 * The spawn request asks for FILE ARG (the test gives a program that
 * leaves a mark when it runs).  The program prints one line per scenario:
 *     <scenario>: hello-reply=<status or none> data=<n> other=<n> unsent=<n>
 * where data counts the numbered frames (anything but link-level messages)
 * the pvmd sent back: what a stranger could read; unsent counts messages
 * that could not even be sent (the pvmd never completed the connection's
 * handshake: CurveZMQ against a client without the machine's key).  Exit status 0 unless
 * the client itself could not run.
 *
 * Build (the test does): cc netns_stranger.c common/wire.c -Icommon
 *   -Iinclude -DCTL_PROTO=<CTL_PROTO_VERSION> -lzmq
 * Usage: netns_stranger ENDPOINT TARGET_TID IMPERSONATE_TID FILE ARG [scenario...]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "wire.h"

#ifndef CTL_PROTO
#define CTL_PROTO 2
#endif
/* proto/pvm.proto's CtlType numbers (the test reads them from there). */
#ifndef CTL_SPAWN_T
#define CTL_SPAWN_T 6
#endif
#ifndef CTL_CONFIG_T
#define CTL_CONFIG_T 10
#endif
#ifndef CTL_LINK_HELLO_T
#define CTL_LINK_HELLO_T 25
#endif
#ifndef CTL_LINK_HELLO_REPLY_T
#define CTL_LINK_HELLO_REPLY_T 26
#endif

#define LINK_LEN 24

/* Sends that timed out: the pvmd never took the connection. */
static int unsent;
enum { K_DATA = 1, K_PING = 2, K_NACK = 3 };

/* ---- protobuf, by hand ------------------------------------------------- */

struct buf {
    uint8_t b[4096];
    size_t n;
};

static void pb_varint(struct buf *o, uint64_t v)
{
    while (v >= 0x80) {
        o->b[o->n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    o->b[o->n++] = (uint8_t)v;
}

static void pb_int(struct buf *o, int field, uint64_t v)
{
    pb_varint(o, (uint64_t)field << 3);
    pb_varint(o, v);
}

static void pb_str(struct buf *o, int field, const char *s)
{
    size_t len = strlen(s);
    pb_varint(o, (uint64_t)field << 3 | 2);
    pb_varint(o, len);
    memcpy(o->b + o->n, s, len);
    o->n += len;
}

/* ---- messages ---------------------------------------------------------- */

static void link_part(uint8_t out[LINK_LEN], int kind, uint64_t seq, uint64_t ack)
{
    memset(out, 0, LINK_LEN);
    out[0] = 1; /* XPORT_ZMQ_LINK_VERSION */
    out[1] = (uint8_t)kind;
    for (int i = 0; i < 8; i++) {
        out[8 + i] = (uint8_t)(seq >> (8 * i));
        out[16 + i] = (uint8_t)(ack >> (8 * i));
    }
}

static int send_frame(void *s, uint64_t seq, int src, int dst, int type, int flags, int wid,
                      const struct buf *payload)
{
    uint8_t lp[LINK_LEN], hdr[WIRE_HDR_LEN];
    link_part(lp, K_DATA, seq, 0);
    struct wire_hdr h = {.flags = (uint16_t)(WIRE_F_CTL | flags),
                         .src = src,
                         .dst = dst,
                         .tag = type,
                         .wid = wid,
                         .len = payload->n};
    wire_encode(&h, hdr);
    if (zmq_send(s, lp, LINK_LEN, ZMQ_SNDMORE) < 0) {
        unsent++;
        return -1;
    }
    if (zmq_send(s, hdr, WIRE_HDR_LEN, payload->n ? ZMQ_SNDMORE : 0) < 0)
        return -1;
    if (payload->n && zmq_send(s, payload->b, payload->n, 0) < 0)
        return -1;
    return 0;
}

static int send_hello(void *s, unsigned version, int tid, uint64_t epoch, int to)
{
    struct buf p = {.n = 0};
    pb_int(&p, 1, version);
    pb_int(&p, 2, (uint32_t)tid);
    pb_int(&p, 3, epoch);
    if (to)
        pb_int(&p, 4, (uint32_t)to);
    return send_frame(s, 0, tid, to, CTL_LINK_HELLO_T, 0, 0, &p);
}

static int send_spawn(void *s, uint64_t seq, int src, int dst, const char *file, const char *arg)
{
    struct buf p = {.n = 0};
    pb_str(&p, 1, file);
    pb_str(&p, 2, arg);
    pb_int(&p, 5, 1); /* count */
    return send_frame(s, seq, src, dst, CTL_SPAWN_T, 0, 7001, &p);
}

static int send_config(void *s, uint64_t seq, int src, int dst)
{
    struct buf p = {.n = 0};
    return send_frame(s, seq, src, dst, CTL_CONFIG_T, 0, 7002, &p);
}

/* ---- what comes back --------------------------------------------------- */

struct seen {
    int hello_status; /* 1: no hello reply */
    int data, other;
};

/* Reads a zigzag-encoded sint32 field 1 from a LinkHelloReply. */
static int hello_status(const uint8_t *p, size_t n)
{
    if (n >= 2 && p[0] == 0x08) {
        uint64_t v = 0;
        for (size_t i = 1, sh = 0; i < n && sh < 64; i++, sh += 7) {
            v |= (uint64_t)(p[i] & 0x7f) << sh;
            if (!(p[i] & 0x80))
                break;
        }
        return (int)((v >> 1) ^ -(int64_t)(v & 1));
    }
    return 0; /* field absent: PvmOk */
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Takes whatever the pvmd sends for `ms' milliseconds. */
static void drain(void *s, struct seen *w, int ms)
{
    int64_t end = now_ms() + ms;
    for (;;) {
        int64_t left = end - now_ms();
        if (left <= 0)
            return;
        zmq_pollitem_t it = {.socket = s, .events = ZMQ_POLLIN};
        if (zmq_poll(&it, 1, (long)left) <= 0)
            continue;
        zmq_msg_t part[4];
        int np = 0, more = 1;
        while (more) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, s, 0) < 0) {
                zmq_msg_close(&m);
                return;
            }
            more = zmq_msg_more(&m);
            if (np < 4)
                part[np++] = m;
            else
                zmq_msg_close(&m);
        }
        const uint8_t *lp = zmq_msg_data(&part[0]);
        if (zmq_msg_size(&part[0]) == LINK_LEN && lp[1] == K_DATA && np >= 2 &&
            zmq_msg_size(&part[1]) == WIRE_HDR_LEN) {
            struct wire_hdr h;
            uint64_t seq = 0;
            for (int i = 0; i < 8; i++)
                seq |= (uint64_t)lp[8 + i] << (8 * i);
            if (wire_decode(zmq_msg_data(&part[1]), WIRE_HDR_LEN, &h) == 0 && seq == 0 &&
                h.tag == CTL_LINK_HELLO_REPLY_T) {
                if (w->hello_status == 1) /* the first answer: to the hello */
                    w->hello_status =
                        np >= 3 ? hello_status(zmq_msg_data(&part[2]), zmq_msg_size(&part[2])) : 0;
            } else {
                w->data++;
                printf("  got frame #%llu: flags 0x%x src t%x dst t%x tag %d wid %d, %llu bytes\n",
                       (unsigned long long)seq, h.flags, (unsigned)h.src, (unsigned)h.dst, h.tag,
                       h.wid, (unsigned long long)h.len);
            }
        } else if (zmq_msg_size(&part[0]) != LINK_LEN || (lp[1] != K_PING && lp[1] != K_NACK)) {
            w->other++;
        }
        for (int i = 0; i < np; i++)
            zmq_msg_close(&part[i]);
    }
}

static void *dial(void *ctx, const char *ep)
{
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    /* A DEALER's send blocks until a connection has completed its
     * handshake, which a pvmd that admits only its own keys never lets a
     * stranger do: give up after a while and say so. */
    int linger = 500, sndtimeo = 1500;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_SNDTIMEO, &sndtimeo, sizeof sndtimeo);
    if (zmq_connect(s, ep) < 0) {
        fprintf(stderr, "netns_stranger: connect %s: %s\n", ep, zmq_strerror(zmq_errno()));
        exit(2);
    }
    return s;
}

static void report(const char *name, const struct seen *w)
{
    if (w->hello_status == 1)
        printf("%s: hello-reply=none data=%d other=%d unsent=%d\n", name, w->data, w->other,
               unsent);
    else
        printf("%s: hello-reply=%d data=%d other=%d unsent=%d\n", name, w->hello_status, w->data,
               w->other, unsent);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: %s ENDPOINT TARGET_TID IMPERSONATE_TID FILE ARG [scenario...]\n",
                argv[0]);
        return 2;
    }
    const char *ep = argv[1];
    int target = (int)strtol(argv[2], NULL, 16);
    int victim = (int)strtol(argv[3], NULL, 16);
    const char *file = argv[4], *arg = argv[5];
    static const char *all[] = {"nohello", "badversion", "unknown", "impersonate"};
    const char **names = argc > 6 ? (const char **)argv + 6 : all;
    int nnames = argc > 6 ? argc - 6 : 4;
    alarm(60); /* whatever happens, the test goes on */
    void *ctx = zmq_ctx_new();
    uint64_t epoch = (uint64_t)time(NULL) * 1000003u + 12345u;

    for (int i = 0; i < nnames; i++) {
        const char *n = names[i];
        struct seen w = {.hello_status = 1};
        unsent = 0;
        void *s = dial(ctx, ep);
        if (strcmp(n, "nohello") == 0) {
            send_spawn(s, 1, victim, target, file, arg);
            send_config(s, 2, victim, target);
        } else if (strcmp(n, "badversion") == 0) {
            send_hello(s, CTL_PROTO + 100, victim, epoch, target);
            drain(s, &w, 300);
            send_spawn(s, 1, victim, target, file, arg);
        } else if (strcmp(n, "unknown") == 0) {
            int tid = 1000 << 18; /* a pvmd tid: host 1000 */
            send_hello(s, CTL_PROTO, tid, epoch, target);
            drain(s, &w, 300);
            send_spawn(s, 1, tid, target, file, arg);
            send_config(s, 2, tid, target);
        } else if (strcmp(n, "impersonate") == 0) {
            send_hello(s, CTL_PROTO, victim, epoch, target);
            drain(s, &w, 300);
            send_spawn(s, 1, victim, target, file, arg);
            send_config(s, 2, victim, target);
        } else {
            fprintf(stderr, "netns_stranger: unknown scenario %s\n", n);
            return 2;
        }
        drain(s, &w, 1200);
        report(n, &w);
        zmq_close(s);
    }
    zmq_ctx_term(ctx);
    return 0;
}
