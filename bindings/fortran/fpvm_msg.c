/*
 * fpvm_msg.c - pvmf* routines of messages: packing by Fortran type code,
 * sending to many, typed send and receive, timeouts, header fields.
 */
#include "fpvm.h"

/* fpvm3.h's type codes (STRING 0 ... INTEGER8 8) are pvm3.h's PVM_STR ...
 * PVM_LONG, so the code indexes these tables and passes through to
 * pvm_psend, pvm_precv and the collectives unchanged.  A Fortran STRING is
 * nitem characters, packed as bytes, as PVM 3.4.6 does (not pvm_pkstr:
 * a Fortran string has no NUL). */
typedef int (*fpvm_pk_fn)(void *, int, int);

static const fpvm_pk_fn pack_by_type[] = {
    [PVM_STR] = (fpvm_pk_fn)pvm_pkbyte,      [PVM_BYTE] = (fpvm_pk_fn)pvm_pkbyte,
    [PVM_SHORT] = (fpvm_pk_fn)pvm_pkshort,   [PVM_INT] = (fpvm_pk_fn)pvm_pkint,
    [PVM_FLOAT] = (fpvm_pk_fn)pvm_pkfloat,   [PVM_CPLX] = (fpvm_pk_fn)pvm_pkcplx,
    [PVM_DOUBLE] = (fpvm_pk_fn)pvm_pkdouble, [PVM_DCPLX] = (fpvm_pk_fn)pvm_pkdcplx,
    [PVM_LONG] = (fpvm_pk_fn)pvm_pklong,
};

static const fpvm_pk_fn unpack_by_type[] = {
    [PVM_STR] = (fpvm_pk_fn)pvm_upkbyte,      [PVM_BYTE] = (fpvm_pk_fn)pvm_upkbyte,
    [PVM_SHORT] = (fpvm_pk_fn)pvm_upkshort,   [PVM_INT] = (fpvm_pk_fn)pvm_upkint,
    [PVM_FLOAT] = (fpvm_pk_fn)pvm_upkfloat,   [PVM_CPLX] = (fpvm_pk_fn)pvm_upkcplx,
    [PVM_DOUBLE] = (fpvm_pk_fn)pvm_upkdouble, [PVM_DCPLX] = (fpvm_pk_fn)pvm_upkdcplx,
    [PVM_LONG] = (fpvm_pk_fn)pvm_upklong,
};

#define NTYPES (int)(sizeof pack_by_type / sizeof pack_by_type[0])

/* call pvmfpack(what, xp, nitem, stride, info); an unknown what is
 * PvmBadParam.  (A CHARACTER xp adds a hidden length, not needed.) */
FPVM_API void pvmfpack_(int *what, void *xp, int *nitem, int *stride, int *info)
{
    *info = *what >= 0 && *what < NTYPES ? pack_by_type[*what](xp, *nitem, *stride) : PvmBadParam;
}

/* call pvmfunpack(what, xp, nitem, stride, info) */
FPVM_API void pvmfunpack_(int *what, void *xp, int *nitem, int *stride, int *info)
{
    *info = *what >= 0 && *what < NTYPES ? unpack_by_type[*what](xp, *nitem, *stride) : PvmBadParam;
}

/* call pvmfmcast(ntask, tids, msgtag, info) */
FPVM_API void pvmfmcast_(int *ntask, int *tids, int *msgtag, int *info)
{
    *info = pvm_mcast(tids, *ntask, *msgtag);
}

/* call pvmfnotify(what, msgtag, cnt, tids, info) */
FPVM_API void pvmfnotify_(int *what, int *msgtag, int *cnt, int *tids, int *info)
{
    *info = pvm_notify(*what, *msgtag, *cnt, tids);
}

/* call pvmfpsend(tid, msgtag, buf, len, datatype, info) */
FPVM_API void pvmfpsend_(int *tid, int *msgtag, void *buf, int *len, int *datatype, int *info)
{
    *info = pvm_psend(*tid, *msgtag, buf, *len, *datatype);
}

/* call pvmfprecv(tid, msgtag, buf, len, datatype, atid, atag, alen, info) */
FPVM_API void pvmfprecv_(int *tid, int *msgtag, void *buf, int *len, int *datatype, int *atid,
                         int *atag, int *alen, int *info)
{
    *info = pvm_precv(*tid, *msgtag, buf, *len, *datatype, atid, atag, alen);
}

/* call pvmftrecv(tid, msgtag, sec, usec, bufid): sec -1 waits for ever
 * (C's NULL timeout), as in PVM 3.4.6. */
FPVM_API void pvmftrecv_(int *tid, int *msgtag, int *sec, int *usec, int *bufid)
{
    struct timeval tv = {.tv_sec = *sec, .tv_usec = *usec};

    *bufid = pvm_trecv(*tid, *msgtag, *sec == -1 ? NULL : &tv);
}

/* call pvmfbufinfo(bufid, bytes, msgtag, tid, info) */
FPVM_API void pvmfbufinfo_(int *bufid, int *bytes, int *msgtag, int *tid, int *info)
{
    *info = pvm_bufinfo(*bufid, bytes, msgtag, tid);
}

/* call pvmfgetminfo(bufid, len, ctx, tag, wid, enc, crc, src, dst, info) */
FPVM_API void pvmfgetminfo_(int *bufid, int *len, int *ctx, int *tag, int *wid, int *enc, int *crc,
                            int *src, int *dst, int *info)
{
    struct pvmminfo mi = {0};

    *info = pvm_getminfo(*bufid, &mi);
    if (*info < 0)
        return;
    *len = mi.len;
    *ctx = mi.ctx;
    *tag = mi.tag;
    *wid = mi.wid;
    *enc = mi.enc;
    *crc = mi.crc;
    *src = mi.src;
    *dst = mi.dst;
}

/* call pvmfsetminfo(bufid, ctx, tag, wid, src, dst, info): the fields
 * pvm_setminfo may change; the others are read first and kept. */
FPVM_API void pvmfsetminfo_(int *bufid, int *ctx, int *tag, int *wid, int *src, int *dst, int *info)
{
    struct pvmminfo mi = {0};

    *info = pvm_getminfo(*bufid, &mi);
    if (*info < 0)
        return;
    mi.ctx = *ctx;
    mi.tag = *tag;
    mi.wid = *wid;
    mi.src = *src;
    mi.dst = *dst;
    *info = pvm_setminfo(*bufid, &mi);
}

/* call pvmfhostsync(host, clksec, clkusec, deltasec, deltausec, info) */
FPVM_API void pvmfhostsync_(int *host, int *clksec, int *clkusec, int *deltasec, int *deltausec,
                            int *info)
{
    struct timeval clk = {0}, delta = {0};

    *info = pvm_hostsync(*host, &clk, &delta);
    *clksec = (int)clk.tv_sec;
    *clkusec = (int)clk.tv_usec;
    *deltasec = (int)delta.tv_sec;
    *deltausec = (int)delta.tv_usec;
}
