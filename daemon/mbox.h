/*
 * mbox.h - PVM's message mailbox (pvm_putinfo, pvm_recvinfo, pvm_delinfo,
 * pvm_getmboxinfo and PVM 3.3's pvm_insert, pvm_lookup, pvm_delete).
 *
 * One mailbox for the whole virtual machine, kept by the first host's pvmd
 * (the authority, as for groups).  Other pvmds forward their tasks' requests
 * to it through the pending table, naming the task, and remember which of
 * their tasks used the mailbox: when one ends they tell the authority
 * (CTL_MBOX_GONE), which removes its entries, or, for PvmMboxPersistent
 * ones, marks them ownerless (owner 0).  A lost host's tasks' entries go the
 * same way.  A pvm_recvinfo with PvmMboxWaitForInfo that finds nothing waits
 * at the authority until a put gives it an entry (docs/design.md "Mailbox").
 */
#ifndef PVMD_MBOX_H
#define PVMD_MBOX_H

#include <protobuf-c/protobuf-c.h>

struct event;
struct pvmd;
struct req;

/* Bounds: entries in the whole mailbox, the bytes of their bodies and of
 * their classes' names (the default of d->limits.mbox_bytes, PVMD_MBOX_MAX),
 * waiting requests of one task and in all.  Past them a put or a wait is
 * refused with PvmOutOfRes. */
#define MBOX_MAX_ENTRIES 65536
#define MBOX_MAX_BYTES ((size_t)256 << 20)
#define MBOX_WAIT_PER_TASK 16
#define MBOX_WAIT_MAX 4096

/* Sets up d's mailbox.  Returns 0 or PvmNoMem. */
int mbox_init(struct pvmd *d);

/* Answers every waiting request with PvmSysErr (halt) and frees the
 * mailbox.  Safe to call twice. */
void mbox_fini(struct pvmd *d);

/* Control handlers (ctl_handlers.c's table). */
void mbox_request(struct pvmd *d, const struct req *r,
                  const ProtobufCMessage *m); /* put, get, del, info, reset */
void mbox_gone(struct pvmd *d, const struct req *r, const ProtobufCMessage *m); /* from a pvmd */

/* Local task tid called pvm_exit: its entries go now (PVM ends them when a
 * task leaves, though a spawned task's process may live on). */
void mbox_task_left(struct pvmd *d, int tid);

/* Event subscriber (event.c): an ended task's entries and waits go, and on
 * the authority a lost host's tasks' too. */
void mbox_on_event(struct pvmd *d, const struct event *ev);

/* Entries in the mailbox (the authority's; 0 elsewhere), for tests. */
int mbox_count(const struct pvmd *d);

#endif
