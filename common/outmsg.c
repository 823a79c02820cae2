/*
 * outmsg.c - the task-output message.
 */
#include "outmsg.h"

#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "pvm3.h"

static void put_be32(uint8_t *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    p[0] = (uint8_t)(u >> 24);
    p[1] = (uint8_t)(u >> 16);
    p[2] = (uint8_t)(u >> 8);
    p[3] = (uint8_t)u;
}

static int32_t get_be32(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

uint8_t *outmsg_encode(int tid, int count, const char *bytes, size_t n, size_t *len)
{
    uint8_t *p = malloc(OUTMSG_HDR_LEN + n);
    if (!p)
        return NULL;
    put_be32(p, tid);
    put_be32(p + 4, count);
    if (n)
        memcpy(p + OUTMSG_HDR_LEN, bytes, n);
    *len = OUTMSG_HDR_LEN + n;
    return p;
}

int outmsg_decode(const uint8_t *p, size_t len, struct outmsg *m)
{
    if (len < OUTMSG_HDR_LEN)
        return PvmBadMsg;
    int tid = get_be32(p), count = get_be32(p + 4);
    if (count < OUTPUT_BEGIN || (count > 0 && (size_t)count > len - OUTMSG_HDR_LEN))
        return PvmBadMsg;
    m->tid = tid;
    m->count = count;
    m->bytes = count > 0 ? (const char *)p + OUTMSG_HDR_LEN : NULL;
    return 0;
}
