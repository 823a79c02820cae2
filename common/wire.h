/*
 * wire.h - the frame every message travels in, on every transport.
 *
 * A frame is a fixed 48-byte header followed by `len' payload bytes.  For a
 * user message the payload is the packed message body, untouched by any
 * router; for a control message (WIRE_F_CTL) the payload is a protobuf-c
 * message of proto/pvm.proto whose type is in `tag'.  The header is little
 * endian on the wire whatever the host; the payload of a user message is in
 * the encoding named by `enc'.
 *
 * Bump WIRE_VERSION whenever this layout or the meaning of a field changes.
 */
#ifndef PVM_WIRE_H
#define PVM_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_MAGIC 0x334d5650u /* "PVM3" in little-endian byte order */
#define WIRE_VERSION 3         /* 3: PvmDataDefault payloads have XDR sizes (libpvm/pmsg.h) */
#define WIRE_HDR_LEN 48

/* Largest payload a decoder accepts: bigger lengths are malformed input. */
#define WIRE_MAX_PAYLOAD ((uint64_t)1 << 34) /* 16 GiB */

/* Frame flags. */
#define WIRE_F_CTL 0x0001   /* payload is a control message; tag is its CtlType */
#define WIRE_F_REPLY 0x0002 /* a reply to the request with the same `wid' */
#define WIRE_F_NOSEQ 0x0004 /* outside per-pair ordering (daemon-made messages) */
#define WIRE_F_MCAST 0x0008 /* to a pvmd: a destination list, then the message (below) */
#define WIRE_F_KNOWN (WIRE_F_CTL | WIRE_F_REPLY | WIRE_F_NOSEQ | WIRE_F_MCAST)

/* The source of pvm_notify's messages, as PVM 3.4 gives it (its TIDPVMD,
 * 0x80000000): allowed only with WIRE_F_NOSEQ. */
#define WIRE_SRC_PVMD INT32_MIN

struct wire_hdr {
    uint16_t flags;
    int32_t src;  /* sender's tid */
    int32_t dst;  /* receiver's tid */
    int32_t tag;  /* message tag, or CtlType for a control message */
    int32_t ctx;  /* message context */
    int32_t enc;  /* payload encoding (PvmDataDefault, ...) */
    int32_t wid;  /* wait id: matches a reply to its request */
    uint64_t seq; /* per (src, dst) sequence number, from 1; 0 = unsequenced */
    uint64_t len; /* payload length in bytes */
};

/* Writes the 48-byte encoding of h to out. */
void wire_encode(const struct wire_hdr *h, uint8_t out[WIRE_HDR_LEN]);

/* Decodes a header from the n bytes at in.  Returns 0, or a negative Pvm
 * error: PvmNoData when n < WIRE_HDR_LEN, PvmBadVersion for another
 * protocol version, PvmBadMsg for a wrong magic, header length, unknown
 * flag bits, invalid tids or a payload over WIRE_MAX_PAYLOAD.  *h is only
 * written on success. */
int wire_decode(const uint8_t *in, size_t n, struct wire_hdr *h);

/* ---- multicast ----------------------------------------------------------- *
 * A frame with WIRE_F_MCAST goes to a pvmd (dst its tid), which delivers
 * the message to each listed task of its own host and sends one such
 * frame, listing that host's tasks, to each other host concerned: one copy
 * per host on the wire.  Its payload is a list, then the message body:
 *
 *     u32 n, u32 0, then n entries of { i32 tid, u32 0, u64 seq }
 *
 * (little endian); seq is the sender's sequence number for that tid, as a
 * frame sent to it alone would carry.  The header's tag, ctx and enc are
 * the message's; its seq is 0.                                              */

#define WIRE_MCAST_HDR 8
#define WIRE_MCAST_ENTRY 16
#define WIRE_MCAST_MAX 65536 /* destinations in one frame */

struct wire_dest {
    int32_t tid;
    uint64_t seq;
};

/* Bytes of a list of n destinations. */
static inline size_t wire_mcast_len(size_t n)
{
    return WIRE_MCAST_HDR + n * WIRE_MCAST_ENTRY;
}

/* Writes the list of n destinations d[] to out (wire_mcast_len(n) bytes). */
void wire_mcast_encode(const struct wire_dest *d, uint32_t n, uint8_t *out);

/* Reads the list at the start of a payload of len bytes: sets *n and
 * returns 0, or PvmBadMsg (too short, n 0 or over WIRE_MCAST_MAX, a
 * reserved field set, a tid that is no task's, a seq of 0).  Entries are
 * then read with wire_mcast_entry. */
int wire_mcast_decode(const uint8_t *in, uint64_t len, uint32_t *n);

/* Entry i of a decoded list. */
struct wire_dest wire_mcast_entry(const uint8_t *in, uint32_t i);

#endif
