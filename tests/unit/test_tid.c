/*
 * test_tid.c - PVM's task-id layout (common/tid.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tid.h"

static void test_layout(void **state)
{
    (void)state;
    /* The first host's pvmd and first task, as PVM prints them. */
    assert_int_equal(tid_pvmd(1), 0x40000);
    assert_int_equal(tid_make(1, 1), 0x40001);
    assert_int_equal(tid_make(2, 1), 0x80001);
    assert_int_equal(tid_make(TID_MAX_HOST, TID_MAX_LOCAL), 0x3fffffff);
    assert_int_equal(TID_HOST_MASK & TID_LOCAL_MASK, 0);
    assert_int_equal(TID_HOST_MASK | TID_LOCAL_MASK, 0x3fffffff);
    assert_int_equal(TID_HOST_MASK >> TID_HOST_SHIFT, TID_MAX_HOST);
    assert_int_equal(TID_LOCAL_MASK, TID_MAX_LOCAL);
    /* Out-of-range parts never spill into other bits. */
    assert_int_equal(tid_make(TID_MAX_HOST + 1, 0), 0);
    assert_int_equal(tid_make(1, TID_MAX_LOCAL + 1), 0x40000);
}

static void test_extract(void **state)
{
    (void)state;
    static const int hosts[] = {1, 2, 3, 100, 2048, TID_MAX_HOST};
    static const int locals[] = {0, 1, 2, 0x1234, TID_MAX_LOCAL};
    for (size_t h = 0; h < sizeof hosts / sizeof hosts[0]; h++) {
        for (size_t l = 0; l < sizeof locals / sizeof locals[0]; l++) {
            int t = tid_make(hosts[h], locals[l]);
            assert_int_equal(tid_host(t), hosts[h]);
            assert_int_equal(tid_local(t), locals[l]);
            assert_int_equal(tid_pvmd_of(t), tid_pvmd(hosts[h]));
            assert_true(tid_is_valid(t));
            assert_int_equal(tid_is_pvmd(t), locals[l] == 0);
            assert_int_equal(tid_is_task(t), locals[l] != 0);
        }
    }
    assert_int_equal(tid_host(0x40001), 1);
    assert_int_equal(tid_local(0x40001), 1);
    assert_int_equal(tid_pvmd_of(0x80005), 0x80000);
}

static void test_validity(void **state)
{
    (void)state;
    /* Not tids: zero, negatives (error codes), host number 0, bit 30, sign. */
    static const int bad[] = {
        0, -1, -31, INT32_MIN, 1, TID_MAX_LOCAL, 0x40000000, 0x40040001, (int)0x80040001u};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(tid_is_valid(bad[i]));
        assert_false(tid_is_pvmd(bad[i]));
        assert_false(tid_is_task(bad[i]));
    }
    assert_int_equal(tid_host(0x40000000), 0);
    assert_true(tid_is_pvmd(0x40000));
    assert_false(tid_is_task(0x40000));
    assert_true(tid_is_task(0x40001));
    assert_false(tid_is_pvmd(0x40001));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_extract),
        cmocka_unit_test(test_validity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
