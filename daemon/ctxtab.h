/*
 * ctxtab.h - message contexts (pvm_newcontext, pvm_freecontext).
 *
 * Each pvmd hands out the contexts of its own host to its own tasks: a
 * context is the host number and a local part, laid out as a tid (host 1's
 * first is 0x40001, as PVM 3.4.6's pvmd gives), so contexts are unique in
 * the whole virtual machine without a word between pvmds, and always below
 * libpvm's reserved contexts (common/defs.h).  The local parts are handed
 * out in turn, a freed one again only once the turn comes round (PVM
 * 3.4.6 does the same); all 262,143 in use: PvmOutOfRes.  A context
 * belongs to the task that asked for it: only that task frees it, and it
 * is freed when the task leaves (pvm_exit) or ends.
 */
#ifndef PVMD_CTXTAB_H
#define PVMD_CTXTAB_H

#include <protobuf-c/protobuf-c.h>

#include "request.h"

struct event;
struct pvmd;

/* Frees d's contexts (the table is made on the first CTL_CTX_NEW). */
void ctxtab_fini(struct pvmd *d);

/* CTL_CTX_NEW from a task of this host: CtxRef{the new context}, or
 * Status{PvmOutOfRes, PvmNoMem}. */
void ctxtab_new(struct pvmd *d, const struct req *r, const ProtobufCMessage *m);

/* CTL_CTX_FREE: Status{PvmOk}, or Status{PvmNotFound} when the context is
 * not the asker's (never handed out, freed already, another task's, another
 * host's). */
void ctxtab_free(struct pvmd *d, const struct req *r, const ProtobufCMessage *m);

/* A task of this host left PVM (pvm_exit) while its process runs on: its
 * contexts are free again. */
void ctxtab_task_left(struct pvmd *d, int tid);

/* Event subscriber (event.c): an ended task's contexts are free again. */
void ctxtab_on_event(struct pvmd *d, const struct event *ev);

#endif
