/*
 * output.c - spawned tasks' stdout and stderr, line by line.
 */
#include "output.h"

#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "frame.h"
#include "pvm3.h"
#include "pvmd.h"
#include "route.h"
#include "tasktab.h"

static void put_be32(uint8_t *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    p[0] = (uint8_t)(u >> 24);
    p[1] = (uint8_t)(u >> 16);
    p[2] = (uint8_t)(u >> 8);
    p[3] = (uint8_t)u;
}

/* Sends one output message for t: count (OUTPUT_BEGIN, OUTPUT_END, or
 * the number of bytes) and the bytes, to t's output tid. */
static void send_output(struct pvmd *d, struct task *t, int count, const char *bytes, size_t n)
{
    uint8_t *p = malloc(8 + n);
    if (!p) {
        log_error(d, "t%x: output lost: out of memory", (unsigned)t->tid);
        return;
    }
    put_be32(p, t->tid);
    put_be32(p + 4, count);
    if (n)
        memcpy(p + 8, bytes, n);
    struct wire_hdr h = {
        .flags = WIRE_F_NOSEQ,
        .src = d->mytid,
        .dst = t->out_tid,
        .tag = t->out_code,
        .ctx = t->out_ctx,
        .enc = PvmDataDefault,
        .len = 8 + n,
    };
    struct frame *f = frame_new(&h, p);
    if (f)
        route_frame(d, f);
}

static void deliver(struct pvmd *d, struct task *t, const char *bytes, size_t n)
{
    if (t->out_tid == 0) {
        size_t shown = n && bytes[n - 1] == '\n' ? n - 1 : n;
        log_info(d, "[t%x] %.*s", (unsigned)t->tid, (int)shown, bytes);
        return;
    }
    send_output(d, t, (int)n, bytes, n);
}

void output_begin(struct pvmd *d, struct task *t)
{
    if (t->out_tid)
        send_output(d, t, OUTPUT_BEGIN, NULL, 0);
}

void output_check_end(struct pvmd *d, struct task *t)
{
    if (t->end_sent || t->proc_live || !t->out[0].eof || !t->out[1].eof)
        return;
    t->end_sent = true;
    if (t->out_tid)
        send_output(d, t, OUTPUT_END, NULL, 0);
}

static void on_pipe_closed(uv_handle_t *h)
{
    struct output_stream *s = h->data;
    struct task *t = s->t;
    struct pvmd *d = t->d;
    s->open = false;
    tasktab_release(t);
    pvmd_halt_check(d);
}

static void stream_close(struct output_stream *s)
{
    if (!s->open || uv_is_closing((uv_handle_t *)&s->pipe))
        return;
    uv_close((uv_handle_t *)&s->pipe, on_pipe_closed);
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
    struct task *t = s->t;
    struct pvmd *d = t->d;
    (void)buf;
    if (nread < 0) {
        /* EOF (or an error, which ends the stream the same way): a last
         * line without its newline still counts. */
        if (s->n)
            deliver(d, t, s->buf, s->n);
        s->n = 0;
        s->eof = true;
        stream_close(s);
        output_check_end(d, t);
        return;
    }
    s->n += (size_t)nread;
    size_t start = 0;
    for (;;) {
        char *nl = memchr(s->buf + start, '\n', s->n - start);
        if (!nl)
            break;
        size_t end = (size_t)(nl - s->buf) + 1;
        deliver(d, t, s->buf + start, end - start);
        start = end;
    }
    if (start == 0 && s->n == sizeof s->buf) {
        /* A line longer than the buffer goes out in pieces. */
        deliver(d, t, s->buf, s->n);
        start = s->n;
    }
    memmove(s->buf, s->buf + start, s->n - start);
    s->n -= start;
}

int output_init(struct pvmd *d, struct task *t)
{
    for (int i = 0; i < 2; i++) {
        struct output_stream *s = &t->out[i];
        s->t = t;
        s->n = 0;
        s->eof = false;
        if (uv_pipe_init(d->loop, &s->pipe, 0) < 0)
            return PvmSysErr;
        s->pipe.data = s;
        s->open = true;
    }
    return 0;
}

void output_start(struct pvmd *d, struct task *t)
{
    for (int i = 0; i < 2; i++) {
        struct output_stream *s = &t->out[i];
        int r = uv_read_start((uv_stream_t *)&s->pipe, on_alloc, on_read);
        if (r < 0) {
            log_error(d, "t%x: cannot read its output: %s", (unsigned)t->tid, uv_strerror(r));
            s->eof = true;
            stream_close(s);
        }
    }
}

void output_abort(struct pvmd *d, struct task *t)
{
    (void)d;
    for (int i = 0; i < 2; i++) {
        t->out[i].eof = true;
        stream_close(&t->out[i]);
    }
}
