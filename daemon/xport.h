/*
 * xport.h - the transport interface the routing step sends through.
 *
 * A transport endpoint (a local task's Unix connection today; a peer
 * pvmd's libzmq link in the multi-host issue) embeds a struct xport as its
 * first member and supplies a const ops table.  route.c sees only this.
 */
#ifndef PVMD_XPORT_H
#define PVMD_XPORT_H

struct frame;
struct xport;

struct xport_ops {
    const char *name; /* "unix", later "zmq": for logs */

    /* Queues frame f for sending; never blocks.  Takes ownership of f in
     * every case.  Returns 0, or PvmSysErr when the endpoint is closing
     * (f was freed). */
    int (*send)(struct xport *x, struct frame *f);

    /* Closes the endpoint now; frames still queued are dropped.  `why'
     * goes to the log. */
    void (*close)(struct xport *x, const char *why);
};

struct xport {
    const struct xport_ops *ops;
};

/* Sends f through x (see xport_ops.send). */
static inline int xport_send(struct xport *x, struct frame *f)
{
    return x->ops->send(x, f);
}

#endif
