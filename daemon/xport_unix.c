/*
 * xport_unix.c - the "unix" transport: accept or dial, read frames, write
 * frames.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* struct ucred, pipe2 */
#endif
#include "xport_unix.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frame.h"
#include "framer.h"
#include "pvm3.h"
#include "pvmd.h"
#include "route.h"
#include "sock.h"
#include "wire.h"

/* First allocation for a payload.  Larger payloads grow by doubling as
 * bytes arrive, so a header that merely claims a huge length costs
 * nothing until the bytes are really sent. */
#define CONN_PAYLOAD_FIRST (64 * 1024)

struct conn {
    struct xport x; /* first: the daemon sees only this */
    uv_pipe_t pipe;
    uv_connect_t creq; /* dialling */

    uint64_t since; /* uv_now when accepted: it has hello_ms to say hello */

    /* reader */
    struct framer fr;
    struct frame *rf; /* the frame being filled */
    bool paused;      /* reading stopped by the daemon (back-pressure) */

    /* writer */
    size_t wq_frames; /* frames handed to uv_write and not yet done */
    size_t wq_bytes;  /* their bytes */
    bool closing;
    bool shutting; /* flushing before a close (halt) */
    uv_shutdown_t sreq;
};

static const struct xport_ops unix_ops;

/* ===================================================================== */
/* Closing                                                                */
/* ===================================================================== */

static void on_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    struct pvmd *d = c->x.d;
    frame_free(&c->rf);
    framer_fini(&c->fr);
    free(c);
    pvmd_halt_check(d);
}

static void conn_close(struct conn *c, const char *why)
{
    if (c->closing)
        return;
    c->closing = true;
    if (why)
        log_info(c->x.d, "connection of %s (pid %d) closed: %s",
                 c->x.peer ? "task" : "unenrolled peer", (int)c->x.pid, why);
    if (c->x.peer)
        log_debug(c->x.d, "  it was t%x", (unsigned)c->x.peer);
    uv_read_stop((uv_stream_t *)&c->pipe);
    uv_close((uv_handle_t *)&c->pipe, on_closed);
    /* The daemon forgets the link now; libuv frees it later, so c stays
     * valid until the loop runs again. */
    xport_up_down(&c->x, why ? why : "closed");
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    struct conn *c = req->data;
    (void)status;
    conn_close(c, NULL);
}

static void unix_shutdown(struct xport *x)
{
    struct conn *c = (struct conn *)x;
    if (c->closing || c->shutting)
        return;
    c->shutting = true;
    c->sreq.data = c;
    if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->pipe, on_shutdown) < 0)
        conn_close(c, NULL);
}

static void unix_close(struct xport *x, const char *why)
{
    conn_close((struct conn *)x, why);
}

/* ===================================================================== */
/* Writing                                                                */
/* ===================================================================== */

static void on_written(uv_write_t *req, int status)
{
    struct frame *f = req->data;
    struct conn *c = req->handle->data;
    c->wq_frames--;
    c->wq_bytes -= WIRE_HDR_LEN + f->h.len;
    size_t n = WIRE_HDR_LEN + f->h.len;
    frame_free(&f);
    route_held_sub(c->x.d, n);
    if (!c->closing)
        xport_up_drained(&c->x);
    if (status < 0 && status != UV_ECANCELED)
        conn_close(c, uv_strerror(status));
}

static int unix_send(struct xport *x, struct frame *f)
{
    struct conn *c = (struct conn *)x;
    if (c->closing || c->shutting) {
        log_debug(c->x.d, "frame to t%x dropped: its connection is closing", (unsigned)f->h.dst);
        frame_free(&f);
        return PvmSysErr;
    }
    wire_encode(&f->h, f->hdr);
    uv_buf_t bufs[2] = {uv_buf_init((char *)f->hdr, WIRE_HDR_LEN)};
    unsigned nbufs = 1;
    if (f->h.len > 0)
        bufs[nbufs++] = uv_buf_init((char *)f->payload, (unsigned)f->h.len);
    /* uv_buf_t's length is size_t on Unix, but uv_buf_init takes an
     * unsigned int: set it directly for payloads of 4 GiB and more. */
    if (f->h.len > 0)
        bufs[1].len = (size_t)f->h.len;
    f->wreq.data = f;
    int r = uv_write(&f->wreq, (uv_stream_t *)&c->pipe, bufs, nbufs, on_written);
    if (r < 0) {
        frame_free(&f);
        conn_close(c, uv_strerror(r));
        return PvmSysErr;
    }
    c->wq_frames++;
    c->wq_bytes += WIRE_HDR_LEN + f->h.len;
    route_held_add(c->x.d, WIRE_HDR_LEN + f->h.len);
    return 0;
}

/* ===================================================================== */
/* Reading                                                                */
/* ===================================================================== */

/* common/framer reads: many small frames per read system call through
 * its stage, large payloads straight into the frame's buffer.  The buffer
 * grows with what has arrived (CONN_PAYLOAD_FIRST, then doubling), never
 * with what a header merely claims. */

static int fr_begin(void *arg, const struct wire_hdr *h)
{
    struct conn *c = arg;
    /* Before hello anyone may be at the other end: what it claims is not
     * believed beyond a hello's size (the buffer grows with what arrives,
     * and a stranger could send that much). */
    if (c->x.inbound && !c->x.peer && h->len > c->x.d->limits.hello_max)
        return PvmOverflow;
    c->rf = frame_new(h, NULL);
    if (!c->rf)
        return PvmNoMem;
    c->rf->cap = 0;
    return 0;
}

static int fr_room(void *arg, const struct wire_hdr *h, uint64_t got, uint8_t **ptr, size_t *len)
{
    struct frame *f = ((struct conn *)arg)->rf;
    if (got + *len > f->cap) {
        uint64_t want = f->cap ? (uint64_t)f->cap * 2 : CONN_PAYLOAD_FIRST;
        if (want < got + *len)
            want = got + *len;
        if (want > h->len)
            want = h->len;
        uint8_t *p = realloc(f->payload, (size_t)want);
        if (!p)
            return PvmNoMem;
        f->payload = p;
        f->cap = (size_t)want;
    }
    *ptr = f->payload + got;
    *len = f->cap - (size_t)got;
    return 0;
}

/* A whole frame is in: hand it to the daemon.  Reading stops (what is
 * staged waits) when the daemon paused or closed the link meanwhile. */
static int fr_done(void *arg, const struct wire_hdr *h)
{
    struct conn *c = arg;
    struct frame *f = c->rf;
    (void)h;
    c->rf = NULL;
    xport_up_frame(&c->x, f);
    return c->closing || c->paused ? PvmSysErr : 0;
}

static const struct framer_ops conn_framer_ops = {
    .begin = fr_begin,
    .room = fr_room,
    .done = fr_done,
};

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct conn *c = h->data;
    (void)suggested;
    uint8_t *p;
    size_t len;
    if (framer_space(&c->fr, &p, &len) < 0 || len == 0) {
        /* A zero-length buffer makes libuv report UV_ENOBUFS. */
        *buf = uv_buf_init(NULL, 0);
        return;
    }
    *buf = uv_buf_init((char *)p, len > (1u << 30) ? 1u << 30 : (unsigned)len);
}

/* The framer said no: a malformed header, or no memory. */
static void read_failed(struct conn *c, int cc)
{
    char why[96];
    if (cc == PvmBadVersion || cc == PvmBadMsg)
        snprintf(why, sizeof why, "refused a malformed frame header (%s)",
                 cc == PvmBadVersion ? "wrong protocol version" : "bad magic, length or fields");
    else if (cc == PvmOverflow)
        snprintf(why, sizeof why, "refused a frame of %llu bytes before hello (at most %zu)",
                 (unsigned long long)c->fr.hdr.len, c->x.d->limits.hello_max);
    else
        snprintf(why, sizeof why, "out of memory reading a frame");
    conn_close(c, why);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = s->data;
    (void)buf;
    if (nread == 0 || c->closing)
        return;
    if (nread < 0) {
        const char *why = nread == UV_EOF ? "end of stream" : uv_strerror((int)nread);
        if (framer_mid_frame(&c->fr)) {
            char msg[160];
            snprintf(msg, sizeof msg, "%s in the middle of a frame (partial frame dropped)", why);
            conn_close(c, msg);
        } else {
            conn_close(c, c->x.peer ? why : NULL);
        }
        return;
    }
    int cc = framer_feed(&c->fr, (size_t)nread);
    if (cc < 0 && framer_error(&c->fr))
        read_failed(c, cc);
}

/* ===================================================================== */
/* Links                                                                  */
/* ===================================================================== */

static size_t unix_queued(const struct xport *x)
{
    return ((const struct conn *)x)->wq_bytes;
}

static void unix_pause(struct xport *x)
{
    struct conn *c = (struct conn *)x;
    if (c->closing || c->paused)
        return;
    c->paused = true;
    uv_read_stop((uv_stream_t *)&c->pipe);
}

static void unix_resume(struct xport *x)
{
    struct conn *c = (struct conn *)x;
    if (!c->paused)
        return;
    c->paused = false;
    if (c->closing || c->shutting)
        return;
    /* Frames that were staged when reading stopped go first. */
    int cc = framer_feed(&c->fr, 0);
    if (cc < 0 && framer_error(&c->fr)) {
        read_failed(c, cc);
        return;
    }
    if (c->closing || c->paused)
        return;
    int r = uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
    if (r < 0)
        conn_close(c, uv_strerror(r));
}

static const struct xport_ops unix_ops = {
    .send = unix_send,
    .close = unix_close,
    .shutdown = unix_shutdown,
    .queued = unix_queued,
    .pause = unix_pause,
    .resume = unix_resume,
};

static struct conn *conn_new(struct pvmd *d)
{
    struct conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    xport_init(&c->x, d, &unix_ops, &xport_unix);
    framer_init(&c->fr, FRAMER_STAGE, &conn_framer_ops, c);
    uv_pipe_init(d->loop, &c->pipe, 0);
    c->pipe.data = c;
    return c;
}

/* ===================================================================== */
/* Connections that say nothing                                           */
/* ===================================================================== */

/* One timer for every connection not yet enrolled, armed only while there
 * is one: a client that connects and never says hello (or stops in the
 * middle of it) is closed after hello_ms instead of holding a descriptor
 * and a buffer for ever. */

struct hello_sweep {
    uint64_t now, next; /* next: the earliest deadline still to come, 0 none */
};

static bool waits_for_hello(const struct xport *x)
{
    return x->tran == &xport_unix && x->inbound && !x->peer && !x->exited;
}

static void sweep_one(struct xport *x, void *arg)
{
    struct hello_sweep *sw = arg;
    struct conn *c = (struct conn *)x;
    if (!waits_for_hello(x) || c->closing)
        return;
    uint64_t due = c->since + x->d->limits.hello_ms;
    if (due <= sw->now) {
        char why[96];
        snprintf(why, sizeof why, "no hello within %u ms", x->d->limits.hello_ms);
        conn_close(c, why);
    } else if (!sw->next || due < sw->next) {
        sw->next = due;
    }
}

static void on_hello_timer(uv_timer_t *tm)
{
    struct pvmd *d = tm->data;
    struct hello_sweep sw = {.now = uv_now(d->loop)};
    xport_each(d, sweep_one, &sw);
    if (sw.next && d->listening)
        uv_timer_start(&d->hello_timer, on_hello_timer, sw.next - sw.now, 0);
}

static void arm_hello_timer(struct conn *c)
{
    struct pvmd *d = c->x.d;
    c->since = uv_now(d->loop);
    if (d->listening && !uv_is_active((uv_handle_t *)&d->hello_timer))
        uv_timer_start(&d->hello_timer, on_hello_timer, d->limits.hello_ms, 0);
}

/* The link is connected: learn who is there, announce it, read. */
static void conn_start(struct conn *c)
{
    struct pvmd *d = c->x.d;
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)&c->pipe, &fd) < 0 ||
        sock_peer_cred(fd, &c->x.pid, &c->x.uid) < 0) {
        conn_close(c, "cannot read the peer's credentials");
        return;
    }
    log_debug(d, "connection from pid %d uid %u", (int)c->x.pid, (unsigned)c->x.uid);
    if (c->x.inbound)
        arm_hello_timer(c);
    xport_up_link(&c->x);
    int r = uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
    if (r < 0)
        conn_close(c, uv_strerror(r));
}

static void on_connection(uv_stream_t *server, int status)
{
    struct pvmd *d = server->data;
    if (status < 0) {
        log_error(d, "accept: %s", uv_strerror(status));
        return;
    }
    struct conn *c = conn_new(d);
    if (!c) {
        log_error(d, "accept: out of memory");
        return;
    }
    c->x.inbound = true;
    int r = uv_accept(server, (uv_stream_t *)&c->pipe);
    if (r < 0) {
        log_error(d, "accept: %s", uv_strerror(r));
        c->closing = true;
        uv_close((uv_handle_t *)&c->pipe, on_closed);
        return;
    }
    conn_start(c);
}

static int unix_listen(struct pvmd *d, const char *path)
{
    uv_pipe_init(d->loop, &d->listener, 0);
    d->listener.data = d;
    /* Bound here, not by uv_pipe_bind: libuv would unlink the path when the
     * listener closes, whatever file it names by then (another pvmd's
     * socket, after our directory was removed).  The pvmd removes only
     * its own (pvmd_unlink_own). */
    int fd, r = UV_EINVAL;
    if (sock_listen_unix(path, 128, &fd) < 0) {
        r = uv_translate_sys_error(errno);
    } else {
        chmod(path, 0600);
        if ((r = uv_pipe_open(&d->listener, fd)) < 0)
            close(fd);
        else
            r = uv_listen((uv_stream_t *)&d->listener, 128, on_connection);
    }
    if (r < 0) {
        log_error(d, "cannot listen on %s: %s", path, uv_strerror(r));
        uv_close((uv_handle_t *)&d->listener, NULL);
        return PvmSysErr;
    }
    d->listening = true;
    uv_timer_init(d->loop, &d->hello_timer);
    d->hello_timer.data = d;
    return 0;
}

static void on_listener_closed(uv_handle_t *h)
{
    pvmd_halt_check(h->data);
}

static void unix_unlisten(struct pvmd *d)
{
    if (!d->listening)
        return;
    d->listening = false;
    uv_close((uv_handle_t *)&d->listener, on_listener_closed);
    uv_close((uv_handle_t *)&d->hello_timer, on_listener_closed);
}

static void on_dialled(uv_connect_t *req, int status)
{
    struct conn *c = req->data;
    if (status < 0) {
        c->closing = true;
        uv_close((uv_handle_t *)&c->pipe, on_closed);
        xport_up_down(&c->x, uv_strerror(status));
        return;
    }
    conn_start(c);
}

static int unix_dial(struct pvmd *d, const char *path, int peer, struct xport **out)
{
    struct conn *c = conn_new(d);
    if (!c)
        return PvmNoMem;
    *out = &c->x;
    c->x.peer = peer;
    c->creq.data = c;
    uv_pipe_connect(&c->creq, &c->pipe, path, on_dialled);
    return 0;
}

const struct xport_tran xport_unix = {
    .name = "unix",
    .listen = unix_listen,
    .unlisten = unix_unlisten,
    .dial = unix_dial,
};
