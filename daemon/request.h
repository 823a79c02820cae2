/*
 * request.h - a control request as its handler sees it, and its reply.
 *
 * Handlers get a request context instead of a connection: who asked, the
 * request's wait id, and the link it came on.  A handler that can answer
 * at once replies with req_reply / req_status; one that needs another
 * pvmd's answer hands the request to the pending table (pending.h), which
 * replies later or fails it.
 */
#ifndef PVMD_REQUEST_H
#define PVMD_REQUEST_H

#include <protobuf-c/protobuf-c.h>

struct pvmd;
struct xport;

struct req {
    int type;           /* its CtlType */
    int from;           /* who asked: a task's or a pvmd's tid; 0 before enrolment */
    int wid;            /* its wait id, echoed by the reply */
    struct xport *link; /* the link it came on: valid while the handler runs
                         * (a stored request has none; its reply is routed
                         * to `from') */
};

/* Sends the reply of control type `type' carrying msg (stays the
 * caller's) to r's requester: through r->link when set, else routed to
 * r->from.  Failures are logged (the requester is then told nothing, as
 * when it has gone). */
void req_reply(struct pvmd *d, const struct req *r, int type, const ProtobufCMessage *msg);

/* Replies Status{code}. */
void req_status(struct pvmd *d, const struct req *r, int code);

/* A request that came over a peer pvmd's link: the host that pvmd speaks
 * for; 0 for a request of a local task (or a stored one). */
int req_peer_host(const struct req *r);

#endif
