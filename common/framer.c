/*
 * framer.c - incremental frame reader: staging buffer, owner's payload
 * areas, push or pull.
 */
#include "framer.h"

#include <stdlib.h>
#include <string.h>

#include "pvm3.h"

void framer_init(struct framer *f, size_t stage, const struct framer_ops *ops, void *arg)
{
    memset(f, 0, sizeof *f);
    f->ops = ops;
    f->arg = arg;
    f->cap = stage < 2 * WIRE_HDR_LEN ? 2 * WIRE_HDR_LEN : stage;
}

void framer_fini(struct framer *f)
{
    free(f->stage);
    f->stage = NULL;
    f->pos = f->end = 0;
}

int framer_error(const struct framer *f)
{
    return f->err;
}

bool framer_mid_frame(const struct framer *f)
{
    return f->in_body || f->end > f->pos;
}

static int fail(struct framer *f, int cc)
{
    f->err = cc;
    return cc;
}

/* Asks the owner for room for payload bytes from f->got on, `ask' of them
 * wanted; *len is clamped to what the payload still needs. */
static int room(struct framer *f, size_t ask, uint8_t **ptr, size_t *len)
{
    uint64_t left = f->hdr.len - f->got;
    *len = ask;
    int cc = f->ops->room(f->arg, &f->hdr, f->got, ptr, len);
    if (cc < 0)
        return fail(f, cc);
    if (*len == 0 || !*ptr)
        return fail(f, PvmNoMem);
    if (*len > left)
        *len = (size_t)left;
    return 0;
}

int framer_space(struct framer *f, uint8_t **ptr, size_t *len)
{
    if (f->err)
        return f->err;
    f->direct = NULL;
    if (f->in_body && f->pos == f->end) {
        uint64_t left = f->hdr.len - f->got;
        /* A large rest goes straight to the owner's area.  A small one is
         * read through the stage, which then also takes the frames that
         * follow it: fewer reads beat one copy of a few KiB. */
        if (left >= f->cap / 2) {
            /* Ask for what has arrived so far (at least a stage's worth),
             * never for what the header merely claims. */
            uint64_t ask = f->got > f->cap ? f->got : f->cap;
            if (ask > left)
                ask = left;
            if (ask > SIZE_MAX / 2)
                ask = SIZE_MAX / 2;
            int cc = room(f, (size_t)ask, ptr, len);
            if (cc < 0)
                return cc;
            f->direct = *ptr;
            f->direct_len = *len;
            return 0;
        }
    }
    if (!f->stage && !(f->stage = malloc(f->cap)))
        return PvmNoMem;
    if (f->pos > 0) {
        /* Usually less than a header is left: moving it is cheap. */
        memmove(f->stage, f->stage + f->pos, f->end - f->pos);
        f->end -= f->pos;
        f->pos = 0;
    }
    *ptr = f->stage + f->end;
    *len = f->cap - f->end;
    return 0;
}

int framer_feed(struct framer *f, size_t n)
{
    if (f->err)
        return f->err;
    if (f->direct) {
        if (n > f->direct_len)
            return fail(f, PvmBadParam);
        f->got += n;
        f->direct = NULL;
    } else {
        if (n > f->cap - f->end)
            return fail(f, PvmBadParam);
        f->end += n;
    }
    /* Every step reads f afresh: a done() may have read more meanwhile
     * (a nested framer_feed). */
    for (;;) {
        if (!f->in_body) {
            if (f->end - f->pos < WIRE_HDR_LEN) {
                if (f->pos == f->end)
                    f->pos = f->end = 0;
                return 0;
            }
            int cc = wire_decode(f->stage + f->pos, WIRE_HDR_LEN, &f->hdr);
            if (cc < 0)
                return fail(f, cc);
            f->pos += WIRE_HDR_LEN;
            f->got = 0;
            f->in_body = true;
            if ((cc = f->ops->begin(f->arg, &f->hdr)) < 0)
                return fail(f, cc);
        }
        while (f->got < f->hdr.len && f->pos < f->end) {
            uint64_t left = f->hdr.len - f->got;
            size_t avail = f->end - f->pos;
            size_t ask = left < avail ? (size_t)left : avail;
            uint8_t *p;
            size_t l;
            int cc = room(f, ask, &p, &l);
            if (cc < 0)
                return cc;
            if (l > ask)
                l = ask;
            memcpy(p, f->stage + f->pos, l);
            f->pos += l;
            f->got += l;
        }
        if (f->got < f->hdr.len) {
            f->pos = f->end = 0; /* the stage is empty */
            return 0;
        }
        f->in_body = false;
        struct wire_hdr h = f->hdr;
        int cc = f->ops->done(f->arg, &h);
        if (cc < 0)
            return cc;
    }
}
