/*
 * outmsg.c - the task-output message.
 */
#include "outmsg.h"

#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "enc.h"
#include "pvm3.h"

uint8_t *outmsg_encode(int tid, int count, const char *bytes, size_t n, size_t *len)
{
    uint8_t *p = malloc(OUTMSG_HDR_LEN + n);
    if (!p)
        return NULL;
    enc_put_int(p, tid);
    enc_put_int(p + 4, count);
    if (n)
        memcpy(p + OUTMSG_HDR_LEN, bytes, n);
    *len = OUTMSG_HDR_LEN + n;
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
