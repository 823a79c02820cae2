/*
 * fake_xport.h - a transport for the daemon's unit tests.
 *
 * A fake link records what the daemon sends it, reports what a test
 * makes "arrive" on it, and goes down when asked: a stand-in for a local
 * task's connection or for a peer pvmd's mesh link.  One pvmd (no files,
 * no listener) runs on a private libuv loop.
 */
#ifndef FAKE_XPORT_H
#define FAKE_XPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "frame.h"
#include "pvmd.h"
#include "xport.h"

struct fake {
    struct xport x;         /* first */
    struct frame_queue out; /* what the daemon sent, oldest first */
    size_t queued;          /* what queued() reports */
    bool paused;
    bool closed;
    bool shut;
    bool fail_send; /* the next send fails and closes the link from inside it */
};

extern const struct xport_tran fake_tran;

/* Sets up *d as host `host' of a virtual machine with hosts 1..nhosts
 * (named h1, h2, ...) on a fresh loop.  Returns 0. */
int fake_pvmd(struct pvmd *d, int host, int nhosts);

/* Halts *d, runs its loop until every handle is closed, frees it. */
void fake_pvmd_end(struct pvmd *d);

/* A new link with `peer' at the other end (0: an unenrolled local task,
 * a pvmd's tid: that host), announced up to the daemon. */
struct fake *fake_link(struct pvmd *d, int peer);

/* Enrolls a local task over a new fake link (CTL_HELLO as a task started
 * from a shell would); returns the link, its tid in *tid. */
struct fake *fake_task(struct pvmd *d, int *tid);

/* Makes frame f arrive on link l (ownership passes). */
void fake_arrive(struct fake *l, struct frame *f);

/* Takes the oldest frame the daemon sent on l (the caller frees it), or
 * NULL. */
struct frame *fake_take(struct fake *l);

/* Takes the oldest frame sent on l and unpacks it as control type `type'
 * (fails the test otherwise); the caller frees *m with ctl_free.  Returns
 * the frame (the caller frees it). */
struct frame *fake_take_ctl(struct fake *l, int type, ProtobufCMessage **m);

/* The link goes down from the transport's side. */
void fake_down(struct fake *l, const char *why);

/* Frees a link that went down (links that are down are not freed by the
 * daemon: the transport owns them). */
void fake_free(struct fake **l);

/* A user frame from src to dst with tag and `len' bytes of `byte'. */
struct frame *fake_user_frame(int src, int dst, int tag, size_t len, int byte);

#endif
