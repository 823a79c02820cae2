/*
 * test_outmsg.c - the task-output message layout (common/outmsg.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "defs.h"
#include "outmsg.h"
#include "pvm3.h"

static void test_round_trip(void **state)
{
    (void)state;
    size_t len;
    uint8_t *p = outmsg_encode(0x40002, 6, "hello\n", 6, &len);
    assert_non_null(p);
    /* The bytes padded to a multiple of 4, as pvm_pkbyte pads them. */
    assert_int_equal(len, OUTMSG_HDR_LEN + 8);
    /* Big-endian ints, as PvmDataDefault packs them. */
    static const uint8_t hdr[8] = {0, 4, 0, 2, 0, 0, 0, 6};
    assert_memory_equal(p, hdr, 8);
    assert_int_equal(p[OUTMSG_HDR_LEN + 6], 0);
    assert_int_equal(p[OUTMSG_HDR_LEN + 7], 0);
    struct outmsg m;
    assert_int_equal(outmsg_decode(p, len, &m), 0);
    assert_int_equal(m.tid, 0x40002);
    assert_int_equal(m.count, 6);
    assert_memory_equal(m.bytes, "hello\n", 6);
    free(p);
}

static void test_begin_and_end(void **state)
{
    (void)state;
    int counts[2] = {OUTPUT_BEGIN, OUTPUT_END};
    for (int i = 0; i < 2; i++) {
        size_t len;
        uint8_t *p = outmsg_encode(0x40001, counts[i], NULL, 0, &len);
        struct outmsg m;
        assert_int_equal(outmsg_decode(p, len, &m), 0);
        assert_int_equal(m.count, counts[i]);
        assert_null(m.bytes);
        assert_int_equal(m.ptid, 0);
        free(p);
    }
    /* PVM 3.4.6's announcements: -2, then -1, each with the parent. */
    for (int c = OUTPUT_NEW; c <= OUTPUT_BEGIN; c++) {
        size_t len;
        uint8_t *p = outmsg_encode_start(0x40002, c, 0x40001, &len);
        assert_int_equal(len, OUTMSG_START_LEN);
        struct outmsg m;
        assert_int_equal(outmsg_decode(p, len, &m), 0);
        assert_int_equal(m.tid, 0x40002);
        assert_int_equal(m.count, c);
        assert_int_equal(m.ptid, 0x40001);
        assert_null(m.bytes);
        free(p);
    }
}

static void test_malformed(void **state)
{
    (void)state;
    size_t len;
    uint8_t *p = outmsg_encode(0x40001, 5, "abcde", 5, &len);
    struct outmsg m;
    assert_int_equal(len, OUTMSG_HDR_LEN + 8);
    for (size_t n = 0; n < OUTMSG_HDR_LEN + 5; n++) /* every truncation of the data */
        assert_int_equal(outmsg_decode(p, n, &m), PvmBadMsg);
    p[7] = 0xfd; /* count -3 */
    p[4] = p[5] = p[6] = 0xff;
    assert_int_equal(outmsg_decode(p, len, &m), PvmBadMsg);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_begin_and_end),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
