/*
 * conn.c - frames over a connection; the AF_UNIX transport.
 */
#include "conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "enc.h"
#include "pvm3.h"

/* ======================================================================== */
/* The AF_UNIX transport (its read and writev serve any stream socket)      */
/* ======================================================================== */

ssize_t conn_fd_read(struct conn *c, void *buf, size_t len)
{
    for (;;) {
        ssize_t n = read(c->fd, buf, len);
        if (n > 0)
            return n;
        if (n == 0)
            return PvmSysErr;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        return PvmSysErr;
    }
}

ssize_t conn_fd_writev(struct conn *c, const struct iovec *iov, int n)
{
    /* sendmsg rather than writev: MSG_NOSIGNAL turns a vanished peer into
     * EPIPE instead of killing the task with SIGPIPE. */
    struct msghdr mh = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n};
    for (;;) {
        ssize_t w = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w >= 0)
            return w;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
            return 0;
        return PvmSysErr;
    }
}

static void unix_close(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

const struct conn_ops conn_unix_ops = {
    .name = "unix",
    .read = conn_fd_read,
    .writev = conn_fd_writev,
    .close = unix_close,
};

/* ======================================================================== */
/* The framer's owner side: payloads go into message bodies                 */
/* ======================================================================== */

static int on_begin(void *arg, const struct wire_hdr *h)
{
    struct conn *c = arg;
    /* A control payload is protobuf bytes whatever enc says. */
    int enc = h->flags & WIRE_F_CTL ? PvmDataRaw : enc_received(h->enc);
    if (h->len > SIZE_MAX - WIRE_HDR_LEN)
        return PvmNoMem;
    /* The whole body at once: an untouched allocation costs address space
     * only, and the payload is then read into it with no copy. */
    struct pmsg *m = pmsg_new_recv(enc, (size_t)h->len);
    if (!m)
        return PvmNoMem;
    m->src = h->src;
    m->dst = h->dst;
    m->tag = h->tag;
    m->ctx = h->ctx;
    m->wid = h->wid;
    m->seq = h->seq;
    m->flags = h->flags;
    c->rmsg = m;
    return 0;
}

static int on_room(void *arg, const struct wire_hdr *h, uint64_t got, uint8_t **ptr, size_t *len)
{
    struct conn *c = arg;
    (void)h;
    *ptr = pmsg_body(c->rmsg) + got;
    *len = c->rmsg->len - (size_t)got;
    return 0;
}

static int on_done(void *arg, const struct wire_hdr *h)
{
    struct conn *c = arg;
    struct pmsg *m = c->rmsg;
    c->rmsg = NULL;
    return c->rfn(c->rarg, c, h, m);
}

static const struct framer_ops conn_framer_ops = {
    .begin = on_begin,
    .room = on_room,
    .done = on_done,
};

/* ======================================================================== */
/* Life cycle                                                               */
/* ======================================================================== */

struct conn *conn_new(int fd, enum conn_kind kind, const struct conn_ops *ops)
{
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return NULL;
    }
    c->ops = ops;
    c->fd = fd;
    c->kind = kind;
    framer_init(&c->fr, CONN_STAGE, &conn_framer_ops, c);
    return c;
}

struct conn *conn_new_unix(int fd, enum conn_kind kind)
{
    return conn_new(fd, kind, &conn_unix_ops);
}

void conn_destroy(struct conn **cp)
{
    struct conn *c = cp ? *cp : NULL;
    if (!c)
        return;
    c->ops->close(c);
    pmsg_destroy(&c->rmsg);
    framer_fini(&c->fr);
    free(c);
    *cp = NULL;
}

/* ======================================================================== */
/* Reading                                                                  */
/* ======================================================================== */

int conn_read(struct conn *c, conn_frame_fn fn, void *arg)
{
    if (c->closed)
        return PvmSysErr;
    /* A frame handler may read this connection again (it waits in turn):
     * the framer allows that; fn and arg are put back for the outer call. */
    conn_frame_fn ofn = c->rfn;
    void *oarg = c->rarg;
    c->rfn = fn;
    c->rarg = arg;
    /* Frames left staged by a handler that stopped come first. */
    int cc = framer_feed(&c->fr, 0);
    while (cc == 0) {
        uint8_t *p;
        size_t len;
        if ((cc = framer_space(&c->fr, &p, &len)) < 0 || len == 0)
            break;
        ssize_t n = c->ops->read(c, p, len);
        if (n <= 0) {
            cc = (int)n;
            break;
        }
        cc = framer_feed(&c->fr, (size_t)n);
        /* A short read means the socket is empty now: the event loop's
         * poll is cheaper than a read that finds nothing. */
        if ((size_t)n < len)
            break;
    }
    c->rfn = ofn;
    c->rarg = oarg;
    return cc;
}

/* ======================================================================== */
/* Writing                                                                  */
/* ======================================================================== */

/* A frame is being written: no other may start. */
static bool frame_pending(const struct conn *c)
{
    return c->wi < c->wn;
}

bool conn_pending(const struct conn *c)
{
    return frame_pending(c) || (c->ops->pending && c->ops->pending(c));
}

int conn_start_msg(struct conn *c, const struct wire_hdr *hdr, struct pmsg *m)
{
    return conn_start_msg_pre(c, hdr, NULL, 0, m);
}

int conn_start_msg_pre(struct conn *c, const struct wire_hdr *hdr, const void *pre, size_t plen,
                       struct pmsg *m)
{
    if (frame_pending(c))
        return PvmBadParam;
    if (plen) {
        /* header, the prefix, then the body's pieces */
        int n = m ? pmsg_iov(m, c->wiov + 2, CONN_MAX_IOV - 2) : 0;
        if (n < 0)
            return n;
        wire_encode(hdr, c->whdr);
        c->wiov[0] = (struct iovec){.iov_base = c->whdr, .iov_len = WIRE_HDR_LEN};
        c->wiov[1] = (struct iovec){.iov_base = (void *)pre, .iov_len = plen};
        c->wi = 0;
        c->wn = n + 2;
        return 0;
    }
    int n = 0;
    if (m) {
        n = pmsg_iov(m, c->wiov + 1, CONN_MAX_IOV - 1);
        if (n < 0)
            return n;
    }
    if (n > 0 && c->wiov[1].iov_base == pmsg_body(m)) {
        /* One contiguous piece: header in the headroom before the body. */
        uint8_t *h = pmsg_body(m) - WIRE_HDR_LEN;
        wire_encode(hdr, h);
        c->wiov[1].iov_base = h;
        c->wiov[1].iov_len += WIRE_HDR_LEN;
        c->wi = 1;
    } else {
        wire_encode(hdr, c->whdr);
        c->wiov[0] = (struct iovec){.iov_base = c->whdr, .iov_len = WIRE_HDR_LEN};
        c->wi = 0;
    }
    c->wn = n + 1;
    return 0;
}

int conn_start_buf(struct conn *c, const struct wire_hdr *hdr, const void *buf, size_t len)
{
    if (frame_pending(c))
        return PvmBadParam;
    wire_encode(hdr, c->whdr);
    c->wiov[0] = (struct iovec){.iov_base = c->whdr, .iov_len = WIRE_HDR_LEN};
    c->wiov[1] = (struct iovec){.iov_base = (void *)buf, .iov_len = len};
    c->wi = 0;
    c->wn = len ? 2 : 1;
    return 0;
}

int conn_flush(struct conn *c)
{
    while (c->wi < c->wn) {
        if (c->closed)
            return PvmSysErr;
        int cnt = c->wn - c->wi;
        ssize_t w = c->ops->writev(c, c->wiov + c->wi, cnt > 1024 ? 1024 : cnt);
        if (w < 0) {
            c->wi = c->wn = 0;
            return PvmSysErr;
        }
        if (w == 0)
            return 0;
        size_t left = (size_t)w;
        while (left && c->wi < c->wn) {
            struct iovec *v = &c->wiov[c->wi];
            if (left >= v->iov_len) {
                left -= v->iov_len;
                c->wi++;
            } else {
                v->iov_base = (uint8_t *)v->iov_base + left;
                v->iov_len -= left;
                left = 0;
            }
        }
        /* Skip empty iovecs so that wi == wn means done. */
        while (c->wi < c->wn && c->wiov[c->wi].iov_len == 0)
            c->wi++;
    }
    return c->ops->flush ? c->ops->flush(c) : 1;
}
