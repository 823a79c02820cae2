/*
 * framer.h - the one reader of frames (common/wire.h) from a byte stream.
 *
 * A framer turns bytes read from a stream into frames for its owner.  It
 * never reads by itself, so it serves both ways of reading:
 *
 *   pull (libpvm):  loop { framer_space(f, &p, &n); r = read(fd, p, n);
 *                          framer_feed(f, r); }
 *   push (libuv):   alloc_cb: framer_space(f, &p, &n), read_cb: framer_feed(f, nread)
 *
 * Headers and small payloads go through a staging buffer, so one read can
 * bring many small frames.  Payload bytes are placed wherever the owner
 * says (ops->room): the framer copies staged bytes there, and when a large
 * part of a payload is still to come it hands out the owner's area itself,
 * so the read goes straight into the payload with no copy.  What the owner
 * is asked for grows with what has arrived (the stage size first, then
 * doubling), so a header merely claiming a huge length costs nothing.
 *
 * A header that fails wire_decode is reported (framer_feed returns the
 * code) and ends the stream: it cannot be resynchronised.
 */
#ifndef PVM_FRAMER_H
#define PVM_FRAMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* A sensible staging buffer: many small frames per read system call. */
#define FRAMER_STAGE 65536

/* The owner's side: where payloads go and what becomes of frames.  hdr is
 * the decoded header of the frame concerned; it is valid during the call. */
struct framer_ops {
    /* A header arrived; hdr->len payload bytes follow (maybe none).
     * Returns 0, or a negative Pvm code (PvmNoMem), which ends the stream
     * (framer_feed returns it, now and on every later call). */
    int (*begin)(void *arg, const struct wire_hdr *hdr);
    /* Payload bytes from offset `got' on need a place.  On entry *len is
     * how many the framer asks for (never more than hdr->len - got; for a
     * direct read it grows with got, so a sink that grows its buffer by
     * what is asked doubles it).  Set *ptr to where byte `got' goes and
     * *len to the bytes available there: at least 1, at most
     * hdr->len - got; more than asked is fine (a preallocated body takes
     * the rest of the payload in one read).  May be asked again for the
     * same offset (a read that brought nothing).  Returns 0, or a negative
     * Pvm code, which ends the stream. */
    int (*room)(void *arg, const struct wire_hdr *hdr, uint64_t got, uint8_t **ptr, size_t *len);
    /* The frame is complete: all hdr->len bytes were placed.  Returns 0
     * to go on, or a negative value to stop reading: framer_feed returns
     * it, and frames still staged wait for the next framer_feed.  May call
     * framer_feed (a nested read); hdr is a copy the nested read leaves
     * alone. */
    int (*done)(void *arg, const struct wire_hdr *hdr);
};

/* Embedded in its owner's connection; the fields are the framer's. */
struct framer {
    const struct framer_ops *ops;
    void *arg;
    uint8_t *stage;      /* staging buffer, allocated on first use */
    size_t cap;          /* its size */
    size_t pos, end;     /* unconsumed staged bytes: stage[pos..end) */
    bool in_body;        /* hdr is decoded and its payload is arriving */
    struct wire_hdr hdr; /* the frame being read */
    uint64_t got;        /* payload bytes of it placed so far */
    uint8_t *direct;     /* area of the last framer_space if it was the owner's */
    size_t direct_len;
    int err; /* once negative: the stream is over, every call returns it */
};

/* Sets f up to hand frames to ops with arg, staging through `stage' bytes
 * (FRAMER_STAGE; at least 2 * WIRE_HDR_LEN).  Allocates nothing yet. */
void framer_init(struct framer *f, size_t stage, const struct framer_ops *ops, void *arg);

/* Frees the staging buffer.  A frame begun and not done is the owner's to
 * free (framer_mid_frame tells whether there is one). */
void framer_fini(struct framer *f);

/* Where the next read should put its bytes: sets *ptr and *len (> 0;
 * 0 only when frames left staged by a stopping done() fill the stage:
 * call framer_feed(f, 0) first).  The area is the stage or the owner's
 * (ops->room).  Calling it again without framer_feed is harmless.
 * Returns 0, PvmNoMem (no stage), or the error that ended the stream. */
int framer_space(struct framer *f, uint8_t **ptr, size_t *len);

/* Accounts n bytes read into the area framer_space gave (n may be 0:
 * then it only processes what is staged) and hands every complete frame to
 * ops->done.  Returns 0 when it needs more bytes; a done() value that
 * stopped it; or an error that ended the stream: PvmBadMsg or
 * PvmBadVersion (a header that fails wire_decode), a begin() or room()
 * code. */
int framer_feed(struct framer *f, size_t n);

/* The error that ended the stream (a negative Pvm code), or 0 while it
 * goes on.  Tells a framer_feed that failed from one a done() stopped. */
int framer_error(const struct framer *f);

/* True when part of a frame has arrived (an end of stream now would cut
 * it) or complete frames wait in the stage. */
bool framer_mid_frame(const struct framer *f);

#endif
