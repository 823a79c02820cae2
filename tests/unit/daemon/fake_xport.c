/*
 * fake_xport.c - a transport for the daemon's unit tests.
 */
#include "fake_xport.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl.h"
#include "hosttab.h"
#include "pvm3.h"
#include "tid.h"

static void fake_close(struct xport *x, const char *why);

static int fake_send(struct xport *x, struct frame *f)
{
    struct fake *l = (struct fake *)x;
    if (l->closed || l->fail_send) {
        frame_free(&f);
        /* As a transport whose write fails at once: the link goes down
         * inside the send. */
        fake_close(x, "send failed");
        return PvmSysErr;
    }
    frame_queue_push(&l->out, f);
    return 0;
}

static void fake_close(struct xport *x, const char *why)
{
    struct fake *l = (struct fake *)x;
    if (l->closed)
        return;
    l->closed = true;
    xport_up_down(x, why ? why : "closed");
}

static void fake_shutdown(struct xport *x)
{
    ((struct fake *)x)->shut = true;
    fake_close(x, "shutdown");
}

static size_t fake_queued(const struct xport *x)
{
    return ((const struct fake *)x)->queued;
}

static void fake_pause(struct xport *x)
{
    ((struct fake *)x)->paused = true;
}

static void fake_resume(struct xport *x)
{
    ((struct fake *)x)->paused = false;
}

static const struct xport_ops fake_ops = {
    .send = fake_send,
    .close = fake_close,
    .shutdown = fake_shutdown,
    .queued = fake_queued,
    .pause = fake_pause,
    .resume = fake_resume,
};

const struct xport_tran fake_tran = {.name = "fake"};

int fake_pvmd(struct pvmd *d, int host, int nhosts)
{
    memset(d, 0, sizeof *d);
    uv_loop_t *loop = calloc(1, sizeof *loop);
    assert_non_null(loop);
    assert_int_equal(uv_loop_init(loop), 0);
    d->arch = "LINUX64";
    d->lock_fd = -1;
    snprintf(d->hostname, sizeof d->hostname, "h%d", host);
    snprintf(d->sockdir, sizeof d->sockdir, "/nonexistent");
    assert_int_equal(pvmd_init(d, loop, host), 0);
    for (int i = 1; i <= nhosts; i++) {
        char name[16];
        snprintf(name, sizeof name, "h%d", i);
        assert_non_null(hosttab_add(d->hosts, i, name, "LINUX64", 1000, 0x00408c41));
    }
    return 0;
}

void fake_pvmd_end(struct pvmd *d)
{
    pvmd_halt(d, "test over");
    uv_run(d->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(d->loop), 0);
    free(d->loop);
    pvmd_fini(d);
}

struct fake *fake_link(struct pvmd *d, int peer)
{
    struct fake *l = calloc(1, sizeof *l);
    assert_non_null(l);
    xport_init(&l->x, d, &fake_ops, &fake_tran);
    l->x.peer = peer;
    l->x.pid = getpid();
    l->x.uid = geteuid();
    xport_up_link(&l->x);
    return l;
}

void fake_arrive(struct fake *l, struct frame *f)
{
    xport_up_frame(&l->x, f);
}

struct frame *fake_take(struct fake *l)
{
    return frame_queue_pop(&l->out);
}

struct frame *fake_take_ctl(struct fake *l, int type, ProtobufCMessage **m)
{
    struct frame *f = fake_take(l);
    assert_non_null(f);
    assert_true(f->h.flags & WIRE_F_CTL);
    assert_int_equal(f->h.tag, type);
    assert_int_equal(ctl_unpack(type, f->payload, (size_t)f->h.len, m), 0);
    return f;
}

struct fake *fake_task(struct pvmd *d, int *tid)
{
    struct fake *l = fake_link(d, 0);
    Pvm__Hello h = PVM__HELLO__INIT;
    h.proto_version = CTL_PROTO_VERSION;
    h.pid = getpid();
    h.name = "faketask";
    struct frame *f = frame_ctl(0, 0, PVM__CTL_TYPE__CTL_HELLO, 0, 7, &h.base);
    assert_non_null(f);
    fake_arrive(l, f);
    ProtobufCMessage *m = NULL;
    struct frame *r = fake_take_ctl(l, PVM__CTL_TYPE__CTL_HELLO_REPLY, &m);
    const Pvm__HelloReply *hr = (const Pvm__HelloReply *)m;
    assert_int_equal(hr->status, PvmOk);
    assert_int_equal(r->h.wid, 7);
    *tid = hr->tid;
    assert_int_equal(l->x.peer, hr->tid);
    ctl_free(&m);
    frame_free(&r);
    return l;
}

void fake_down(struct fake *l, const char *why)
{
    fake_close(&l->x, why);
}

void fake_free(struct fake **lp)
{
    struct fake *l = *lp;
    if (!l)
        return;
    if (!l->closed)
        fake_close(&l->x, "freed");
    frame_queue_clear(&l->out);
    free(l);
    *lp = NULL;
}

struct frame *fake_user_frame(int src, int dst, int tag, size_t len, int byte)
{
    uint8_t *p = len ? malloc(len) : NULL;
    if (len) {
        assert_non_null(p);
        memset(p, byte, len);
    }
    struct wire_hdr h = {
        .src = src, .dst = dst, .tag = tag, .enc = PvmDataDefault, .seq = 1, .len = len};
    struct frame *f = frame_new(&h, p);
    assert_non_null(f);
    return f;
}
