/*
 * pending.h - requests waiting for another pvmd's (or task's) answer.
 *
 * A handler that cannot answer alone forwards the request: the pending
 * table sends it under a wait id of this pvmd's own, keeps the original
 * request (who asked, its wid), and finishes it exactly once:
 *
 *   - the reply arrives (a CTL|REPLY frame to this pvmd with that wid):
 *     relayed to the requester under its own wid, or handed to the
 *     caller's callback;
 *   - the host it waits on is lost (EVENT_HOST_LOST): PvmHostFail;
 *   - the task it waits on exits (EVENT_TASK_EXIT): PvmNoTask;
 *   - its time-out passes, or the pvmd halts: PvmSysErr.
 *
 * A failed request is answered Status{code}; libpvm accepts a Status in
 * place of any reply type (docs/design.md, "Requests").
 */
#ifndef PVMD_PENDING_H
#define PVMD_PENDING_H

#include <stddef.h>

#include "request.h"

struct event;
struct frame;
struct pvmd;

/* Default time-out of a forwarded request, milliseconds. */
#define PENDING_TIMEOUT_MS 30000

/* Requests that may wait at once: in all, and for one requester.  Past
 * them a forward fails with PvmOutOfRes (a task cannot grow the table, or
 * the time its walks take, without bound). */
#define PENDING_MAX 4096
#define PENDING_MAX_PER_REQUESTER 256

/* Called once per forwarded request: status 0 with the reply frame
 * (still owned by the table), or a negative Pvm code and NULL.  orig is
 * the original request (its link is NULL). */
typedef void (*pending_fn)(struct pvmd *d, const struct req *orig, int status,
                           const struct frame *reply, void *arg);

/* Creates d's table (its timer lives in d->loop).  Returns 0 or PvmNoMem. */
int pending_init(struct pvmd *d);

/* Fails every request still waiting with PvmSysErr and frees the table
 * (its timer is closed through the loop). */
void pending_fini(struct pvmd *d);

/* Forwards request r (payload msg, stays the caller's) to tid `to' (a
 * pvmd's or a task's), waiting at most timeout_ms.  With fn NULL the reply
 * is relayed to r's requester unchanged but for its header, and a failure
 * becomes Status{code}; else fn is called.  Returns 0 (it waits), or a
 * negative Pvm code when it could not be sent (nothing waits, fn is not
 * called): PvmOutOfRes past the limits above, PvmNoMem, PvmSysErr when
 * halting, or the routing step's PvmNoHost / PvmNoTask. */
int pending_forward(struct pvmd *d, const struct req *r, const ProtobufCMessage *msg, int to,
                    int timeout_ms, pending_fn fn, void *arg);

/* Takes a reply frame addressed to this pvmd that came from `from' as its
 * link vouches for it (ownership passes): finishes the request it answers
 * (same wid, and asked of `from'), or drops it with a log line. */
void pending_reply(struct pvmd *d, int from, struct frame *f);

/* Event subscriber (event.c). */
void pending_on_event(struct pvmd *d, const struct event *ev);

/* Number of requests waiting. */
size_t pending_count(struct pvmd *d);

#endif
