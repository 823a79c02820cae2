/*
 * group.h - dynamic process groups (pvm_joingroup and its siblings).
 *
 * The first host's pvmd is the authority: it keeps every group (members
 * by instance number, a version, frozen or not) and runs every barrier
 * and freeze.  Other pvmds forward join, leave, info and list requests to
 * it (the pending table relays the answer), and count their own tasks'
 * barrier and freeze arrivals: those read in one turn of the loop go to
 * the authority in one CTL_GRP_ARRIVE, and the release comes back in one
 * CTL_GRP_RELEASE per host.  A task that ends leaves every group: its
 * pvmd tells the authority (CTL_GRP_GONE); a lost host's members leave on
 * the authority.  Tasks that asked for a group's members (CTL_GRP_INFO)
 * watch it: on its next change each is sent one PVM_TAG_GROUP message in
 * PVM_SYS_CTX, and libpvm drops its cached copy (docs/design.md "Groups").
 *
 * On the first host, barriers of its own tasks go through shared memory:
 * each group holds a slot of the barrier page (barpage.h), where local
 * tasks arrive and are released without the pvmd; the authority adds the
 * arrivals that come through it (other hosts', and local tasks that
 * cannot use the page) to the same round, keeps the slot's target at the
 * group's size, and ends rounds a membership change settles.  Every other
 * pvmd has a page too, with the same slot for the same group: its members
 * arrive there, and it sends the authority their share (one arrival of
 * that many) and ends their round when the authority releases it.
 */
#ifndef PVMD_GROUP_H
#define PVMD_GROUP_H

#include <protobuf-c/protobuf-c.h>

struct event;
struct pvmd;
struct req;

/* Sets up d's group state.  Returns 0 or PvmNoMem. */
int group_init(struct pvmd *d);

/* Makes this host's barrier page in d->sockdir (main.c, once
 * the directory is locked; without it barriers go through the pvmd). */
void group_page_open(struct pvmd *d);

/* Fails every waiting barrier and freeze with PvmSysErr (halt) and frees
 * the state (its timer is closed through the loop), removing the barrier
 * page. */
void group_fini(struct pvmd *d);

/* Control handlers (ctl_handlers.c's table). */
void group_request(struct pvmd *d, const struct req *r,
                   const ProtobufCMessage *m); /* join, leave, info */
void group_wait(struct pvmd *d, const struct req *r,
                const ProtobufCMessage *m); /* barrier, freeze */
void group_list(struct pvmd *d, const struct req *r, const ProtobufCMessage *m);
void group_arrive(struct pvmd *d, const struct req *r, const ProtobufCMessage *m); /* from a pvmd */
void group_release(struct pvmd *d, const struct req *r,
                   const ProtobufCMessage *m);                                   /* from host 1 */
void group_gone(struct pvmd *d, const struct req *r, const ProtobufCMessage *m); /* from a pvmd */
void group_round_done(struct pvmd *d, const struct req *r,
                      const ProtobufCMessage *m); /* from a local task */
void group_host(struct pvmd *d, const struct req *r,
                const ProtobufCMessage *m); /* from host 1: a slot of this host's page */

/* Local task tid called pvm_exit: it leaves its groups now (a spawned
 * task stays a task until its process exits, but PVM ends its
 * membership at pvm_exit). */
void group_task_left(struct pvmd *d, int tid);

/* Event subscriber (event.c): an ended task leaves its groups, a lost
 * host's members leave theirs. */
void group_on_event(struct pvmd *d, const struct event *ev);

#endif
