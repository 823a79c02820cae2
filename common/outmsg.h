/*
 * outmsg.h - the task-output message: its layout, in one place.
 *
 * A pvmd sends each line a spawned task prints to the task's output tid
 * (PvmOutputTid) as a user message with the output tag and context,
 * source the pvmd's tid, encoding PvmDataDefault (XDR: big-endian ints),
 * body:
 *
 *     int tid      the task that printed
 *     int count    OUTPUT_NEW (-2), then OUTPUT_BEGIN (-1): it started;
 *                  OUTPUT_END (0): its output has ended; > 0: that many
 *                  bytes follow
 *     int ptid     (OUTPUT_NEW and OUTPUT_BEGIN only) its parent's tid
 *     count bytes  one or more lines (the last may lack its '\n'),
 *                  zero-padded to a multiple of 4 as pvm_pkbyte does
 *
 * PVM 3.4.6's pvmd sends these counts and bodies (-2 and -1 each with the
 * parent's tid, so 12 bytes), before the spawn's reply.
 *
 * The pvmd encodes it (daemon/output.c); libpvm's catchout and the
 * console's jobs decode it.
 */
#ifndef PVM_OUTMSG_H
#define PVM_OUTMSG_H

#include <stddef.h>
#include <stdint.h>

#define OUTMSG_HDR_LEN 8    /* the two ints */
#define OUTMSG_START_LEN 12 /* with the parent's tid */
#define OUTPUT_NEW (-2)     /* before OUTPUT_BEGIN (common/defs.h) */

struct outmsg {
    int tid;
    int count;         /* OUTPUT_BEGIN, OUTPUT_END, or the length of bytes */
    const char *bytes; /* count bytes inside the decoded buffer, or NULL */
    int ptid;          /* OUTPUT_NEW, OUTPUT_BEGIN: the parent, if sent, else 0 */
};

/* Returns a new malloc'd body for task tid with count and n bytes (n is
 * count when count > 0, else 0) and their padding, its length in *len; NULL when out of
 * memory. */
uint8_t *outmsg_encode(int tid, int count, const char *bytes, size_t n, size_t *len);

/* The body of OUTPUT_NEW or OUTPUT_BEGIN (count) for task tid with parent
 * ptid, as outmsg_encode. */
uint8_t *outmsg_encode_start(int tid, int count, int ptid, size_t *len);

/* Decodes the len bytes of body p into *m (m->bytes points into p).
 * Returns 0, or PvmBadMsg for a body too short, a count below
 * OUTPUT_NEW, or fewer bytes than count. */
int outmsg_decode(const uint8_t *p, size_t len, struct outmsg *m);

#endif
