/*
 * event.h - one place where task and host life-cycle events fan out.
 *
 * A task started or exited, a host added or lost: each is raised once,
 * here, and every part of the daemon that cares subscribes through the
 * table in event.c (routing, output, pending requests today; notify,
 * groups and the mailbox in later issues), instead of being called by
 * hand from tasktab.c or the transports.
 */
#ifndef PVMD_EVENT_H
#define PVMD_EVENT_H

struct pvmd;
struct task;

enum event_kind {
    EVENT_TASK_START, /* a task joined this host: spawned, or enrolled from a shell */
    EVENT_TASK_EXIT,  /* a task of this host ended (its record is still findable) */
    EVENT_HOST_ADD,   /* a host joined the virtual machine (its link is up) */
    EVENT_HOST_LOST,  /* a host left or its link failed (its record is still there) */
};

struct event {
    enum event_kind kind;
    int tid;         /* the task's tid, or the host's pvmd tid */
    struct task *t;  /* task events: the record, valid during the call */
    const char *why; /* for logs; may be NULL */
};

/* Calls every subscriber of event.c's table with ev, in table order.
 * Subscribers must not raise events themselves for the same object. */
void event_raise(struct pvmd *d, const struct event *ev);

/* The name of an event kind, for logs (static storage). */
const char *event_name(enum event_kind kind);

#endif
