/*
 * conn.c - local task connections: accept, read frames, write frames.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* struct ucred, pipe2 */
#endif
#include "conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pvm3.h"
#include "pvmd.h"
#include "route.h"
#include "tasktab.h"

/* First allocation for a payload.  Larger payloads grow by doubling as
 * bytes arrive, so a header that merely claims a huge length costs
 * nothing until the bytes are really sent. */
#define CONN_PAYLOAD_FIRST (64 * 1024)

static int conn_xsend(struct xport *x, struct frame *f);
static void conn_xclose(struct xport *x, const char *why);

static const struct xport_ops conn_ops = {
    .name = "unix",
    .send = conn_xsend,
    .close = conn_xclose,
};

/* ===================================================================== */
/* Closing                                                                */
/* ===================================================================== */

static void on_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    struct pvmd *d = c->d;
    frame_free(&c->rf);
    if (c->prev)
        c->prev->next = c->next;
    else
        d->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c);
    pvmd_halt_check(d);
}

void conn_close(struct conn *c, const char *why)
{
    if (c->closing)
        return;
    c->closing = true;
    if (why)
        log_info(c->d, "connection of %s (pid %d) closed: %s", c->tid ? "task" : "unenrolled peer",
                 (int)c->peer_pid, why);
    if (c->tid)
        log_debug(c->d, "  it was t%x", (unsigned)c->tid);
    tasktab_conn_closed(c->d, c);
    uv_read_stop((uv_stream_t *)&c->pipe);
    uv_close((uv_handle_t *)&c->pipe, on_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    struct conn *c = req->data;
    (void)status;
    conn_close(c, NULL);
}

void conn_shutdown(struct conn *c)
{
    if (c->closing || c->shutting)
        return;
    c->shutting = true;
    c->sreq.data = c;
    if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->pipe, on_shutdown) < 0)
        conn_close(c, NULL);
}

static void conn_xclose(struct xport *x, const char *why)
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
    frame_free(&f);
    route_drained(c->d, c->tid);
    if (status < 0 && status != UV_ECANCELED)
        conn_close(c, uv_strerror(status));
}

static int conn_xsend(struct xport *x, struct frame *f)
{
    struct conn *c = (struct conn *)x;
    if (c->closing || c->shutting) {
        log_debug(c->d, "frame to t%x dropped: its connection is closing", (unsigned)f->h.dst);
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
    return 0;
}

/* ===================================================================== */
/* Reading                                                                */
/* ===================================================================== */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct conn *c = h->data;
    (void)suggested;
    if (!c->rf) {
        *buf = uv_buf_init((char *)c->hdrbuf + c->hdr_got, (unsigned)(WIRE_HDR_LEN - c->hdr_got));
        return;
    }
    struct frame *f = c->rf;
    if (f->cap == c->pay_got) {
        uint64_t want = f->cap ? (uint64_t)f->cap * 2 : CONN_PAYLOAD_FIRST;
        if (want > f->h.len)
            want = f->h.len;
        uint8_t *p = realloc(f->payload, (size_t)want);
        if (!p) {
            /* A zero-length buffer makes libuv report UV_ENOBUFS. */
            *buf = uv_buf_init(NULL, 0);
            return;
        }
        f->payload = p;
        f->cap = (size_t)want;
    }
    size_t room = f->cap - (size_t)c->pay_got;
    *buf =
        uv_buf_init((char *)f->payload + c->pay_got, room > (1u << 30) ? 1u << 30 : (unsigned)room);
}

/* A whole frame is in: hand it over and reset the reader. */
static void frame_done(struct conn *c)
{
    struct frame *f = c->rf;
    c->rf = NULL;
    c->hdr_got = 0;
    c->pay_got = 0;
    route_from_conn(c->d, c, f);
}

static void on_header(struct conn *c)
{
    struct wire_hdr h;
    int r = wire_decode(c->hdrbuf, WIRE_HDR_LEN, &h);
    if (r < 0) {
        char why[96];
        snprintf(why, sizeof why, "refused a malformed frame header (%s)",
                 r == PvmBadVersion ? "wrong protocol version" : "bad magic, length or fields");
        conn_close(c, why);
        return;
    }
    c->rf = frame_new(&h, NULL);
    if (!c->rf) {
        conn_close(c, "out of memory");
        return;
    }
    c->rf->cap = 0;
    c->pay_got = 0;
    if (h.len == 0)
        frame_done(c);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = s->data;
    (void)buf;
    if (nread == 0 || c->closing)
        return;
    if (nread < 0) {
        const char *why = nread == UV_EOF ? "end of stream" : uv_strerror((int)nread);
        if (c->rf || c->hdr_got) {
            char msg[160];
            snprintf(msg, sizeof msg, "%s in the middle of a frame (partial frame dropped)", why);
            conn_close(c, msg);
        } else {
            conn_close(c, c->tid ? why : NULL);
        }
        return;
    }
    if (!c->rf) {
        c->hdr_got += (size_t)nread;
        if (c->hdr_got == WIRE_HDR_LEN)
            on_header(c);
        return;
    }
    c->pay_got += (uint64_t)nread;
    if (c->pay_got == c->rf->h.len)
        frame_done(c);
}

/* ===================================================================== */
/* Accepting                                                              */
/* ===================================================================== */

static void on_connection(uv_stream_t *server, int status)
{
    struct pvmd *d = server->data;
    if (status < 0) {
        log_error(d, "accept: %s", uv_strerror(status));
        return;
    }
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        log_error(d, "accept: out of memory");
        return;
    }
    c->x.ops = &conn_ops;
    c->d = d;
    uv_pipe_init(d->loop, &c->pipe, 0);
    c->pipe.data = c;
    c->next = d->conns;
    if (d->conns)
        d->conns->prev = c;
    d->conns = c;
    int r = uv_accept(server, (uv_stream_t *)&c->pipe);
    if (r < 0) {
        log_error(d, "accept: %s", uv_strerror(r));
        c->closing = true;
        uv_close((uv_handle_t *)&c->pipe, on_closed);
        return;
    }
    uv_os_fd_t fd;
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (uv_fileno((uv_handle_t *)&c->pipe, &fd) < 0 ||
        getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
        conn_close(c, "cannot read the peer's credentials");
        return;
    }
    c->peer_pid = cred.pid;
    c->peer_uid = cred.uid;
    log_debug(d, "connection from pid %d uid %u", (int)cred.pid, (unsigned)cred.uid);
    r = uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
    if (r < 0)
        conn_close(c, uv_strerror(r));
}

void conn_pause(struct conn *c, int blocked_on)
{
    if (c->closing || c->blocked_on)
        return;
    c->blocked_on = blocked_on;
    uv_read_stop((uv_stream_t *)&c->pipe);
    log_debug(c->d, "t%x: reading paused until t%x drains", (unsigned)c->tid, (unsigned)blocked_on);
}

void conn_resume(struct conn *c)
{
    if (!c->blocked_on)
        return;
    c->blocked_on = 0;
    if (c->closing || c->shutting)
        return;
    int r = uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
    if (r < 0)
        conn_close(c, uv_strerror(r));
}

int conn_listen(struct pvmd *d)
{
    uv_pipe_init(d->loop, &d->listener, 0);
    d->listener.data = d;
    int r = uv_pipe_bind(&d->listener, d->sockpath);
    if (r == 0) {
        chmod(d->sockpath, 0600);
        r = uv_listen((uv_stream_t *)&d->listener, 128, on_connection);
    }
    if (r < 0) {
        log_error(d, "cannot listen on %s: %s", d->sockpath, uv_strerror(r));
        uv_close((uv_handle_t *)&d->listener, NULL);
        return PvmSysErr;
    }
    d->listening = true;
    return 0;
}

static void on_listener_closed(uv_handle_t *h)
{
    pvmd_halt_check(h->data);
}

void conn_unlisten(struct pvmd *d)
{
    if (!d->listening)
        return;
    d->listening = false;
    uv_close((uv_handle_t *)&d->listener, on_listener_closed);
}
