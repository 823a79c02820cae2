/*
 * test_framer.c - the frame reader of common/framer.c, driven the way
 * libpvm drives it (pull: read until a short read) and the way libuv does
 * (push: alloc, maybe a read that brings nothing, then the bytes), with
 * three kinds of owner: a preallocated body (libpvm), a buffer grown by
 * what the framer asks (the pvmd), and one that gives a byte at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "framer.h"
#include "pvm3.h"

/* ======================================================================== */
/* Owners                                                                   */
/* ======================================================================== */

enum sink_kind { SINK_PREALLOC, SINK_GROW, SINK_BYTE };

struct rx {
    struct wire_hdr h;
    uint8_t *data;
};

struct sink {
    enum sink_kind kind;
    struct framer *f;
    /* the frame being read */
    uint8_t *buf;
    size_t cap;
    bool open;
    /* what arrived */
    struct rx rx[64];
    int n;
    /* statistics */
    size_t max_ask, max_cap;
    int rooms;
    /* behaviour */
    int stop_every;  /* done() returns -99 for every n-th frame (0: never) */
    int fail_begin;  /* begin() fails from this frame on (1-based; 0 never) */
    bool nested;     /* done() of the first frame reads on (framer_feed) */
    int nested_seen; /* frames the nested call delivered */
};

static int s_begin(void *arg, const struct wire_hdr *h)
{
    struct sink *s = arg;
    assert_false(s->open);
    if (s->fail_begin && s->n + 1 >= s->fail_begin)
        return PvmNoMem;
    s->open = true;
    s->cap = 0;
    s->buf = NULL;
    if (s->kind == SINK_PREALLOC && h->len) {
        s->buf = malloc((size_t)h->len);
        assert_non_null(s->buf);
        s->cap = (size_t)h->len;
    }
    return 0;
}

static int s_room(void *arg, const struct wire_hdr *h, uint64_t got, uint8_t **ptr, size_t *len)
{
    struct sink *s = arg;
    assert_true(s->open);
    assert_true(*len > 0);
    assert_true(got + *len <= h->len);
    s->rooms++;
    if (*len > s->max_ask)
        s->max_ask = *len;
    switch (s->kind) {
    case SINK_PREALLOC:
        *ptr = s->buf + got;
        *len = s->cap - (size_t)got;
        break;
    case SINK_GROW:
        if (s->cap == got) {
            /* Grow by what is asked, as a pvmd following the framer would. */
            s->buf = realloc(s->buf, (size_t)got + *len);
            assert_non_null(s->buf);
            s->cap = (size_t)got + *len;
        }
        assert_true(s->cap > got);
        *ptr = s->buf + got;
        *len = s->cap - (size_t)got;
        break;
    case SINK_BYTE:
        if (s->cap == got) {
            s->buf = realloc(s->buf, (size_t)got + 1);
            s->cap = (size_t)got + 1;
        }
        *ptr = s->buf + got;
        *len = 1;
        break;
    }
    if (s->cap > s->max_cap)
        s->max_cap = s->cap;
    return 0;
}

static int s_done(void *arg, const struct wire_hdr *h)
{
    struct sink *s = arg;
    assert_true(s->open);
    assert_true(s->n < 64);
    s->open = false;
    s->rx[s->n].h = *h;
    s->rx[s->n].data = s->buf;
    s->buf = NULL;
    s->n++;
    if (s->nested && s->n == 1) {
        int32_t tag = h->tag;
        int before = s->n;
        assert_int_equal(framer_feed(s->f, 0), 0);
        s->nested_seen = s->n - before;
        assert_int_equal(h->tag, tag); /* our copy of the header stays ours */
    }
    if (s->stop_every && s->n % s->stop_every == 0)
        return -99;
    return 0;
}

static const struct framer_ops sink_ops = {.begin = s_begin, .room = s_room, .done = s_done};

static void sink_init(struct sink *s, struct framer *f, enum sink_kind kind, size_t stage)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->f = f;
    framer_init(f, stage, &sink_ops, s);
}

static void sink_fini(struct sink *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->rx[i].data);
    free(s->buf);
    framer_fini(s->f);
}

/* ======================================================================== */
/* Streams                                                                  */
/* ======================================================================== */

#define STAGE 256 /* small, so that payloads straddle it and go direct */

/* Payload lengths of the mixed stream: empty, tiny, around a header, around
 * half the stage (where reads go direct), the stage, several stages. */
static const size_t lens[] = {
    0, 1, 5,   47, 48, 49, 100, STAGE / 2 - 1, 0, STAGE / 2, STAGE / 2 + 1, STAGE, 3 * STAGE + 7,
    2, 0, 1000};
#define NLENS (sizeof lens / sizeof lens[0])

static uint8_t pat(int frame, size_t i)
{
    return (uint8_t)(frame * 37 + i * 11 + (i >> 8));
}

static struct wire_hdr frame_hdr(int i, size_t len)
{
    return (struct wire_hdr){.flags = i % 3 == 0 ? WIRE_F_NOSEQ : 0,
                             .src = 0x40001,
                             .dst = 0x40002 + i,
                             .tag = 100 + i,
                             .ctx = i,
                             .enc = PvmDataRaw,
                             .wid = -i,
                             .seq = (uint64_t)i + 1,
                             .len = len};
}

/* The whole mixed stream, malloc'd; its length in *n. */
static uint8_t *mixed_stream(size_t *n)
{
    size_t total = 0;
    for (size_t i = 0; i < NLENS; i++)
        total += WIRE_HDR_LEN + lens[i];
    uint8_t *b = malloc(total), *p = b;
    for (size_t i = 0; i < NLENS; i++) {
        struct wire_hdr h = frame_hdr((int)i, lens[i]);
        wire_encode(&h, p);
        p += WIRE_HDR_LEN;
        for (size_t k = 0; k < lens[i]; k++)
            *p++ = pat((int)i, k);
    }
    *n = total;
    return b;
}

static void check_mixed(const struct sink *s)
{
    assert_int_equal(s->n, NLENS);
    for (int i = 0; i < (int)NLENS; i++) {
        struct wire_hdr want = frame_hdr(i, lens[i]);
        const struct wire_hdr *h = &s->rx[i].h;
        assert_int_equal(h->tag, want.tag);
        assert_int_equal(h->flags, want.flags);
        assert_int_equal(h->dst, want.dst);
        assert_int_equal(h->ctx, want.ctx);
        assert_int_equal(h->wid, want.wid);
        assert_int_equal(h->seq, want.seq);
        assert_int_equal(h->len, lens[i]);
        for (size_t k = 0; k < lens[i]; k++)
            if (s->rx[i].data[k] != pat(i, k))
                fail_msg("frame %d byte %zu differs", i, k);
    }
}

/* ======================================================================== */
/* Drivers                                                                  */
/* ======================================================================== */

/* A stream of which `avail' bytes have arrived so far; `off' are read. */
struct src {
    const uint8_t *b;
    size_t avail, off;
};

static size_t src_read(struct src *s, uint8_t *p, size_t len)
{
    size_t n = s->avail - s->off < len ? s->avail - s->off : len;
    memcpy(p, s->b + s->off, n);
    s->off += n;
    return n;
}

/* libpvm's way: read until a read comes back short.  Returns the last
 * framer result. */
static int pull(struct framer *f, struct src *s)
{
    int cc = framer_feed(f, 0);
    while (cc == 0) {
        uint8_t *p;
        size_t len;
        if ((cc = framer_space(f, &p, &len)) < 0)
            break;
        assert_true(len > 0);
        size_t n = src_read(s, p, len);
        if (n == 0)
            break;
        cc = framer_feed(f, n);
        if (n < len)
            break;
    }
    return cc;
}

/* libuv's way: alloc, maybe a read that brings nothing (alloc again),
 * bytes, until nothing is left. */
static int push(struct framer *f, struct src *s)
{
    int cc = 0;
    while (cc == 0 && s->off < s->avail) {
        uint8_t *p;
        size_t len;
        if ((cc = framer_space(f, &p, &len)) < 0)
            break;
        if (s->off % 2) /* EAGAIN: libuv asks for a buffer again */
            if ((cc = framer_space(f, &p, &len)) < 0)
                break;
        assert_true(len > 0);
        cc = framer_feed(f, src_read(s, p, len));
    }
    return cc;
}

typedef int (*driver_fn)(struct framer *f, struct src *s);

/* Feeds the stream to a new framer with the arrival points cuts[0..ncut)
 * (increasing), the rest at the end; checks every frame. */
static void run_split(driver_fn drive, enum sink_kind kind, const uint8_t *b, size_t n,
                      const size_t *cuts, int ncut)
{
    struct framer f;
    struct sink s;
    sink_init(&s, &f, kind, STAGE);
    struct src src = {.b = b};
    for (int i = 0; i <= ncut; i++) {
        src.avail = i < ncut ? cuts[i] : n;
        assert_int_equal(drive(&f, &src), 0);
        assert_int_equal(src.off, src.avail); /* it took everything */
    }
    assert_false(framer_mid_frame(&f));
    check_mixed(&s);
    sink_fini(&s);
}

/* ======================================================================== */
/* Tests                                                                    */
/* ======================================================================== */

static const struct {
    driver_fn fn;
    const char *name;
} drivers[] = {{pull, "pull"}, {push, "push"}};
static const enum sink_kind kinds[] = {SINK_PREALLOC, SINK_GROW, SINK_BYTE};

/* All at once, then in two pieces cut at every byte. */
static void test_every_split_point(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = mixed_stream(&n);
    for (size_t d = 0; d < 2; d++)
        for (size_t k = 0; k < 3; k++) {
            run_split(drivers[d].fn, kinds[k], b, n, NULL, 0);
            for (size_t cut = 1; cut < n; cut++)
                run_split(drivers[d].fn, kinds[k], b, n, &cut, 1);
        }
    free(b);
}

/* In equal chunks of every size from 1 byte to the whole stream. */
static void test_every_chunk_size(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = mixed_stream(&n);
    size_t *cuts = malloc(n * sizeof *cuts);
    for (size_t d = 0; d < 2; d++)
        for (size_t k = 0; k < 3; k++)
            for (size_t chunk = 1; chunk <= n; chunk++) {
                int nc = 0;
                for (size_t c = chunk; c < n; c += chunk)
                    cuts[nc++] = c;
                run_split(drivers[d].fn, kinds[k], b, n, cuts, nc);
            }
    free(cuts);
    free(b);
}

/* One read brings many small frames; a large payload is read straight
 * into the owner's area (no copy through the stage). */
static void test_reads_and_copies(void **state)
{
    (void)state;
    struct framer f;
    struct sink s;
    sink_init(&s, &f, SINK_PREALLOC, FRAMER_STAGE);
    size_t n = 50 * (WIRE_HDR_LEN + 8) + WIRE_HDR_LEN + (1 << 20);
    uint8_t *b = calloc(1, n), *p = b;
    for (int i = 0; i < 50; i++) {
        struct wire_hdr h = frame_hdr(i, 8);
        wire_encode(&h, p);
        p += WIRE_HDR_LEN + 8;
    }
    struct wire_hdr big = frame_hdr(50, 1 << 20);
    wire_encode(&big, p);
    uint8_t *area;
    size_t len;
    /* 50 small frames and the big one's header and first bytes: one read */
    assert_int_equal(framer_space(&f, &area, &len), 0);
    assert_int_equal(len, FRAMER_STAGE);
    memcpy(area, b, len);
    assert_int_equal(framer_feed(&f, len), 0);
    assert_int_equal(s.n, 50);
    assert_true(framer_mid_frame(&f));
    /* the rest of the big payload: one area, the owner's */
    assert_int_equal(framer_space(&f, &area, &len), 0);
    assert_ptr_equal(area, s.buf + (FRAMER_STAGE - 50 * (WIRE_HDR_LEN + 8) - WIRE_HDR_LEN));
    assert_int_equal(len, n - FRAMER_STAGE);
    memcpy(area, b + FRAMER_STAGE, len);
    assert_int_equal(framer_feed(&f, len), 0);
    assert_int_equal(s.n, 51);
    assert_int_equal(s.rx[50].h.len, 1 << 20);
    assert_false(framer_mid_frame(&f));
    sink_fini(&s);
    free(b);
}

/* A header claiming 16 GiB with a few bytes behind it: the owner is asked
 * for little room, and what it is asked for grows only with what arrives. */
static void test_huge_claim(void **state)
{
    (void)state;
    for (size_t d = 0; d < 2; d++) {
        struct framer f;
        struct sink s;
        sink_init(&s, &f, SINK_GROW, FRAMER_STAGE);
        uint8_t b[WIRE_HDR_LEN + 10];
        struct wire_hdr h = frame_hdr(1, WIRE_MAX_PAYLOAD);
        wire_encode(&h, b);
        memset(b + WIRE_HDR_LEN, 'x', 10);
        struct src src = {.b = b, .avail = sizeof b};
        assert_int_equal(drivers[d].fn(&f, &src), 0);
        /* pull also offered the next read an area: asked for one stage */
        assert_true(s.max_ask <= FRAMER_STAGE);
        assert_true(s.max_cap <= FRAMER_STAGE + 10);
        assert_true(framer_mid_frame(&f));
        assert_int_equal(s.n, 0);

        /* 4 MiB more arrive: what is held stays within twice that */
        size_t more = 4u << 20, fed = 0;
        while (fed < more) {
            uint8_t *p;
            size_t len;
            assert_int_equal(framer_space(&f, &p, &len), 0);
            size_t k = len < more - fed ? len : more - fed;
            memset(p, 'y', k);
            assert_int_equal(framer_feed(&f, k), 0);
            fed += k;
        }
        assert_true(s.max_cap <= 2 * (more + 10) + FRAMER_STAGE);
        assert_true(s.max_ask <= more + 10 + FRAMER_STAGE);
        assert_int_equal(s.buf[9], 'x');
        assert_int_equal(s.buf[10], 'y');
        sink_fini(&s);
    }
}

/* A header that fails wire_decode ends the stream with its code; frames
 * before it were delivered. */
static void test_malformed_headers(void **state)
{
    (void)state;
    enum { BAD_MAGIC, BAD_VERSION, BAD_HDRLEN, BAD_FLAGS, BAD_LEN, BAD_SRC, NBAD };
    static const int want[NBAD] = {PvmBadMsg, PvmBadVersion, PvmBadMsg,
                                   PvmBadMsg, PvmBadMsg,     PvmBadMsg};
    for (int bad = 0; bad < NBAD; bad++)
        for (size_t d = 0; d < 2; d++) {
            uint8_t b[3 * WIRE_HDR_LEN + 3];
            struct wire_hdr ok = frame_hdr(1, 3);
            wire_encode(&ok, b);
            memcpy(b + WIRE_HDR_LEN, "abc", 3);
            struct wire_hdr h = frame_hdr(2, 0);
            if (bad == BAD_FLAGS)
                h.flags = 0x8000;
            if (bad == BAD_LEN)
                h.len = WIRE_MAX_PAYLOAD + 1;
            if (bad == BAD_SRC)
                h.src = -1;
            uint8_t *p = b + WIRE_HDR_LEN + 3;
            wire_encode(&h, p);
            if (bad == BAD_MAGIC)
                p[0] ^= 0xff;
            if (bad == BAD_VERSION)
                p[4]++;
            if (bad == BAD_HDRLEN)
                p[5] = 40;
            wire_encode(&ok, p + WIRE_HDR_LEN); /* never read */
            struct framer f;
            struct sink s;
            sink_init(&s, &f, SINK_GROW, STAGE);
            struct src src = {.b = b, .avail = sizeof b};
            assert_int_equal(drivers[d].fn(&f, &src), want[bad]);
            assert_int_equal(s.n, 1);
            assert_memory_equal(s.rx[0].data, "abc", 3);
            /* and for good */
            uint8_t *area;
            size_t len;
            assert_int_equal(framer_error(&f), want[bad]);
            assert_int_equal(framer_space(&f, &area, &len), want[bad]);
            assert_int_equal(framer_feed(&f, 0), want[bad]);
            sink_fini(&s);
        }
}

/* done() stops reading: framer_feed returns its value, the frames already
 * staged come one stop at a time, then reading goes on in order. */
static void test_done_stops(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = mixed_stream(&n);
    for (size_t d = 0; d < 2; d++)
        for (int every = 1; every <= 3; every++) {
            struct framer f;
            struct sink s;
            sink_init(&s, &f, SINK_GROW, STAGE);
            s.stop_every = every;
            struct src src = {.b = b};
            int stops = 0;
            for (src.avail = 0; src.avail < n || framer_mid_frame(&f);) {
                if (src.avail < n)
                    src.avail += src.avail + 100 < n ? 100 : n - src.avail;
                int before = s.n;
                int cc = drivers[d].fn(&f, &src);
                if (cc == -99) {
                    assert_int_equal(framer_error(&f), 0); /* a stop, no error */
                    stops++;
                    assert_int_equal(s.n % every, 0);
                    assert_true(s.n > before);
                } else {
                    assert_int_equal(cc, 0);
                }
                assert_true(stops < 100);
            }
            assert_int_equal(stops, NLENS / every);
            check_mixed(&s);
            sink_fini(&s);
        }
    free(b);
}

/* After a stop, what is staged stays first: new bytes go behind it. */
static void test_stop_keeps_order(void **state)
{
    (void)state;
    struct framer f;
    struct sink s;
    sink_init(&s, &f, SINK_PREALLOC, STAGE);
    s.stop_every = 1;
    uint8_t b[4 * WIRE_HDR_LEN];
    for (int i = 0; i < 4; i++) {
        struct wire_hdr h = frame_hdr(i, 0);
        wire_encode(&h, b + i * WIRE_HDR_LEN);
    }
    uint8_t *p;
    size_t len;
    assert_int_equal(framer_space(&f, &p, &len), 0);
    memcpy(p, b, 2 * WIRE_HDR_LEN + 10); /* two frames and a bit */
    assert_int_equal(framer_feed(&f, 2 * WIRE_HDR_LEN + 10), -99);
    assert_int_equal(s.n, 1);
    assert_true(framer_mid_frame(&f));
    assert_int_equal(framer_space(&f, &p, &len), 0);
    memcpy(p, b + 2 * WIRE_HDR_LEN + 10, 2 * WIRE_HDR_LEN - 10);
    assert_int_equal(framer_feed(&f, 2 * WIRE_HDR_LEN - 10), -99);
    assert_int_equal(framer_feed(&f, 0), -99);
    assert_int_equal(framer_feed(&f, 0), -99);
    assert_int_equal(s.n, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(s.rx[i].h.tag, 100 + i);
    assert_false(framer_mid_frame(&f));
    assert_int_equal(framer_feed(&f, 0), 0);
    sink_fini(&s);
}

/* A done() that reads on (a handler that waits): the nested read takes
 * the staged frames; the outer one then has nothing left, order holds. */
static void test_nested_read(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = mixed_stream(&n);
    struct framer f;
    struct sink s;
    sink_init(&s, &f, SINK_GROW, 4096);
    s.nested = true;
    struct src src = {.b = b, .avail = n};
    assert_int_equal(pull(&f, &src), 0);
    assert_true(s.nested_seen > 0);
    while (src.off < n)
        assert_int_equal(pull(&f, &src), 0);
    check_mixed(&s);
    sink_fini(&s);
    free(b);
}

/* An owner that cannot take a frame ends the stream. */
static void test_begin_fails(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = mixed_stream(&n);
    struct framer f;
    struct sink s;
    sink_init(&s, &f, SINK_GROW, STAGE);
    s.fail_begin = 3;
    struct src src = {.b = b, .avail = n};
    assert_int_equal(pull(&f, &src), PvmNoMem);
    assert_int_equal(framer_error(&f), PvmNoMem);
    assert_int_equal(s.n, 2);
    assert_int_equal(pull(&f, &src), PvmNoMem);
    sink_fini(&s);
    free(b);
}

/* End of stream: mid-frame or not. */
static void test_mid_frame(void **state)
{
    (void)state;
    struct framer f;
    struct sink s;
    sink_init(&s, &f, SINK_GROW, STAGE);
    assert_false(framer_mid_frame(&f));
    uint8_t b[WIRE_HDR_LEN + 4];
    struct wire_hdr h = frame_hdr(0, 4);
    wire_encode(&h, b);
    memcpy(b + WIRE_HDR_LEN, "wxyz", 4);
    struct src src = {.b = b, .avail = 10};
    assert_int_equal(pull(&f, &src), 0);
    assert_true(framer_mid_frame(&f)); /* part of a header */
    src.avail = WIRE_HDR_LEN + 2;
    assert_int_equal(pull(&f, &src), 0);
    assert_true(framer_mid_frame(&f)); /* part of a payload */
    src.avail = sizeof b;
    assert_int_equal(pull(&f, &src), 0);
    assert_false(framer_mid_frame(&f));
    assert_int_equal(s.n, 1);
    sink_fini(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_split_point), cmocka_unit_test(test_every_chunk_size),
        cmocka_unit_test(test_reads_and_copies),  cmocka_unit_test(test_huge_claim),
        cmocka_unit_test(test_malformed_headers), cmocka_unit_test(test_done_stops),
        cmocka_unit_test(test_stop_keeps_order),  cmocka_unit_test(test_nested_read),
        cmocka_unit_test(test_begin_fails),       cmocka_unit_test(test_mid_frame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
