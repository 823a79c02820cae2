/*
 * outmsg.c - the task-output message.
 */
#include "outmsg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "enc.h"
#include "pvm3.h"

uint8_t *outmsg_encode(int tid, int count, const char *bytes, size_t n, size_t *len)
{
    /* The bytes are padded as pvm_pkbyte pads them in PvmDataDefault, so a
     * task that unpacks the message itself (PvmOutputTid) reads it whole. */
    size_t pad = enc_xdr_pad(n);
    if (n > SIZE_MAX - OUTMSG_HDR_LEN - 4)
        return NULL;
    uint8_t *p = malloc(OUTMSG_HDR_LEN + n + pad);
    if (!p)
        return NULL;
    enc_put_int(p, tid);
    enc_put_int(p + 4, count);
    if (n)
        memcpy(p + OUTMSG_HDR_LEN, bytes, n);
    memset(p + OUTMSG_HDR_LEN + n, 0, pad);
    *len = OUTMSG_HDR_LEN + n + pad;
    return p;
}

uint8_t *outmsg_encode_start(int tid, int count, int ptid, size_t *len)
{
    uint8_t p[4];
    enc_put_int(p, ptid);
    return outmsg_encode(tid, count, (const char *)p, sizeof p, len);
}

int outmsg_decode(const uint8_t *p, size_t len, struct outmsg *m)
{
    if (len < OUTMSG_HDR_LEN)
        return PvmBadMsg;
    int tid = enc_get_int(p), count = enc_get_int(p + 4);
    if (count < OUTPUT_NEW || (count > 0 && (size_t)count > len - OUTMSG_HDR_LEN))
        return PvmBadMsg;
    m->tid = tid;
    m->count = count;
    m->bytes = count > 0 ? (const char *)p + OUTMSG_HDR_LEN : NULL;
    m->ptid = count < 0 && len >= OUTMSG_START_LEN ? enc_get_int(p + OUTMSG_HDR_LEN) : 0;
    return 0;
}
