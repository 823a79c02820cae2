/*
 * frame.c - frames and frame queues.
 */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

#include "pvm3.h"

struct frame *frame_new(const struct wire_hdr *h, uint8_t *payload)
{
    struct frame *f = calloc(1, sizeof *f);
    if (!f) {
        free(payload);
        return NULL;
    }
    f->h = *h;
    f->payload = payload;
    f->cap = (size_t)h->len;
    return f;
}

struct frame *frame_ctl(int src, int dst, int type, int flags, int wid, const ProtobufCMessage *msg)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (ctl_pack(msg, &buf, &len) < 0)
        return NULL;
    struct wire_hdr h = {
        .flags = (uint16_t)(WIRE_F_CTL | flags),
        .src = src,
        .dst = dst,
        .tag = type,
        .ctx = 0,
        .enc = PvmDataDefault,
        .wid = wid,
        .seq = 0,
        .len = len,
    };
    if (len == 0) {
        free(buf);
        buf = NULL;
    }
    return frame_new(&h, buf);
}

struct frame *frame_copy(const struct wire_hdr *h, const uint8_t *pre, size_t plen,
                         const struct frame *f, uint64_t skip)
{
    uint64_t blen = f->h.len - skip;
    uint8_t *p = NULL;
    if (plen + blen) {
        if (!(p = malloc(plen + (size_t)blen)))
            return NULL;
        if (plen)
            memcpy(p, pre, plen);
        if (blen)
            memcpy(p + plen, f->payload + skip, (size_t)blen);
    }
    struct wire_hdr nh = *h;
    nh.len = plen + blen;
    return frame_new(&nh, p);
}

void frame_free(struct frame **f)
{
    if (!*f)
        return;
    free((*f)->payload);
    free(*f);
    *f = NULL;
}

void frame_queue_push(struct frame_queue *q, struct frame *f)
{
    f->next = NULL;
    if (q->tail)
        q->tail->next = f;
    else
        q->head = f;
    q->tail = f;
    q->n++;
    q->bytes += WIRE_HDR_LEN + f->h.len;
}

struct frame *frame_queue_pop(struct frame_queue *q)
{
    struct frame *f = q->head;
    if (!f)
        return NULL;
    q->head = f->next;
    if (!q->head)
        q->tail = NULL;
    q->n--;
    q->bytes -= WIRE_HDR_LEN + f->h.len;
    f->next = NULL;
    return f;
}

void frame_queue_clear(struct frame_queue *q)
{
    struct frame *f;
    while ((f = frame_queue_pop(q)))
        frame_free(&f);
}
