/*
 * test_xport_zmq.c - the mesh transport between two pvmds in one process.
 *
 * Hosts 1 (a) and 2 (b) each run their own loop and listen on an
 * ephemeral port of 127.0.0.1; each dials the other (a pvmd sends only
 * over links it dialled), so route.c binds each host record to the link
 * its pvmd dialled.  A fake local task on each side sends and receives.
 * The loops are pumped alternately until a condition holds (bounded).
 * Strangers are played by a raw TCP client and by a zmq DEALER of the
 * test's own speaking the link protocol.
 *
 * The mesh runs CurveZMQ with a key pair made for the run (vm_sec/vm_pub),
 * as a virtual machine does; the test's own zmq sockets that play a peer
 * pvmd use it too.  The security tests add strangers with other keys, no
 * CURVE at all, or no ZMTP; the plain setup runs the mesh unencrypted.
 * test_cost measures round trips with and without CURVE and prints them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "ctl.h"
#include "fake_xport.h"
#include "mesh_keys.h"
#include "hosttab.h"
#include "pending.h"
#include "pvm3.h"
#include "tid.h"
#include "xport_zmq.h"

#define TIMEOUT_MS 1000 /* PVMD_LINK_TIMEOUT_MS for these tests */

/* The virtual machine's key pair for this run; plain: the mesh runs
 * without CURVE (set by the plain setup). */
static uint8_t vm_sec[32], vm_pub[32];
static bool plain;

struct world {
    struct pvmd a, b;
    struct fake *ta, *tb; /* a local task on each */
    int ta_tid, tb_tid;
    struct xport *ab, *ba; /* a's link to b, b's link to a */
};

static uint64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Runs a's loop (and b's unless frozen) until cond holds or ms pass. */
static bool pump_until(struct world *w, bool freeze_b, bool (*cond)(struct world *, void *),
                       void *arg, unsigned ms)
{
    uint64_t end = ms_now() + ms;
    for (;;) {
        if (cond && cond(w, arg))
            return true;
        if (ms_now() >= end)
            return cond == NULL;
        uv_run(w->a.loop, UV_RUN_NOWAIT);
        if (!freeze_b)
            uv_run(w->b.loop, UV_RUN_NOWAIT);
        usleep(100);
    }
}

static bool links_up(struct world *w, void *arg)
{
    (void)arg;
    return hosttab_get(w->a.hosts, 2)->link && hosttab_get(w->b.hosts, 1)->link;
}

static bool b_refused_more(struct world *w, void *arg)
{
    return xport_zmq_refused(&w->b) > *(unsigned long *)arg;
}

static bool has_frames(struct world *w, void *arg)
{
    struct fake *l = ((void **)arg)[0];
    size_t n = (size_t)(uintptr_t)((void **)arg)[1];
    (void)w;
    return l->out.n >= n;
}

static bool wait_frames(struct world *w, struct fake *l, size_t n, bool freeze_b, unsigned ms)
{
    void *arg[2] = {l, (void *)(uintptr_t)n};
    return pump_until(w, freeze_b, has_frames, arg, ms);
}

static void make_vm_key(void)
{
    char pub[41], sec[41];
    assert_int_equal(zmq_curve_keypair(pub, sec), 0);
    assert_non_null(zmq_z85_decode(vm_sec, sec));
    assert_non_null(zmq_z85_decode(vm_pub, pub));
}

static int setup(void **state)
{
    setenv("PVMD_LINK_TIMEOUT_MS", "1000", 1);
    struct world *w = calloc(1, sizeof *w);
    /* Host 3 is in the tables but never started: the test plays it. */
    fake_pvmd(&w->a, 1, 3);
    fake_pvmd(&w->b, 2, 3);
    assert_int_equal(xport_zmq_secure(&w->a, plain ? NULL : vm_sec), 0);
    assert_int_equal(xport_zmq_secure(&w->b, plain ? NULL : vm_sec), 0);
    assert_int_equal(xport_zmq.listen(&w->a, "tcp://127.0.0.1:0"), 0);
    assert_int_equal(xport_zmq.listen(&w->b, "tcp://127.0.0.1:*"), 0);
    const char *ea = xport_zmq_endpoint(&w->a), *eb = xport_zmq_endpoint(&w->b);
    assert_non_null(ea);
    assert_non_null(eb);
    assert_string_not_equal(ea, eb);
    assert_null(strstr(ea, ":0"));
    assert_int_equal(xport_zmq.dial(&w->a, eb, tid_pvmd(2), &w->ab), 0);
    assert_int_equal(xport_zmq.dial(&w->b, ea, tid_pvmd(1), &w->ba), 0);
    assert_false(w->ab->up);
    assert_true(pump_until(w, false, links_up, NULL, 3000));
    assert_ptr_equal(hosttab_get(w->a.hosts, 2)->link, w->ab);
    assert_ptr_equal(hosttab_get(w->b.hosts, 1)->link, w->ba);
    w->ta = fake_task(&w->a, &w->ta_tid);
    w->tb = fake_task(&w->b, &w->tb_tid);
    *state = w;
    return 0;
}

static bool meshes_gone(struct world *w, void *arg)
{
    (void)arg;
    return !w->a.mesh && !w->b.mesh;
}

static int setup_plain(void **state)
{
    plain = true;
    return setup(state);
}

/* A halt alone ends the mesh: links flush, then every handle closes. */
static int teardown(void **state)
{
    plain = false;
    struct world *w = *state;
    pvmd_halt(&w->a, "test over");
    pvmd_halt(&w->b, "test over");
    assert_true(pump_until(w, false, meshes_gone, NULL, 3000));
    fake_pvmd_end(&w->a);
    fake_pvmd_end(&w->b);
    assert_null(w->a.mesh);
    assert_null(w->b.mesh);
    fake_free(&w->ta);
    fake_free(&w->tb);
    free(w);
    return 0;
}

/* ===================================================================== */
/* Frames between tasks                                                   */
/* ===================================================================== */

static void test_user_frame_arrives(void **state)
{
    struct world *w = *state;
    fake_arrive(w->ta, fake_user_frame(w->ta_tid, w->tb_tid, 42, 100, 'x'));
    assert_true(wait_frames(w, w->tb, 1, false, 2000));
    struct frame *f = fake_take(w->tb);
    assert_int_equal(f->h.src, w->ta_tid);
    assert_int_equal(f->h.dst, w->tb_tid);
    assert_int_equal(f->h.tag, 42);
    assert_int_equal(f->h.len, 100);
    assert_int_equal(f->payload[0], 'x');
    assert_int_equal(f->payload[99], 'x');
    frame_free(&f);
    /* And back, over b's own link; an empty payload too. */
    fake_arrive(w->tb, fake_user_frame(w->tb_tid, w->ta_tid, 43, 0, 0));
    assert_true(wait_frames(w, w->ta, 1, false, 2000));
    f = fake_take(w->ta);
    assert_int_equal(f->h.tag, 43);
    assert_int_equal(f->h.len, 0);
    frame_free(&f);
    /* Everything acknowledged: nothing held for the peer. */
    assert_true(pump_until(w, false, NULL, NULL, 50));
}

static bool all_acked(struct world *w, void *arg)
{
    (void)arg;
    return w->ab->ops->queued(w->ab) == 0;
}

static void test_thousand_frames_in_order(void **state)
{
    struct world *w = *state;
    for (int i = 0; i < 1000; i++)
        fake_arrive(w->ta, fake_user_frame(w->ta_tid, w->tb_tid, i, 16, i & 0xff));
    assert_true(w->ab->ops->queued(w->ab) > 0);
    assert_true(wait_frames(w, w->tb, 1000, false, 5000));
    for (int i = 0; i < 1000; i++) {
        struct frame *f = fake_take(w->tb);
        assert_non_null(f);
        assert_int_equal(f->h.tag, i);
        assert_int_equal(f->payload[15], i & 0xff);
        frame_free(&f);
    }
    assert_null(fake_take(w->tb));
    assert_true(pump_until(w, false, all_acked, NULL, 2000));
}

static void test_64mib_frame_intact(void **state)
{
    struct world *w = *state;
    size_t n = (size_t)64 << 20;
    struct frame *f = fake_user_frame(w->ta_tid, w->tb_tid, 64, n, 0);
    for (size_t i = 0; i < n; i += 4096)
        f->payload[i] = (uint8_t)(i >> 12);
    f->payload[n - 1] = 0xee;
    fake_arrive(w->ta, f);
    assert_true(wait_frames(w, w->tb, 1, false, 8000));
    f = fake_take(w->tb);
    assert_int_equal(f->h.len, n);
    for (size_t i = 0; i < n; i += 4096)
        assert_int_equal(f->payload[i], (uint8_t)(i >> 12));
    assert_int_equal(f->payload[n - 1], 0xee);
    assert_int_equal(f->payload[1], 0);
    frame_free(&f);
    assert_true(pump_until(w, false, all_acked, NULL, 2000));
}

/* A frame of n bytes, each byte its own (position mod 251), arrives
 * intact. */
static void frame_of_arrives(struct world *w, size_t n, int tag)
{
    struct frame *f = fake_user_frame(w->ta_tid, w->tb_tid, tag, n, 0);
    for (size_t i = 0; i < n; i++)
        f->payload[i] = (uint8_t)(i % 251);
    fake_arrive(w->ta, f);
    assert_true(wait_frames(w, w->tb, 1, false, 4000));
    f = fake_take(w->tb);
    assert_int_equal(f->h.tag, tag);
    assert_int_equal(f->h.len, n);
    for (size_t i = 0; i < n; i++)
        if (f->payload[i] != (uint8_t)(i % 251))
            fail_msg("byte %zu of a %zu-byte frame is %u", i, n, f->payload[i]);
    frame_free(&f);
}

/* Payloads cut into parts at MESH_PART_MAX arrive whole, whatever their
 * length against it. */
static void test_frames_in_parts_intact(void **state)
{
    struct world *w = *state;
    frame_of_arrives(w, MESH_PART_MAX - 1, 1);
    frame_of_arrives(w, MESH_PART_MAX, 2);
    frame_of_arrives(w, MESH_PART_MAX + 1, 3);
    frame_of_arrives(w, 3 * MESH_PART_MAX + 5, 4);
    frame_of_arrives(w, 2 * MESH_PART_MAX, 5);
    assert_true(pump_until(w, false, all_acked, NULL, 2000));
}

/* Each link knows its peer's start: the dialled one from the hello reply,
 * the accepted one from the hello. */
static void test_links_know_the_peer_epoch(void **state)
{
    struct world *w = *state;
    assert_true(w->a.epoch != 0 && w->b.epoch != 0);
    assert_true(w->ab->epoch == w->b.epoch);
    assert_true(w->ba->epoch == w->a.epoch);
    size_t n = 0;
    for (struct xport *x = xport_first(&w->b); x; x = x->next)
        if (x->inbound && x->tran == &xport_zmq && x->peer == tid_pvmd(1)) {
            assert_true(x->epoch == w->a.epoch);
            n++;
        }
    assert_int_equal(n, 1);
}

/* ===================================================================== */
/* Requests over the mesh                                                 */
/* ===================================================================== */

static void ask_remote_tasks(struct world *w, int wid)
{
    Pvm__TaskRef r = PVM__TASK_REF__INIT;
    r.tid = tid_pvmd(2);
    fake_arrive(w->ta, frame_ctl(w->ta_tid, w->a.mytid, PVM__CTL_TYPE__CTL_TASKS, 0, wid, &r.base));
    assert_null(fake_take(w->ta)); /* it waits for host 2 */
    assert_int_equal(pending_count(&w->a), 1);
}

static void test_forwarded_request_is_relayed(void **state)
{
    struct world *w = *state;
    ask_remote_tasks(w, 31);
    assert_true(wait_frames(w, w->ta, 1, false, 2000));
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->ta, PVM__CTL_TYPE__CTL_TASKS_REPLY, &m);
    assert_int_equal(f->h.wid, 31);
    const Pvm__TasksReply *r = (const Pvm__TasksReply *)m;
    assert_int_equal(r->n_tasks, 1);
    assert_int_equal(r->tasks[0]->tid, w->tb_tid);
    assert_int_equal(pending_count(&w->a), 0);
    ctl_free(&m);
    frame_free(&f);
}

static void test_frozen_peer_fails_pending_request(void **state)
{
    struct world *w = *state;
    ask_remote_tasks(w, 77);
    uint64_t t0 = ms_now();
    /* b is never run again: its libzmq threads still take the bytes, but
     * its pvmd answers nothing, heartbeats included. */
    assert_true(wait_frames(w, w->ta, 1, true, 3 * TIMEOUT_MS));
    uint64_t took = ms_now() - t0;
    assert_true(took >= TIMEOUT_MS / 2);
    assert_true(took < TIMEOUT_MS + 500);
    ProtobufCMessage *m = NULL;
    struct frame *f = fake_take_ctl(w->ta, PVM__CTL_TYPE__CTL_STATUS, &m);
    assert_int_equal(f->h.wid, 77);
    assert_int_equal(((Pvm__Status *)m)->code, PvmHostFail);
    ctl_free(&m);
    frame_free(&f);
    const struct host *h2 = hosttab_get(w->a.hosts, 2); /* or left the table */
    assert_true(!h2 || !h2->link);
}

/* Both pvmds stall (neither loop runs) for twice the time-out, as a busy
 * machine may make them: no link is taken for dead once they run again,
 * and frames still flow. */
static void test_stalled_loops_are_not_a_dead_peer(void **state)
{
    struct world *w = *state;
    usleep(2 * TIMEOUT_MS * 1000);
    assert_true(pump_until(w, false, NULL, NULL, TIMEOUT_MS / 2));
    assert_true(links_up(w, NULL));
    fake_arrive(w->ta, fake_user_frame(w->ta_tid, w->tb_tid, 44, 10, 'y'));
    assert_true(wait_frames(w, w->tb, 1, false, 2000));
    struct frame *f = fake_take(w->tb);
    assert_int_equal(f->h.tag, 44);
    frame_free(&f);
}

/* ===================================================================== */
/* Strangers                                                              */
/* ===================================================================== */

static int endpoint_port(const char *ep)
{
    const char *c = strrchr(ep, ':');
    assert_non_null(c);
    return atoi(c + 1);
}

static void test_raw_tcp_garbage_is_refused(void **state)
{
    struct world *w = *state;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons(endpoint_port(xport_zmq_endpoint(&w->b)))};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(s, (struct sockaddr *)&sa, sizeof sa), 0);
    char junk[512];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i * 37 + 11);
    memcpy(junk, "GET / HTTP/1.0\r\n\r\n", 18);
    unsigned long before = xport_zmq_refused(&w->b);
    assert_int_equal(write(s, junk, sizeof junk), (ssize_t)sizeof junk);
    assert_true(pump_until(w, false, b_refused_more, &before, 2000));
    /* All it got is libzmq's greeting (at most 64 bytes), then the end. */
    struct timeval tv = {.tv_sec = 3};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char back[256];
    size_t got = 0;
    ssize_t r;
    while ((r = read(s, back, sizeof back)) > 0)
        got += (size_t)r;
    assert_true(r == 0 || errno == ECONNRESET); /* closed, not timed out */
    assert_true(got <= 64);
    /* The link between a and b keeps working. */
    fake_arrive(w->ta, fake_user_frame(w->ta_tid, w->tb_tid, 5, 10, 'g'));
    assert_true(wait_frames(w, w->tb, 1, false, 2000));
    struct frame *f = fake_take(w->tb);
    assert_int_equal(f->h.tag, 5);
    frame_free(&f);
    assert_true(w->ab->up);
    close(s);
}

/* The strangers a log file accounts for: each "refused a stranger" line
 * is one, plus the N of "(and N more not logged)"; *lines gets the lines. */
static unsigned strangers_logged(const char *path, unsigned *lines)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[1024];
    unsigned n = 0;
    *lines = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strstr(line, "mesh: refused a stranger: "))
            continue;
        (*lines)++;
        n++;
        const char *more = strstr(line, "(and ");
        if (more && strstr(more, " more not logged)"))
            n += (unsigned)atoi(more + 5);
    }
    fclose(f);
    return n;
}

struct logged_arg {
    const char *path;
    unsigned want;
};

static bool strangers_all_logged(struct world *w, void *arg)
{
    struct logged_arg *a = arg;
    unsigned lines;
    (void)w;
    return strangers_logged(a->path, &lines) >= a->want;
}

/* A burst of strangers: one line at once, the rest counted into one line
 * when the second is over, without waiting for another stranger. */
static void test_stranger_burst_is_logged_within_a_second(void **state)
{
    struct world *w = *state;
    char path[] = "/tmp/test_xport_zmq.log.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(log_open(&w->b.log, path, false, false), 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons(endpoint_port(xport_zmq_endpoint(&w->b)))};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned long before = xport_zmq_refused(&w->b);
    enum { BURST = 4 };
    for (int i = 0; i < BURST; i++) {
        /* Connected and closed without a word. */
        int s = socket(AF_INET, SOCK_STREAM, 0);
        assert_true(s >= 0);
        assert_int_equal(connect(s, (struct sockaddr *)&sa, sizeof sa), 0);
        close(s);
    }
    unsigned long all_but_one = before + BURST - 1;
    assert_true(pump_until(w, false, b_refused_more, &all_but_one, 3000));
    uint64_t t0 = ms_now();
    struct logged_arg a = {path, BURST};
    assert_true(pump_until(w, false, strangers_all_logged, &a, 2500));
    assert_true(ms_now() - t0 <= 1500);
    unsigned lines;
    assert_int_equal(strangers_logged(path, &lines), BURST);
    assert_true(lines >= 1 && lines <= 2);
    log_close(&w->b.log);
    unlink(path);
}

/* A zmq DEALER of the test's own that speaks the link protocol. */
struct stranger {
    void *ctx, *s;
};

/* A CURVE client presenting key pair sec/pub to a server known by the
 * virtual machine's public key. */
static void curve_client(void *s, const uint8_t *sec, const uint8_t *pub)
{
    assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, vm_pub, 32), 0);
    assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, 32), 0);
    assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, 32), 0);
}

/* A DEALER to d's mesh: a CURVE client with key pair sec/pub, or with no
 * CURVE when sec is NULL. */
static void stranger_open_key(struct stranger *st, struct pvmd *d, const uint8_t *sec,
                              const uint8_t *pub)
{
    st->ctx = zmq_ctx_new();
    st->s = zmq_socket(st->ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(st->s, ZMQ_LINGER, &linger, sizeof linger);
    if (sec)
        curve_client(st->s, sec, pub);
    assert_int_equal(zmq_connect(st->s, xport_zmq_endpoint(d)), 0);
}

/* One that holds the virtual machine's key (as a peer pvmd does). */
static void stranger_open_to(struct stranger *st, struct pvmd *d)
{
    stranger_open_key(st, d, plain ? NULL : vm_sec, vm_pub);
}

static void stranger_open(struct stranger *st, struct world *w)
{
    stranger_open_to(st, &w->b);
}

static void stranger_close(struct stranger *st)
{
    zmq_close(st->s);
    zmq_ctx_term(st->ctx);
}

static void stranger_send(struct stranger *st, int kind, uint64_t seq, uint64_t ack,
                          struct frame *f)
{
    uint8_t lp[XPORT_ZMQ_LINK_LEN];
    xport_zmq_link_encode(lp, kind, seq, ack);
    assert_int_equal(zmq_send(st->s, lp, sizeof lp, f ? ZMQ_SNDMORE : 0), (int)sizeof lp);
    if (!f)
        return;
    uint8_t hdr[WIRE_HDR_LEN];
    wire_encode(&f->h, hdr);
    assert_int_equal(zmq_send(st->s, hdr, sizeof hdr, f->h.len ? ZMQ_SNDMORE : 0), WIRE_HDR_LEN);
    if (f->h.len)
        assert_int_equal(zmq_send(st->s, f->payload, (size_t)f->h.len, 0), (int)f->h.len);
    frame_free(&f);
}

/* The frame in n message parts as the mesh sends them (header, then the
 * payload when there is one); NULL when there are none. */
static struct frame *parts_frame(zmq_msg_t *parts, int n)
{
    if (n < 1)
        return NULL;
    struct wire_hdr h;
    assert_int_equal(wire_decode(zmq_msg_data(&parts[0]), zmq_msg_size(&parts[0]), &h), 0);
    uint8_t *pl = NULL;
    if (h.len) {
        assert_int_equal(n, 2);
        pl = malloc(h.len);
        memcpy(pl, zmq_msg_data(&parts[1]), h.len);
    }
    return frame_new(&h, pl);
}

/* Waits (pumping both pvmds) for one message from b: its link part, and
 * its frame if it has one (the caller frees it). */
static struct frame *stranger_recv_ack(struct world *w, struct stranger *st, int *kind,
                                       uint64_t *seq, uint64_t *ack)
{
    uint64_t end = ms_now() + 2000;
    zmq_msg_t p[3];
    int np = 0;
    while (ms_now() < end) {
        zmq_msg_init(&p[0]);
        if (zmq_msg_recv(&p[0], st->s, ZMQ_DONTWAIT) >= 0) {
            np = 1;
            while (zmq_msg_more(&p[np - 1]) && np < 3) {
                zmq_msg_init(&p[np]);
                assert_true(zmq_msg_recv(&p[np], st->s, 0) >= 0);
                np++;
            }
            break;
        }
        zmq_msg_close(&p[0]);
        pump_until(w, false, NULL, NULL, 5);
    }
    assert_true(np > 0);
    assert_int_equal(
        xport_zmq_link_decode(zmq_msg_data(&p[0]), zmq_msg_size(&p[0]), kind, seq, ack), 0);
    struct frame *f = parts_frame(p + 1, np - 1);
    for (int i = 0; i < np; i++)
        zmq_msg_close(&p[i]);
    return f;
}

static struct frame *stranger_recv(struct world *w, struct stranger *st, int *kind, uint64_t *seq)
{
    uint64_t ack;
    return stranger_recv_ack(w, st, kind, seq, &ack);
}

/* Skips heartbeats; returns the status of the next hello reply. */
static int stranger_reply_status(struct world *w, struct stranger *st)
{
    for (;;) {
        int kind;
        uint64_t seq;
        struct frame *f = stranger_recv(w, st, &kind, &seq);
        if (kind == XPORT_ZMQ_PING) {
            assert_null(f);
            continue;
        }
        assert_int_equal(kind, XPORT_ZMQ_DATA);
        assert_int_equal(seq, 0);
        assert_int_equal(f->h.tag, PVM__CTL_TYPE__CTL_LINK_HELLO_REPLY);
        ProtobufCMessage *m = NULL;
        assert_int_equal(ctl_unpack(f->h.tag, f->payload, (size_t)f->h.len, &m), 0);
        int status = ((Pvm__LinkHelloReply *)m)->status;
        ctl_free(&m);
        frame_free(&f);
        return status;
    }
}

static struct frame *link_hello(unsigned version, int tid, int to)
{
    Pvm__LinkHello h = PVM__LINK_HELLO__INIT;
    h.proto_version = version;
    h.tid = tid;
    h.epoch = 12345;
    h.to = to;
    return frame_ctl(tid, to, PVM__CTL_TYPE__CTL_LINK_HELLO, 0, 0, &h.base);
}

static void test_link_hello_refusals(void **state)
{
    struct world *w = *state;
    struct stranger st;
    stranger_open(&st, w);
    /* A frame before the hello. */
    stranger_send(&st, XPORT_ZMQ_DATA, 1, 0, fake_user_frame(tid_make(1, 9), w->tb_tid, 1, 4, 0));
    assert_int_equal(stranger_reply_status(w, &st), PvmNoHost);
    assert_int_equal(w->tb->out.n, 0);
    /* A wrong protocol version. */
    stranger_send(&st, XPORT_ZMQ_DATA, 0, 0,
                  link_hello(CTL_PROTO_VERSION + 7, tid_pvmd(1), tid_pvmd(2)));
    assert_int_equal(stranger_reply_status(w, &st), PvmBadVersion);
    /* Meant for another pvmd. */
    stranger_send(&st, XPORT_ZMQ_DATA, 0, 0,
                  link_hello(CTL_PROTO_VERSION, tid_pvmd(1), tid_pvmd(3)));
    assert_int_equal(stranger_reply_status(w, &st), PvmNoHost);
    /* A payload that is not a LinkHello. */
    struct frame *g =
        fake_user_frame(tid_pvmd(1), tid_pvmd(2), PVM__CTL_TYPE__CTL_LINK_HELLO, 9, 0xff);
    g->h.flags = WIRE_F_CTL;
    stranger_send(&st, XPORT_ZMQ_DATA, 0, 0, g);
    assert_int_equal(stranger_reply_status(w, &st), PvmBadMsg);
    /* A malformed header and a malformed link part: no answer, logged. */
    assert_int_equal(zmq_send(st.s, "garbage", 7, 0), 7);
    uint8_t lp[XPORT_ZMQ_LINK_LEN];
    xport_zmq_link_encode(lp, XPORT_ZMQ_DATA, 0, 0);
    zmq_send(st.s, lp, sizeof lp, ZMQ_SNDMORE);
    zmq_send(st.s, "not a header", 12, 0);
    stranger_close(&st);
    /* Still serving a. */
    fake_arrive(w->ta, fake_user_frame(w->ta_tid, w->tb_tid, 6, 1, 'k'));
    assert_true(wait_frames(w, w->tb, 1, false, 2000));
    struct frame *f = fake_take(w->tb);
    assert_int_equal(f->h.tag, 6);
    frame_free(&f);
}

/* ===================================================================== */
/* Reliability                                                            */
/* ===================================================================== */

/* The next message from b that is not a heartbeat. */
static struct frame *stranger_next(struct world *w, struct stranger *st, int *kind, uint64_t *seq)
{
    for (;;) {
        uint64_t ack;
        struct frame *f = stranger_recv_ack(w, st, kind, seq, &ack);
        if (*kind != XPORT_ZMQ_PING)
            return f;
    }
}

static void test_receiver_takes_frames_in_order_once(void **state)
{
    struct world *w = *state;
    struct stranger st;
    stranger_open(&st, w);
    stranger_send(&st, XPORT_ZMQ_DATA, 0, 0,
                  link_hello(CTL_PROTO_VERSION, tid_pvmd(3), tid_pvmd(2)));
    assert_int_equal(stranger_reply_status(w, &st), PvmOk);
    int src = tid_make(3, 1);
    int kind;
    uint64_t seq, ack;
    /* Frame 1 was lost: 2 is not taken, and b asks for what follows 0. */
    stranger_send(&st, XPORT_ZMQ_DATA, 2, 0, fake_user_frame(src, w->tb_tid, 2, 4, 2));
    assert_null(stranger_next(w, &st, &kind, &seq));
    assert_int_equal(kind, XPORT_ZMQ_NACK);
    assert_int_equal(seq, 0);
    /* Sent again: 1, 1 (a duplicate), 2. */
    stranger_send(&st, XPORT_ZMQ_DATA, 1, 0, fake_user_frame(src, w->tb_tid, 1, 4, 1));
    stranger_send(&st, XPORT_ZMQ_DATA, 1, 0, fake_user_frame(src, w->tb_tid, 1, 4, 1));
    stranger_send(&st, XPORT_ZMQ_DATA, 2, 0, fake_user_frame(src, w->tb_tid, 2, 4, 2));
    assert_true(wait_frames(w, w->tb, 2, false, 2000));
    pump_until(w, false, NULL, NULL, 100);
    assert_int_equal(w->tb->out.n, 2);
    for (int i = 1; i <= 2; i++) {
        struct frame *f = fake_take(w->tb);
        assert_int_equal(f->h.tag, i);
        assert_int_equal(f->h.src, src);
        frame_free(&f);
    }
    /* b acknowledges both. */
    for (int i = 0;; i++) {
        assert_true(i < 20);
        assert_null(stranger_recv_ack(w, &st, &kind, &seq, &ack));
        if (ack == 2)
            break;
    }
    /* A heartbeat saying 3 was sent: the lost tail is asked for. */
    stranger_send(&st, XPORT_ZMQ_PING, 3, 0, NULL);
    assert_null(stranger_next(w, &st, &kind, &seq));
    assert_int_equal(kind, XPORT_ZMQ_NACK);
    assert_int_equal(seq, 2);
    stranger_close(&st);
}

/* A ROUTER of the test's own, playing host 3's pvmd for a's dialled link. */
struct peer3 {
    void *ctx, *s;
    uint8_t rid[256];
    size_t ridlen;
    char ep[256];
};

static struct frame *peer3_recv(struct world *w, struct peer3 *p, int *kind, uint64_t *seq,
                                uint64_t *ack)
{
    uint64_t end = ms_now() + 2000;
    for (;;) {
        assert_true(ms_now() < end);
        zmq_msg_t m[4];
        zmq_msg_init(&m[0]);
        if (zmq_msg_recv(&m[0], p->s, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m[0]);
            pump_until(w, false, NULL, NULL, 5);
            continue;
        }
        int np = 1;
        while (zmq_msg_more(&m[np - 1])) {
            assert_true(np < 4);
            zmq_msg_init(&m[np]);
            assert_true(zmq_msg_recv(&m[np], p->s, 0) >= 0);
            np++;
        }
        p->ridlen = zmq_msg_size(&m[0]);
        memcpy(p->rid, zmq_msg_data(&m[0]), p->ridlen);
        assert_int_equal(
            xport_zmq_link_decode(zmq_msg_data(&m[1]), zmq_msg_size(&m[1]), kind, seq, ack), 0);
        struct frame *f = parts_frame(m + 2, np - 2);
        for (int i = 0; i < np; i++)
            zmq_msg_close(&m[i]);
        return f;
    }
}

static struct frame *peer3_next(struct world *w, struct peer3 *p, int *kind, uint64_t *seq)
{
    for (;;) {
        uint64_t ack;
        struct frame *f = peer3_recv(w, p, kind, seq, &ack);
        if (*kind != XPORT_ZMQ_PING)
            return f;
    }
}

static void peer3_send(struct peer3 *p, int kind, uint64_t seq, uint64_t ack, struct frame *f)
{
    uint8_t lp[XPORT_ZMQ_LINK_LEN];
    xport_zmq_link_encode(lp, kind, seq, ack);
    assert_true(zmq_send(p->s, p->rid, p->ridlen, ZMQ_SNDMORE) >= 0);
    assert_int_equal(zmq_send(p->s, lp, sizeof lp, f ? ZMQ_SNDMORE : 0), (int)sizeof lp);
    if (!f)
        return;
    uint8_t hdr[WIRE_HDR_LEN];
    wire_encode(&f->h, hdr);
    assert_int_equal(zmq_send(p->s, hdr, sizeof hdr, f->h.len ? ZMQ_SNDMORE : 0), WIRE_HDR_LEN);
    if (f->h.len)
        assert_int_equal(zmq_send(p->s, f->payload, (size_t)f->h.len, 0), (int)f->h.len);
    frame_free(&f);
}

static bool host3_linked(struct world *w, void *arg)
{
    /* A host lost may also have left the table (the first host's doing). */
    const struct host *h = hosttab_get(w->a.hosts, 3);
    return (h && h->link) == (arg != NULL);
}

static bool queued_none(struct world *w, void *arg)
{
    struct xport *x = arg;
    (void)w;
    return x->ops->queued(x) == 0;
}

static void test_sender_resends_after_a_gap_and_a_new_epoch_is_a_new_host(void **state)
{
    struct world *w = *state;
    struct peer3 p = {0};
    p.ctx = zmq_ctx_new();
    p.s = zmq_socket(p.ctx, ZMQ_ROUTER);
    int zero = 0;
    zmq_setsockopt(p.s, ZMQ_LINGER, &zero, sizeof zero);
    /* A CURVE server with the machine's key (its context has no ZAP
     * handler: a's key is not checked, only a's check of it matters). */
    int one = 1;
    assert_int_equal(zmq_setsockopt(p.s, ZMQ_CURVE_SERVER, &one, sizeof one), 0);
    assert_int_equal(zmq_setsockopt(p.s, ZMQ_CURVE_SECRETKEY, vm_sec, 32), 0);
    assert_int_equal(zmq_bind(p.s, "tcp://127.0.0.1:*"), 0);
    size_t len = sizeof p.ep;
    zmq_getsockopt(p.s, ZMQ_LAST_ENDPOINT, p.ep, &len);
    struct xport *x = NULL;
    assert_int_equal(xport_zmq.dial(&w->a, p.ep, tid_pvmd(3), &x), 0);

    /* The hello comes first, numbered 0. */
    int kind;
    uint64_t seq, ack;
    struct frame *f = peer3_recv(w, &p, &kind, &seq, &ack);
    assert_int_equal(kind, XPORT_ZMQ_DATA);
    assert_int_equal(seq, 0);
    assert_int_equal(f->h.tag, PVM__CTL_TYPE__CTL_LINK_HELLO);
    ProtobufCMessage *m = NULL;
    assert_int_equal(ctl_unpack(f->h.tag, f->payload, (size_t)f->h.len, &m), 0);
    const Pvm__LinkHello *h = (const Pvm__LinkHello *)m;
    assert_int_equal(h->proto_version, CTL_PROTO_VERSION);
    assert_int_equal(h->tid, w->a.mytid);
    assert_int_equal(h->to, tid_pvmd(3));
    assert_true(h->epoch == w->a.epoch);
    ctl_free(&m);
    frame_free(&f);
    Pvm__LinkHelloReply r = PVM__LINK_HELLO_REPLY__INIT;
    r.tid = tid_pvmd(3);
    r.epoch = 999;
    peer3_send(&p, XPORT_ZMQ_DATA, 0, 0,
               frame_ctl(tid_pvmd(3), w->a.mytid, PVM__CTL_TYPE__CTL_LINK_HELLO_REPLY, WIRE_F_REPLY,
                         0, &r.base));
    assert_true(pump_until(w, false, host3_linked, "up", 2000));
    assert_ptr_equal(hosttab_get(w->a.hosts, 3)->link, x);

    for (int i = 1; i <= 3; i++)
        fake_arrive(w->ta, fake_user_frame(w->ta_tid, tid_make(3, 1), i, 8, i));
    for (uint64_t i = 1; i <= 3; i++) {
        f = peer3_next(w, &p, &kind, &seq);
        assert_int_equal(seq, i);
        assert_int_equal(f->h.tag, (int)i);
        frame_free(&f);
    }
    /* 2 and 3 were lost on the way: asked for, they come again, in order. */
    peer3_send(&p, XPORT_ZMQ_NACK, 1, 1, NULL);
    for (uint64_t i = 2; i <= 3; i++) {
        f = peer3_next(w, &p, &kind, &seq);
        assert_int_equal(seq, i);
        assert_int_equal(f->h.tag, (int)i);
        assert_int_equal(f->payload[7], (int)i);
        frame_free(&f);
    }
    assert_int_equal(x->ops->queued(x), 2 * (WIRE_HDR_LEN + 8));
    peer3_send(&p, XPORT_ZMQ_PING, 0, 3, NULL);
    assert_true(pump_until(w, false, queued_none, x, 2000));

    /* Host 3's pvmd says hello from a new start: its old link is over. */
    struct stranger st;
    stranger_open_to(&st, &w->a);
    struct frame *hello = link_hello(CTL_PROTO_VERSION, tid_pvmd(3), tid_pvmd(1));
    stranger_send(&st, XPORT_ZMQ_DATA, 0, 0, hello);
    assert_true(pump_until(w, false, host3_linked, NULL, 2000));
    stranger_close(&st);
    zmq_close(p.s);
    zmq_ctx_term(p.ctx);
}

/* ===================================================================== */
/* Security                                                               */
/* ===================================================================== */

static size_t inbound_links(struct pvmd *d)
{
    size_t n = 0;
    for (struct xport *x = xport_first(d); x; x = x->next)
        n += x->inbound && x->tran == &xport_zmq;
    return n;
}

static void still_serving(struct world *w, int tag)
{
    fake_arrive(w->ta, fake_user_frame(w->ta_tid, w->tb_tid, tag, 3, 's'));
    assert_true(wait_frames(w, w->tb, 1, false, 2000));
    struct frame *f = fake_take(w->tb);
    assert_int_equal(f->h.tag, tag);
    frame_free(&f);
    assert_true(w->ab->up);
    assert_true(w->ba->up);
}

/* st says hello as host 3's pvmd and sends it a frame for tb: b must
 * refuse the connection (counted), answer nothing, make no link, deliver
 * nothing, and go on serving a. */
static void expect_refused(struct world *w, struct stranger *st)
{
    unsigned long before = xport_zmq_refused(&w->b);
    size_t links = inbound_links(&w->b);
    stranger_send(st, XPORT_ZMQ_DATA, 0, 0,
                  link_hello(CTL_PROTO_VERSION, tid_pvmd(3), tid_pvmd(2)));
    stranger_send(st, XPORT_ZMQ_DATA, 1, 0, fake_user_frame(tid_make(3, 1), w->tb_tid, 99, 4, 'z'));
    assert_true(pump_until(w, false, b_refused_more, &before, 3000));
    pump_until(w, false, NULL, NULL, 300);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    assert_true(zmq_msg_recv(&msg, st->s, ZMQ_DONTWAIT) < 0);
    zmq_msg_close(&msg);
    assert_int_equal(inbound_links(&w->b), links);
    assert_null(hosttab_get(w->b.hosts, 3)->link);
    assert_int_equal(w->tb->out.n, 0);
    still_serving(w, 7);
}

static void test_foreign_curve_key_is_refused(void **state)
{
    struct world *w = *state;
    char zpub[41], zsec[41];
    uint8_t sec[32], pub[32];
    assert_int_equal(zmq_curve_keypair(zpub, zsec), 0);
    zmq_z85_decode(sec, zsec);
    zmq_z85_decode(pub, zpub);
    struct stranger st;
    stranger_open_key(&st, &w->b, sec, pub);
    expect_refused(w, &st);
    stranger_close(&st);
    /* A client that knows the public key but not the secret one cannot
     * even finish the handshake as that key. */
    stranger_open_key(&st, &w->b, sec, vm_pub);
    expect_refused(w, &st);
    stranger_close(&st);
}

static void test_plain_zmq_client_is_refused(void **state)
{
    struct world *w = *state;
    struct stranger st;
    stranger_open_key(&st, &w->b, NULL, NULL);
    expect_refused(w, &st);
    stranger_close(&st);
}

/* With the machine's key pair, the test's DEALER is a peer pvmd. */
static void test_vm_key_is_admitted(void **state)
{
    struct world *w = *state;
    struct stranger st;
    stranger_open_to(&st, &w->b);
    stranger_send(&st, XPORT_ZMQ_DATA, 0, 0,
                  link_hello(CTL_PROTO_VERSION, tid_pvmd(3), tid_pvmd(2)));
    assert_int_equal(stranger_reply_status(w, &st), PvmOk);
    stranger_send(&st, XPORT_ZMQ_DATA, 1, 0,
                  fake_user_frame(tid_make(3, 1), w->tb_tid, 98, 4, 'y'));
    assert_true(wait_frames(w, w->tb, 1, false, 2000));
    struct frame *f = fake_take(w->tb);
    assert_int_equal(f->h.tag, 98);
    frame_free(&f);
    stranger_close(&st);
}

/* Plain: the mesh works unencrypted, and a plain client is a peer (the
 * link protocol's own checks are all that stand). */
static size_t inbound_from(struct pvmd *d, int tid)
{
    size_t n = 0;
    for (struct xport *x = xport_first(d); x; x = x->next)
        n += x->inbound && x->tran == &xport_zmq && x->peer == tid && !x->down;
    return n;
}

static bool no_link_from_3(struct world *w, void *arg)
{
    (void)arg;
    return inbound_from(&w->b, tid_pvmd(3)) == 0;
}

/* A peer (it holds the machine's key) whose payload parts do not add up
 * to its frame header's length: the link closes, nothing is delivered. */
static void test_parts_that_do_not_add_up_close_the_link(void **state)
{
    struct world *w = *state;
    for (int shape = 0; shape < 2; shape++) {
        struct stranger st;
        stranger_open(&st, w);
        stranger_send(&st, XPORT_ZMQ_DATA, 0, 0,
                      link_hello(CTL_PROTO_VERSION, tid_pvmd(3), tid_pvmd(2)));
        assert_int_equal(stranger_reply_status(w, &st), PvmOk);
        assert_int_equal(inbound_from(&w->b, tid_pvmd(3)), 1);
        struct frame *f = fake_user_frame(tid_make(3, 1), w->tb_tid, 97, 10, 'q');
        uint8_t lp[XPORT_ZMQ_LINK_LEN], hdr[WIRE_HDR_LEN];
        xport_zmq_link_encode(lp, XPORT_ZMQ_DATA, 1, 0);
        wire_encode(&f->h, hdr);
        assert_int_equal(zmq_send(st.s, lp, sizeof lp, ZMQ_SNDMORE), (int)sizeof lp);
        assert_int_equal(zmq_send(st.s, hdr, sizeof hdr, ZMQ_SNDMORE), WIRE_HDR_LEN);
        if (shape == 0) { /* 4 + 4 bytes for 10 */
            assert_int_equal(zmq_send(st.s, f->payload, 4, ZMQ_SNDMORE), 4);
            assert_int_equal(zmq_send(st.s, f->payload, 4, 0), 4);
        } else { /* 6 + 0 + 4: an empty part */
            assert_int_equal(zmq_send(st.s, f->payload, 6, ZMQ_SNDMORE), 6);
            assert_int_equal(zmq_send(st.s, f->payload, 0, ZMQ_SNDMORE), 0);
            assert_int_equal(zmq_send(st.s, f->payload, 4, 0), 4);
        }
        frame_free(&f);
        assert_true(pump_until(w, false, no_link_from_3, NULL, 2000));
        assert_int_equal(w->tb->out.n, 0);
        stranger_close(&st);
    }
    still_serving(w, 10);
}

/* The resident memory of this process (both pvmds), in bytes. */
static size_t resident(void)
{
    FILE *fp = fopen("/proc/self/statm", "r");
    assert_non_null(fp);
    unsigned long size = 0, res = 0;
    assert_int_equal(fscanf(fp, "%lu %lu", &size, &res), 2);
    fclose(fp);
    return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
}

/* A raw TCP client with no key sends a ZMTP 3.0 greeting announcing CURVE,
 * then a command frame claiming 4 GiB, then streams bytes: b drops the
 * connection at the frame's header (ZMQ_MAXMSGSIZE holds in the
 * handshake) without buffering what follows, and serves a meanwhile. */
static void test_stranger_huge_command_is_dropped(void **state)
{
    struct world *w = *state;
    size_t rss0 = resident();
    unsigned long before = xport_zmq_refused(&w->b);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons(endpoint_port(xport_zmq_endpoint(&w->b)))};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(s, (struct sockaddr *)&sa, sizeof sa), 0);
    /* The greeting (ZMTP 3.0, 64 bytes): signature, version 3.0, mechanism
     * "CURVE" padded to 20 bytes, as-server 0, filler. */
    uint8_t g[64 + 9] = {0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 3, 0};
    memcpy(g + 12, "CURVE", 5);
    /* A command frame, long form: flags 0x06, size 0x100000000. */
    uint8_t *c = g + 64;
    c[0] = 0x06;
    uint64_t claim = (uint64_t)1 << 32;
    for (int i = 0; i < 8; i++)
        c[1 + i] = (uint8_t)(claim >> (8 * (7 - i)));
    assert_int_equal(send(s, g, sizeof g, MSG_NOSIGNAL), (ssize_t)sizeof g);
    /* Stream up to 256 MiB, pumping both pvmds, until b drops us. */
    size_t chunk = (size_t)1 << 20, sent = 0;
    uint8_t *junk = malloc(chunk);
    assert_non_null(junk);
    memset(junk, 0x5a, chunk);
    struct timeval tv = {.tv_usec = 20000};
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    bool dropped = false;
    uint64_t end = ms_now() + 5000;
    while (sent < ((size_t)256 << 20) && ms_now() < end) {
        ssize_t r = send(s, junk, chunk, MSG_NOSIGNAL);
        if (r < 0 && (errno == EPIPE || errno == ECONNRESET)) {
            dropped = true;
            break;
        }
        if (r > 0)
            sent += (size_t)r;
        pump_until(w, false, NULL, NULL, 1);
    }
    free(junk);
    size_t rss1 = resident();
    print_message("stranger streamed %zu KiB before the drop; resident %zu -> %zu KiB\n",
                  sent >> 10, rss0 >> 10, rss1 >> 10);
    assert_true(dropped);
    assert_true(sent < ((size_t)32 << 20));
    assert_true(rss1 < rss0 + ((size_t)8 << 20));
    assert_true(pump_until(w, false, b_refused_more, &before, 2000));
    close(s);
    still_serving(w, 11);
}

static void test_plain_mesh_works(void **state)
{
    struct world *w = *state;
    test_user_frame_arrives(state);
    test_vm_key_is_admitted(state);
    still_serving(w, 8);
}

static void test_security_is_chosen_once_before_use(void **state)
{
    (void)state;
    struct pvmd *c = calloc(1, sizeof *c);
    fake_pvmd(c, 1, 2);
    struct xport *x = NULL;
    assert_int_equal(xport_zmq.listen(c, "tcp://127.0.0.1:0"), PvmSysErr);
    assert_int_equal(xport_zmq.dial(c, "tcp://127.0.0.1:1", tid_pvmd(2), &x), PvmSysErr);
    assert_null(xport_zmq_endpoint(c));
    uint8_t got[32];
    assert_int_equal(xport_zmq_vm_key(c, got), PvmSysErr);
    assert_int_equal(xport_zmq_secure(c, vm_sec), 0);
    assert_int_equal(xport_zmq_secure(c, NULL), PvmSysErr);
    assert_int_equal(xport_zmq_vm_key(c, got), 1);
    assert_memory_equal(got, vm_sec, 32);
    assert_int_equal(xport_zmq.listen(c, "tcp://127.0.0.1:0"), 0);
    fake_pvmd_end(c);
    assert_null(c->mesh);
    free(c);

    c = calloc(1, sizeof *c);
    fake_pvmd(c, 1, 2);
    assert_int_equal(xport_zmq_secure(c, NULL), 0);
    assert_int_equal(xport_zmq_vm_key(c, got), 0);
    fake_pvmd_end(c);
    free(c);
}

/* ===================================================================== */
/* Cost of CURVE                                                          */
/* ===================================================================== */

/* Like pump_until, without the sleep: for timing. */
static void pump_frames(struct world *w, struct fake *l, size_t n)
{
    uint64_t end = ms_now() + 10000;
    while (l->out.n < n) {
        assert_true(ms_now() < end);
        uv_run(w->a.loop, UV_RUN_NOWAIT);
        uv_run(w->b.loop, UV_RUN_NOWAIT);
    }
}

static double round_trips(struct world *w, size_t len, int n)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < n; i++) {
        fake_arrive(w->ta, fake_user_frame(w->ta_tid, w->tb_tid, 1, len, 'a'));
        pump_frames(w, w->tb, 1);
        struct frame *f = fake_take(w->tb);
        assert_int_equal(f->h.len, len);
        frame_free(&f);
        fake_arrive(w->tb, fake_user_frame(w->tb_tid, w->ta_tid, 2, len, 'b'));
        pump_frames(w, w->ta, 1);
        f = fake_take(w->ta);
        frame_free(&f);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return ((double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) / n;
}

static void measure(bool plain_mesh, double *small_us, double *mib_us)
{
    void *st = NULL;
    plain = plain_mesh;
    assert_int_equal(setup(&st), 0);
    struct world *w = st;
    round_trips(w, 8, 50); /* warm up */
    *small_us = round_trips(w, 8, 2000);
    round_trips(w, (size_t)1 << 20, 3);
    *mib_us = round_trips(w, (size_t)1 << 20, 40);
    assert_int_equal(teardown(&st), 0);
}

static void test_cost(void **state)
{
    (void)state;
    double cs, cm, ps, pm;
    measure(false, &cs, &cm);
    measure(true, &ps, &pm);
    printf("cost of CURVE, round trip between two pvmds (unit test setting):\n"
           "  8 B:   curve %8.1f us, plain %8.1f us (x%.2f)\n"
           "  1 MiB: curve %8.1f us, plain %8.1f us (x%.2f): %.0f vs %.0f MB/s carried\n",
           cs, ps, cs / ps, cm, pm, cm / pm, 2 * 1.048576e6 / cm, 2 * 1.048576e6 / pm);
}

/* ===================================================================== */
/* Back-pressure                                                          */
/* ===================================================================== */

static void test_pause_holds_frames_and_acks(void **state)
{
    struct world *w = *state;
    struct xport *in = NULL;
    for (struct xport *x = xport_first(&w->b); x; x = x->next)
        if (x->inbound && x->tran == &xport_zmq && x->peer == tid_pvmd(1))
            in = x;
    assert_non_null(in);
    in->ops->pause(in);
    for (int i = 0; i < 5; i++)
        fake_arrive(w->ta, fake_user_frame(w->ta_tid, w->tb_tid, i, 100, i));
    pump_until(w, false, NULL, NULL, 300);
    assert_int_equal(w->tb->out.n, 0);
    assert_int_equal(w->ab->ops->queued(w->ab), 5 * (WIRE_HDR_LEN + 100));
    assert_true(w->ab->up); /* heartbeats still flow */
    in->ops->resume(in);
    assert_true(wait_frames(w, w->tb, 5, false, 2000));
    for (int i = 0; i < 5; i++) {
        struct frame *f = fake_take(w->tb);
        assert_int_equal(f->h.tag, i);
        frame_free(&f);
    }
    assert_true(pump_until(w, false, all_acked, NULL, 2000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_user_frame_arrives, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thousand_frames_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_64mib_frame_intact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frames_in_parts_intact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_links_know_the_peer_epoch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forwarded_request_is_relayed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frozen_peer_fails_pending_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stalled_loops_are_not_a_dead_peer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw_tcp_garbage_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stranger_burst_is_logged_within_a_second, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_link_hello_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receiver_takes_frames_in_order_once, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_sender_resends_after_a_gap_and_a_new_epoch_is_a_new_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pause_holds_frames_and_acks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_curve_key_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain_zmq_client_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_key_is_admitted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parts_that_do_not_add_up_close_the_link, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stranger_huge_command_is_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain_mesh_works, setup_plain, teardown),
        cmocka_unit_test(test_security_is_chosen_once_before_use),
        cmocka_unit_test(test_cost),
    };
    make_vm_key();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
