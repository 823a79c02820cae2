/*
 * test_enc.c - the table of data encodings (common/enc.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "arch.h"
#include "enc.h"
#include "pvm3.h"

static void test_valid(void **state)
{
    (void)state;
    assert_true(enc_valid(PvmDataDefault));
    assert_true(enc_valid(PvmDataRaw));
    assert_true(enc_valid(PvmDataInPlace));
    assert_false(enc_valid(PvmDataTrace));
    assert_false(enc_valid(-1));
    assert_false(enc_valid(3));
    assert_false(enc_valid(0x10000000));
    assert_null(enc_get(3));
    for (int e = 0; e < 3; e++) {
        assert_non_null(enc_get(e));
        assert_int_equal(enc_get(e)->enc, e); /* rows sit at their numbers */
        assert_non_null(enc_get(e)->name);
    }
}

static void test_byte_order(void **state)
{
    (void)state;
    uint16_t one = 1;
    bool little = *(uint8_t *)&one == 1;
    assert_true(enc_get(PvmDataDefault)->big_endian);
    assert_int_equal(enc_swaps(PvmDataDefault), little);
    assert_false(enc_swaps(PvmDataRaw));
    assert_false(enc_swaps(PvmDataInPlace));
    assert_false(enc_swaps(7));
    /* Raw and InPlace share a layout; Default shares it only on a
     * big-endian host. */
    assert_true(enc_same_layout(PvmDataRaw, PvmDataInPlace));
    assert_true(enc_same_layout(PvmDataDefault, PvmDataDefault));
    assert_int_equal(enc_same_layout(PvmDataDefault, PvmDataRaw), !little);
    assert_false(enc_same_layout(PvmDataRaw, 9));
}

static void test_travel(void **state)
{
    (void)state;
    assert_int_equal(enc_wire(PvmDataDefault), PvmDataDefault);
    assert_int_equal(enc_wire(PvmDataRaw), PvmDataRaw);
    assert_int_equal(enc_wire(PvmDataInPlace), PvmDataRaw);
    assert_int_equal(enc_wire(42), 42);
    assert_true(enc_get(PvmDataInPlace)->by_ref);
    assert_false(enc_get(PvmDataRaw)->by_ref);
    /* What a receiver makes of a frame's enc. */
    assert_int_equal(enc_received(PvmDataDefault), PvmDataDefault);
    assert_int_equal(enc_received(PvmDataRaw), PvmDataRaw);
    assert_int_equal(enc_received(PvmDataInPlace), PvmDataRaw);
    assert_int_equal(enc_received(-5), PvmDataRaw);
    assert_int_equal(enc_received(1234), PvmDataRaw);
    /* Every travelling encoding is received as itself. */
    for (int e = 0; e < 3; e++)
        assert_int_equal(enc_received(enc_wire(e)), enc_wire(e));
}

static void test_minfo(void **state)
{
    (void)state;
    /* PVM 3.4's header codes. */
    assert_int_equal(enc_minfo(PvmDataDefault), 0x10000000);
    assert_int_equal(enc_minfo(PvmDataInPlace), 0x20000000);
    assert_int_equal(enc_minfo(PvmDataRaw), arch_this_dsig());
    assert_int_equal(enc_minfo(17), 17);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_byte_order),
        cmocka_unit_test(test_travel),
        cmocka_unit_test(test_minfo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
