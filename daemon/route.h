/*
 * route.h - the routing step: where a frame goes next.
 *
 * By destination tid: this pvmd (control requests, to ctl_handlers), a
 * connected local task (its connection, frame unchanged), a local task
 * this pvmd spawned that has not connected yet (queued until it does), a
 * tid on another host (that host's link, multi-host issue), else dropped
 * with a log line: sends are asynchronous in PVM, so the sender is not
 * told.
 */
#ifndef PVMD_ROUTE_H
#define PVMD_ROUTE_H

struct pvmd;
struct conn;
struct frame;
struct task;

/* Back-pressure: a local task the pvmd holds more than HIGH bytes for
 * stops the pvmd reading whoever sends to it, until it is below LOW. */
#define ROUTE_HIGH_WATER ((size_t)64 << 20)
#define ROUTE_LOW_WATER ((size_t)16 << 20)

/* Takes a whole frame just read from local connection c (ownership
 * passes): enrolment, control requests and user frames. */
void route_from_conn(struct pvmd *d, struct conn *c, struct frame *f);

/* Sends frame f towards f->h.dst (ownership passes).  Returns 0 when it
 * was handed to a transport or queued, PvmNoTask / PvmNoHost when it was
 * dropped (logged). */
int route_frame(struct pvmd *d, struct frame *f);

/* Called when bytes held for task tid were written (or dropped): resumes
 * the senders it paused once it is below ROUTE_LOW_WATER. */
void route_drained(struct pvmd *d, int tid);

/* Resumes every connection paused for t (t ends, or has drained). */
void route_release(struct pvmd *d, struct task *t);

#endif
