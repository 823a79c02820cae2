/*
 * tid.h - task identifiers.
 *
 * PVM's layout: bits 18-29 hold the host number (1..4095; 0 is never a
 * valid host), bits 0-17 the local part.  A host's pvmd has local part 0,
 * so the first host's pvmd is 0x40000 and its first task 0x40001.  Bit 30
 * is kept clear; negative values are error codes, never tids.
 */
#ifndef PVM_TID_H
#define PVM_TID_H

#include <stdbool.h>

#define TID_HOST_SHIFT 18
#define TID_HOST_MASK 0x3ffc0000
#define TID_LOCAL_MASK 0x0003ffff
#define TID_MAX_HOST 4095
#define TID_MAX_LOCAL 0x3ffff

/* Returns the tid of local part `local' on host number `host'. */
static inline int tid_make(int host, int local)
{
    return (int)(((unsigned)host << TID_HOST_SHIFT) & TID_HOST_MASK) | (local & TID_LOCAL_MASK);
}

/* Returns the host number of a tid (0 for an invalid one). */
static inline int tid_host(int tid)
{
    return (int)(((unsigned)tid & TID_HOST_MASK) >> TID_HOST_SHIFT);
}

/* Returns the local part of a tid. */
static inline int tid_local(int tid)
{
    return tid & TID_LOCAL_MASK;
}

/* Returns the tid of the pvmd of host number `host'. */
static inline int tid_pvmd(int host)
{
    return tid_make(host, 0);
}

/* Returns the tid of the pvmd that serves `tid'. */
static inline int tid_pvmd_of(int tid)
{
    return tid & TID_HOST_MASK;
}

/* True for a well-formed tid of a pvmd or a task: positive, a host number,
 * no bits outside the layout. */
static inline bool tid_is_valid(int tid)
{
    return tid > 0 && (tid & ~(TID_HOST_MASK | TID_LOCAL_MASK)) == 0 && tid_host(tid) != 0;
}

/* True for a pvmd's tid. */
static inline bool tid_is_pvmd(int tid)
{
    return tid_is_valid(tid) && tid_local(tid) == 0;
}

/* True for a task's tid. */
static inline bool tid_is_task(int tid)
{
    return tid_is_valid(tid) && tid_local(tid) != 0;
}

#endif
