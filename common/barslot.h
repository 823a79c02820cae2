/*
 * barslot.h - the barrier page (every host has one): its layout and the
 * arrival rules, shared by the pvmd (daemon/barpage.c, group.c) and libpvm
 * (libpvm/lbarpage.c).  docs/design.md "Groups" tells the whole protocol.
 *
 * The page is a file of BARPAGE_SLOTS slots in each pvmd's socket
 * directory (0700, the user's own: the same trust as the sockets), mapped
 * shared by that pvmd and by its local tasks that pass a barrier.  A group
 * holds one slot while it lives, the same on every host (the first host
 * hands them out); another host's slot counts only its members there.  A slot's round is one 64-bit
 * word, only ever changed by compare-and-swap (tasks) or while locked (the pvmd):
 *
 *   bits  0..3   flags: BS_SOCKET, BS_LOCKED, BS_LOCKWAIT, BS_TICKER
 *   bits  4..15  want: the round's count (0: no round yet, BS_ALL: -1)
 *   bits 16..31  gen: the round's number, bumped when it ends
 *   bits 32..43  arrived: members that arrived in this round
 *   bits 44..55  target: the group's size (the pvmd keeps it)
 *
 * The low 32 bits (flags, want, gen) are the futex word waiters sleep on:
 * an arrival changes only `arrived', so it wakes nobody needlessly.
 */
#ifndef PVM_BARSLOT_H
#define PVM_BARSLOT_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define BARPAGE_NAME "pvmd.bar" /* in the first host's socket directory */
#define BARPAGE_HOST 1          /* the first host: the groups' authority */
#define BARPAGE_SLOTS 1024
#define BARPAGE_RING 16 /* how the last rounds ended, by gen */

struct barslot {
    alignas(64) _Atomic uint64_t state;
    /* Bumped when the slot is given to a group and when it is taken back:
     * a task compares it with what its group's reply said. */
    _Atomic uint32_t owner;
    /* Other hosts' pages: the group's size, as the first host last said
     * (a count equal to it may pass through the page there). */
    _Atomic uint32_t size;
    /* The group's version (changes with every membership change), stored
     * before the change is answered: a member released by a barrier sees
     * every change made before it, as it would through its socket. */
    _Atomic uint64_t version;
    /* ring[gen % BARPAGE_RING]: gen << 16 | (uint16_t)code, how round gen
     * ended; a round ended by a task (always PvmOk) is written after its
     * word, one ended by the pvmd before, so an entry of another gen means
     * PvmOk. */
    _Atomic uint32_t ring[BARPAGE_RING];
};
_Static_assert(sizeof(struct barslot) == 128, "a slot is two cache lines");

#define BARPAGE_SIZE ((unsigned long)BARPAGE_SLOTS * sizeof(struct barslot))

#define BS_SOCKET                                                                                  \
    0x1u                 /* the pvmd holds socket waiters of this round: tell it the end           \
                          * (other hosts: the host's share is complete) */
#define BS_LOCKED 0x2u   /* the pvmd is changing the word: tasks wait */
#define BS_LOCKWAIT 0x4u /* a task sleeps on a locked word: wake at unlock */
#define BS_TICKER 0x8u   /* a task of this round sleeps with a time-out (lbarpage.c) */
#define BS_FLAGS 0xfu

#define BS_MAX 4094u /* the largest count, and group size, with a slot */
#define BS_ALL 4095u /* want: every member (-1) */

/* Ring codes: PvmOk and negative Pvm errors, and this one: the round was
 * called off (a member that may have arrived left): arrive again. */
#define BS_RETRY 1

static inline unsigned bs_want(uint64_t s)
{
    return (unsigned)(s >> 4) & 0xfffu;
}
static inline unsigned bs_gen(uint64_t s)
{
    return (unsigned)(s >> 16) & 0xffffu;
}
static inline unsigned bs_arrived(uint64_t s)
{
    return (unsigned)(s >> 32) & 0xfffu;
}
static inline unsigned bs_target(uint64_t s)
{
    return (unsigned)(s >> 44) & 0xfffu;
}

static inline uint64_t bs_make(unsigned flags, unsigned want, unsigned gen, unsigned arrived,
                               unsigned target)
{
    return (uint64_t)(flags & BS_FLAGS) | (uint64_t)(want & 0xfffu) << 4 |
           (uint64_t)(gen & 0xffffu) << 16 | (uint64_t)(arrived & 0xfffu) << 32 |
           (uint64_t)(target & 0xfffu) << 44;
}

/* The first round after s ends: gen bumped, nobody arrived, no flags. */
static inline uint64_t bs_next_round(uint64_t s)
{
    return bs_make(0, 0, bs_gen(s) + 1, 0, bs_target(s));
}

enum bs_outcome { BS_MISMATCH = -1, BS_WAITING = 0, BS_COMPLETE = 1 };

/* One arrival with count want (1..BS_MAX or BS_ALL) on round s: the new
 * word in *ns, and whether it waits, completes the round (every member
 * for BS_ALL, else `want' of them), or is refused (another count is in
 * progress: PvmMismatch; *ns is s then).  `flags' are added to a round that goes on. */
static inline enum bs_outcome bs_arrive_n(uint64_t s, unsigned want, unsigned n, unsigned flags,
                                          uint64_t *ns)
{
    *ns = s;
    if (bs_want(s) && bs_want(s) != want)
        return BS_MISMATCH;
    unsigned need = want == BS_ALL ? bs_target(s) : want;
    unsigned arrived = bs_arrived(s) + n;
    if (arrived >= need) {
        *ns = bs_next_round(s);
        return BS_COMPLETE;
    }
    *ns = bs_make((unsigned)s | flags, want, bs_gen(s), arrived, bs_target(s));
    return BS_WAITING;
}

static inline enum bs_outcome bs_arrive(uint64_t s, unsigned want, unsigned flags, uint64_t *ns)
{
    return bs_arrive_n(s, want, 1, flags, ns);
}

/* Another host's page: `target' is the group's members on that host, and
 * the arrival that makes `arrived' reach it completes the host's *share*
 * (BS_SOCKET: the task tells its pvmd, which sends the first host one
 * arrival of that many).  The round goes on until the first host releases
 * it or calls it off; a member that joined meanwhile arrives in it and
 * waits (the join calls the round off).  Returns BS_COMPLETE for the
 * arrival that completes the share. */
static inline enum bs_outcome bs_arrive_share(uint64_t s, unsigned want, unsigned flags,
                                              uint64_t *ns)
{
    *ns = s;
    if (bs_want(s) && bs_want(s) != want)
        return BS_MISMATCH;
    unsigned arrived = bs_arrived(s) + 1;
    bool share = !(s & BS_SOCKET) && arrived >= bs_target(s);
    *ns = bs_make((unsigned)s | flags | (share ? BS_SOCKET : 0u), want, bs_gen(s), arrived,
                  bs_target(s));
    return share ? BS_COMPLETE : BS_WAITING;
}

static inline uint32_t bs_ring_entry(unsigned gen, int code)
{
    return (uint32_t)(gen & 0xffffu) << 16 | (uint16_t)(int16_t)code;
}

/* Records how round gen ended, unless its ring entry already tells of a
 * later round: a completer that stalls between its swap and this store
 * must not overwrite how the round 16 later ended. */
static inline void bs_ring_put(struct barslot *s, unsigned gen, int code)
{
    _Atomic uint32_t *r = &s->ring[gen % BARPAGE_RING];
    uint32_t e = atomic_load(r), v = bs_ring_entry(gen, code);
    for (;;) {
        uint16_t ahead = (uint16_t)((e >> 16) - (gen & 0xffffu));
        if (e != 0 && ahead != 0 && ahead < 0x8000u)
            return;
        if (atomic_compare_exchange_weak(r, &e, v))
            return;
    }
}

/* How round gen of slot ended (PvmOk unless the ring says otherwise). */
static inline int bs_ring_code(struct barslot *s, unsigned gen)
{
    uint32_t e = atomic_load(&s->ring[gen % BARPAGE_RING]);
    return (e >> 16) == (gen & 0xffffu) ? (int16_t)(e & 0xffffu) : 0;
}

/* The futex word: the low half of the state word. */
static inline uint32_t *bs_futex(struct barslot *s)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (uint32_t *)(void *)&s->state;
#else
    return (uint32_t *)(void *)&s->state + 1;
#endif
}

#endif
