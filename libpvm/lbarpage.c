/*
 * lbarpage.c - barriers through the host's barrier page, a task's side
 * (lbarpage.h).  On another host than the first, the arrival that
 * completes the host's share tells the pvmd (which sends it on) and waits
 * like the others: the pvmd ends the round when the first host releases it.
 *
 * Arriving is one compare-and-swap on the slot's word; the task whose
 * arrival ends the round wakes every sleeper with one FUTEX_WAKE, and
 * tells the pvmd when it holds socket waiters of that round (BS_SOCKET).
 * The others sleep on the word's low half (FUTEX_WAIT, shared: the page is
 * a shared file mapping) with a timeout that doubles from 2 ms to 100 ms;
 * between sleeps they read their connections once, without blocking, so
 * that a peer writing to them is not held up and a dead pvmd is noticed.
 */
#define _GNU_SOURCE /* memfd_create, F_ADD_SEALS / F_GET_SEALS */
#include "lbarpage.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "barslot.h"
#include "core.h"
#include "ctl.h"
#include "pvm3.h"
#include "tid.h"

#define TICK_FIRST_NS (2 * 1000 * 1000) /* the ticker's first sleep */
#define TICK_MAX_NS (100 * 1000 * 1000) /* its longest */
#define FLOW_NS (1000 * 1000)           /* a look while data comes in */

/* Per process, as the rest of lpvm_state; tied to one enrolment. */
static struct {
    struct barslot *slots; /* NULL: not mapped */
    bool failed;           /* mapping failed once: not tried again */
} bpg;

void lbarpage_unmap(void)
{
    if (bpg.slots)
        munmap(bpg.slots, BARPAGE_SIZE);
    bpg.slots = NULL;
    bpg.failed = false;
}

/* Maps the page of our host's pvmd, once.  The directory is ours and 0700,
 * as the sockets' trust; the link there must name a descriptor of a process
 * (/proc/<pid>/fd/<fd>), and what it opens must be our own regular file of
 * the page's size, sealed against shrinking (the pvmd's memfd: nobody can
 * truncate it under our mapping). */
static struct barslot *page(struct lpvm_core *core)
{
    if (bpg.slots || bpg.failed)
        return bpg.slots;
    bpg.failed = true;
    char path[PATHS_MAX];
    if (paths_join(path, sizeof path, core->sockdir, BARPAGE_NAME) < 0)
        return NULL;
    char target[64];
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n <= 0)
        return NULL;
    target[n] = '\0';
    int pid, pfd, used = 0;
    if (sscanf(target, "/proc/%d/fd/%d%n", &pid, &pfd, &used) != 2 || used != (int)n)
        return NULL;
    int fd = open(target, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    void *map = MAP_FAILED;
    int seals = fcntl(fd, F_GET_SEALS);
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
        st.st_size == (off_t)BARPAGE_SIZE && seals >= 0 && (seals & F_SEAL_SHRINK))
        map = mmap(NULL, BARPAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return NULL;
    bpg.slots = map;
    bpg.failed = false;
    return bpg.slots;
}

static struct barslot *slot_of(unsigned slot, uint32_t owner)
{
    if (!bpg.slots || slot < 1 || slot > BARPAGE_SLOTS)
        return NULL;
    struct barslot *s = &bpg.slots[slot - 1];
    return atomic_load(&s->owner) == owner ? s : NULL;
}

uint64_t lbarpage_version(unsigned slot, uint32_t owner)
{
    struct barslot *s = slot_of(slot, owner);
    return s ? atomic_load(&s->version) : 0;
}

static long futex(uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, word, op, val, ts, NULL, 0);
}

/* A round waited for: slot and gen. */
struct round {
    struct barslot *s;
    unsigned gen;
};

static bool round_over(struct lpvm_core *core, void *arg)
{
    (void)core;
    const struct round *r = arg;
    return bs_gen(atomic_load(&r->s->state)) != r->gen;
}

/* Reads the connections once without blocking or, while data is coming
 * in (*flowing), for up to FLOW_NS or until the round is over, so that a
 * peer writing to us goes at full speed.  *flowing: whether a message
 * came or one is still being read.  Returns 0, or PvmSysErr when the pvmd
 * is gone. */
static int look(struct lpvm_core *core, struct round *r, bool *flowing)
{
    unsigned before = core->rq_gen;
    /* Not at rest: no message handler of the user's runs inside
     * pvm_barrier (as while a request to the pvmd is awaited). */
    core->sending++;
    int cc = *flowing ? io_wait(core, round_over, r, io_now_ns() + FLOW_NS, NULL)
                      : io_wait(core, NULL, NULL, 0, NULL);
    core->sending--;
    if (cc < 0)
        return cc;
    *flowing = core->rq_gen != before;
    for (int i = 0; i < core->nconns && !*flowing; i++)
        *flowing = core->conns[i]->rmsg != NULL;
    return 0;
}

static void wake_all(struct barslot *s)
{
    futex(bs_futex(s), FUTEX_WAKE, INT32_MAX, NULL);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Waits until round gen of s has ended; returns 0 or PvmSysErr.
 *
 * When the round's members fit on the processors, it first spins for
 * PvmPollTime (as a receive does): the last one is likely running, and a
 * wake-up costs more than the wait.  More members than processors: the
 * last one needs a processor a spinner would hold, so it sleeps at once.
 *
 * Sleepers must still read their connections now and then (a member
 * blocked writing to one of them would never arrive; a dead pvmd must be
 * noticed), but a time-out on every sleep costs each a timer, a fifth of
 * a barrier of 64.  So only the round's `ticker' (the first task to
 * arrive, BS_TICKER) sleeps with one, 2 ms doubling to 100 ms; at each it
 * wakes everybody, and every sleeper woken in a round that goes on reads
 * its connections.  A ticker that dies is a member that left: the pvmd
 * calls the round off, and the next round has a ticker again. */
static int wait_round(struct lpvm_core *core, struct barslot *s, unsigned gen, bool ticker)
{
    static long ncpu;
    if (!ncpu)
        ncpu = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
    uint64_t w = atomic_load(&s->state);
    if ((long)bs_target(w) <= ncpu && lpvm_state.opt[PvmPollTime] > 0) {
        int64_t end = io_now_ns() + (int64_t)lpvm_state.opt[PvmPollTime] * 1000;
        for (int i = 0; bs_gen(w) == gen; i++, w = atomic_load(&s->state)) {
            cpu_relax();
            if ((i & 63) == 63 && io_now_ns() >= end)
                break;
        }
    }
    struct round r = {s, gen};
    int64_t tick = TICK_FIRST_NS, next_tick = ticker ? io_now_ns() + tick : IO_FOREVER;
    bool flowing = false;
    for (; bs_gen(w) == gen; w = atomic_load(&s->state)) {
        bool woken = false;
        int64_t left = next_tick - io_now_ns();
        if (!flowing && left > 0) {
            struct timespec ts = {.tv_sec = left / 1000000000, .tv_nsec = left % 1000000000};
            long rc = futex(bs_futex(s), FUTEX_WAIT, (uint32_t)w, ticker ? &ts : NULL);
            if (rc < 0 && errno == EAGAIN)
                continue; /* the word changed before we slept */
            woken = rc == 0;
        }
        if (ticker && io_now_ns() >= next_tick) {
            wake_all(s);
            tick = tick * 2 < TICK_MAX_NS ? tick * 2 : TICK_MAX_NS;
            next_tick = io_now_ns() + tick;
        } else if (woken && round_over(core, &r)) {
            return 0;
        }
        int cc = look(core, &r, &flowing);
        if (cc < 0) {
            wake_all(s); /* the others look too, and find the pvmd gone */
            return cc;
        }
        if (flowing && ticker)
            next_tick = io_now_ns() + (tick = TICK_FIRST_NS);
    }
    return 0;
}

/* Sets BS_LOCKWAIT on the locked word w and sleeps until the pvmd unlocks
 * it (the pvmd does not keep it long: a time-out, and a look at the
 * connections, only in case it died); *w is the word again. */
static int wait_unlock(struct lpvm_core *core, struct barslot *s, uint64_t *w)
{
    struct round r = {s, bs_gen(*w)};
    while (*w & BS_LOCKED) {
        uint64_t lw = *w | BS_LOCKWAIT;
        if (*w == lw || atomic_compare_exchange_weak(&s->state, w, lw)) {
            struct timespec ts = {.tv_sec = 0, .tv_nsec = TICK_FIRST_NS};
            if (futex(bs_futex(s), FUTEX_WAIT, (uint32_t)lw, &ts) < 0 && errno == ETIMEDOUT) {
                bool flowing = false;
                int cc = look(core, &r, &flowing);
                if (cc < 0)
                    return cc;
            }
            *w = atomic_load(&s->state);
        }
    }
    return 0;
}

/* Tells the pvmd that round of slot ended: it releases its socket
 * waiters.  Should this not reach it, it looks when a task ends. */
static void round_done(struct lpvm_core *core, unsigned slot, unsigned gen)
{
    Pvm__GroupRoundDone rd = PVM__GROUP_ROUND_DONE__INIT;
    rd.slot = slot;
    rd.gen = gen;
    lpvm_post(core, PVM__CTL_TYPE__CTL_GRP_ROUND_DONE, &rd.base, 0);
}

int lbarpage_barrier(struct lpvm_core *core, unsigned slot, uint32_t owner, int count)
{
    /* A bad count is the pvmd's to answer (PvmMismatch), one above the
     * page's fields its to take the slot back for: the slot stays known. */
    if (count == 0 || count < -1 || count > (int)BS_MAX)
        return LBARPAGE_PVMD;
    if (!page(core))
        return LBARPAGE_SLOW;
    /* Another host's page counts only its own members: it serves rounds
     * that wait for every member (-1, or a count of at least the group's
     * size: joins call its rounds off until the size is reached). */
    bool first = tid_host(lpvm_state.mytid) == BARPAGE_HOST;
    unsigned want = count == -1 ? BS_ALL : (unsigned)count;
    for (;;) {
        struct barslot *s = slot_of(slot, owner);
        if (!s)
            return LBARPAGE_SLOW;
        if (!first && count != -1 && (unsigned)count < atomic_load(&s->size))
            return LBARPAGE_PVMD;
        uint64_t w = atomic_load(&s->state), ns;
        enum bs_outcome r;
        for (;;) {
            /* The owner is read after the word: a slot taken back before
             * the word was read shows here, and one taken back after it
             * ends the round first, so the swap fails. */
            if (atomic_load(&s->owner) != owner)
                return LBARPAGE_SLOW;
            if (w & BS_LOCKED) {
                int cc = wait_unlock(core, s, &w);
                if (cc < 0)
                    return cc;
                continue;
            }
            r = first ? bs_arrive(w, want, BS_TICKER, &ns)
                      : bs_arrive_share(w, want, BS_TICKER, &ns);
            if (r == BS_MISMATCH)
                return PvmMismatch;
            if (atomic_compare_exchange_weak(&s->state, &w, ns))
                break;
        }
        unsigned gen = bs_gen(w);
        if (r == BS_COMPLETE && !first) {
            round_done(core, slot, gen); /* the host's share: its pvmd sends it on */
            r = BS_WAITING;
        }
        if (r == BS_COMPLETE) {
            bs_ring_put(s, gen, PvmOk);
            if (bs_arrived(w) > 0)
                wake_all(s);
            if (w & BS_SOCKET)
                round_done(core, slot, gen);
            return PvmOk;
        }
        int cc = wait_round(core, s, gen, !(w & BS_TICKER));
        if (cc < 0)
            return cc;
        cc = bs_ring_code(s, gen);
        if (cc != BS_RETRY)
            return cc;
        /* Called off (a member left): arrive again. */
    }
}
