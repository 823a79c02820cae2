/*
 * test_peer.c - libpvm/peer.c: the tid table and per-source ordering
 * (messages that overtook an earlier one are held until it arrives).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "peer.h"
#include "pvm3.h"
#include "tid.h"

struct out {
    int n;
    uint64_t seq[64];
};

static void record(void *arg, struct pmsg *m)
{
    struct out *o = arg;
    o->seq[o->n++] = m->seq;
    pmsg_destroy(&m);
}

static struct pmsg *msg(uint64_t seq)
{
    struct pmsg *m = pmsg_new(PvmDataRaw);
    assert_non_null(m);
    m->seq = seq;
    return m;
}

static void test_in_order(void **state)
{
    (void)state;
    struct peer_tab t = {0};
    struct peer *p = peer_get(&t, 0x40001);
    struct out o = {0};
    for (uint64_t s = 1; s <= 5; s++)
        peer_arrive(p, msg(s), record, &o);
    assert_int_equal(o.n, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(o.seq[i], (uint64_t)i + 1);
    peer_tab_fini(&t);
}

/* The route switch: 4 and 5 come directly before 1..3 arrive via the pvmd. */
static void test_overtaken(void **state)
{
    (void)state;
    struct peer_tab t = {0};
    struct peer *p = peer_get(&t, 0x40001);
    struct out o = {0};
    peer_arrive(p, msg(5), record, &o);
    peer_arrive(p, msg(4), record, &o);
    assert_int_equal(o.n, 0);
    assert_int_equal(p->nheld, 2);
    peer_arrive(p, msg(2), record, &o);
    assert_int_equal(o.n, 0);
    peer_arrive(p, msg(1), record, &o);
    assert_int_equal(o.n, 2);
    peer_arrive(p, msg(3), record, &o);
    assert_int_equal(o.n, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(o.seq[i], (uint64_t)i + 1);
    assert_int_equal(p->nheld, 0);
    assert_null(p->held);
    peer_tab_fini(&t);
}

static void test_duplicates_dropped(void **state)
{
    (void)state;
    struct peer_tab t = {0};
    struct peer *p = peer_get(&t, 0x40001);
    struct out o = {0};
    peer_arrive(p, msg(1), record, &o);
    peer_arrive(p, msg(1), record, &o); /* already delivered */
    peer_arrive(p, msg(3), record, &o);
    peer_arrive(p, msg(3), record, &o); /* already held */
    peer_arrive(p, msg(2), record, &o);
    assert_int_equal(o.n, 3);
    assert_int_equal(o.seq[2], 3);
    peer_tab_fini(&t);
}

/* Held messages are freed with the table. */
static void test_fini_frees_held(void **state)
{
    (void)state;
    struct peer_tab t = {0};
    struct peer *p = peer_get(&t, 0x40001);
    struct out o = {0};
    peer_arrive(p, msg(7), record, &o);
    peer_arrive(p, msg(9), record, &o);
    peer_tab_fini(&t); /* ASan reports a leak otherwise */
    assert_int_equal(t.n, 0);
}

/* Many tids: lookups stay right across growth; pointers stay valid. */
static void test_table_growth(void **state)
{
    (void)state;
    struct peer_tab t = {0};
    struct peer *first = peer_get(&t, tid_make(1, 1));
    first->sent_seq = 42;
    for (int h = 1; h <= 3; h++)
        for (int l = 1; l <= 700; l++) {
            struct peer *p = peer_get(&t, tid_make(h, l));
            assert_non_null(p);
            assert_int_equal(p->tid, tid_make(h, l));
        }
    assert_int_equal(t.n, 2100);
    assert_ptr_equal(peer_find(&t, tid_make(1, 1)), first);
    assert_int_equal(first->sent_seq, 42);
    assert_null(peer_find(&t, tid_make(4, 1)));
    for (int h = 1; h <= 3; h++)
        for (int l = 1; l <= 700; l++)
            assert_int_equal(peer_find(&t, tid_make(h, l))->tid, tid_make(h, l));
    peer_tab_fini(&t);
}

static void count_cb(struct peer *p, void *arg)
{
    (void)p;
    (*(int *)arg)++;
}

static void test_each(void **state)
{
    (void)state;
    struct peer_tab t = {0};
    assert_null(peer_find(&t, 5));
    for (int l = 1; l <= 40; l++)
        peer_get(&t, tid_make(1, l));
    int n = 0;
    peer_each(&t, count_cb, &n);
    assert_int_equal(n, 40);
    peer_tab_fini(&t);
}

/* Removal keeps every other entry findable (the runs of linear probing
 * close up), frees held messages, and a tid removed starts afresh. */
static void test_del(void **state)
{
    (void)state;
    struct peer_tab t = {0};
    for (int h = 1; h <= 4; h++)
        for (int l = 1; l <= 500; l++)
            peer_get(&t, tid_make(h, l))->recv_next = (uint64_t)(h * 1000 + l);
    struct peer *p = peer_find(&t, tid_make(2, 7));
    peer_arrive(p, msg(p->recv_next + 3), NULL, NULL); /* held */
    /* Every third goes, in an order that crosses the runs. */
    size_t gone = 0;
    for (int l = 500; l >= 1; l--)
        for (int h = 1; h <= 4; h++)
            if ((h + l) % 3 == 0) {
                peer_del(&t, tid_make(h, l));
                gone++;
            }
    peer_del(&t, tid_make(9, 9)); /* never there */
    for (int h = 1; h <= 4; h++)
        for (int l = 1; l <= 500; l++) {
            struct peer *q = peer_find(&t, tid_make(h, l));
            if ((h + l) % 3 == 0) {
                assert_null(q);
            } else {
                assert_non_null(q);
                assert_int_equal(q->recv_next, (uint64_t)(h * 1000 + l));
            }
        }
    assert_int_equal(t.n, 2000 - gone);
    struct peer *again = peer_get(&t, tid_make(2, 7));
    assert_int_equal(again->recv_next, 1);
    assert_null(again->held);
    peer_tab_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),           cmocka_unit_test(test_overtaken),
        cmocka_unit_test(test_duplicates_dropped), cmocka_unit_test(test_fini_frees_held),
        cmocka_unit_test(test_table_growth),       cmocka_unit_test(test_each),
        cmocka_unit_test(test_del),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
