/*
 * barpage.c - the first host's barrier page, the pvmd's side (barpage.h).
 */
#define _GNU_SOURCE /* memfd_create, F_ADD_SEALS / F_GET_SEALS */
#include "barpage.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "paths.h"
#include "pvmd.h"

struct barpage {
    struct barslot *slots; /* the mapping, BARPAGE_SIZE bytes */
    int fd;                /* the sealed memfd behind it */
    char path[PATHS_MAX];  /* the link tasks open: /proc/<pid>/fd/<fd> */
    struct pvmd_file_id id;
    /* Kept here, not read from the page, which any task could scribble on. */
    uint32_t owner[BARPAGE_SLOTS];
    bool used[BARPAGE_SLOTS];
    int next; /* where the search for a free slot starts: slots are reused last */
};

struct barpage *barpage_create(struct pvmd *d)
{
    struct barpage *bp = calloc(1, sizeof *bp);
    if (!bp) {
        log_error(d, "no memory for the barrier page: barriers go through the pvmd");
        return NULL;
    }
    if (paths_join(bp->path, sizeof bp->path, d->sockdir, BARPAGE_NAME) < 0) {
        log_error(d, "barrier page: path too long: barriers go through the pvmd");
        free(bp);
        return NULL;
    }
    /* The page is a memfd sealed at its size: no process, however it
     * opens the page, can shrink it under a mapping (the pvmd would die of
     * SIGBUS at its next touch).  Tasks open it through a symbolic link in
     * the socket directory (0700, ours) to /proc/<pid>/fd/<fd>; whatever
     * was there is a stale pvmd's (we hold the lock). */
    unlink(bp->path);
    int fd = memfd_create("pvmd.bar", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    void *map = MAP_FAILED;
    char target[64];
    snprintf(target, sizeof target, "/proc/%d/fd/%d", (int)getpid(), fd);
    if (fd >= 0 && ftruncate(fd, (off_t)BARPAGE_SIZE) == 0 &&
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0 &&
        symlink(target, bp->path) == 0)
        map = mmap(NULL, BARPAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int err = errno;
    if (map == MAP_FAILED) {
        log_error(d, "cannot make the barrier page %s: %s: barriers go through the pvmd", bp->path,
                  strerror(err));
        if (fd >= 0)
            close(fd);
        unlink(bp->path);
        free(bp);
        return NULL;
    }
    bp->fd = fd;
    bp->slots = map;
    pvmd_file_id_take(bp->path, &bp->id);
    log_info(d, "barrier page %s: %d slots", bp->path, BARPAGE_SLOTS);
    return bp;
}

void barpage_destroy(struct pvmd *d, struct barpage **bpp)
{
    struct barpage *bp = *bpp;
    if (!bp)
        return;
    *bpp = NULL;
    munmap(bp->slots, BARPAGE_SIZE);
    close(bp->fd);
    pvmd_unlink_own(d, bp->path, &bp->id);
    free(bp);
}

struct barslot *barpage_slot(struct barpage *bp, int slot)
{
    return &bp->slots[slot];
}

static void wake_all(struct barslot *s)
{
    syscall(SYS_futex, bs_futex(s), FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

void barpage_wake(struct barpage *bp, int slot)
{
    wake_all(&bp->slots[slot]);
}

uint64_t barpage_lock(struct barpage *bp, int slot)
{
    /* One atomic step, however busy the tasks are; a word already locked
     * can only be a broken task's doing (the pvmd unlocks before it
     * returns to its loop), and is taken over. */
    uint64_t s = atomic_fetch_or(&bp->slots[slot].state, (uint64_t)BS_LOCKED);
    return s & ~(uint64_t)(BS_LOCKED | BS_LOCKWAIT);
}

void barpage_unlock(struct barpage *bp, int slot, uint64_t locked, uint64_t ns, int code)
{
    struct barslot *s = &bp->slots[slot];
    bool ended = bs_gen(ns) != bs_gen(locked);
    if (ended)
        bs_ring_put(s, bs_gen(locked), code);
    uint64_t was = atomic_exchange(&s->state, ns & ~(uint64_t)(BS_LOCKED | BS_LOCKWAIT));
    if (ended || (was & BS_LOCKWAIT))
        wake_all(s);
}

int barpage_take(struct barpage *bp, uint32_t *owner)
{
    for (int k = 0; k < BARPAGE_SLOTS; k++) {
        int i = (bp->next + k) % BARPAGE_SLOTS;
        if (bp->used[i])
            continue;
        bp->used[i] = true;
        bp->next = (i + 1) % BARPAGE_SLOTS;
        bp->owner[i]++;
        atomic_store(&bp->slots[i].owner, bp->owner[i]);
        /* A fresh round (the gen goes on: a task of the slot's last group
         * still reading how its round ended finds it in the ring). */
        uint64_t s = barpage_lock(bp, i);
        barpage_unlock(bp, i, s, bs_make(0, 0, bs_gen(s) + 1, 0, 0), BS_RETRY);
        *owner = bp->owner[i];
        return i;
    }
    return -1;
}

void barpage_disown(struct barpage *bp, int slot)
{
    if (slot < 0 || slot >= BARPAGE_SLOTS || !bp->used[slot])
        return;
    bp->used[slot] = false;
    bp->owner[slot]++;
    atomic_store(&bp->slots[slot].owner, bp->owner[slot]);
}

void barpage_assign(struct barpage *bp, int slot, uint32_t owner, uint32_t size)
{
    if (slot < 0 || slot >= BARPAGE_SLOTS)
        return;
    bp->used[slot] = owner != 0;
    bp->owner[slot] = owner;
    atomic_store(&bp->slots[slot].size, size);
    atomic_store(&bp->slots[slot].owner, owner);
}
