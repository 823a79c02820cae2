/*
 * netns_stranger.c - a stranger on a pvmd's mesh port (test_netns_hosts.sh).
 *
 * A libzmq DEALER of its own that speaks the mesh's link protocol as
 * daemon/xport_zmq.h describes it (link part, 48-byte frame header of
 * common/wire.h, protobuf payload of proto/pvm.proto, encoded here by
 * hand) and tries to make the pvmd spawn a program or answer a question.
 * It comes in two kinds:
 *
 *   plain       (default) no CURVE at all: a ZMTP client with the NULL
 *               mechanism
 *   -s SERVERKEY
 *               CurveZMQ: a client with a key pair of its own
 *               (zmq_curve_keypair) that knows the server's public key
 *               SERVERKEY (Z85), so that its handshake gets as far as the
 *               pvmd's ZAP handler
 *
 * How the CurveZMQ stranger knows the server's key.  CurveZMQ never sends
 * the server's long-term public key on the wire (a client must know it
 * before its HELLO), so a stranger cannot sniff it; but a public key is no
 * secret and may leak, so the test plays the strongest stranger, one who
 * knows it.  The pvmd keeps no public key anywhere: its key file (the
 * first host's, daemon/mesh_keys.h) holds only the machine's secret key,
 * the public key is derived from it, and the log shows only 8 characters
 * of it.  So the test, as root and outside the stranger's host, runs
 *     netns_stranger -P KEYFILE
 * which derives the public key from the first host's key file as the pvmd
 * does (zmq_curve_public), prints it (Z85) and wipes the secret; the
 * stranger is given only that public key: as the server key, and in
 * scenario claimkey as its own public key too (without the secret key
 * that goes with it).
 *
 * Each scenario is one new connection (reconnection off):
 *
 *   nohello     a well-formed spawn request (DATA #1) and a config request
 *               without a link hello
 *   badversion  a link hello of another protocol version, then the spawn
 *   unknown     a link hello from a pvmd tid no host has, then the spawn
 *               and a config request
 *   impersonate a link hello claiming the tid of pvmd IMPERSONATE (a real
 *               host of the machine, e.g. the first one), then the spawn
 *               and a config request
 *   claimkey    (-s only) impersonate, presenting the machine's public key
 *               as its own
 *
 * Requests are sent at once, queued before the handshake ends, as a
 * stranger who does not wait would; a request after the hello waits for
 * the hello's answer or the connection's end.  The program waits for real
 * events, not for time: its own socket's monitor says when the pvmd ended
 * the handshake (refused: failed, or the connection closed before it
 * succeeded) and then nothing more can come.  Only a connection the pvmd
 * lets in is watched for a fixed while (1.2 s) for whatever it sends.
 *
 * The spawn request asks for FILE ARG (the test gives a program that
 * leaves a mark when it runs).  The program prints one line per scenario:
 *     <scenario>: handshake=<refused|admitted|unreached|none>
 *         hello-reply=<status or none> data=<n> other=<n> unsent=<n>
 *         (<what the monitor saw>)
 * where handshake says how the connection's handshake ended (unreached:
 * no TCP connection was made; none: no end within 5 s), data counts the
 * numbered frames (anything but link-level messages) the pvmd sent back:
 * what a stranger could read, and unsent the messages that could not even
 * be queued; and at the end
 *     connections: <n>
 * the TCP connections it made (each one the pvmd should count as a refused
 * stranger).  Exit status 0 unless the client itself could not run.
 *
 * Build (the test does): cc netns_stranger.c common/wire.c -Icommon
 *   -Iinclude -DCTL_PROTO=<CTL_PROTO_VERSION> -lzmq
 * Usage: netns_stranger [-s SERVERKEY] ENDPOINT TARGET_TID IMPERSONATE_TID
 *          FILE ARG [scenario...]
 *        netns_stranger -P KEYFILE
 */
#include <stdbool.h>
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

/* Sends that timed out: not even queued (the scenario's connection is gone). */
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

/* ---- one connection and what comes back ------------------------------ */

enum { PENDING, ADMITTED, REFUSED, UNREACHED };

struct conn {
    void *s, *mon;
    int state;        /* PENDING until the handshake ends either way */
    bool connected;   /* the TCP connection was made */
    char saw[160];    /* what the monitor said, for the report */
    int hello_status; /* 1: no hello reply */
    int data, other;
};

static int connections; /* TCP connections made (ZMQ_EVENT_CONNECTED) */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void saw(struct conn *c, const char *what)
{
    size_t n = strlen(c->saw);
    snprintf(c->saw + n, sizeof c->saw - n, "%s%s", n ? ", " : "", what);
}

/* One event of the connection's own monitor. */
static void on_event(struct conn *c)
{
    zmq_msg_t m[2];
    zmq_msg_init(&m[0]);
    zmq_msg_init(&m[1]);
    if (zmq_msg_recv(&m[0], c->mon, ZMQ_DONTWAIT) < 0)
        goto out;
    if (zmq_msg_more(&m[0]))
        zmq_msg_recv(&m[1], c->mon, 0); /* the endpoint */
    if (zmq_msg_size(&m[0]) != 6)
        goto out;
    uint16_t ev;
    uint32_t val;
    memcpy(&ev, zmq_msg_data(&m[0]), 2);
    memcpy(&val, (uint8_t *)zmq_msg_data(&m[0]) + 2, 4);
    char what[64];
    switch (ev) {
    case ZMQ_EVENT_CONNECTED:
        connections++;
        c->connected = true;
        break;
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        saw(c, "handshake succeeded");
        if (c->state == PENDING)
            c->state = ADMITTED;
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: /* the server's ZAP status */
        snprintf(what, sizeof what, "handshake refused: status %u", (unsigned)val);
        saw(c, what);
        c->state = REFUSED;
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        snprintf(what, sizeof what, "handshake failed: protocol error 0x%x", (unsigned)val);
        saw(c, what);
        c->state = REFUSED;
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        snprintf(what, sizeof what, "handshake failed: %s", strerror((int)val));
        saw(c, what);
        c->state = REFUSED;
        break;
    case ZMQ_EVENT_DISCONNECTED:
    case ZMQ_EVENT_CLOSED:
        saw(c, ev == ZMQ_EVENT_CLOSED ? "closed" : "disconnected");
        /* Ended before it was let in: refused, or never made (no pvmd
         * there).  Reconnection is off, so an admitted connection's end
         * is the end too. */
        if (c->state == PENDING)
            c->state = c->connected ? REFUSED : UNREACHED;
        break;
    case ZMQ_EVENT_CONNECT_RETRIED:
        saw(c, "connect retried");
        break;
    default:
        break;
    }
out:
    zmq_msg_close(&m[0]);
    zmq_msg_close(&m[1]);
}

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

/* One message the pvmd sent. */
static void on_message(struct conn *c)
{
    zmq_msg_t part[4];
    int np = 0, more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, c->s, np ? 0 : ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            break;
        }
        more = zmq_msg_more(&m);
        if (np < 4)
            part[np++] = m;
        else
            zmq_msg_close(&m);
    }
    if (!np)
        return;
    const uint8_t *lp = zmq_msg_data(&part[0]);
    if (zmq_msg_size(&part[0]) == LINK_LEN && lp[1] == K_DATA && np >= 2 &&
        zmq_msg_size(&part[1]) == WIRE_HDR_LEN) {
        struct wire_hdr h;
        uint64_t seq = 0;
        for (int i = 0; i < 8; i++)
            seq |= (uint64_t)lp[8 + i] << (8 * i);
        if (wire_decode(zmq_msg_data(&part[1]), WIRE_HDR_LEN, &h) == 0 && seq == 0 &&
            h.tag == CTL_LINK_HELLO_REPLY_T) {
            if (c->hello_status == 1) /* the first answer: to the hello */
                c->hello_status =
                    np >= 3 ? hello_status(zmq_msg_data(&part[2]), zmq_msg_size(&part[2])) : 0;
        } else {
            c->data++;
            printf("  got frame #%llu: flags 0x%x src t%x dst t%x tag %d wid %d, %llu bytes\n",
                   (unsigned long long)seq, h.flags, (unsigned)h.src, (unsigned)h.dst, h.tag, h.wid,
                   (unsigned long long)h.len);
        }
    } else if (zmq_msg_size(&part[0]) != LINK_LEN || (lp[1] != K_PING && lp[1] != K_NACK)) {
        c->other++;
    }
    for (int i = 0; i < np; i++)
        zmq_msg_close(&part[i]);
}

enum wait_for {
    HELLO_REPLY, /* the hello's answer, or the end of the handshake */
    THE_END,     /* a refusal; an admitted connection is watched `ms' */
};

/* Serves the connection until what it waits for happens or ms pass. */
static void wait_for(struct conn *c, enum wait_for what, int ms)
{
    int64_t end = now_ms() + ms;
    for (;;) {
        if (c->state == REFUSED || c->state == UNREACHED)
            return;
        if (what == HELLO_REPLY && c->hello_status != 1)
            return;
        int64_t left = end - now_ms();
        if (left <= 0)
            return;
        zmq_pollitem_t it[2] = {{.socket = c->mon, .events = ZMQ_POLLIN},
                                {.socket = c->s, .events = ZMQ_POLLIN}};
        if (zmq_poll(it, 2, (long)left) <= 0)
            continue;
        if (it[0].revents & ZMQ_POLLIN)
            on_event(c);
        if (it[1].revents & ZMQ_POLLIN)
            on_message(c);
    }
}

/* How long the pvmd may take to end a handshake either way, and how long
 * a connection it lets in is watched: bounds, not synchronisation.  (Four
 * scenarios with two such waits each must fit in the alarm below: 15 s
 * did not, and a handshake not ended in 5 s was not ended in 15 either.) */
#define OUTCOME_MS 5000
#define WATCH_MS 1200

/* Curve: the server's public key and the key pair to present (Z85). */
struct curve {
    bool on;
    char server[41], pub[41], sec[41];
};

static void dial(struct conn *c, void *ctx, const char *ep, const struct curve *k, int n)
{
    memset(c, 0, sizeof *c);
    c->hello_status = 1;
    c->s = zmq_socket(ctx, ZMQ_DEALER);
    /* One connection per scenario: no reconnection, so each refusal the
     * pvmd counts is one the program made (and counts). */
    int linger = 0, sndtimeo = 1000, reconnect = -1;
    zmq_setsockopt(c->s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(c->s, ZMQ_SNDTIMEO, &sndtimeo, sizeof sndtimeo);
    zmq_setsockopt(c->s, ZMQ_RECONNECT_IVL, &reconnect, sizeof reconnect);
    if (k->on && (zmq_setsockopt(c->s, ZMQ_CURVE_SERVERKEY, k->server, 40) < 0 ||
                  zmq_setsockopt(c->s, ZMQ_CURVE_PUBLICKEY, k->pub, 40) < 0 ||
                  zmq_setsockopt(c->s, ZMQ_CURVE_SECRETKEY, k->sec, 40) < 0)) {
        fprintf(stderr, "netns_stranger: CURVE options: %s\n", zmq_strerror(zmq_errno()));
        exit(2);
    }
    char mon[64];
    snprintf(mon, sizeof mon, "inproc://netns-stranger-monitor.%d", n);
    if (zmq_socket_monitor(
            c->s, mon,
            ZMQ_EVENT_CONNECTED | ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_DISCONNECTED |
                ZMQ_EVENT_CLOSED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
                ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) < 0 ||
        !(c->mon = zmq_socket(ctx, ZMQ_PAIR)) ||
        zmq_setsockopt(c->mon, ZMQ_LINGER, &linger, sizeof linger) < 0 ||
        zmq_connect(c->mon, mon) < 0) {
        fprintf(stderr, "netns_stranger: monitor: %s\n", zmq_strerror(zmq_errno()));
        exit(2);
    }
    if (zmq_connect(c->s, ep) < 0) {
        fprintf(stderr, "netns_stranger: connect %s: %s\n", ep, zmq_strerror(zmq_errno()));
        exit(2);
    }
}

static void report(const char *name, const struct conn *c)
{
    const char *hs = c->state == REFUSED     ? "refused"
                     : c->state == ADMITTED  ? "admitted"
                     : c->state == UNREACHED ? "unreached"
                                             : "none";
    char hello[16];
    if (c->hello_status == 1)
        snprintf(hello, sizeof hello, "none");
    else
        snprintf(hello, sizeof hello, "%d", c->hello_status);
    printf("%s: handshake=%s hello-reply=%s data=%d other=%d unsent=%d (%s)\n", name, hs, hello,
           c->data, c->other, unsent, c->saw[0] ? c->saw : "no event");
    fflush(stdout);
}

/* Reads the machine's secret key from its file (as the pvmd does:
 * '#' lines, then one line of 40 Z85 characters), derives the public key
 * into pub and wipes the secret. */
static void public_key(const char *path, char pub[41])
{
    FILE *f = fopen(path, "r");
    char line[256], sec[41] = "";
    if (!f) {
        perror(path);
        exit(2);
    }
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        line[strcspn(line, "\r\n")] = 0;
        if (strlen(line) == 40)
            memcpy(sec, line, 41);
        break;
    }
    fclose(f);
    int ok = sec[0] && zmq_curve_public(pub, sec) == 0;
    memset(line, 0, sizeof line);
    memset(sec, 0, sizeof sec);
    if (!ok) {
        fprintf(stderr, "netns_stranger: no key in %s\n", path);
        exit(2);
    }
}

static void usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [-s SERVERKEY] ENDPOINT TARGET_TID IMPERSONATE_TID FILE ARG [scenario...]\n"
            "       %s -P KEYFILE\n",
            argv0, argv0);
    exit(2);
}

int main(int argc, char **argv)
{
    struct curve k = {.on = false};
    int a = 1;
    if (argc == 3 && strcmp(argv[1], "-P") == 0) {
        char pub[41];
        public_key(argv[2], pub);
        printf("%s\n", pub);
        return 0;
    }
    if (argc > 2 && strcmp(argv[1], "-s") == 0) {
        if (strlen(argv[2]) != 40) {
            fprintf(stderr, "netns_stranger: a server key is 40 Z85 characters\n");
            return 2;
        }
        memcpy(k.server, argv[2], 41);
        k.on = true;
        a = 3;
    }
    if (argc - a < 5)
        usage(argv[0]);
    const char *ep = argv[a];
    int target = (int)strtol(argv[a + 1], NULL, 16);
    int victim = (int)strtol(argv[a + 2], NULL, 16);
    const char *file = argv[a + 3], *arg = argv[a + 4];
    static const char *all[] = {"nohello", "badversion", "unknown", "impersonate"};
    const char **names = argc > a + 5 ? (const char **)argv + a + 5 : all;
    int nnames = argc > a + 5 ? argc - a - 5 : 4;
    alarm(60); /* whatever happens, the test goes on */
    void *ctx = zmq_ctx_new();
    uint64_t epoch = (uint64_t)time(NULL) * 1000003u + 12345u;
    if (k.on) {
        /* A key pair of its own. */
        if (zmq_curve_keypair(k.pub, k.sec) < 0) {
            fprintf(stderr, "netns_stranger: zmq_curve_keypair: %s\n", zmq_strerror(zmq_errno()));
            return 2;
        }
    }

    for (int i = 0; i < nnames; i++) {
        const char *n = names[i];
        struct curve kk = k;
        if (strcmp(n, "claimkey") == 0) {
            if (!k.on) {
                fprintf(stderr, "netns_stranger: claimkey needs -s\n");
                return 2;
            }
            /* The machine's public key as its own; the secret is its own. */
            memcpy(kk.pub, k.server, sizeof kk.pub);
        }
        struct conn c;
        unsent = 0;
        dial(&c, ctx, ep, &kk, i);
        if (strcmp(n, "nohello") == 0) {
            send_spawn(c.s, 1, victim, target, file, arg);
            send_config(c.s, 2, victim, target);
        } else if (strcmp(n, "badversion") == 0) {
            send_hello(c.s, CTL_PROTO + 100, victim, epoch, target);
            wait_for(&c, HELLO_REPLY, OUTCOME_MS);
            if (c.state == PENDING || c.state == ADMITTED)
                send_spawn(c.s, 1, victim, target, file, arg);
        } else if (strcmp(n, "unknown") == 0 || strcmp(n, "impersonate") == 0 ||
                   strcmp(n, "claimkey") == 0) {
            int tid = strcmp(n, "unknown") == 0 ? 1000 << 18 /* a pvmd tid: host 1000 */
                                                : victim;
            send_hello(c.s, CTL_PROTO, tid, epoch, target);
            wait_for(&c, HELLO_REPLY, OUTCOME_MS);
            if (c.state == PENDING || c.state == ADMITTED) {
                send_spawn(c.s, 1, tid, target, file, arg);
                send_config(c.s, 2, tid, target);
            }
        } else {
            fprintf(stderr, "netns_stranger: unknown scenario %s\n", n);
            return 2;
        }
        /* Until the pvmd refuses the connection; one it lets in (or that
         * never ends its handshake) is watched for a while. */
        int64_t t0 = now_ms();
        wait_for(&c, THE_END, OUTCOME_MS);
        if (c.state == ADMITTED) {
            int64_t left = WATCH_MS - (now_ms() - t0);
            if (left > 0)
                wait_for(&c, THE_END, (int)left);
        }
        report(n, &c);
        /* The monitor's events so far: a connection's CONNECTED comes
         * before the end of its handshake, so every one made is counted. */
        for (;;) {
            zmq_pollitem_t it = {.socket = c.mon, .events = ZMQ_POLLIN};
            if (zmq_poll(&it, 1, 0) <= 0)
                break;
            on_event(&c);
        }
        zmq_close(c.s);
        zmq_close(c.mon);
    }
    printf("connections: %d\n", connections);
    memset(k.sec, 0, sizeof k.sec);
    zmq_ctx_term(ctx);
    return 0;
}
