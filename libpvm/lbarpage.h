/*
 * lbarpage.h - barriers through the host's barrier page, a task's
 * side (common/barslot.h has the layout; docs/design.md "Groups" the
 * protocol).  Used by lgroup.c for members of a group with a slot, on
 * any host (each host's page; the first host's counts the whole group);
 * everything else goes through the pvmd.
 */
#ifndef PVM_LBARPAGE_H
#define PVM_LBARPAGE_H

#include <stdint.h>

struct lpvm_core;

/* lbarpage_barrier's answer when the page cannot serve the barrier (no
 * page, the slot is no longer the group's, a count too large): go
 * through the pvmd. */
#define LBARPAGE_SLOW 1
/* This barrier only (another host's page, a count below the group's
 * size, which that page cannot count): through the pvmd. */
#define LBARPAGE_PVMD 2

/* Arrives at the barrier of slot (1 + its index) with owner value owner
 * and count (-1 or 1..) and waits until the round ends.  Meanwhile the
 * task's connections are read now and then (without running message
 * handlers), so that peers sending to it are not held up.  Returns PvmOk,
 * PvmMismatch (another count is in progress), PvmNoGroup (a member left
 * and the count can no longer be met), PvmSysErr (the pvmd died),
 * LBARPAGE_SLOW or LBARPAGE_PVMD.  The page is mapped at the first call. */
int lbarpage_barrier(struct lpvm_core *core, unsigned slot, uint32_t owner, int count);

/* The group version the pvmd last stored in slot (owner), or 0 when the
 * page is not mapped or the slot is another group's. */
uint64_t lbarpage_version(unsigned slot, uint32_t owner);

/* Unmaps the page (teardown; a forked child maps it again). */
void lbarpage_unmap(void);

#endif
