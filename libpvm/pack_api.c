/*
 * pack_api.c - PVM's message-buffer and packing calls over pmsg.c.
 *
 * The active send and receive buffers are ids in lpvm_state; every call
 * looks its buffer up in pmsg's id table (one array index), so a buffer
 * freed behind the caller's back shows up as PvmNoBuf, never as a dangling
 * pointer.  Errors go through lpvm_err, which sets pvm_errno and reports
 * them when PvmAutoErr asks for it.
 */
#include <limits.h>
#include <string.h>

#include "enc.h"
#include "core.h"
#include "pmsg.h"
#include "pvm3.h"

/* ======================================================================== */
/* Buffers                                                                  */
/* ======================================================================== */

/* A new registered buffer: its id, or PvmBadParam / PvmNoMem. */
static int make_buf(int encoding)
{
    if (!enc_valid(encoding))
        return PvmBadParam;
    struct pmsg *m = pmsg_new(encoding);
    if (!m)
        return PvmNoMem;
    int id = pmsg_register(m);
    if (id < 0)
        pmsg_destroy(&m);
    return id;
}

int pvm_mkbuf(int encoding)
{
    return lpvm_err("pvm_mkbuf", make_buf(encoding));
}

int pvm_freebuf(int bufid)
{
    if (bufid < 0)
        return lpvm_err("pvm_freebuf", PvmBadParam);
    if (bufid == 0) /* PVM accepts "no buffer" as a no-op */
        return PvmOk;
    struct pmsg *m = pmsg_lookup(bufid);
    if (!m)
        return lpvm_err("pvm_freebuf", PvmNoSuchBuf);
    pmsg_destroy(&m); /* also clears sbuf/rbuf if it was active */
    return PvmOk;
}

int pvm_getsbuf(void)
{
    return lpvm_state.sbuf;
}

int pvm_getrbuf(void)
{
    return lpvm_state.rbuf;
}

/* Shared by setsbuf and setrbuf: 0 deactivates, others must exist. */
static int set_active(const char *fn, int *slot, int bufid)
{
    if (bufid < 0)
        return lpvm_err(fn, PvmBadParam);
    if (bufid > 0 && !pmsg_lookup(bufid))
        return lpvm_err(fn, PvmNoSuchBuf);
    int old = *slot;
    *slot = bufid;
    return old;
}

int pvm_setsbuf(int bufid)
{
    return set_active("pvm_setsbuf", &lpvm_state.sbuf, bufid);
}

int pvm_setrbuf(int bufid)
{
    return set_active("pvm_setrbuf", &lpvm_state.rbuf, bufid);
}

/* Bigger than this, an old send buffer's memory is returned rather than
 * kept for the next message. */
#define PACK_KEEP_CAP ((size_t)1 << 20)

int pvm_initsend(int encoding)
{
    if (!enc_valid(encoding)) {
        /* PVM 3.4.6's initsend is its mkbuf: both report. */
        lpvm_err("pvm_mkbuf", PvmBadParam);
        return lpvm_err("pvm_initsend", PvmBadParam);
    }
    struct pmsg *old = pmsg_lookup(lpvm_state.sbuf);
    /* PVM 3.4.6 makes the new buffer, then frees the old one: the id
     * changes at every call (two ids take turns), and a program that frees
     * the old id afterwards frees nothing that is still in use.  The old
     * buffer's memory is reused under the new id (no malloc per message),
     * unless it is also the receive buffer or a message still queued (a
     * pvm_probe id made the send buffer), which must keep their contents. */
    if (old && old->id != lpvm_state.rbuf && !old->queued && old->cap <= PACK_KEEP_CAP) {
        int id = pmsg_reid(old);
        if (id > 0) {
            pmsg_reset(old, encoding);
            lpvm_state.sbuf = id;
            return id;
        }
    }
    if (old)
        pmsg_destroy(&old);
    int id = make_buf(encoding);
    if (id < 0)
        return lpvm_err("pvm_initsend", id);
    lpvm_state.sbuf = id;
    return id;
}

/* The buffer bufid for an info call: PvmBadParam or PvmNoSuchBuf. */
static int find_buf(int bufid, struct pmsg **m)
{
    if (bufid <= 0)
        return PvmBadParam;
    *m = pmsg_lookup(bufid);
    return *m ? PvmOk : PvmNoSuchBuf;
}

/* The bytes in the buffer: InPlace references are not (PVM 3.4.6 says 0
 * for an InPlace buffer before it is sent). */
static int clamp_len(const struct pmsg *m)
{
    size_t len = m->len;
    return len > INT_MAX ? INT_MAX : (int)len;
}

int pvm_bufinfo(int bufid, int *bytes, int *msgtag, int *tid)
{
    struct pmsg *m;
    int cc = find_buf(bufid, &m);
    if (cc < 0)
        return lpvm_err("pvm_bufinfo", cc);
    if (bytes)
        *bytes = clamp_len(m);
    if (msgtag)
        *msgtag = m->tag;
    if (tid)
        *tid = m->src;
    return PvmOk;
}

int pvm_getminfo(int bufid, struct pvmminfo *info)
{
    struct pmsg *m;
    int cc = find_buf(bufid, &m); /* PVM 3.4.6 checks the buffer first */
    if (cc == 0 && !info)
        cc = PvmBadParam;
    if (cc < 0)
        return lpvm_err("pvm_getminfo", cc);
    *info = (struct pvmminfo){
        .len = clamp_len(m),
        .ctx = m->ctx,
        .tag = m->tag,
        .wid = m->wid,
        /* what PVM 3.4 puts in a message header (common/enc.h) */
        .enc = enc_minfo(m->enc),
        .crc = 0,
        .src = m->src,
        .dst = m->dst,
    };
    return PvmOk;
}

int pvm_setminfo(int bufid, struct pvmminfo *info)
{
    struct pmsg *m;
    int cc = info ? find_buf(bufid, &m) : PvmBadParam;
    if (cc < 0)
        return lpvm_err("pvm_setminfo", cc);
    /* Only these may be set (pvm_setminfo(3PVM)). */
    m->ctx = info->ctx;
    m->tag = info->tag;
    m->wid = info->wid;
    m->src = info->src;
    m->dst = info->dst;
    return PvmOk;
}

/* PVM 3.3's names for the wid of pvm_getminfo / pvm_setminfo, which PVM
 * 3.4.6 declares only under PVM33COMPAT and no longer has in its library.
 * The wid travels with the message (send.c), as 3.4.6's minfo wid does. */
int pvm_getmwid(int bufid)
{
    struct pmsg *m;
    int cc = find_buf(bufid, &m);
    return cc < 0 ? lpvm_err("pvm_getmwid", cc) : m->wid;
}

int pvm_setmwid(int bufid, int waitid)
{
    struct pmsg *m;
    int cc = find_buf(bufid, &m);
    if (cc < 0)
        return lpvm_err("pvm_setmwid", cc);
    m->wid = waitid;
    return PvmOk;
}

/* ======================================================================== */
/* Packing and unpacking                                                    */
/* ======================================================================== */

static int pack(const char *fn, int type, const void *p, int cnt, int std)
{
    struct pmsg *m = pmsg_lookup(lpvm_state.sbuf);
    if (!m)
        return lpvm_err(fn, PvmNoBuf);
    return lpvm_err(fn, pmsg_pack(m, type, p, cnt, std));
}

static int unpack(const char *fn, int type, void *p, int cnt, int std)
{
    struct pmsg *m = pmsg_lookup(lpvm_state.rbuf);
    if (!m)
        return lpvm_err(fn, PvmNoBuf);
    return lpvm_err(fn, pmsg_unpack(m, type, p, cnt, std));
}

/* One pack and one unpack function per PVM type: all alike. */
#define PACK_PAIR(name, ctype, type)                                                               \
    int pvm_pk##name(ctype *p, int cnt, int std)                                                   \
    {                                                                                              \
        return pack("pvm_pk" #name, type, p, cnt, std);                                            \
    }                                                                                              \
    int pvm_upk##name(ctype *p, int cnt, int std)                                                  \
    {                                                                                              \
        return unpack("pvm_upk" #name, type, p, cnt, std);                                         \
    }

PACK_PAIR(byte, char, PVM_BYTE)
PACK_PAIR(short, short, PVM_SHORT)
PACK_PAIR(ushort, unsigned short, PVM_USHORT)
PACK_PAIR(int, int, PVM_INT)
PACK_PAIR(uint, unsigned int, PVM_UINT)
PACK_PAIR(long, long, PVM_LONG)
PACK_PAIR(ulong, unsigned long, PVM_ULONG)
PACK_PAIR(float, float, PVM_FLOAT)
PACK_PAIR(double, double, PVM_DOUBLE)
PACK_PAIR(cplx, float, PVM_CPLX)
PACK_PAIR(dcplx, double, PVM_DCPLX)

int pvm_pkstr(char *cp)
{
    struct pmsg *m = pmsg_lookup(lpvm_state.sbuf);
    if (!m)
        return lpvm_err("pvm_pkstr", PvmNoBuf);
    /* pvm_pack(3PVM): strings cannot be packed InPlace. */
    const struct enc_info *e = enc_get(m->enc);
    if (e && e->by_ref)
        return lpvm_err("pvm_pkstr", PvmNotImpl);
    return lpvm_err("pvm_pkstr", pmsg_pack_str(m, cp));
}

int pvm_upkstr(char *cp)
{
    struct pmsg *m = pmsg_lookup(lpvm_state.rbuf);
    if (!m)
        return lpvm_err("pvm_upkstr", PvmNoBuf);
    return lpvm_err("pvm_upkstr", pmsg_unpack_str(m, cp));
}

/* ======================================================================== */
/* Messages inside messages                                                 */
/* ======================================================================== */

/* The send buffer and the message bufid to pack into it. */
static int pkmesg_args(int bufid, struct pmsg **sb, struct pmsg **in)
{
    if (!(*sb = pmsg_lookup(lpvm_state.sbuf)))
        return PvmNoBuf;
    if (bufid <= 0 || bufid == lpvm_state.sbuf)
        return PvmBadParam;
    return (*in = pmsg_lookup(bufid)) ? PvmOk : PvmNoSuchBuf;
}

int pvm_pkmesg(int bufid)
{
    struct pmsg *sb, *in;
    int cc = pkmesg_args(bufid, &sb, &in);
    if (cc == PvmOk)
        cc = pmsg_pack_msg(sb, in);
    return lpvm_err("pvm_pkmesg", cc);
}

int pvm_pkmesgbody(int bufid)
{
    struct pmsg *sb, *in;
    int cc = pkmesg_args(bufid, &sb, &in);
    if (cc == PvmOk)
        cc = pmsg_pack_body(sb, in);
    return lpvm_err("pvm_pkmesgbody", cc);
}

int pvm_upkmesg(void)
{
    struct pmsg *rb = pmsg_lookup(lpvm_state.rbuf), *m = NULL;
    if (!rb)
        return lpvm_err("pvm_upkmesg", PvmNoBuf);
    int cc = pmsg_unpack_msg(rb, &m);
    if (cc < 0)
        return lpvm_err("pvm_upkmesg", cc);
    int id = pmsg_register(m);
    if (id < 0)
        pmsg_destroy(&m);
    return lpvm_err("pvm_upkmesg", id);
}
