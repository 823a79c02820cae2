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
#define WIRE_VERSION 1
#define WIRE_HDR_LEN 48

/* Largest payload a decoder accepts: bigger lengths are malformed input. */
#define WIRE_MAX_PAYLOAD ((uint64_t)1 << 34) /* 16 GiB */

/* Frame flags. */
#define WIRE_F_CTL 0x0001   /* payload is a control message; tag is its CtlType */
#define WIRE_F_REPLY 0x0002 /* a reply to the request with the same `wid' */
#define WIRE_F_NOSEQ 0x0004 /* outside per-pair ordering (daemon-made messages) */
#define WIRE_F_KNOWN (WIRE_F_CTL | WIRE_F_REPLY | WIRE_F_NOSEQ)

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

#endif
