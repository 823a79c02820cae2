/*
 * pmsg.c - message buffers, the buffer-id table, and the packing engine.
 *
 * The body layouts are described in pmsg.h.  Packing is table driven: each
 * PVM data type is a number of units of one width (a dcplx is two 8-byte
 * units), and every pack or unpack is one call of xfer(), which either
 * copies or byte-swaps n items between a strided side and a contiguous side.
 * Contiguous transfers are a single memcpy (Raw) or one tight swap loop that
 * the compiler vectorises (Default on a little-endian host).
 */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "enc.h"
#include "core.h"
#include "pmsg.h"
#include "pvm3.h"

/* The packed sizes of pmsg.h are the native ones on the hosts we build for;
 * a port to an ILP32 host would need a widening path for long. */
_Static_assert(sizeof(short) == 2 && sizeof(int) == 4 && sizeof(long) == 8,
               "pmsg.c assumes LP64 integer sizes");
_Static_assert(sizeof(float) == 4 && sizeof(double) == 8, "pmsg.c assumes IEEE 754 sizes");

/* A body grows by doubling from this size, so n packs cost O(n) copies. */
#define PMSG_MIN_CAP 256
/* More InPlace references than this and unpacking flattens the message
 * once instead of walking the references on every call. */
#define PMSG_MAX_WALK 64

/* ======================================================================== */
/* Data types                                                               */
/* ======================================================================== */

struct ptype {
    uint8_t width; /* bytes of one unit in memory: 1, 2, 4 or 8 */
    uint8_t units; /* units per item: 2 for the complex types */
    uint8_t log2;  /* log2 of width * units, indexes copy_strided[] */
    uint8_t xdr;   /* bytes of one unit packed in XDR (Default): short and
                    * long take 4, as in PVM 3.4.6 */
};

/* Indexed by PVM_BYTE ... PVM_ULONG; width 0 marks PVM_STR and holes. */
static const struct ptype ptypes[] = {
    [PVM_BYTE] = {1, 1, 0, 1},  [PVM_SHORT] = {2, 1, 1, 4}, [PVM_INT] = {4, 1, 2, 4},
    [PVM_FLOAT] = {4, 1, 2, 4}, [PVM_CPLX] = {4, 2, 3, 4},  [PVM_DOUBLE] = {8, 1, 3, 8},
    [PVM_DCPLX] = {8, 2, 4, 8}, [PVM_LONG] = {8, 1, 3, 4},  [PVM_USHORT] = {2, 1, 1, 4},
    [PVM_UINT] = {4, 1, 2, 4},  [PVM_ULONG] = {8, 1, 3, 4},
};
#define NPTYPES ((int)(sizeof ptypes / sizeof ptypes[0]))

static const struct ptype *ptype_of(int type)
{
    if (type <= 0 || type >= NPTYPES || ptypes[type].width == 0)
        return NULL;
    return &ptypes[type];
}

/* True when m's body has XDR sizes (Default); false: native (Raw, InPlace). */
static bool is_xdr(const struct pmsg *m)
{
    const struct enc_info *e = enc_get(m->enc);
    return e && e->xdr;
}

/* Bytes of one item of t in a body with (xdr) or without XDR sizes. */
static size_t packed_size(const struct ptype *t, bool xdr)
{
    return (size_t)(xdr ? t->xdr : t->width) * t->units;
}

size_t pmsg_packed_size(int enc, int type)
{
    const struct ptype *t = ptype_of(type);
    const struct enc_info *e = enc_get(enc);
    return t && e ? packed_size(t, e->xdr) : 0;
}

size_t pmsg_type_size(int type)
{
    const struct ptype *t = ptype_of(type);
    return t ? (size_t)t->width * t->units : 0;
}

/* ======================================================================== */
/* Copy and swap kernels                                                    */
/* ======================================================================== */

/* Unit-wise byte swaps over contiguous memory.  memcpy in and out keeps
 * them alignment-safe and compiles to plain loads and stores.  The ops are
 * their own inverses, so pack and unpack share them.
 *
 * Baseline x86-64 (SSE2) has no byte shuffle, so a vectorised swap needs
 * SSSE3 or later; where the CPU has AVX2 (checked once at run time) the
 * bulk goes 32 bytes at a time through one vpshufb, and the scalar bswap
 * loop (one instruction per unit) does the rest and every other CPU. */
#if defined(__x86_64__) && defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector)
#define PMSG_AVX2 1
#endif
#endif

#ifdef PMSG_AVX2
#include <cpuid.h>

typedef uint8_t pmsg_v32 __attribute__((vector_size(32)));

/* Reverses the bytes of each `bits'-wide unit of a 32-byte vector. */
#define REV16(v)                                                                                   \
    __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14, 17, 16,    \
                            19, 18, 21, 20, 23, 22, 25, 24, 27, 26, 29, 28, 31, 30)
#define REV32(v)                                                                                   \
    __builtin_shufflevector(v, v, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 19, 18,    \
                            17, 16, 23, 22, 21, 20, 27, 26, 25, 24, 31, 30, 29, 28)
#define REV64(v)                                                                                   \
    __builtin_shufflevector(v, v, 7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8, 23, 22,    \
                            21, 20, 19, 18, 17, 16, 31, 30, 29, 28, 27, 26, 25, 24)

/* Swaps the first n & ~31 bytes; returns how many it did. */
#define SWAP_AVX2(bits)                                                                            \
    __attribute__((target("avx2"))) static size_t swap##bits##_avx2(                               \
        uint8_t *restrict d, const uint8_t *restrict s, size_t nbytes)                             \
    {                                                                                              \
        size_t i = 0;                                                                              \
        for (; i + 32 <= nbytes; i += 32) {                                                        \
            pmsg_v32 v;                                                                            \
            memcpy(&v, s + i, 32);                                                                 \
            v = REV##bits(v);                                                                      \
            memcpy(d + i, &v, 32);                                                                 \
        }                                                                                          \
        return i;                                                                                  \
    }
SWAP_AVX2(16)
SWAP_AVX2(32)
SWAP_AVX2(64)

/* Asks the CPU directly, on first use: __builtin_cpu_supports would link
 * libgcc's CPU probe, a constructor that every spawned task would pay for
 * at load time whether it ever packs a double or not. */
static bool cpu_has_avx2(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) || !(c & bit_AVX))
        return false;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6) /* the OS saves the XMM and YMM registers */
        return false;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_AVX2);
}

static bool have_avx2(void)
{
    static int known = -1;
    if (known < 0)
        known = cpu_has_avx2() ? 1 : 0;
    return known;
}
/* The vector loop pays off only past a few vectors. */
#define SWAP_BULK(bits, d, s, n)                                                                   \
    if ((n) * sizeof(uint##bits##_t) >= 128 && have_avx2()) {                                      \
        size_t done = swap##bits##_avx2(d, s, (n) * sizeof(uint##bits##_t));                       \
        d += done;                                                                                 \
        s += done;                                                                                 \
        n -= done / sizeof(uint##bits##_t);                                                        \
    }
#else
#define SWAP_BULK(bits, d, s, n)
#endif

#define SWAP_CONTIG(bits)                                                                          \
    static void swap##bits(uint8_t *restrict d, const uint8_t *restrict s, size_t n)               \
    {                                                                                              \
        SWAP_BULK(bits, d, s, n)                                                                   \
        for (size_t i = 0; i < n; i++) {                                                           \
            uint##bits##_t v;                                                                      \
            memcpy(&v, s + i * sizeof v, sizeof v);                                                \
            v = __builtin_bswap##bits(v);                                                          \
            memcpy(d + i * sizeof v, &v, sizeof v);                                                \
        }                                                                                          \
    }
SWAP_CONTIG(16)
SWAP_CONTIG(32)
SWAP_CONTIG(64)

/* Strided forms: n items of `units' units, item i at s + i*sstep going to
 * d + i*dstep (one of the steps is the packed item size). */
#define SWAP_STRIDED(bits)                                                                         \
    static void swap##bits##_strided(uint8_t *restrict d, size_t dstep, const uint8_t *restrict s, \
                                     size_t sstep, size_t n, unsigned units)                       \
    {                                                                                              \
        for (size_t i = 0; i < n; i++, d += dstep, s += sstep)                                     \
            swap##bits(d, s, units);                                                               \
    }
SWAP_STRIDED(16)
SWAP_STRIDED(32)
SWAP_STRIDED(64)

/* Strided copies with a constant item size, so memcpy becomes a move. */
#define COPY_STRIDED(size)                                                                         \
    static void copy##size##_strided(uint8_t *restrict d, size_t dstep, const uint8_t *restrict s, \
                                     size_t sstep, size_t n)                                       \
    {                                                                                              \
        for (size_t i = 0; i < n; i++, d += dstep, s += sstep)                                     \
            memcpy(d, s, size);                                                                    \
    }
COPY_STRIDED(1)
COPY_STRIDED(2)
COPY_STRIDED(4)
COPY_STRIDED(8)
COPY_STRIDED(16)

typedef void (*copy_fn)(uint8_t *, size_t, const uint8_t *, size_t, size_t);
typedef void (*swap_fn)(uint8_t *, const uint8_t *, size_t);
typedef void (*swap_strided_fn)(uint8_t *, size_t, const uint8_t *, size_t, size_t, unsigned);

static const copy_fn copy_strided[] = {copy1_strided, copy2_strided, copy4_strided, copy8_strided,
                                       copy16_strided};
/* Indexed by unit width; byte units never need swapping. */
static const swap_fn swap_contig[9] = {[2] = swap16, [4] = swap32, [8] = swap64};
static const swap_strided_fn swap_strided[9] = {
    [2] = swap16_strided, [4] = swap32_strided, [8] = swap64_strided};

/* Moves n items of type t from s to d; the steps are bytes between items. */
static void xfer(uint8_t *d, size_t dstep, const uint8_t *s, size_t sstep, size_t n,
                 const struct ptype *t, bool swap)
{
    size_t isz = (size_t)t->width * t->units;
    bool contig = dstep == isz && sstep == isz;
    if (n == 0)
        return;
    if (!swap || t->width == 1) {
        if (contig)
            memcpy(d, s, n * isz);
        else
            copy_strided[t->log2](d, dstep, s, sstep, n);
    } else if (contig) {
        swap_contig[t->width](d, s, n * t->units);
    } else {
        swap_strided[t->width](d, dstep, s, sstep, n, t->units);
    }
}

/* XDR's 4-byte form of the types narrower or wider in memory (short,
 * ushort, long, ulong), as PVM 3.4.6 packs them: a short is sign extended
 * (an ushort too: 65535 goes as ffffffff), a long keeps its low 32 bits;
 * unpacking keeps the low 16 bits for a short and zero-extends for a long
 * (-1 packed as a long comes back as 4294967295, as in PVM 3.4.6).  These
 * types are rare in bulk, so plain loops do. */
static inline void put_be32(uint8_t *d, uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    memcpy(d, &v, 4);
}

static inline uint32_t get_be32(const uint8_t *s)
{
    uint32_t v;
    memcpy(&v, s, 4);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

/* Packs n items from s (sstep bytes apart) to d in XDR's 4 bytes each. */
static void xdr_narrow_pack(uint8_t *d, const uint8_t *s, size_t sstep, size_t n,
                            const struct ptype *t)
{
    for (size_t i = 0; i < n; i++, d += 4, s += sstep) {
        if (t->width == 2) {
            int16_t v;
            memcpy(&v, s, 2);
            put_be32(d, (uint32_t)(int32_t)v);
        } else {
            uint64_t v;
            memcpy(&v, s, 8);
            put_be32(d, (uint32_t)v);
        }
    }
}

/* The inverse: n 4-byte items at s to d (dstep bytes apart). */
static void xdr_narrow_unpack(uint8_t *d, size_t dstep, const uint8_t *s, size_t n,
                              const struct ptype *t)
{
    for (size_t i = 0; i < n; i++, d += dstep, s += 4) {
        uint32_t v = get_be32(s);
        if (t->width == 2) {
            uint16_t h = (uint16_t)v;
            memcpy(d, &h, 2);
        } else {
            uint64_t l = v;
            memcpy(d, &l, 8);
        }
    }
}

/* ======================================================================== */
/* Life cycle                                                               */
/* ======================================================================== */

static struct pmsg *alloc_msg(int enc, size_t cap)
{
    struct pmsg *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    if (cap > SIZE_MAX - WIRE_HDR_LEN || !(m->base = malloc(WIRE_HDR_LEN + cap))) {
        free(m);
        return NULL;
    }
    m->enc = enc;
    m->cap = cap;
    return m;
}

struct pmsg *pmsg_new(int enc)
{
    if (!enc_valid(enc))
        return NULL;
    return alloc_msg(enc, PMSG_MIN_CAP - WIRE_HDR_LEN);
}

struct pmsg *pmsg_new_recv(int enc, size_t len)
{
    /* An InPlace message's references were read into the frame by the
     * sender, so what arrives is plain Raw. */
    struct pmsg *m = alloc_msg(enc_wire(enc), len);
    if (m)
        m->len = len;
    return m;
}

static void unregister(struct pmsg *m);

void (*pmsg_unqueue_hook)(struct pmsg *m);

void pmsg_destroy(struct pmsg **mp)
{
    struct pmsg *m = mp ? *mp : NULL;
    if (!m)
        return;
    if (m->queued && pmsg_unqueue_hook)
        pmsg_unqueue_hook(m);
    if (m->id > 0)
        unregister(m);
    free(m->base);
    free(m->refs);
    free(m->scratch);
    free(m);
    *mp = NULL;
}

int pmsg_reset(struct pmsg *m, int enc)
{
    if (!m || !enc_valid(enc))
        return PvmBadParam;
    m->enc = enc;
    m->src = m->dst = m->tag = m->ctx = m->wid = 0;
    m->seq = 0;
    m->flags = 0;
    m->len = m->rpos = 0;
    m->nrefs = 0;
    m->reflen = 0;
    return PvmOk;
}

uint8_t *pmsg_body(struct pmsg *m)
{
    return m->base + WIRE_HDR_LEN;
}

/* ======================================================================== */
/* The buffer-id table                                                      */
/* ======================================================================== */

/* Slot i holds buffer id i; free slots are chained through `next' so ids
 * are reused (as PVM does) and lookups are one index. */
struct slot {
    struct pmsg *m;
    int next;
};

static struct {
    struct slot *slots;
    int cap;  /* slots allocated */
    int used; /* slots ever handed out, including 0 which is never an id */
    int free; /* head of the free chain, 0 if empty */
} tab;

/* A free id (its slot still empty), or PvmNoMem. */
static int slot_take(void)
{
    int id = tab.free;
    if (id) {
        tab.free = tab.slots[id].next;
        return id;
    }
    if (tab.used == 0)
        tab.used = 1;
    if (tab.used >= tab.cap) {
        if (tab.cap > INT_MAX / 2)
            return PvmNoMem;
        int ncap = tab.cap ? tab.cap * 2 : 64;
        struct slot *ns = realloc(tab.slots, (size_t)ncap * sizeof *ns);
        if (!ns)
            return PvmNoMem;
        tab.slots = ns;
        tab.cap = ncap;
    }
    return tab.used++;
}

int pmsg_register(struct pmsg *m)
{
    if (!m)
        return PvmBadParam;
    if (m->id > 0)
        return m->id;
    int id = slot_take();
    if (id < 0)
        return id;
    tab.slots[id].m = m;
    tab.slots[id].next = 0;
    m->id = id;
    return id;
}

int pmsg_reid(struct pmsg *m)
{
    int old = m->id;
    int id = slot_take();
    if (id < 0)
        return id;
    tab.slots[id].m = m;
    tab.slots[id].next = 0;
    m->id = id;
    if (old > 0 && old < tab.used && tab.slots[old].m == m) {
        tab.slots[old].m = NULL;
        tab.slots[old].next = tab.free;
        tab.free = old;
    }
    return id;
}

struct pmsg *pmsg_lookup(int id)
{
    if (id <= 0 || id >= tab.used)
        return NULL;
    return tab.slots[id].m;
}

static void unregister(struct pmsg *m)
{
    int id = m->id;
    if (id > 0 && id < tab.used && tab.slots[id].m == m) {
        tab.slots[id].m = NULL;
        tab.slots[id].next = tab.free;
        tab.free = id;
    }
    /* A freed buffer can no longer be the active one. */
    if (lpvm_state.sbuf == id)
        lpvm_state.sbuf = 0;
    if (lpvm_state.rbuf == id)
        lpvm_state.rbuf = 0;
    m->id = 0;
}

void pmsg_free_all(void)
{
    for (int id = 1; id < tab.used; id++) {
        struct pmsg *m = tab.slots[id].m;
        pmsg_destroy(&m);
    }
    free(tab.slots);
    memset(&tab, 0, sizeof tab);
    lpvm_state.sbuf = lpvm_state.rbuf = 0;
}

/* ======================================================================== */
/* Growing the body and the reference list                                  */
/* ======================================================================== */

/* Makes room for `more' bytes after len; returns a pointer to them or NULL
 * (size overflow or out of memory; nothing changes then). */
static uint8_t *body_grow(struct pmsg *m, size_t more)
{
    if (more > SIZE_MAX - WIRE_HDR_LEN - m->len)
        return NULL;
    size_t need = m->len + more;
    if (need > m->cap) {
        size_t ncap = m->cap ? m->cap : PMSG_MIN_CAP;
        while (ncap < need)
            ncap = ncap > (SIZE_MAX - WIRE_HDR_LEN) / 2 ? need : ncap * 2;
        uint8_t *nb = realloc(m->base, WIRE_HDR_LEN + ncap);
        if (!nb)
            return NULL;
        m->base = nb;
        m->cap = ncap;
    }
    return m->base + WIRE_HDR_LEN + m->len;
}

static int add_ref(struct pmsg *m, const void *p, size_t size, size_t count, size_t stride)
{
    size_t bytes = size * count;
    if (bytes > SIZE_MAX - m->len - m->reflen)
        return PvmNoMem;
    /* Consecutive packs of adjacent memory become one reference, so a loop
     * of small packs over an array costs one iovec, not thousands. */
    if (m->nrefs > 0 && stride == 1) {
        struct pmsg_ref *r = &m->refs[m->nrefs - 1];
        if (r->off == m->len && r->stride == 1 && r->ptr + r->size * r->count == p) {
            r->count = r->size * r->count + bytes;
            r->size = 1;
            m->reflen += bytes;
            return PvmOk;
        }
    }
    if (m->nrefs == m->caprefs) {
        if (m->caprefs > INT_MAX / 2)
            return PvmNoMem;
        int ncap = m->caprefs ? m->caprefs * 2 : 8;
        struct pmsg_ref *nr = realloc(m->refs, (size_t)ncap * sizeof *nr);
        if (!nr)
            return PvmNoMem;
        m->refs = nr;
        m->caprefs = ncap;
    }
    m->refs[m->nrefs++] =
        (struct pmsg_ref){.off = m->len, .ptr = p, .size = size, .count = count, .stride = stride};
    m->reflen += bytes;
    return PvmOk;
}

/* ======================================================================== */
/* Reading the logical payload (body pieces and references)                 */
/* ======================================================================== */

/* Copies len bytes starting at byte a of reference r's data. */
static void ref_copy(const struct pmsg_ref *r, size_t a, uint8_t *dst, size_t len)
{
    if (r->stride == 1) {
        memcpy(dst, r->ptr + a, len);
        return;
    }
    while (len > 0) {
        size_t i = a / r->size, o = a % r->size;
        size_t k = r->size - o < len ? r->size - o : len;
        memcpy(dst, r->ptr + i * r->stride * r->size + o, k);
        dst += k;
        a += k;
        len -= k;
    }
}

/* Copies payload bytes [pos, pos + len) of m to dst, walking the body
 * pieces and the references between them in order.  The caller has
 * checked that the range lies within pmsg_payload_len(m). */
static void view_copy(const struct pmsg *m, size_t pos, uint8_t *dst, size_t len)
{
    const uint8_t *body = m->base + WIRE_HDR_LEN;
    size_t boff = 0, lpos = 0; /* body offset and payload offset of the piece */
    for (int k = 0; k <= m->nrefs && len > 0; k++) {
        size_t bend = k < m->nrefs ? m->refs[k].off : m->len;
        size_t plen = bend - boff;
        if (pos < lpos + plen) {
            size_t a = pos - lpos, c = plen - a < len ? plen - a : len;
            memcpy(dst, body + boff + a, c);
            dst += c;
            pos += c;
            len -= c;
        }
        lpos += plen;
        boff = bend;
        if (k == m->nrefs || len == 0)
            break;
        const struct pmsg_ref *r = &m->refs[k];
        size_t rlen = r->size * r->count;
        if (pos < lpos + rlen) {
            size_t a = pos - lpos, c = rlen - a < len ? rlen - a : len;
            ref_copy(r, a, dst, c);
            dst += c;
            pos += c;
            len -= c;
        }
        lpos += rlen;
    }
}

size_t pmsg_payload_len(const struct pmsg *m)
{
    return m->len + m->reflen;
}

int pmsg_flatten(struct pmsg *m)
{
    if (m->nrefs == 0)
        return PvmOk;
    size_t old = m->len, total = m->len + m->reflen;
    if (!body_grow(m, m->reflen))
        return PvmNoMem;
    uint8_t *body = m->base + WIRE_HDR_LEN;
    /* Work from the back: each body piece moves right by the bytes of the
     * references before it, so moving the last piece first never
     * overwrites a piece not yet moved; each reference then fills the gap
     * left in front of the piece that followed it. */
    size_t shift = m->reflen, end = old;
    for (int k = m->nrefs - 1; k >= 0; k--) {
        const struct pmsg_ref *r = &m->refs[k];
        size_t rlen = r->size * r->count;
        memmove(body + r->off + shift, body + r->off, end - r->off);
        shift -= rlen;
        if (rlen)
            ref_copy(r, 0, body + r->off + shift, rlen);
        end = r->off;
    }
    m->len = total;
    m->nrefs = 0;
    m->reflen = 0;
    return PvmOk;
}

int pmsg_niov(const struct pmsg *m)
{
    int n = 0;
    size_t boff = 0;
    for (int k = 0; k < m->nrefs; k++) {
        n += m->refs[k].off > boff;
        n += m->refs[k].count > 0;
        boff = m->refs[k].off;
    }
    return n + (m->len > boff);
}

static uint8_t *scratch(struct pmsg *m, size_t n)
{
    if (n > m->scratchcap) {
        uint8_t *p = realloc(m->scratch, n);
        if (!p)
            return NULL;
        m->scratch = p;
        m->scratchcap = n;
    }
    return m->scratch;
}

int pmsg_iov(struct pmsg *m, struct iovec *iov, int max)
{
    size_t total = pmsg_payload_len(m);
    if (total == 0)
        return 0;
    if (max <= 0)
        return PvmBadParam;
    uint8_t *body = m->base + WIRE_HDR_LEN;
    if (m->nrefs == 0) {
        iov[0] = (struct iovec){.iov_base = body, .iov_len = m->len};
        return 1;
    }
    if (pmsg_niov(m) > max) {
        /* Not enough iovecs: one gathered copy (read now, at send time). */
        uint8_t *g = scratch(m, total);
        if (!g)
            return PvmNoMem;
        view_copy(m, 0, g, total);
        iov[0] = (struct iovec){.iov_base = g, .iov_len = total};
        return 1;
    }
    size_t strided = 0;
    for (int k = 0; k < m->nrefs; k++)
        if (m->refs[k].stride != 1)
            strided += m->refs[k].size * m->refs[k].count;
    uint8_t *g = strided ? scratch(m, strided) : NULL;
    if (strided && !g)
        return PvmNoMem;
    int n = 0;
    size_t boff = 0;
    for (int k = 0; k <= m->nrefs; k++) {
        size_t bend = k < m->nrefs ? m->refs[k].off : m->len;
        if (bend > boff)
            iov[n++] = (struct iovec){.iov_base = body + boff, .iov_len = bend - boff};
        boff = bend;
        if (k == m->nrefs)
            break;
        const struct pmsg_ref *r = &m->refs[k];
        size_t rlen = r->size * r->count;
        if (rlen == 0)
            continue;
        if (r->stride == 1) {
            iov[n++] = (struct iovec){.iov_base = (void *)r->ptr, .iov_len = rlen};
        } else {
            ref_copy(r, 0, g, rlen);
            iov[n++] = (struct iovec){.iov_base = g, .iov_len = rlen};
            g += rlen;
        }
    }
    return n;
}

/* ======================================================================== */
/* Packing                                                                  */
/* ======================================================================== */

/* Checks the arguments common to pack and unpack; returns the type or NULL
 * and sets *bytes to the size in memory and *step to the user-side step. */
static int check_args(int type, const void *p, int n, int stride, const struct ptype **tp,
                      size_t *bytes, size_t *step)
{
    const struct ptype *t = ptype_of(type);
    if (!t || n < 0 || stride < 0 || (n > 0 && !p))
        return PvmBadParam;
    size_t isz = (size_t)t->width * t->units, span;
    /* The user array must be addressable: (n-1)*stride items past p. */
    if (__builtin_mul_overflow(isz, (size_t)n, bytes) ||
        __builtin_mul_overflow(isz, (size_t)stride, step) ||
        (n > 0 && __builtin_mul_overflow(*step, (size_t)(n - 1), &span)) ||
        (n > 0 && span > PTRDIFF_MAX))
        return PvmBadParam;
    *tp = t;
    return PvmOk;
}

/* Bytes n items of t take in m's body, and the padding after them (none
 * unless `padded': a backward walk pads once, after its last item). */
static size_t body_size(const struct pmsg *m, const struct ptype *t, size_t n, bool padded,
                        size_t *pad)
{
    bool xdr = is_xdr(m);
    size_t bytes = packed_size(t, xdr) * n; /* <= 16 * INT_MAX: no overflow */
    *pad = padded && xdr && t->width == 1 ? enc_xdr_pad(bytes) : 0;
    return bytes;
}

static int backward(struct pmsg *m, int type, void *p, int n, int stride, bool unpack);
static int unpack_items(struct pmsg *m, int type, void *p, int n, int stride, bool padded);

static int pack_items(struct pmsg *m, int type, const void *p, int n, int stride, bool copy,
                      bool padded)
{
    if (stride < 0 && n >= 0)
        return backward(m, type, (void *)p, n, stride, false);
    const struct ptype *t;
    size_t bytes, step, pad;
    int cc = check_args(type, p, n, stride, &t, &bytes, &step);
    if (cc < 0 || !m)
        return cc < 0 ? cc : PvmBadParam;
    if (n == 0)
        return PvmOk;
    const struct enc_info *e = enc_get(m->enc);
    if (!e)
        return PvmBadMsg;
    if (e->by_ref && !copy)
        return add_ref(m, p, (size_t)t->width * t->units, (size_t)n, (size_t)stride);
    bytes = body_size(m, t, (size_t)n, padded, &pad);
    uint8_t *d = body_grow(m, bytes + pad);
    if (!d)
        return PvmNoMem;
    if (e->xdr && t->xdr != t->width)
        xdr_narrow_pack(d, p, step, (size_t)n, t);
    else
        xfer(d, bytes / (size_t)n, p, step, (size_t)n, t, enc_swaps(m->enc));
    memset(d + bytes, 0, pad);
    m->len += bytes + pad;
    return PvmOk;
}

static int pack(struct pmsg *m, int type, const void *p, int n, int stride, bool copy)
{
    return pack_items(m, type, p, n, stride, copy, true);
}

int pmsg_pack(struct pmsg *m, int type, const void *p, int n, int stride)
{
    return pack(m, type, p, n, stride, false);
}

int pmsg_pack_copy(struct pmsg *m, int type, const void *p, int n, int stride)
{
    return pack(m, type, p, n, stride, true);
}

int pmsg_pack_bytes(struct pmsg *m, const void *p, size_t n)
{
    if (!m || (n > 0 && !p))
        return PvmBadParam;
    if (n == 0)
        return PvmOk;
    uint8_t *d = body_grow(m, n);
    if (!d)
        return PvmNoMem;
    memcpy(d, p, n);
    m->len += n;
    return PvmOk;
}

int pmsg_pack_str(struct pmsg *m, const char *s)
{
    if (!m || !s)
        return PvmBadParam;
    /* PVM 3.4.6 packs the NUL too, and counts it in the length. */
    size_t len = strlen(s) + 1;
    if (len > INT32_MAX)
        return PvmBadParam;
    int32_t l = (int32_t)len;
    size_t pad = is_xdr(m) ? enc_xdr_pad(len) : 0;
    if (len > SIZE_MAX - 8 - WIRE_HDR_LEN - m->len)
        return PvmNoMem;
    /* Grow once for all parts so a failure leaves the body as it was. */
    if (!body_grow(m, 4 + len + pad))
        return PvmNoMem;
    int cc = pack(m, PVM_INT, &l, 1, 1, true);
    if (cc == PvmOk)
        cc = pmsg_pack_bytes(m, s, len);
    if (cc == PvmOk && pad) {
        memset(m->base + WIRE_HDR_LEN + m->len, 0, pad);
        m->len += pad;
    }
    return cc;
}

/* ======================================================================== */
/* Unpacking                                                                */
/* ======================================================================== */

/* Makes [rpos, rpos + need) readable from one contiguous pointer, flattening
 * an InPlace message that still has references.  Returns NULL and sets *cc
 * when the bytes are not there or memory is short. */
static const uint8_t *readable(struct pmsg *m, size_t need, int *cc)
{
    if (!enc_valid(m->enc)) {
        *cc = PvmBadMsg;
        return NULL;
    }
    size_t total = pmsg_payload_len(m);
    if (m->rpos > total || need > total - m->rpos) {
        *cc = PvmNoData;
        return NULL;
    }
    if (m->nrefs && (*cc = pmsg_flatten(m)) < 0)
        return NULL;
    *cc = PvmOk;
    return m->base + WIRE_HDR_LEN + m->rpos;
}

/* The swap a message in m's encoding needs; Raw and InPlace are native. */
static bool needs_swap(const struct pmsg *m)
{
    return enc_swaps(m->enc);
}

/* Moves the cursor past `pad' bytes of XDR padding, or to the end of the
 * body if it stops short of them (a body made by hand may). */
static void skip_pad(struct pmsg *m, size_t pad)
{
    size_t left = pmsg_payload_len(m) - m->rpos;
    m->rpos += pad < left ? pad : left;
}

/* A negative stride walks the caller's array backwards from p, as PVM 3.4.6
 * does: one item at a time, copied (rare enough that simple wins), and
 * bytes padded once at the end, as for a forward walk. */
static int backward(struct pmsg *m, int type, void *p, int n, int stride, bool unpack)
{
    size_t isz = pmsg_type_size(type);
    if (!m || !isz || (n > 0 && !p))
        return PvmBadParam;
    uintptr_t at = (uintptr_t)p;
    size_t back = (size_t)(-(intmax_t)stride) * isz; /* bytes from one item to the next */
    for (int i = 0; i < n; i++) {
        void *q = (void *)(at - (uintptr_t)i * back);
        int cc = unpack ? unpack_items(m, type, q, 1, 1, false)
                        : pack_items(m, type, q, 1, 1, true, false);
        if (cc < 0)
            return cc;
    }
    size_t pad;
    body_size(m, ptype_of(type), (size_t)n, true, &pad);
    if (unpack) {
        skip_pad(m, pad);
    } else if (pad) {
        uint8_t *d = body_grow(m, pad);
        if (!d)
            return PvmNoMem;
        memset(d, 0, pad);
        m->len += pad;
    }
    return PvmOk;
}

static int unpack_items(struct pmsg *m, int type, void *p, int n, int stride, bool padded)
{
    if (stride < 0 && n >= 0)
        return backward(m, type, p, n, stride, true);
    const struct ptype *t;
    size_t bytes, step, pad;
    int cc = check_args(type, p, n, stride, &t, &bytes, &step);
    if (cc < 0 || !m)
        return cc < 0 ? cc : PvmBadParam;
    if (!enc_valid(m->enc))
        return PvmBadMsg;
    size_t isz = (size_t)t->width * t->units;
    /* A few references and a dense destination: read straight out of the
     * references, no flattening copy (native layout, so bytes are items). */
    if (m->nrefs > 0 && m->nrefs <= PMSG_MAX_WALK && step == isz && !is_xdr(m)) {
        size_t total = pmsg_payload_len(m);
        if (m->rpos > total || bytes > total - m->rpos)
            return PvmNoData;
        view_copy(m, m->rpos, p, bytes);
        m->rpos += bytes;
        return PvmOk;
    }
    bytes = body_size(m, t, (size_t)n, padded, &pad);
    const uint8_t *s = readable(m, bytes, &cc);
    if (!s)
        return cc;
    if (n > 0 && is_xdr(m) && t->xdr != t->width)
        xdr_narrow_unpack(p, step, s, (size_t)n, t);
    else if (n > 0)
        xfer(p, step, s, bytes / (size_t)n, (size_t)n, t, needs_swap(m));
    m->rpos += bytes;
    skip_pad(m, pad);
    return PvmOk;
}

int pmsg_unpack(struct pmsg *m, int type, void *p, int n, int stride)
{
    return unpack_items(m, type, p, n, stride, true);
}

int pmsg_unpack_strn(struct pmsg *m, char *s, size_t cap)
{
    if (!m || !s)
        return PvmBadParam;
    int cc;
    const uint8_t *p = readable(m, 4, &cc);
    if (!p)
        return cc;
    int32_t l;
    memcpy(&l, p, 4);
    if (needs_swap(m))
        l = (int32_t)__builtin_bswap32((uint32_t)l);
    if (l < 0)
        return PvmBadMsg;
    size_t len = (size_t)l;
    if (len > pmsg_payload_len(m) - m->rpos - 4)
        return PvmNoData;
    /* The length counts the NUL PVM packs; a body made otherwise gets one
     * added, so the caller always has a C string. */
    const uint8_t *b = p + 4;
    bool nul = len > 0 && b[len - 1] == '\0';
    if (len + !nul > cap)
        return PvmOverflow;
    memcpy(s, b, len);
    if (!nul)
        s[len] = '\0';
    m->rpos += 4 + len;
    if (is_xdr(m))
        skip_pad(m, enc_xdr_pad(len));
    return PvmOk;
}

int pmsg_unpack_str(struct pmsg *m, char *s)
{
    return pmsg_unpack_strn(m, s, SIZE_MAX);
}

/* ======================================================================== */
/* Copies and messages inside messages                                      */
/* ======================================================================== */

struct pmsg *pmsg_copy(const struct pmsg *m)
{
    size_t total = pmsg_payload_len(m);
    struct pmsg *c = alloc_msg(m->enc, total);
    if (!c)
        return NULL;
    view_copy(m, 0, c->base + WIRE_HDR_LEN, total);
    c->len = total;
    c->src = m->src;
    c->dst = m->dst;
    c->tag = m->tag;
    c->ctx = m->ctx;
    c->wid = m->wid;
    c->seq = m->seq;
    c->flags = m->flags;
    return c;
}

/* The header of a packed message: its length as two ints (high and low
 * halves, so no size is refused), then the fields of struct pvmminfo: nine
 * ints, 36 bytes in either encoding, as PVM 3.4.6's header takes. */
#define PMSG_NHDR 9
#define PMSG_PACKED_HDR (4 * PMSG_NHDR)

int pmsg_pack_msg(struct pmsg *m, const struct pmsg *in)
{
    if (!m || !in || m == in)
        return PvmBadParam;
    if (!enc_valid(m->enc))
        return PvmBadMsg;
    size_t len = pmsg_payload_len(in);
    uint64_t len64 = len;
    int32_t h[PMSG_NHDR] = {(int32_t)(uint32_t)(len64 >> 32),
                            (int32_t)(uint32_t)len64,
                            in->ctx,
                            in->tag,
                            in->wid,
                            in->enc,
                            0,
                            in->src,
                            in->dst};
    /* The payload goes as bytes: padded in XDR. */
    size_t pad = is_xdr(m) ? enc_xdr_pad(len) : 0;
    /* Grow once for everything, so the packs below cannot fail half way. */
    if (len > SIZE_MAX - PMSG_PACKED_HDR - 4 || !body_grow(m, PMSG_PACKED_HDR + len + pad))
        return PvmNoMem;
    pack(m, PVM_INT, h, PMSG_NHDR, 1, true);
    uint8_t *d = m->base + WIRE_HDR_LEN + m->len;
    view_copy(in, 0, d, len);
    memset(d + len, 0, pad);
    m->len += len + pad;
    return PvmOk;
}

int pmsg_pack_body(struct pmsg *m, const struct pmsg *in)
{
    if (!m || !in || m == in)
        return PvmBadParam;
    if (!enc_same_layout(m->enc, in->enc))
        return PvmMismatch;
    size_t len = pmsg_payload_len(in);
    uint8_t *d = body_grow(m, len);
    if (!d)
        return PvmNoMem;
    view_copy(in, 0, d, len);
    m->len += len;
    return PvmOk;
}

int pmsg_unpack_msg(struct pmsg *m, struct pmsg **out)
{
    if (!m || !out)
        return PvmBadParam;
    size_t start = m->rpos;
    int32_t h[PMSG_NHDR];
    int cc = pmsg_unpack(m, PVM_INT, h, PMSG_NHDR, 1);
    uint64_t len64 = (uint64_t)(uint32_t)h[0] << 32 | (uint32_t)h[1];
    if (cc == PvmOk && !enc_valid(h[5]))
        cc = PvmBadMsg;
    if (cc == PvmOk && len64 > pmsg_payload_len(m) - m->rpos)
        cc = PvmNoData;
    size_t len = (size_t)len64;
    struct pmsg *c = NULL;
    if (cc == PvmOk && !(c = alloc_msg(h[5], len)))
        cc = PvmNoMem;
    if (cc == PvmOk) {
        view_copy(m, m->rpos, c->base + WIRE_HDR_LEN, len);
        c->len = len;
        c->ctx = h[2];
        c->tag = h[3];
        c->wid = h[4];
        c->src = h[7];
        c->dst = h[8];
        m->rpos += len;
        if (is_xdr(m))
            skip_pad(m, enc_xdr_pad(len));
        *out = c;
        return PvmOk;
    }
    m->rpos = start;
    return cc;
}
