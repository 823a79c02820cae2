/*
 * barpage.h - the first host's barrier page, the pvmd's side (the layout
 * and the arrival rule are common/barslot.h's; the protocol is in
 * docs/design.md "Groups").
 *
 * The pvmd makes the file at start, hands slots to groups (group.c), and
 * changes a slot's word only while it holds the slot's lock, which tasks
 * respect: they neither arrive nor end a round meanwhile.  The pvmd never
 * waits for a task: a word found locked (only a broken task could leave
 * it so) is taken over.
 */
#ifndef PVMD_BARPAGE_H
#define PVMD_BARPAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "barslot.h"

struct barpage;
struct pvmd;

/* Every pvmd has a page; the first host's hands out the slots, and other
 * hosts use the same slot for the same group (barpage_assign). */

/* Makes (replacing any stale one: the caller holds the directory's lock)
 * and maps d's page, BARPAGE_NAME in d->sockdir, mode 0600.  Returns the
 * page (free with barpage_destroy), or NULL (logged): groups then go
 * without a fast path. */
struct barpage *barpage_create(struct pvmd *d);

/* Unmaps *bp, removes its file if it is still the one made, frees it and
 * NULLs *bp.  Tasks keep their mappings until they go. */
void barpage_destroy(struct pvmd *d, struct barpage **bp);

/* Gives a free slot to a group: its owner value in *owner, its round
 * empty, target 0.  Returns the slot's index, or -1 when none is free. */
int barpage_take(struct barpage *bp, uint32_t *owner);

/* Takes slot back from its group: its owner value changes, so a task that
 * reads the word after this sees that the slot is no longer its group's.
 * The caller then ends the slot's round (lock, unlock with a new gen), so
 * that a task that read the word before fails its compare-and-swap. */
void barpage_disown(struct barpage *bp, int slot);

/* Another host's page: slot is the first host's slot `owner' (0: no
 * group's any more), of a group of `size' members. */
void barpage_assign(struct barpage *bp, int slot, uint32_t owner, uint32_t size);

/* The slot's memory. */
struct barslot *barpage_slot(struct barpage *bp, int slot);

/* Locks slot's word and returns it as it was (without the lock bits). */
uint64_t barpage_lock(struct barpage *bp, int slot);

/* Wakes every task sleeping on slot: after a member left, a round whose
 * completer died between its swap and its wake-up has sleepers nobody else
 * wakes (they look again and sleep on if their round goes on). */
void barpage_wake(struct barpage *bp, int slot);

/* Unlocks slot with word ns (the lock's own flags are dropped).
 * When ns ends the round `locked' was in (another gen), how it ended
 * (`code': PvmOk, a Pvm error, BS_RETRY) is written to the ring first, and
 * every sleeper is woken; else only those that waited for the lock. */
void barpage_unlock(struct barpage *bp, int slot, uint64_t locked, uint64_t ns, int code);

#endif
