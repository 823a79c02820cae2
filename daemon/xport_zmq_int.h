/*
 * xport_zmq_int.h - private to xport_zmq.c and mesh_guard.c, the two
 * halves of the "zmq" transport; nothing else may include it.  Holds the
 * mesh's one state object (struct xport_zmq, d->mesh) and the few helpers
 * of xport_zmq.c that mesh_guard.c's sockets share.  Everything here runs
 * on the loop's thread.
 */
#ifndef PVMD_XPORT_ZMQ_INT_H
#define PVMD_XPORT_ZMQ_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>
#include <zmq.h>

#include "mesh_keys.h"

struct pvmd;
struct zlink; /* a mesh link: xport_zmq.c's alone */

#define MESH_BATCH 256 /* messages taken from one socket per turn */

enum mesh_security {
    MESH_UNSET, /* never chosen: the mesh refuses to listen or dial */
    MESH_PLAIN, /* plain TCP (trusted networks) */
    MESH_CURVE, /* CurveZMQ with the virtual machine's key pair, ZAP */
};

struct xport_zmq {
    struct pvmd *d;
    void *ctx;

    /* Security, kept by mesh_guard.c (read here only to know the choice). */
    enum mesh_security security;
    uint8_t secret[MESH_KEYS_LEN], pub[MESH_KEYS_LEN];
    void *zap; /* the ZAP handler (REP), CURVE only */
    uv_poll_t zpoll;
    bool zap_pending;
    void *mon; /* the ROUTER's monitor (PAIR): failed handshakes */
    uv_poll_t mpoll;
    bool mon_pending;
    unsigned nmon;         /* monitors made: each gets its own inproc name */
    unsigned long refused; /* connections that ended before saying a word */
    /* Per accepted descriptor: FD_SILENT until a message came from it
     * (FD_SPOKE); a silent one that ends is a stranger refused. */
    uint8_t *fds;
    size_t nfds;
    char fail_why[160];   /* the last failed handshake, for its log line */
    char denied_addr[64]; /* the last address the ZAP handler refused */

    void *router; /* the listening socket; NULL when not listening */
    uv_poll_t rpoll;
    bool listening;
    bool router_pending;
    char endpoint[320];

    uv_timer_t tick;
    uv_check_t check;
    uv_prepare_t prepare;
    uv_idle_t idle;
    int open_handles; /* closed ones count down to the end of fini */
    bool finishing;

    struct zlink *links; /* every link, until freed */
    int ndead;           /* accepted links closed and not yet freed */
    uint32_t ndials;
    uint64_t timeout_ms, ping_ms;
    uint64_t last_tick;       /* when on_tick last ran (a late tick: this loop stalled) */
    uint64_t stranger_log_at; /* mesh_guard.c: the last line about strangers */
    unsigned strangers_quiet; /* mesh_guard.c: strangers not logged since */
    char quiet_why[160];      /* mesh_guard.c: why the last of those was refused */
    /* mesh_guard.c: logs the strangers not logged once their second is
     * over; initialised when the security is chosen (one of open_handles) */
    uv_timer_t stranger_timer;
};

/* Sets the int option opt of zmq socket s to v.  Returns 0 or -1 (errno). */
static inline int xport_zmq_setopt(void *s, int opt, int v)
{
    return zmq_setsockopt(s, opt, &v, sizeof v);
}

/* Takes one whole message from s without waiting: up to max parts into p
 * (*np of them, which the caller closes; *over when it had more, the rest
 * dropped).  Returns true, or false when there is none (a failure other
 * than EAGAIN is logged; no part is left open). */
bool xport_zmq_recv_parts(struct xport_zmq *m, void *s, zmq_msg_t *p, int max, int *np, bool *over);

/* Close callback for a mesh handle whose data is m: counts it out of
 * m->open_handles, ends the mesh (xport_zmq_fini) after the last one, and
 * lets a halting pvmd see it (pvmd_halt_check). */
void xport_zmq_handle_closed(uv_handle_t *h);

#endif
