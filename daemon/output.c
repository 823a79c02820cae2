/*
 * output.c - spawned tasks' stdout and stderr, line by line.
 */
#include "output.h"

#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "event.h"
#include "frame.h"
#include "outmsg.h"
#include "pvm3.h"
#include "pvmd.h"
#include "route.h"
#include "spawn.h"
#include "tasktab.h"

/* Where p's output goes now. */
static struct output_dest dest_of(struct pvmd *d, const struct proc *p)
{
    if (p->task_gone)
        return p->dest;
    struct task *t = tasktab_find(d->tasks, p->tid);
    if (!t)
        return (struct output_dest){0};
    const struct task_io *io = tasktab_io(t);
    return (struct output_dest){io->out_tid, io->out_code, io->out_ctx};
}

/* Sends body p (of len bytes, taken) about task tid to `to'. */
static void send_body(struct pvmd *d, int tid, struct output_dest to, uint8_t *p, size_t len)
{
    if (!p) {
        log_error(d, "t%x: output lost: out of memory", (unsigned)tid);
        return;
    }
    struct wire_hdr h = {
        .flags = WIRE_F_NOSEQ,
        .src = d->mytid,
        .dst = to.tid,
        .tag = to.code,
        .ctx = to.ctx,
        .enc = PvmDataDefault,
        .len = len,
    };
    struct frame *f = frame_new(&h, p);
    if (f)
        route_frame(d, f);
}

/* Sends one output message about task tid: count (OUTPUT_END, or the
 * number of bytes) and the bytes, to `to'. */
static void send_output(struct pvmd *d, int tid, struct output_dest to, int count,
                        const char *bytes, size_t n)
{
    size_t len = 0;
    uint8_t *p = outmsg_encode(tid, count, bytes, n, &len);
    send_body(d, tid, to, p, len);
}

static void on_pipe_closed(uv_handle_t *h)
{
    struct output_stream *s = h->data;
    s->open = false;
    spawn_proc_release(s->p);
}

static void stream_close(struct output_stream *s)
{
    if (!s->open || uv_is_closing((uv_handle_t *)&s->pipe))
        return;
    uv_close((uv_handle_t *)&s->pipe, on_pipe_closed);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf);

/* Stops or restarts reading p's pipes (those still open). */
static void pipes_reading(struct proc *p, bool on)
{
    for (int i = 0; i < 2; i++) {
        struct output_stream *s = &p->out[i];
        if (!s->open || s->eof || uv_is_closing((uv_handle_t *)&s->pipe))
            continue;
        if (!on) {
            uv_read_stop((uv_stream_t *)&s->pipe);
        } else if (uv_read_start((uv_stream_t *)&s->pipe, on_alloc, on_read) < 0) {
            s->eof = true;
            stream_close(s);
        }
    }
}

static void deliver(struct pvmd *d, struct proc *p, const char *bytes, size_t n)
{
    struct output_dest to = dest_of(d, p);
    if (to.tid == 0) {
        size_t shown = n && bytes[n - 1] == '\n' ? n - 1 : n;
        log_info(d, "[t%x] %.*s", (unsigned)p->tid, (int)shown, bytes);
        return;
    }
    send_output(d, p->tid, to, (int)n, bytes, n);
    /* A destination that does not read holds the task back, as a sender
     * of messages is: the pvmd must not keep what it cannot deliver. */
    int on = p->held_on ? 0 : route_over(d, to.tid);
    if (on) {
        p->held_on = on;
        pipes_reading(p, false);
        log_debug(d, "t%x: output not read until t%x drains", (unsigned)p->tid, (unsigned)on);
    }
}

void output_release(struct pvmd *d, int tid)
{
    for (struct proc *p = d->procs; p; p = p->next)
        if (p->held_on == tid) {
            p->held_on = 0;
            pipes_reading(p, true);
        }
}

void output_begin(struct pvmd *d, int tid)
{
    struct task *t = tasktab_find(d->tasks, tid);
    if (!t)
        return;
    const struct task_io *io = tasktab_io(t);
    if (!io->out_tid)
        return;
    /* PVM 3.4.6 announces a task twice, each time with its parent. */
    struct output_dest to = {io->out_tid, io->out_code, io->out_ctx};
    int ptid = tasktab_ptid(t) > 0 ? tasktab_ptid(t) : 0;
    static const int counts[] = {OUTPUT_NEW, OUTPUT_BEGIN};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        size_t len = 0;
        uint8_t *p = outmsg_encode_start(tid, counts[i], ptid, &len);
        send_body(d, tid, to, p, len);
    }
}

void output_end(struct pvmd *d, int tid)
{
    struct task *t = tasktab_find(d->tasks, tid);
    if (!t)
        return;
    const struct task_io *io = tasktab_io(t);
    if (io->out_tid)
        send_output(d, tid, (struct output_dest){io->out_tid, io->out_code, io->out_ctx},
                    OUTPUT_END, NULL, 0);
}

void output_check_end(struct pvmd *d, struct proc *p)
{
    if (p->end_sent || p->live || !p->out[0].eof || !p->out[1].eof)
        return;
    p->end_sent = true;
    struct output_dest to = dest_of(d, p);
    if (to.tid && p->tid)
        send_output(d, p->tid, to, OUTPUT_END, NULL, 0);
}

void output_on_event(struct pvmd *d, const struct event *ev)
{
    if (ev->kind != EVENT_TASK_EXIT || !(tasktab_flags(ev->t) & TF_SPAWNED))
        return;
    for (struct proc *p = d->procs; p; p = p->next)
        if (p->tid == ev->tid && !p->task_gone) {
            const struct task_io *io = tasktab_io(ev->t);
            p->dest = (struct output_dest){io->out_tid, io->out_code, io->out_ctx};
            p->task_gone = true;
            return;
        }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct output_stream *s = h->data;
    (void)suggested;
    *buf = uv_buf_init(s->buf + s->n, (unsigned)(sizeof s->buf - s->n));
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    struct output_stream *s = st->data;
    struct proc *p = s->p;
    struct pvmd *d = p->d;
    (void)buf;
    if (nread < 0) {
        /* EOF (or an error, which ends the stream the same way): a last
         * line without its newline still counts. */
        if (s->n)
            deliver(d, p, s->buf, s->n);
        s->n = 0;
        s->eof = true;
        stream_close(s);
        output_check_end(d, p);
        return;
    }
    s->n += (size_t)nread;
    size_t start = 0;
    for (;;) {
        char *nl = memchr(s->buf + start, '\n', s->n - start);
        if (!nl)
            break;
        size_t end = (size_t)(nl - s->buf) + 1;
        deliver(d, p, s->buf + start, end - start);
        start = end;
    }
    if (start == 0 && s->n == sizeof s->buf) {
        /* A line longer than the buffer goes out in pieces. */
        deliver(d, p, s->buf, s->n);
        start = s->n;
    }
    memmove(s->buf, s->buf + start, s->n - start);
    s->n -= start;
}

int output_init(struct pvmd *d, struct proc *p)
{
    for (int i = 0; i < 2; i++) {
        struct output_stream *s = &p->out[i];
        s->p = p;
        s->n = 0;
        s->eof = false;
        if (uv_pipe_init(d->loop, &s->pipe, 0) < 0) {
            output_abort(d, p);
            return PvmSysErr;
        }
        s->pipe.data = s;
        s->open = true;
    }
    return 0;
}

void output_start(struct pvmd *d, struct proc *p)
{
    for (int i = 0; i < 2; i++) {
        struct output_stream *s = &p->out[i];
        int r = uv_read_start((uv_stream_t *)&s->pipe, on_alloc, on_read);
        if (r < 0) {
            log_error(d, "t%x: cannot read its output: %s", (unsigned)p->tid, uv_strerror(r));
            s->eof = true;
            stream_close(s);
        }
    }
}

void output_abort(struct pvmd *d, struct proc *p)
{
    (void)d;
    for (int i = 0; i < 2; i++) {
        p->out[i].eof = true;
        stream_close(&p->out[i]);
    }
}
