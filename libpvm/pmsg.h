/*
 * pmsg.h - message buffers: the objects behind PVM's buffer ids.
 *
 * A message body is a sequence of packed items with no type tags; the
 * reader must unpack what the writer packed, in order (as in PVM).  The
 * layouts are PVM 3.4.6's, byte for byte in size (pvm_bufinfo tells):
 *
 *   PvmDataDefault  XDR: big-endian; int/uint/float 4, double 8, cplx two
 *                   floats, dcplx two doubles (IEEE 754); short and ushort
 *                   4 (sign extended; unpacking keeps the low 16 bits);
 *                   long and ulong 4 (the low 32 bits; unpacking
 *                   zero-extends, as PVM 3.4.6 on LP64); each pack of n
 *                   bytes padded with zeros to a multiple of 4; a string
 *                   is an int length that counts the NUL, the bytes and
 *                   the NUL, padded to a multiple of 4.
 *   PvmDataRaw      this host's byte order and sizes (short 2, long 8), no
 *                   padding; a string as in Default but unpadded.
 *   PvmDataInPlace  packs record a reference to the caller's memory; the
 *                   bytes (in Raw layout) are read when the message is sent.
 *                   Received InPlace messages are Raw.  Before the send the
 *                   buffer holds no data: pvm_bufinfo says 0, as in PVM.
 *
 * The body lives after WIRE_HDR_LEN bytes of headroom, so a transport can
 * write the frame header and a contiguous body with a single write.
 */
#ifndef PVM_PMSG_H
#define PVM_PMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "wire.h"

/* One InPlace reference: `len' bytes read from `ptr' (every `stride'-th
 * element of `size' bytes), inserted at body offset `off' at send time. */
struct pmsg_ref {
    size_t off;
    const uint8_t *ptr;
    size_t size;   /* element size in bytes */
    size_t count;  /* number of elements */
    size_t stride; /* distance between elements, in elements (>= 1) */
};

struct pmsg {
    int id;       /* buffer id (> 0) once registered, else 0 */
    int enc;      /* PvmDataDefault, PvmDataRaw or PvmDataInPlace */
    int src, dst; /* tids; set by send and receive */
    int tag, ctx, wid;
    uint64_t seq;
    unsigned flags; /* WIRE_F_* of the frame it came in */

    uint8_t *base; /* allocation: WIRE_HDR_LEN bytes headroom, then the body */
    size_t len;    /* body bytes in use (not counting InPlace references) */
    size_t cap;    /* body capacity */
    size_t rpos;   /* unpack cursor into the body */

    struct pmsg_ref *refs; /* InPlace references, ordered by off */
    int nrefs, caprefs;
    size_t reflen; /* total bytes of the InPlace references */

    uint8_t *scratch; /* pmsg_iov's gather area (strided references) */
    size_t scratchcap;

    struct pmsg *next; /* link in the receive queue */
    bool queued;       /* in the receive queue (pmsg_unqueue_hook) */
    bool for_mhf;      /* queued for a message handler (mhf.c): no receive takes it */
};

/* ---- life cycle ------------------------------------------------------ */

/* Returns a new empty message with encoding enc, or NULL if out of memory
 * or enc is not one of the three encodings.  Not registered (id 0). */
struct pmsg *pmsg_new(int enc);

/* Returns a new message whose body is `len' uninitialised bytes, for a
 * transport to read a received payload into (pmsg_body).  NULL when out of
 * memory. */
struct pmsg *pmsg_new_recv(int enc, size_t len);

/* Frees *m (if not NULL) and sets *m to NULL.  Unregisters it if needed,
 * and takes it out of the receive queue if it is still there (a buffer id
 * from pvm_probe may be freed before the message is received). */
void pmsg_destroy(struct pmsg **m);

/* Set by libpvm's core: removes a queued message from the receive queue. */
extern void (*pmsg_unqueue_hook)(struct pmsg *m);

/* Empties the body, keeps the allocation, sets the encoding (initsend). */
int pmsg_reset(struct pmsg *m, int enc);

/* ---- the buffer-id table ---------------------------------------------- */

/* Gives m a buffer id (> 0) and returns it; PvmNoMem on failure. */
int pmsg_register(struct pmsg *m);

/* Gives registered m a new id and frees its old one (which the next new
 * buffer takes): pvm_initsend's reused buffer, under an id of its own as
 * PVM 3.4.6 gives it.  Returns the new id, or PvmNoMem (m keeps its id). */
int pmsg_reid(struct pmsg *m);
/* Returns the message with buffer id `id', or NULL (id <= 0 or unknown). */
struct pmsg *pmsg_lookup(int id);
/* Frees every registered message (pvm_exit). */
void pmsg_free_all(void);

/* ---- packing ------------------------------------------------------------ */

/* Packs n items of PVM data type `type' (PVM_BYTE ... PVM_ULONG, not
 * PVM_STR) from p, taking every stride-th item.  Returns PvmOk,
 * PvmBadParam (n < 0, stride < 0, p NULL with n > 0, bad type) or PvmNoMem.
 * Stride 0 packs the item at p n times, as PVM 3.4 does.  On an InPlace
 * message only a reference to p is recorded. */
int pmsg_pack(struct pmsg *m, int type, const void *p, int n, int stride);
/* Like pmsg_pack, but always copies the bytes now, even into an InPlace
 * message (for values that do not outlive the call: pvm_packf, headers). */
int pmsg_pack_copy(struct pmsg *m, int type, const void *p, int n, int stride);
/* Packs a NUL-terminated string (copied, even into an InPlace message:
 * pvm_pkstr is the one that refuses InPlace, as PVM does).  PvmBadParam for
 * NULL or a string longer than INT32_MAX, PvmNoMem. */
int pmsg_pack_str(struct pmsg *m, const char *s);
/* Packs raw bytes of an already encoded body (pvm_pkmesgbody, psend). */
int pmsg_pack_bytes(struct pmsg *m, const void *p, size_t n);

/* Unpacks n items of type into p with stride.  PvmNoData when the body has
 * fewer bytes left (nothing is consumed then), PvmBadParam as for pack,
 * PvmBadMsg when m's encoding is none of the three. */
int pmsg_unpack(struct pmsg *m, int type, void *p, int n, int stride);
/* Unpacks a string into s (which must be large enough, as in PVM) and
 * NUL-terminates it (the NUL is packed, as PVM does; one is added to a
 * body made otherwise).  PvmNoData as for pmsg_unpack, PvmBadMsg for a
 * negative length (PVM 3.4.6 returns 0 there). */
int pmsg_unpack_str(struct pmsg *m, char *s);
/* Unpacks a string into a buffer of size cap; PvmNoMem-free bounded form.
 * PvmOverflow when it does not fit (nothing consumed). */
int pmsg_unpack_strn(struct pmsg *m, char *s, size_t cap);

/* Size in bytes of one item of `type' in memory; 0 for PVM_STR or an
 * unknown type. */
size_t pmsg_type_size(int type);
/* Size in bytes of one item of `type' packed in encoding enc (4 for a long
 * in Default); 0 for PVM_STR, an unknown type or encoding. */
size_t pmsg_packed_size(int enc, int type);

/* ---- bodies for transports ---------------------------------------------- */

/* Total payload bytes to send: body plus InPlace references. */
size_t pmsg_payload_len(const struct pmsg *m);

/* Makes the body contiguous: copies InPlace references into it (so it can
 * be unpacked or copied).  PvmNoMem on failure. */
int pmsg_flatten(struct pmsg *m);

/* Fills up to max iovecs with the payload in order (body pieces and InPlace
 * references; strided references are gathered into a scratch area owned by
 * m).  Returns the number used, or PvmNoMem. */
int pmsg_iov(struct pmsg *m, struct iovec *iov, int max);

/* Pointer to the first body byte; WIRE_HDR_LEN writable bytes precede it. */
uint8_t *pmsg_body(struct pmsg *m);

/* Returns a new message with a copy of m's header fields and payload
 * (flattened), or NULL.  For pvm_pkmesg/pvm_upkmesg and sends to self. */
struct pmsg *pmsg_copy(const struct pmsg *m);

/* Number of iovecs pmsg_iov needs to describe m without gathering
 * everything into its scratch area (0 for an empty payload). */
int pmsg_niov(const struct pmsg *m);

/* ---- messages inside messages (pvm_pkmesg, pvm_upkmesg) ------------------ *
 * A packed message is, in the outer message's encoding, nine ints (36
 * bytes, as in PVM 3.4.6): len's high and low halves, ctx, tag, wid, enc,
 * crc (always 0), src, dst (the fields of struct pvmminfo, in its order),
 * then the len payload bytes of the inner message unchanged (in the inner
 * message's own encoding, which enc names), padded like bytes.              */

/* Appends message `in' (header fields and payload, read now even when in is
 * InPlace) to m.  in is left unaltered.  PvmOk or PvmNoMem. */
int pmsg_pack_msg(struct pmsg *m, const struct pmsg *in);
/* Appends only in's payload bytes to m (pvm_pkmesgbody).  PvmOk, PvmNoMem,
 * or PvmMismatch when the two layouts differ (Default against Raw/InPlace). */
int pmsg_pack_body(struct pmsg *m, const struct pmsg *in);
/* Unpacks a message packed by pmsg_pack_msg from m's cursor into a new,
 * unregistered message *out (the caller owns it).  PvmNoData when m has
 * fewer bytes left than the packed message claims, PvmBadMsg for an
 * unknown encoding or length, PvmNoMem; nothing is consumed on error. */
int pmsg_unpack_msg(struct pmsg *m, struct pmsg **out);

#endif
