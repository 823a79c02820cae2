/*
 * peer.h - what a task knows about each task it talks to.
 *
 * One entry per tid: the direct connection used to send to it, the last
 * sequence number sent to it, the next sequence number expected from it
 * and the frames from it that overtook an earlier one (docs/design.md,
 * "Order across routes"), and when a direct connection may be tried again.
 */
#ifndef PVM_PEER_H
#define PVM_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include "pmsg.h"

struct conn;

struct peer {
    int tid;
    struct conn *conn;  /* direct connection for sending, or NULL */
    uint64_t sent_seq;  /* seq of the last user message sent to it */
    uint64_t recv_next; /* seq of the next message to deliver from it */
    struct pmsg *held;  /* arrived early, ascending seq, linked by next */
    int nheld;
    int64_t retry_ns;   /* no direct connect attempt before this time */
    int64_t backoff_ns; /* wait after the next failed attempt */
    /* direct routes across hosts (direct.c) */
    int route_wid;      /* our route query awaiting its answer, 0 none */
    uint64_t dgen;      /* generation of our last connection to it */
    uint64_t dgen_seen; /* highest generation it connected to us with */
    /* its end (io.c): our pvmd is to tell us (a PvmTaskExit notice in
     * PVM_SYS_CTX), asked once per entry */
    bool watch_due, watched;
    int64_t gone_ns; /* when we were told it ended, 0 while it lives */
};

/* Tid -> peer.  An entry is removed when its task is known to have ended
 * (peer_del; a later task with the same tid starts afresh), and only then:
 * pointers to entries stay valid across anything but a wait at rest. */
struct peer_tab {
    struct peer **slots;
    size_t cap, n;
};

/* Returns the entry of tid, creating it; NULL when out of memory. */
struct peer *peer_get(struct peer_tab *t, int tid);

/* Returns the entry of tid, or NULL. */
struct peer *peer_find(const struct peer_tab *t, int tid);

/* A direct connection to p could not be made: no attempt before now plus
 * a wait that starts at first and doubles up to max (ns) with each failure
 * in a row (a success sets p->backoff_ns to 0). */
void peer_backoff(struct peer *p, int64_t now, int64_t first, int64_t max);

/* Removes and frees tid's entry and its held messages, if there is one. */
void peer_del(struct peer_tab *t, int tid);

/* Calls fn on every entry. */
void peer_each(struct peer_tab *t, void (*fn)(struct peer *p, void *arg), void *arg);

/* Frees every entry and its held messages; connections are not touched. */
void peer_tab_fini(struct peer_tab *t);

/* Delivery callback: takes ownership of m. */
typedef void (*peer_deliver_fn)(void *arg, struct pmsg *m);

/* Accepts message m (m->seq > 0) from peer p: delivers it and every held
 * message that now follows in order, or holds it if it overtook an
 * earlier one.  A seq already delivered is a duplicate and is dropped. */
void peer_arrive(struct peer *p, struct pmsg *m, peer_deliver_fn deliver, void *arg);

#endif
