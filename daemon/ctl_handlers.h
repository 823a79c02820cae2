/*
 * ctl_handlers.h - the pvmd's control requests.
 *
 * One handler per CtlType in a const table; a request's payload is
 * unpacked and validated (common/ctl.c) before its handler runs, and a
 * payload that fails gets Status{PvmBadMsg} while the connection stays.
 * Replies echo the request's wid with WIRE_F_REPLY (docs/design.md
 * "Protocol details").
 */
#ifndef PVMD_CTL_HANDLERS_H
#define PVMD_CTL_HANDLERS_H

struct pvmd;
struct conn;
struct frame;

/* Handles CTL_HELLO from a connection that has not enrolled: refusal
 * (PvmBadVersion, PvmDenied: reply, then the connection is closed), or a
 * tid (claimed spawned tid or a fresh one), the reply, then the frames
 * queued for that tid.  Takes ownership of f. */
void ctl_handlers_hello(struct pvmd *d, struct conn *c, struct frame *f);

/* Handles a control frame addressed to this pvmd from enrolled connection
 * c.  Takes ownership of f. */
void ctl_handlers_dispatch(struct pvmd *d, struct conn *c, struct frame *f);

#endif
