/*
 * wire.c - encoding and checking of the 48-byte frame header.
 *
 * Byte layout (all little endian):
 *
 *    0  u32  magic (WIRE_MAGIC)       24  i32  enc
 *    4  u8   version (WIRE_VERSION)   28  i32  wid
 *    5  u8   header length (48)       32  u64  seq
 *    6  u16  flags                    40  u64  len
 *    8  i32  src                      48  (payload follows)
 *   12  i32  dst
 *   16  i32  tag
 *   20  i32  ctx
 *
 * Bytes are assembled one at a time rather than by casting the buffer to a
 * struct: that is independent of host byte order, alignment and padding,
 * and the compiler turns it into plain loads and stores anyway.
 */
#include "wire.h"

#include "pvm3.h"
#include "tid.h"

enum {
    OFF_MAGIC = 0,
    OFF_VERSION = 4,
    OFF_HDRLEN = 5,
    OFF_FLAGS = 6,
    OFF_SRC = 8,
    OFF_DST = 12,
    OFF_TAG = 16,
    OFF_CTX = 20,
    OFF_ENC = 24,
    OFF_WID = 28,
    OFF_SEQ = 32,
    OFF_LEN = 40,
};

_Static_assert(OFF_LEN + 8 == WIRE_HDR_LEN, "header layout must fill WIRE_HDR_LEN bytes");

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* Signed fields travel as their two's complement bit pattern; the
 * conversion back is done by value so it never relies on
 * implementation-defined narrowing. */
static int32_t to_i32(uint32_t v)
{
    return v <= INT32_MAX ? (int32_t)v : (int32_t)(v - 0x80000000u) - INT32_MAX - 1;
}

void wire_encode(const struct wire_hdr *h, uint8_t out[WIRE_HDR_LEN])
{
    put32(out + OFF_MAGIC, WIRE_MAGIC);
    out[OFF_VERSION] = WIRE_VERSION;
    out[OFF_HDRLEN] = WIRE_HDR_LEN;
    put16(out + OFF_FLAGS, h->flags);
    put32(out + OFF_SRC, (uint32_t)h->src);
    put32(out + OFF_DST, (uint32_t)h->dst);
    put32(out + OFF_TAG, (uint32_t)h->tag);
    put32(out + OFF_CTX, (uint32_t)h->ctx);
    put32(out + OFF_ENC, (uint32_t)h->enc);
    put32(out + OFF_WID, (uint32_t)h->wid);
    put64(out + OFF_SEQ, h->seq);
    put64(out + OFF_LEN, h->len);
}

int wire_decode(const uint8_t *in, size_t n, struct wire_hdr *h)
{
    if (n < WIRE_HDR_LEN)
        return PvmNoData;
    /* The magic is checked before the version: bytes that are not a frame
     * at all must not be reported as a version mismatch. */
    if (get32(in + OFF_MAGIC) != WIRE_MAGIC)
        return PvmBadMsg;
    if (in[OFF_VERSION] != WIRE_VERSION)
        return PvmBadVersion;
    if (in[OFF_HDRLEN] != WIRE_HDR_LEN)
        return PvmBadMsg;

    struct wire_hdr t;
    t.flags = get16(in + OFF_FLAGS);
    t.src = to_i32(get32(in + OFF_SRC));
    t.dst = to_i32(get32(in + OFF_DST));
    t.tag = to_i32(get32(in + OFF_TAG));
    t.ctx = to_i32(get32(in + OFF_CTX));
    t.enc = to_i32(get32(in + OFF_ENC));
    t.wid = to_i32(get32(in + OFF_WID));
    t.seq = get64(in + OFF_SEQ);
    t.len = get64(in + OFF_LEN);

    /* Unknown flags would mean a peer that assigns them a meaning we would
     * silently ignore. */
    if (t.flags & ~WIRE_F_KNOWN)
        return PvmBadMsg;
    if (t.len > WIRE_MAX_PAYLOAD)
        return PvmBadMsg;
    /* 0 is a task that has not enrolled yet; negatives are error codes,
     * but for PVM's pvmd tid on a daemon-made message (pvm_notify's). */
    if ((t.src < 0 && !(t.src == WIRE_SRC_PVMD && (t.flags & WIRE_F_NOSEQ))) || t.dst < 0)
        return PvmBadMsg;
    *h = t;
    return 0;
}

/* ===================================================================== */
/* Multicast destination lists                                            */
/* ===================================================================== */

void wire_mcast_encode(const struct wire_dest *d, uint32_t n, uint8_t *out)
{
    put32(out, n);
    put32(out + 4, 0);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *e = out + WIRE_MCAST_HDR + (size_t)i * WIRE_MCAST_ENTRY;
        put32(e, (uint32_t)d[i].tid);
        put32(e + 4, 0);
        put64(e + 8, d[i].seq);
    }
}

struct wire_dest wire_mcast_entry(const uint8_t *in, uint32_t i)
{
    const uint8_t *e = in + WIRE_MCAST_HDR + (size_t)i * WIRE_MCAST_ENTRY;
    return (struct wire_dest){.tid = (int32_t)get32(e), .seq = get64(e + 8)};
}

int wire_mcast_decode(const uint8_t *in, uint64_t len, uint32_t *n)
{
    if (len < WIRE_MCAST_HDR)
        return PvmBadMsg;
    uint32_t k = get32(in);
    if (k == 0 || k > WIRE_MCAST_MAX || get32(in + 4) != 0 || len < wire_mcast_len(k))
        return PvmBadMsg;
    for (uint32_t i = 0; i < k; i++) {
        const uint8_t *e = in + WIRE_MCAST_HDR + (size_t)i * WIRE_MCAST_ENTRY;
        struct wire_dest d = wire_mcast_entry(in, i);
        if (get32(e + 4) != 0 || !tid_is_task(d.tid) || d.seq == 0)
            return PvmBadMsg;
    }
    *n = k;
    return 0;
}
