/*
 * ctl_handlers.h - the pvmd's control requests.
 *
 * One handler per CtlType in a const table; a request's payload is
 * unpacked and validated (common/ctl.c) before its handler runs, and a
 * payload that fails gets Status{PvmBadMsg} while the link stays.
 * Handlers see a request context (request.h), not a link: they answer at
 * once with req_reply, or forward the request to another pvmd through the
 * pending table (pending.h), which answers later or fails it.  Replies
 * echo the request's wid with WIRE_F_REPLY (docs/design.md "Protocol
 * details").
 */
#ifndef PVMD_CTL_HANDLERS_H
#define PVMD_CTL_HANDLERS_H

struct frame;
struct pvmd;
struct xport;

/* Handles CTL_HELLO from a local link that has not enrolled: refusal
 * (PvmBadVersion, PvmDenied: reply, then the link is closed), or a tid
 * (claimed spawned tid or a fresh one), the reply, then the frames queued
 * for that tid.  Takes ownership of f. */
void ctl_handlers_hello(struct pvmd *d, struct xport *x, struct frame *f);

/* Handles a control request addressed to this pvmd that arrived on link
 * x from tid `from' (the link's task, or a tid of the link's host).
 * Takes ownership of f. */
void ctl_handlers_dispatch(struct pvmd *d, struct xport *x, int from, struct frame *f);

#endif
