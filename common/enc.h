/*
 * enc.h - PVM's data encodings as one table.
 *
 * A message body is packed in one of three encodings (layouts in
 * libpvm/pmsg.h); each row of the table says what the encoding means to
 * the code that packs, sends, receives and describes a message, so no
 * caller lists encodings itself:
 *
 *   encoding        layout             packs      travels as  getminfo code
 *   PvmDataDefault  XDR (big endian)   copy       Default     0x10000000 (XDR)
 *   PvmDataRaw      host order, sizes  copy       Raw         the host's data signature
 *   PvmDataInPlace  host order, sizes  reference  Raw         0x20000000
 *
 * A frame's `enc' (common/wire.h) is always a travelling encoding.
 */
#ifndef PVM_ENC_H
#define PVM_ENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* pvm_getminfo's codes for encodings that are not native data. */
#define ENC_MINFO_XDR 0x10000000
#define ENC_MINFO_INPLACE 0x20000000

struct enc_info {
    int enc; /* PvmDataDefault, PvmDataRaw or PvmDataInPlace */
    const char *name;
    bool big_endian; /* body in network order; false: this host's order */
    bool xdr;        /* XDR sizes (PVM 3.4.6's Default): every item but a
                      * byte takes 4 or 8 bytes, byte runs and strings are
                      * padded to 4; false: this host's sizes, no padding */
    bool by_ref;     /* packs record references to the caller's memory
                      * (no strings: pvm_pkstr refuses, as in PVM) */
    int wire;        /* the encoding its frames carry */
    int minfo;       /* pvm_getminfo's code; 0: this host's data signature */
};

/* The table, indexed by encoding number.  Use enc_get. */
extern const struct enc_info enc_table[3];

/* Returns the row of encoding enc, or NULL for a number that is none of
 * the three (pvm_initsend and pvm_mkbuf then say PvmBadParam). */
static inline const struct enc_info *enc_get(int enc)
{
    return enc >= 0 && enc < 3 ? &enc_table[enc] : NULL;
}

/* True when enc is one of the three encodings (pvm_initsend, pvm_mkbuf). */
static inline bool enc_valid(int enc)
{
    return enc_get(enc) != NULL;
}

/* True when unpacking or packing enc on this host swaps bytes (Default on a
 * little-endian host).  False for an invalid enc.  Inline: every pack and
 * unpack asks. */
static inline bool enc_swaps(int enc)
{
    const struct enc_info *e = enc_get(enc);
    return e && e->big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
}

/* True when a body in encoding a can be appended to one in b byte for
 * byte (pvm_pkmesgbody): the same layout. */
bool enc_same_layout(int a, int b);

/* The encoding a frame carries for a message packed in enc (InPlace
 * travels as Raw); an invalid enc is returned unchanged. */
int enc_wire(int enc);

/* The encoding a received body is given from its frame's `enc': a
 * travelling encoding (Default, Raw) as it is; anything else (a control
 * payload, a sender's unknown number) as Raw bytes. */
int enc_received(int wire_enc);

/* pvm_getminfo's code for enc: ENC_MINFO_XDR, this host's data signature
 * (common/arch.h) for Raw, ENC_MINFO_INPLACE; an invalid enc as it is. */
int enc_minfo(int enc);

/* The zero bytes XDR puts after n bytes (pvm_pkbyte, pvm_pkstr) so that
 * the next item starts at a multiple of 4. */
static inline size_t enc_xdr_pad(size_t n)
{
    return (size_t)(-n & 3);
}

/* Bytes a string of n characters takes packed with PvmDataDefault: an int
 * length that counts the NUL, the characters and the NUL, padding. */
static inline size_t enc_xdr_str_size(size_t n)
{
    return 4 + n + 1 + enc_xdr_pad(n + 1);
}

/* Writes s (n characters, n < INT32_MAX) as PvmDataDefault packs a string,
 * for the messages pvmds make themselves; p has enc_xdr_str_size(n) bytes.
 * Returns the bytes written. */
size_t enc_put_xdr_str(uint8_t *p, const char *s, size_t n);

/* One integer as PvmDataDefault packs it (XDR: 4 bytes, big-endian), for
 * the messages pvmds make themselves; and back. */
static inline void enc_put_int(uint8_t *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    p[0] = (uint8_t)(u >> 24);
    p[1] = (uint8_t)(u >> 16);
    p[2] = (uint8_t)(u >> 8);
    p[3] = (uint8_t)u;
}

static inline int32_t enc_get_int(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

#endif
