/*
 * frame.h - a frame held by the pvmd: decoded header plus payload.
 *
 * A frame read from a task is forwarded as it is (header re-encoded, the
 * payload buffer moved, never copied), so one struct serves reading,
 * queueing and writing.  A frame has exactly one owner at a time: the
 * reader, a queue, or the transport that is writing it.
 */
#ifndef PVMD_FRAME_H
#define PVMD_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "ctl.h"
#include "wire.h"

struct frame {
    struct wire_hdr h;
    uint8_t *payload;          /* h.len bytes (NULL when 0), malloc'd, owned */
    size_t cap;                /* allocated bytes of payload (reader side) */
    uint8_t hdr[WIRE_HDR_LEN]; /* encoded header while being written */
    uv_write_t wreq;           /* the write in progress (transport side) */
    struct frame *next;        /* link in a frame_queue */
};

struct frame_queue {
    struct frame *head, *tail;
    size_t n;
    size_t bytes; /* headers and payloads of the frames in it */
};

/* Returns a new frame with header *h and payload `payload' (h->len bytes,
 * malloc'd; the frame takes ownership, also on failure), or NULL when out
 * of memory. */
struct frame *frame_new(const struct wire_hdr *h, uint8_t *payload);

/* Returns a new control frame from src to dst of control type `type'
 * carrying msg (packed here), with extra flags (WIRE_F_REPLY) and wait id
 * wid; NULL when out of memory.  msg stays the caller's. */
struct frame *frame_ctl(int src, int dst, int type, int flags, int wid,
                        const ProtobufCMessage *msg);

/* Returns a new frame with header *h and a payload of its own: the plen
 * bytes at pre (may be 0), then f's payload from byte skip on; h->len is
 * ignored and set to that length.  NULL when out of memory. */
struct frame *frame_copy(const struct wire_hdr *h, const uint8_t *pre, size_t plen,
                         const struct frame *f, uint64_t skip);

/* Frees *f and its payload (NULL is fine) and sets *f to NULL. */
void frame_free(struct frame **f);

/* Appends f to q (q takes ownership). */
void frame_queue_push(struct frame_queue *q, struct frame *f);

/* Removes and returns the first frame of q (the caller owns it), or NULL. */
struct frame *frame_queue_pop(struct frame_queue *q);

/* Frees every frame of q. */
void frame_queue_clear(struct frame_queue *q);

#endif
