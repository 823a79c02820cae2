/*
 * route.h - the routing step: where a frame goes next.
 *
 * Every frame that arrives, on any link of any transport, comes through
 * route_input (xport.h's xport_up_frame), which applies the rules of the
 * link's role, not of its transport:
 *
 *   a local task's link: the first frame must be CTL_HELLO (enrolment);
 *       then control requests to this pvmd go to ctl_handlers, replies to
 *       this pvmd to the pending table, and user frames (whose source
 *       must be the task itself) are routed by destination;
 *   a peer pvmd's link: frames must come from a tid of that host; requests
 *       to this pvmd go to ctl_handlers, replies to the pending table,
 *       the rest is routed to local tasks.
 *
 * Routing by destination tid: a connected local task (its link, frame
 * unchanged), a local task this pvmd spawned that has not connected yet
 * (queued until it does), a tid on another host (that host's link), else
 * dropped with a log line: sends are asynchronous in PVM, so the sender
 * is not told.
 */
#ifndef PVMD_ROUTE_H
#define PVMD_ROUTE_H

#include <stddef.h>

struct event;
struct frame;
struct host;
struct pvmd;
struct xport;

/* Back-pressure: a local task the pvmd holds more than HIGH bytes for
 * stops the pvmd reading whichever links send to it (and the output pipes
 * of tasks whose output goes to it), until it is below LOW.  These are
 * the defaults of d->limits.hold_task (PVMD_HOLD_TASK, LOW a quarter of
 * it); past d->limits.hold_total for all local tasks together
 * (PVMD_HOLD_TOTAL), a task holding more than d->limits.hold_floor stops
 * its senders too. */
#define ROUTE_HIGH_WATER ((size_t)64 << 20)
#define ROUTE_LOW_WATER ((size_t)16 << 20)

/* Takes a whole frame that arrived on link x (ownership passes). */
void route_input(struct pvmd *d, struct xport *x, struct frame *f);

/* Sends frame f towards f->h.dst (ownership passes).  Returns 0 when it
 * was handed to a link or queued, PvmNoTask / PvmNoHost when it was
 * dropped (logged). */
int route_frame(struct pvmd *d, struct frame *f);

/* The link frames for host h leave by: the one this pvmd dialled, dialled
 * now (through d->mesh_tran, to h->addr) if there is none yet.  NULL when
 * h is this host or cannot be reached. */
struct xport *route_host_link(struct pvmd *d, struct host *h);

/* Called after routing a frame towards dst from a source that is not a
 * link (a task's output pipes, output.c): returns the tid whose draining
 * that source must wait for -- dst itself, or its host's pvmd -- or 0 to
 * go on.  The source is told through output_release when it may. */
int route_over(struct pvmd *d, int dst);

/* Accounting of d->held, the bytes held for local tasks (their links'
 * write queues, frames waiting for them to enrol): transports and the
 * task table say what they took and what left.  When it falls to nothing
 * after having been large, freed memory goes back to the system
 * (malloc_trim, at most once a second). */
void route_held_add(struct pvmd *d, size_t n);
void route_held_sub(struct pvmd *d, size_t n);

/* Event subscriber (event.c): an ended task releases the links waiting
 * for it to drain. */
void route_on_event(struct pvmd *d, const struct event *ev);

#endif
