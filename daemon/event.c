/*
 * event.c - the life-cycle fan-out: one table of subscribers.
 */
#include "event.h"

#include "ctxtab.h"
#include "group.h"
#include "output.h"
#include "hostmgr.h"
#include "mbox.h"
#include "notify.h"
#include "pending.h"
#include "pvmd.h"
#include "regs.h"
#include "route.h"

typedef void (*event_fn)(struct pvmd *d, const struct event *ev);

/* Every subscriber, in the order they hear an event.  Routing first (a
 * task's paused senders resume, a lost host's link is forgotten), then
 * output (an ended task's last lines keep their destination), then the
 * requests waiting on what went away, the mailbox's entries (before the
 * notices: a task told of an end finds the ended task's entries gone, as
 * on another host its pvmd's report to the first host leaves before the
 * notice), pvm_notify's notices, the host table, and the groups' members. */
static const struct {
    const char *name;
    event_fn fn;
} subscribers[] = {
    {"route", route_on_event},
    {"output", output_on_event},
    {"pending", pending_on_event},
    {"mailbox", mbox_on_event},
    {"notify", notify_on_event},
    {"hosts", hostmgr_on_event},
    {"groups", group_on_event},
    {"regs", regs_on_event},
    {"contexts", ctxtab_on_event},
};

void event_raise(struct pvmd *d, const struct event *ev)
{
    log_debug(d, "event %s t%x%s%s", event_name(ev->kind), (unsigned)ev->tid, ev->why ? ": " : "",
              ev->why ? ev->why : "");
    for (size_t i = 0; i < sizeof subscribers / sizeof subscribers[0]; i++)
        subscribers[i].fn(d, ev);
}

const char *event_name(enum event_kind kind)
{
    static const char *const names[] = {
        [EVENT_TASK_START] = "task-start",
        [EVENT_TASK_EXIT] = "task-exit",
        [EVENT_HOST_ADD] = "host-add",
        [EVENT_HOST_LOST] = "host-lost",
    };
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}
