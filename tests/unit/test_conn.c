/*
 * test_conn.c - the frame reader and writer of libpvm/conn.c over a
 * socketpair: many frames per read, frames split at every byte, payloads
 * larger than the staging buffer, partial writes, bad headers, end of
 * stream.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "conn_collect.h"
#include "pvm3.h"
#include "sock.h"



static struct wire_hdr hdr(int tag, uint64_t len)
{
    return (struct wire_hdr){.src = 0x40001,
                             .dst = 0x40002,
                             .tag = tag,
                             .seq = (uint64_t)tag,
                             .enc = PvmDataRaw,
                             .len = len};
}

static void write_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0) {
            struct pollfd pf = {.fd = fd, .events = POLLOUT};
            poll(&pf, 1, 1000);
            continue;
        }
        b += w;
        n -= (size_t)w;
    }
}

static size_t encode_frame(uint8_t *out, int tag, const char *payload)
{
    size_t len = strlen(payload);
    struct wire_hdr h = hdr(tag, len);
    wire_encode(&h, out);
    memcpy(out + WIRE_HDR_LEN, payload, len);
    return WIRE_HDR_LEN + len;
}

/* Many small frames written at once come out of one conn_read. */
static void test_many_frames_one_read(void **state)
{
    (void)state;
    int sv[2];
    pair(sv);
    struct conn *c = conn_new_unix(sv[0], CONN_IN);
    uint8_t buf[4096];
    size_t n = 0;
    for (int i = 1; i <= 20; i++)
        n += encode_frame(buf + n, i, i % 2 ? "hello" : "");
    write_all(sv[1], buf, n);
    struct got g = {0};
    assert_int_equal(conn_read(c, collect, &g), 0);
    assert_int_equal(g.n, 20);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(g.h[i].tag, i + 1);
        assert_int_equal(g.m[i]->tag, i + 1);
        assert_int_equal(g.m[i]->src, 0x40001);
        assert_int_equal(g.m[i]->len, (i + 1) % 2 ? 5 : 0);
        if (g.m[i]->len)
            assert_memory_equal(pmsg_body(g.m[i]), "hello", 5);
    }
    got_free(&g);
    conn_destroy(&c);
    assert_null(c);
    close(sv[1]);
}

/* A frame arriving one byte at a time is assembled correctly. */
static void test_byte_by_byte(void **state)
{
    (void)state;
    int sv[2];
    pair(sv);
    struct conn *c = conn_new_unix(sv[0], CONN_IN);
    uint8_t buf[256];
    size_t n = encode_frame(buf, 7, "split across many reads");
    struct got g = {0};
    for (size_t i = 0; i < n; i++) {
        write_all(sv[1], buf + i, 1);
        assert_int_equal(conn_read(c, collect, &g), 0);
        assert_int_equal(g.n, i == n - 1 ? 1 : 0);
    }
    assert_memory_equal(pmsg_body(g.m[0]), "split across many reads", 23);
    got_free(&g);
    conn_destroy(&c);
    close(sv[1]);
}

/* Medium payloads that straddle the end of the staging buffer (each is
 * under the size read straight into the body): the staged count must stay
 * right across the copy and the compaction. */
static void test_payloads_straddle_stage(void **state)
{
    (void)state;
    int sv[2];
    pair(sv);
    struct conn *c = conn_new_unix(sv[0], CONN_IN);
    enum { N = 6, LEN = 20000 };
    uint8_t *buf = malloc(N * (WIRE_HDR_LEN + LEN));
    size_t n = 0;
    for (int i = 0; i < N; i++) {
        struct wire_hdr h = hdr(i + 1, LEN);
        wire_encode(&h, buf + n);
        memset(buf + n + WIRE_HDR_LEN, 'a' + i, LEN);
        n += WIRE_HDR_LEN + LEN;
    }
    struct got g = {0};
    size_t off = 0;
    while (off < n) { /* in uneven pieces, reading as we go */
        size_t piece = n - off < 7777 ? n - off : 7777;
        write_all(sv[1], buf + off, piece);
        off += piece;
        assert_int_equal(conn_read(c, collect, &g), 0);
    }
    while (g.n < N)
        assert_int_equal(conn_read(c, collect, &g), 0);
    for (int i = 0; i < N; i++) {
        assert_int_equal(g.h[i].tag, i + 1);
        assert_int_equal(g.m[i]->len, LEN);
        assert_int_equal(pmsg_body(g.m[i])[0], 'a' + i);
        assert_int_equal(pmsg_body(g.m[i])[LEN - 1], 'a' + i);
    }
    /* and all at once */
    got_free(&g);
    write_all(sv[1], buf, n);
    while (g.n < N)
        assert_int_equal(conn_read(c, collect, &g), 0);
    for (int i = 0; i < N; i++)
        assert_int_equal(pmsg_body(g.m[i])[LEN / 2], 'a' + i);
    got_free(&g);
    free(buf);
    conn_destroy(&c);
    close(sv[1]);
}

/* A payload much larger than the staging buffer and the socket buffer,
 * written by conn_flush while the reader drains. */
static void test_large_frame_partial_writes(void **state)
{
    (void)state;
    int sv[2];
    pair(sv);
    struct conn *r = conn_new_unix(sv[0], CONN_IN);
    struct conn *w = conn_new_unix(sv[1], CONN_OUT);
    size_t len = 5u << 20;
    struct pmsg *m = pmsg_new(PvmDataRaw);
    uint8_t *data = malloc(len);
    for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)(i * 7 + i / 4096);
    assert_int_equal(pmsg_pack_bytes(m, data, len), 0);
    /* two frames back to back: the second must start right after */
    struct wire_hdr h1 = hdr(1, len), h2 = hdr(2, 3);
    assert_int_equal(conn_start_msg(w, &h1, m), 0);
    assert_true(conn_pending(w));
    assert_int_equal(conn_start_msg(w, &h1, m), PvmBadParam);
    struct got g = {0};
    int done = 0, loops = 0;
    while (done < 2) {
        int cc = conn_flush(w);
        assert_true(cc >= 0);
        if (cc == 1) {
            done++;
            if (done == 1)
                assert_int_equal(conn_start_buf(w, &h2, "abc", 3), 0);
        }
        assert_int_equal(conn_read(r, collect, &g), 0);
        loops++;
    }
    while (g.n < 2)
        assert_int_equal(conn_read(r, collect, &g), 0);
    assert_true(loops > 1); /* the socket did fill up */
    assert_int_equal(g.m[0]->len, len);
    assert_memory_equal(pmsg_body(g.m[0]), data, len);
    assert_int_equal(g.m[1]->tag, 2);
    assert_memory_equal(pmsg_body(g.m[1]), "abc", 3);
    got_free(&g);
    free(data);
    pmsg_destroy(&m);
    conn_destroy(&r);
    conn_destroy(&w);
}

/* InPlace references are written from the caller's memory and arrive Raw. */
static void test_inplace_frame(void **state)
{
    (void)state;
    int sv[2];
    pair(sv);
    struct conn *r = conn_new_unix(sv[0], CONN_IN);
    struct conn *w = conn_new_unix(sv[1], CONN_OUT);
    int a[4] = {1, 2, 3, 4};
    int b[6] = {10, 0, 20, 0, 30, 0};
    struct pmsg *m = pmsg_new(PvmDataInPlace);
    assert_int_equal(pmsg_pack(m, PVM_INT, a, 4, 1), 0);
    assert_int_equal(pmsg_pack_str(m, "x"), 0);
    assert_int_equal(pmsg_pack(m, PVM_INT, b, 3, 2), 0);
    struct wire_hdr h = hdr(3, pmsg_payload_len(m));
    h.enc = PvmDataRaw;
    assert_int_equal(conn_start_msg(w, &h, m), 0);
    assert_int_equal(conn_flush(w), 1);
    struct got g = {0};
    assert_int_equal(conn_read(r, collect, &g), 0);
    assert_int_equal(g.n, 1);
    int oa[4], ob[3];
    char s[8];
    assert_int_equal(pmsg_unpack(g.m[0], PVM_INT, oa, 4, 1), 0);
    assert_int_equal(pmsg_unpack_str(g.m[0], s), 0);
    assert_int_equal(pmsg_unpack(g.m[0], PVM_INT, ob, 3, 1), 0);
    assert_memory_equal(oa, a, sizeof a);
    assert_string_equal(s, "x");
    assert_int_equal(ob[0], 10);
    assert_int_equal(ob[2], 30);
    got_free(&g);
    pmsg_destroy(&m);
    conn_destroy(&r);
    conn_destroy(&w);
}

static void test_bad_header(void **state)
{
    (void)state;
    int sv[2];
    pair(sv);
    struct conn *c = conn_new_unix(sv[0], CONN_IN);
    uint8_t junk[WIRE_HDR_LEN];
    memset(junk, 'x', sizeof junk);
    write_all(sv[1], junk, sizeof junk);
    struct got g = {0};
    assert_int_equal(conn_read(c, collect, &g), PvmBadMsg);
    assert_int_equal(g.n, 0);
    conn_destroy(&c);
    close(sv[1]);
}

/* End of stream after a partial frame: an error, the partial frame freed. */
static void test_eof(void **state)
{
    (void)state;
    int sv[2];
    pair(sv);
    struct conn *c = conn_new_unix(sv[0], CONN_IN);
    uint8_t buf[256];
    size_t n = encode_frame(buf, 1, "complete");
    n += encode_frame(buf + n, 2, "truncated");
    write_all(sv[1], buf, n - 3);
    close(sv[1]);
    struct got g = {0};
    /* A short read leaves the end of stream to the next call (the event
     * loop polls again); it must come then. */
    int cc = conn_read(c, collect, &g);
    if (cc == 0)
        cc = conn_read(c, collect, &g);
    assert_int_equal(cc, PvmSysErr);
    assert_int_equal(g.n, 1);
    got_free(&g);
    conn_destroy(&c);
}

/* Writing to a closed peer fails (no SIGPIPE). */
static void test_write_to_closed(void **state)
{
    (void)state;
    int sv[2];
    pair(sv);
    struct conn *w = conn_new_unix(sv[1], CONN_OUT);
    close(sv[0]);
    struct wire_hdr h = hdr(1, 3);
    assert_int_equal(conn_start_buf(w, &h, "abc", 3), 0);
    assert_int_equal(conn_flush(w), PvmSysErr);
    assert_false(conn_pending(w));
    conn_destroy(&w);
}

/* The reader stops when fn asks it to. */
static int stop_after_one(void *arg, struct conn *c, const struct wire_hdr *h, struct pmsg *m)
{
    (void)c;
    (void)h;
    int *n = arg;
    (*n)++;
    pmsg_destroy(&m);
    return -99;
}

static void test_callback_stops(void **state)
{
    (void)state;
    int sv[2];
    pair(sv);
    struct conn *c = conn_new_unix(sv[0], CONN_IN);
    uint8_t buf[256];
    size_t n = encode_frame(buf, 1, "a");
    n += encode_frame(buf + n, 2, "b");
    write_all(sv[1], buf, n);
    int count = 0;
    assert_int_equal(conn_read(c, stop_after_one, &count), -99);
    assert_int_equal(count, 1);
    conn_destroy(&c);
    close(sv[1]);
}

static void test_connect_missing(void **state)
{
    (void)state;
    int fd;
    assert_int_equal(sock_connect_unix("/nonexistent/dir/t40001.sock", SOCK_CONNECT_TUNE, &fd),
                     PvmSysErr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_frames_one_read),
        cmocka_unit_test(test_byte_by_byte),
        cmocka_unit_test(test_payloads_straddle_stage),
        cmocka_unit_test(test_large_frame_partial_writes),
        cmocka_unit_test(test_inplace_frame),
        cmocka_unit_test(test_bad_header),
        cmocka_unit_test(test_eof),
        cmocka_unit_test(test_write_to_closed),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_connect_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
