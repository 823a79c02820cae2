/*
 * test_barslot.c - the barrier page's slot word and arrival rule
 * (common/barslot.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "barslot.h"
#include "pvm3.h"

static void test_fields(void **state)
{
    (void)state;
    uint64_t s = bs_make(BS_SOCKET, 17, 0xfffe, 4094, 4093);
    assert_int_equal(s & BS_FLAGS, BS_SOCKET);
    assert_int_equal(bs_want(s), 17);
    assert_int_equal(bs_gen(s), 0xfffe);
    assert_int_equal(bs_arrived(s), 4094);
    assert_int_equal(bs_target(s), 4093);
    assert_int_equal(bs_want(bs_make(0, BS_ALL, 0, 0, 0)), BS_ALL);
    /* The gen wraps without touching its neighbours. */
    uint64_t n = bs_next_round(bs_next_round(s));
    assert_int_equal(bs_gen(n), 0);
    assert_int_equal(bs_target(n), 4093);
    assert_int_equal(bs_arrived(n) | bs_want(n) | (unsigned)(n & BS_FLAGS), 0);
}

/* Arrivals change only the word's high half: sleepers on the low half
 * are not woken by them. */
static void test_futex_half(void **state)
{
    (void)state;
    struct barslot slot;
    memset(&slot, 0, sizeof slot);
    uint64_t s = bs_make(0, 3, 77, 1, 8), ns;
    atomic_store(&slot.state, s);
    uint32_t low = *bs_futex(&slot);
    assert_int_equal(bs_arrive(s, 3, 0, &ns), BS_WAITING);
    atomic_store(&slot.state, ns);
    assert_int_equal(*bs_futex(&slot), low);
    assert_int_equal((uint32_t)ns, low);
    /* The end of a round changes it. */
    assert_int_equal(bs_arrive(ns, 3, 0, &ns), BS_COMPLETE);
    atomic_store(&slot.state, ns);
    assert_int_not_equal(*bs_futex(&slot), low);
}

static void test_arrive(void **state)
{
    (void)state;
    uint64_t s = bs_make(0, 0, 5, 0, 4), ns;
    /* Count 3 of 4: the third arrival ends the round. */
    assert_int_equal(bs_arrive(s, 3, 0, &s), BS_WAITING);
    assert_int_equal(bs_want(s), 3);
    assert_int_equal(bs_arrive(s, 3, BS_SOCKET, &s), BS_WAITING);
    assert_int_equal(s & BS_FLAGS, BS_SOCKET);
    assert_int_equal(bs_arrived(s), 2);
    /* Another count while one is in progress: refused, nothing changed. */
    assert_int_equal(bs_arrive(s, 2, 0, &ns), BS_MISMATCH);
    assert_true(ns == s);
    assert_int_equal(bs_arrive(s, BS_ALL, 0, &ns), BS_MISMATCH);
    assert_int_equal(bs_arrive(s, 3, 0, &s), BS_COMPLETE);
    assert_int_equal(bs_gen(s), 6);
    assert_int_equal(bs_arrived(s) | bs_want(s) | (unsigned)(s & BS_FLAGS), 0);
    assert_int_equal(bs_target(s), 4);
    /* -1: every member, as many as the target says. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(bs_arrive(s, BS_ALL, 0, &s), BS_WAITING);
    assert_int_equal(bs_arrive(s, BS_ALL, 0, &s), BS_COMPLETE);
    assert_int_equal(bs_gen(s), 7);
    /* A count of 1 never waits; one above the target waits (for joins). */
    assert_int_equal(bs_arrive(s, 1, 0, &ns), BS_COMPLETE);
    for (int i = 0; i < 4; i++)
        assert_int_equal(bs_arrive(s, 6, 0, &s), BS_WAITING);
    assert_int_equal(bs_arrived(s), 4);
}

/* Several arrivals at once (another host's share), and another host's
 * rule: the arrival that reaches the local target completes the share
 * (BS_SOCKET) but not the round; later ones wait in it. */
static void test_shares(void **state)
{
    (void)state;
    uint64_t s = bs_make(0, 0, 9, 0, 10), ns;
    assert_int_equal(bs_arrive_n(s, BS_ALL, 4, BS_SOCKET, &s), BS_WAITING);
    assert_int_equal(bs_arrived(s), 4);
    assert_true(s & BS_SOCKET);
    assert_int_equal(bs_arrive_n(s, 7, 6, 0, &ns), BS_MISMATCH);
    assert_int_equal(ns, s);
    assert_int_equal(bs_arrive_n(s, BS_ALL, 6, 0, &s), BS_COMPLETE);
    assert_int_equal(bs_gen(s), 10);
    assert_int_equal(bs_arrived(s), 0);

    s = bs_make(0, 0, 3, 0, 2);
    assert_int_equal(bs_arrive_share(s, 5, BS_TICKER, &s), BS_WAITING);
    assert_int_equal(bs_arrive_share(s, BS_ALL, 0, &ns), BS_MISMATCH);
    assert_int_equal(bs_arrive_share(s, 5, 0, &s), BS_COMPLETE);
    assert_true(s & BS_SOCKET);
    assert_true(s & BS_TICKER);
    assert_int_equal(bs_gen(s), 3); /* the round goes on until released */
    assert_int_equal(bs_arrived(s), 2);
    assert_int_equal(bs_arrive_share(s, 5, 0, &s), BS_WAITING);
    assert_int_equal(bs_arrived(s), 3);
    assert_int_equal(bs_gen(s), 3);
}

static void test_ring(void **state)
{
    (void)state;
    struct barslot slot;
    memset(&slot, 0, sizeof slot);
    atomic_store(&slot.ring[9 % BARPAGE_RING], bs_ring_entry(9, PvmNoGroup));
    assert_int_equal(bs_ring_code(&slot, 9), PvmNoGroup);
    /* An entry of another round (the same place, an older gen) is PvmOk. */
    assert_int_equal(bs_ring_code(&slot, 9 + BARPAGE_RING), 0);
    atomic_store(&slot.ring[0xffff % BARPAGE_RING], bs_ring_entry(0xffff, BS_RETRY));
    assert_int_equal(bs_ring_code(&slot, 0xffff), BS_RETRY);
    /* A late store of an older round leaves a later round's entry alone
     * (across the 16-bit wrap too); a newer round's store replaces it. */
    memset(&slot, 0, sizeof slot);
    bs_ring_put(&slot, 1, PvmOk);
    assert_int_equal(bs_ring_code(&slot, 1), 0);
    bs_ring_put(&slot, 1 + BARPAGE_RING, BS_RETRY);
    bs_ring_put(&slot, 1, PvmOk);
    assert_int_equal(bs_ring_code(&slot, 1 + BARPAGE_RING), BS_RETRY);
    bs_ring_put(&slot, 1 + 2 * BARPAGE_RING, PvmNoGroup);
    assert_int_equal(bs_ring_code(&slot, 1 + 2 * BARPAGE_RING), PvmNoGroup);
    bs_ring_put(&slot, 0xfff1, BS_RETRY); /* older than 0x21, across the wrap */
    assert_int_equal(bs_ring_code(&slot, 1 + 2 * BARPAGE_RING), PvmNoGroup);
    memset(&slot, 0, sizeof slot);
    bs_ring_put(&slot, 0xfff1, BS_RETRY);
    assert_int_equal(bs_ring_code(&slot, 0xfff1), BS_RETRY);
    bs_ring_put(&slot, 0x0001, PvmNoGroup); /* newer, across the wrap */
    assert_int_equal(bs_ring_code(&slot, 0x0001), PvmNoGroup);
    bs_ring_put(&slot, 0xfff1, PvmOk); /* late */
    assert_int_equal(bs_ring_code(&slot, 0x0001), PvmNoGroup);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields), cmocka_unit_test(test_futex_half),
        cmocka_unit_test(test_arrive), cmocka_unit_test(test_ring),
        cmocka_unit_test(test_shares),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
