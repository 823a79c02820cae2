/*
 * notify.h - pvm_notify: task exits, hosts deleted and hosts added, told
 * to the tasks that asked (docs/design.md, "Notify").
 *
 * A task's requests live in its own pvmd.  A task of this host exiting, a
 * host leaving the table (deleted or lost) and a host joining are events
 * of the fan-out (event.c).  A task of another host is watched by that
 * host's pvmd on this pvmd's behalf: the request goes there (CTL_NOTIFY
 * from a pvmd), and the exit comes back as CTL_TASKS_GONE; when the host
 * itself is lost, this pvmd tells its watchers at once.
 */
#ifndef PVMD_NOTIFY_H
#define PVMD_NOTIFY_H

#include <protobuf-c/protobuf-c.h>

#include "request.h"

struct event;
struct pvmd;

/* Requests any one task may have waiting: past this, PvmOutOfRes (twice
 * as many in libpvm's reserved context, its own watches of its peers). */
#define NOTIFY_MAX_PER_TASK 65536

/* Creates and frees d's table.  notify_init returns 0 or PvmNoMem. */
int notify_init(struct pvmd *d);
void notify_fini(struct pvmd *d);

/* CTL_NOTIFY: from a task of this host (answered Status), or from a peer
 * pvmd watching tasks of this host (no answer). */
void notify_request(struct pvmd *d, const struct req *r, const ProtobufCMessage *m);

/* CTL_TASKS_GONE from a peer pvmd: tasks of its host this pvmd watches
 * have exited (or never were). */
void notify_tasks_gone(struct pvmd *d, const struct req *r, const ProtobufCMessage *m);

/* A task of this host left PVM (pvm_exit) while its process runs on: its
 * requests go. */
void notify_task_left(struct pvmd *d, int tid);

/* Event subscriber (event.c). */
void notify_on_event(struct pvmd *d, const struct event *ev);

#endif
