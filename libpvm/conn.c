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
#include "sock.h"

/* ======================================================================== */
/* The AF_UNIX transport                                                    */
/* ======================================================================== */

static ssize_t unix_read(struct conn *c, void *buf, size_t len)
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

static ssize_t unix_writev(struct conn *c, const struct iovec *iov, int n)
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
    .read = unix_read,
    .writev = unix_writev,
    .close = unix_close,
};

void conn_tune_socket(int fd)
{
    sock_tune(fd);
}

/* ======================================================================== */
/* Life cycle                                                               */
/* ======================================================================== */

struct conn *conn_new_unix(int fd, enum conn_kind kind)
{
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return NULL;
    }
    c->ops = &conn_unix_ops;
    c->fd = fd;
    c->kind = kind;
    return c;
}

void conn_destroy(struct conn **cp)
{
    struct conn *c = cp ? *cp : NULL;
    if (!c)
        return;
    c->ops->close(c);
    pmsg_destroy(&c->rmsg);
    free(c->stage);
    free(c);
    *cp = NULL;
}

/* ======================================================================== */
/* Reading                                                                  */
/* ======================================================================== */

/* Starts the payload of a decoded header. */
static int begin_payload(struct conn *c)
{
    /* A control payload is protobuf bytes whatever enc says. */
    int enc = c->hdr.flags & WIRE_F_CTL ? PvmDataRaw : enc_received(c->hdr.enc);
    if (c->hdr.len > SIZE_MAX - WIRE_HDR_LEN)
        return PvmNoMem;
    c->rmsg = pmsg_new_recv(enc, (size_t)c->hdr.len);
    if (!c->rmsg)
        return PvmNoMem;
    struct pmsg *m = c->rmsg;
    m->src = c->hdr.src;
    m->dst = c->hdr.dst;
    m->tag = c->hdr.tag;
    m->ctx = c->hdr.ctx;
    m->wid = c->hdr.wid;
    m->seq = c->hdr.seq;
    m->flags = c->hdr.flags;
    c->rgot = 0;
    c->have_hdr = true;
    return 0;
}

/* Hands a complete frame to fn. */
static int finish_frame(struct conn *c, conn_frame_fn fn, void *arg)
{
    struct pmsg *m = c->rmsg;
    struct wire_hdr h = c->hdr;
    c->rmsg = NULL;
    c->have_hdr = false;
    return fn(arg, c, &h, m);
}

int conn_read(struct conn *c, conn_frame_fn fn, void *arg)
{
    if (c->closed)
        return PvmSysErr;
    if (!c->stage && !(c->stage = malloc(CONN_STAGE)))
        return PvmNoMem;
    bool drained = false; /* a short read means the socket is empty now */
    for (;;) {
        size_t avail = c->send_ - c->spos;
        if (!c->have_hdr) {
            if (avail >= WIRE_HDR_LEN) {
                int cc = wire_decode(c->stage + c->spos, avail, &c->hdr);
                if (cc < 0)
                    return cc;
                c->spos += WIRE_HDR_LEN;
                if ((cc = begin_payload(c)) < 0)
                    return cc;
                continue;
            }
        } else {
            size_t want = c->rmsg->len - c->rgot;
            size_t take = avail < want ? avail : want;
            if (take) {
                memcpy(pmsg_body(c->rmsg) + c->rgot, c->stage + c->spos, take);
                c->rgot += take;
                c->spos += take;
                want -= take;
            }
            if (want == 0) {
                int cc = finish_frame(c, fn, arg);
                if (cc < 0)
                    return cc;
                continue;
            }
            if (want >= CONN_STAGE / 2 && !drained) {
                /* Large payload: straight into the body, no copy. */
                ssize_t n = c->ops->read(c, pmsg_body(c->rmsg) + c->rgot, want);
                if (n < 0)
                    return (int)n;
                if (n == 0)
                    return 0;
                c->rgot += (size_t)n;
                drained = (size_t)n < want;
                continue;
            }
        }
        /* Need more bytes in the staging buffer.  What is left of it must
         * be recounted: copying a payload above consumed some. */
        if (drained)
            return 0;
        avail = c->send_ - c->spos;
        if (c->spos > 0) {
            memmove(c->stage, c->stage + c->spos, avail);
            c->spos = 0;
            c->send_ = avail;
        }
        size_t room = CONN_STAGE - c->send_;
        ssize_t n = c->ops->read(c, c->stage + c->send_, room);
        if (n < 0)
            return (int)n;
        if (n == 0)
            return 0;
        c->send_ += (size_t)n;
        drained = (size_t)n < room;
    }
}

/* ======================================================================== */
/* Writing                                                                  */
/* ======================================================================== */

bool conn_pending(const struct conn *c)
{
    return c->wi < c->wn;
}

int conn_start_msg(struct conn *c, const struct wire_hdr *hdr, struct pmsg *m)
{
    if (conn_pending(c))
        return PvmBadParam;
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
    if (conn_pending(c))
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
    return 1;
}
