/*
 * lbarpage.c - barriers through the first host's barrier page, a task's
 * side (lbarpage.h).
 *
 * Arriving is one compare-and-swap on the slot's word; the task whose
 * arrival ends the round wakes every sleeper with one FUTEX_WAKE, and
 * tells the pvmd when it holds socket waiters of that round (BS_SOCKET).
 * The others sleep on the word's low half (FUTEX_WAIT, shared: the page is
 * a shared file mapping) with a timeout that doubles from 2 ms to 100 ms;
 * between sleeps they read their connections once, without blocking, so
 * that a peer writing to them is not held up and a dead pvmd is noticed.
 */
#include "lbarpage.h"

#include <errno.h>
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

#define SLEEP_FIRST_NS (2 * 1000 * 1000)
#define SLEEP_MAX_NS (100 * 1000 * 1000)

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

/* Maps the page of our host's pvmd (the first host's: the caller checked),
 * once.  The directory is ours and 0700, as the sockets' trust; the file
 * must be our own regular file of the page's size. */
static struct barslot *page(struct lpvm_core *core)
{
    if (bpg.slots || bpg.failed)
        return bpg.slots;
    bpg.failed = true;
    char path[PATHS_MAX];
    if (paths_join(path, sizeof path, core->sockdir, BARPAGE_NAME) < 0)
        return NULL;
    int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    void *map = MAP_FAILED;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
        st.st_size == (off_t)BARPAGE_SIZE)
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

/* Sleeps while the word's low half is still `low' (at most sleep_ns, which
 * then doubles): after a time-out the connections are read once.  Returns
 * 0, or PvmSysErr when the pvmd is gone. */
static int sleep_on(struct lpvm_core *core, struct barslot *s, uint32_t low, int64_t *sleep_ns)
{
    struct timespec ts = {.tv_sec = *sleep_ns / 1000000000, .tv_nsec = *sleep_ns % 1000000000};
    if (futex(bs_futex(s), FUTEX_WAIT, low, &ts) == 0 || errno != ETIMEDOUT)
        return 0;
    if (*sleep_ns < SLEEP_MAX_NS)
        *sleep_ns = *sleep_ns * 2 < SLEEP_MAX_NS ? *sleep_ns * 2 : SLEEP_MAX_NS;
    /* Not at rest: no message handler of the user's runs inside
     * pvm_barrier (as while a request to the pvmd is awaited). */
    core->sending++;
    int cc = io_wait(core, NULL, NULL, 0, NULL);
    core->sending--;
    return cc < 0 ? cc : 0;
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Waits until round gen of s has ended; returns 0 or PvmSysErr.  When the
 * round's members fit on the processors, it first spins for PvmPollTime
 * (as a receive does): the last one is likely running, and a wake-up
 * costs more than the wait.  More members than processors: the last one
 * needs a processor a spinner would hold, so it sleeps at once. */
static int wait_round(struct lpvm_core *core, struct barslot *s, unsigned gen)
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
    int64_t sleep_ns = SLEEP_FIRST_NS;
    for (; bs_gen(w) == gen; w = atomic_load(&s->state)) {
        int cc = sleep_on(core, s, (uint32_t)w, &sleep_ns);
        if (cc < 0)
            return cc;
    }
    return 0;
}

/* Sets BS_LOCKWAIT on the locked word w and sleeps until the pvmd unlocks
 * it; *w is the word again. */
static int wait_unlock(struct lpvm_core *core, struct barslot *s, uint64_t *w)
{
    int64_t sleep_ns = SLEEP_FIRST_NS;
    while (*w & BS_LOCKED) {
        uint64_t lw = *w | BS_LOCKWAIT;
        if (*w == lw || atomic_compare_exchange_weak(&s->state, w, lw)) {
            int cc = sleep_on(core, s, (uint32_t)lw, &sleep_ns);
            if (cc < 0)
                return cc;
            *w = atomic_load(&s->state);
        }
    }
    return 0;
}

/* Tells the pvmd that round of slot ended: it releases its socket
 * waiters.  Should this not reach it, it looks when a task ends. */
static void round_done(struct lpvm_core *core, unsigned slot)
{
    Pvm__GroupRoundDone rd = PVM__GROUP_ROUND_DONE__INIT;
    rd.slot = slot;
    lpvm_post(core, PVM__CTL_TYPE__CTL_GRP_ROUND_DONE, &rd.base, 0);
}

int lbarpage_barrier(struct lpvm_core *core, unsigned slot, uint32_t owner, int count)
{
    if (tid_host(lpvm_state.mytid) != BARPAGE_HOST || count == 0 || count < -1 ||
        count > (int)BS_MAX || !page(core))
        return LBARPAGE_SLOW;
    unsigned want = count == -1 ? BS_ALL : (unsigned)count;
    for (;;) {
        struct barslot *s = slot_of(slot, owner);
        if (!s)
            return LBARPAGE_SLOW;
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
            r = bs_arrive(w, want, 0, &ns);
            if (r == BS_MISMATCH)
                return PvmMismatch;
            if (atomic_compare_exchange_weak(&s->state, &w, ns))
                break;
        }
        unsigned gen = bs_gen(w);
        if (r == BS_COMPLETE) {
            atomic_store(&s->ring[gen % BARPAGE_RING], bs_ring_entry(gen, PvmOk));
            if (bs_arrived(w) > 0)
                futex(bs_futex(s), FUTEX_WAKE, INT32_MAX, NULL);
            if (w & BS_SOCKET)
                round_done(core, slot);
            return PvmOk;
        }
        int cc = wait_round(core, s, gen);
        if (cc < 0)
            return cc;
        cc = bs_ring_code(s, gen);
        if (cc != BS_RETRY)
            return cc;
        /* Called off (a member left): arrive again. */
    }
}
