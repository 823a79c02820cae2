/*
 * xport.h - the transport seam: links that carry frames both ways.
 *
 * A transport (in the style of nng's transport ops) makes links: by
 * listening on an address (each accepted peer is a new link) or by dialling
 * one.  A link is a struct xport embedded as the first member of the
 * transport's own record, with a const ops table for what the daemon asks
 * of it (send, close, back-pressure).  What a transport tells the daemon
 * goes through the upcalls below, implemented by the routing step
 * (route.c), which never learns which transport a frame came from:
 *
 * Between pvmds each side sends only over the link it dialled (so frames
 * from one pvmd to another keep their order); a link it accepted only
 * brings the other side's frames in.  A pair that talks both ways thus
 * has two links, a pair that never talks none.
 *
 *     transport ──xport_up_frame──> route_input ──> ctl / local task / host link
 *               ──xport_up_link───> link up: a task or a host is reachable
 *               ──xport_up_down───> link down: events, pending requests fail
 *               ──xport_up_drained> bytes left its queue: back-pressure
 *
 * Transports: "unix" (xport_unix.c, local tasks on pvmd.sock); the mesh of
 * the many-hosts issue adds "zmq" for peer pvmds, with no change here or in
 * route.c.
 */
#ifndef PVMD_XPORT_H
#define PVMD_XPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct frame;
struct pvmd;
struct xport;

/* What the daemon asks of a link.  Every call is non-blocking. */
struct xport_ops {
    /* Queues f for sending; takes ownership of f in every case.  Returns
     * 0, or PvmSysErr when the link is closing (f was freed). */
    int (*send)(struct xport *x, struct frame *f);

    /* Closes the link now: frames still queued are dropped; xport_up_down
     * follows (at once or from the loop).  `why' goes to the log (NULL:
     * nothing logged).  Idempotent. */
    void (*close)(struct xport *x, const char *why);

    /* Closes the link once what is queued has been written (halt). */
    void (*shutdown)(struct xport *x);

    /* Bytes queued on the link and not yet taken by the other end. */
    size_t (*queued)(const struct xport *x);

    /* Stops delivering frames from the other end until resume (its
     * sender then waits in its own writes). */
    void (*pause)(struct xport *x);
    void (*resume)(struct xport *x);
};

/* A transport: how links are made. */
struct xport_tran {
    const char *name; /* "unix", later "zmq": for logs */

    /* Listens on addr (a path for "unix"); each peer that connects becomes
     * a link announced through xport_up_link.  Returns 0 or PvmSysErr
     * (logged). */
    int (*listen)(struct pvmd *d, const char *addr);

    /* Stops listening (halt); links already made stay. */
    void (*unlisten)(struct pvmd *d);

    /* Dials addr, expecting tid `peer' at the other end, and sets *out to
     * the new link at once: frames sent to it before it is up are queued
     * and go once it is.  It is announced through xport_up_link when up,
     * or xport_up_down when it cannot be made.  Returns 0 (dialling), or
     * PvmSysErr / PvmNoMem (*out untouched). */
    int (*dial)(struct pvmd *d, const char *addr, int peer, struct xport **out);
};

/* The state the daemon keeps for every link, whatever its transport. */
struct xport {
    const struct xport_ops *ops;
    const struct xport_tran *tran;
    struct pvmd *d;

    /* Who is at the other end: a task's tid (local links, once enrolled),
     * a pvmd's tid (host links), or 0 (not known yet). */
    int peer;
    pid_t pid;      /* the peer's process, where the transport knows it, else 0 */
    uid_t uid;      /* the peer's user, where the transport knows it */
    uint64_t epoch; /* the peer pvmd's start, where the transport knows it, else 0 */

    bool inbound;              /* made by listening (else by dialling) */
    bool up;                   /* announced by xport_up_link, not yet down */
    bool down;                 /* xport_up_down has run */
    bool exited;               /* sent CTL_EXIT, or its hello was refused: later frames refused */
    int blocked_on;            /* paused until this local task drains (route.c), or 0 */
    struct xport *next, *prev; /* in the daemon's list of links */
};

/* Sets up the common part of a new link (called by transports). */
void xport_init(struct xport *x, struct pvmd *d, const struct xport_ops *ops,
                const struct xport_tran *tran);

/* Sends f through x (see xport_ops.send). */
static inline int xport_send(struct xport *x, struct frame *f)
{
    return x->ops->send(x, f);
}

/* ---- upcalls: transport -> daemon (route.c) ------------------------------ */

/* Link x is up and in the daemon's list: frames may flow. */
void xport_up_link(struct xport *x);

/* A whole frame arrived on x; ownership of f passes. */
void xport_up_frame(struct xport *x, struct frame *f);

/* Bytes queued on x were written or dropped (back-pressure may ease). */
void xport_up_drained(struct xport *x);

/* Link x is gone (closed by either side, or could not be made): it leaves
 * the daemon's list, and whatever depended on it is told.  The transport
 * frees x only after this returns, and not before the loop runs again (a
 * caller walking the links may still hold it).  `why' is for the log. */
void xport_up_down(struct xport *x, const char *why);

/* The first link in the daemon's list (follow ->next). */
struct xport *xport_first(struct pvmd *d);

/* Calls fn on every link that is up, also when fn closes links (its own
 * or others): halt, back-pressure. */
void xport_each(struct pvmd *d, void (*fn)(struct xport *x, void *arg), void *arg);

#endif
