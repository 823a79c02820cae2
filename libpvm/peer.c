/*
 * peer.c - the per-tid table and per-source ordering.
 */
#include "peer.h"

#include <stdlib.h>

/* Fibonacci hashing: tids of one host differ in the low bits only. */
static size_t slot_of(int tid, size_t cap)
{
    return (size_t)(((uint32_t)tid * 2654435769u) >> 8) & (cap - 1);
}

struct peer *peer_find(const struct peer_tab *t, int tid)
{
    if (!t->cap)
        return NULL;
    for (size_t i = slot_of(tid, t->cap);; i = (i + 1) & (t->cap - 1)) {
        struct peer *p = t->slots[i];
        if (!p)
            return NULL;
        if (p->tid == tid)
            return p;
    }
}

static int grow(struct peer_tab *t)
{
    size_t ncap = t->cap ? t->cap * 2 : 16;
    struct peer **ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t k = 0; k < t->cap; k++) {
        struct peer *p = t->slots[k];
        if (!p)
            continue;
        size_t i = slot_of(p->tid, ncap);
        while (ns[i])
            i = (i + 1) & (ncap - 1);
        ns[i] = p;
    }
    free(t->slots);
    t->slots = ns;
    t->cap = ncap;
    return 0;
}

struct peer *peer_get(struct peer_tab *t, int tid)
{
    struct peer *p = peer_find(t, tid);
    if (p)
        return p;
    /* Keep the load under one half so probes stay short. */
    if ((t->n + 1) * 2 > t->cap && grow(t) < 0)
        return NULL;
    if (!(p = calloc(1, sizeof *p)))
        return NULL;
    p->tid = tid;
    p->recv_next = 1;
    size_t i = slot_of(tid, t->cap);
    while (t->slots[i])
        i = (i + 1) & (t->cap - 1);
    t->slots[i] = p;
    t->n++;
    return p;
}

void peer_backoff(struct peer *p, int64_t now, int64_t first, int64_t max)
{
    p->backoff_ns = p->backoff_ns ? p->backoff_ns * 2 : first;
    if (p->backoff_ns > max)
        p->backoff_ns = max;
    p->retry_ns = now + p->backoff_ns;
}

static void peer_free(struct peer *p)
{
    while (p->held) {
        struct pmsg *m = p->held;
        p->held = m->next;
        pmsg_destroy(&m);
    }
    free(p);
}

void peer_del(struct peer_tab *t, int tid)
{
    if (!t->cap)
        return;
    size_t i = slot_of(tid, t->cap);
    while (t->slots[i] && t->slots[i]->tid != tid)
        i = (i + 1) & (t->cap - 1);
    if (!t->slots[i])
        return;
    peer_free(t->slots[i]);
    t->slots[i] = NULL;
    t->n--;
    /* Linear probing: the entries after it in its run move back where a
     * search would pass the hole. */
    for (size_t j = (i + 1) & (t->cap - 1); t->slots[j]; j = (j + 1) & (t->cap - 1)) {
        size_t home = slot_of(t->slots[j]->tid, t->cap);
        /* Does home lie cyclically in (i, j]?  Then it stays. */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            t->slots[i] = t->slots[j];
            t->slots[j] = NULL;
            i = j;
        }
    }
}

void peer_each(struct peer_tab *t, void (*fn)(struct peer *p, void *arg), void *arg)
{
    for (size_t k = 0; k < t->cap; k++)
        if (t->slots[k])
            fn(t->slots[k], arg);
}

void peer_tab_fini(struct peer_tab *t)
{
    for (size_t k = 0; k < t->cap; k++) {
        struct peer *p = t->slots[k];
        if (p)
            peer_free(p);
    }
    free(t->slots);
    t->slots = NULL;
    t->cap = t->n = 0;
}

void peer_arrive(struct peer *p, struct pmsg *m, peer_deliver_fn deliver, void *arg)
{
    if (m->seq < p->recv_next) {
        pmsg_destroy(&m); /* a duplicate: already delivered */
        return;
    }
    if (m->seq > p->recv_next) {
        /* Overtook an earlier message: hold it, in seq order.  Messages
         * usually overtake only at a route switch, so the list is short. */
        struct pmsg **pp = &p->held;
        while (*pp && (*pp)->seq < m->seq)
            pp = &(*pp)->next;
        if (*pp && (*pp)->seq == m->seq) {
            pmsg_destroy(&m);
            return;
        }
        m->next = *pp;
        *pp = m;
        p->nheld++;
        return;
    }
    m->next = NULL;
    p->recv_next++;
    deliver(arg, m);
    while (p->held && p->held->seq == p->recv_next) {
        struct pmsg *h = p->held;
        p->held = h->next;
        h->next = NULL;
        p->nheld--;
        p->recv_next++;
        deliver(arg, h);
    }
}
