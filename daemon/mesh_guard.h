/*
 * mesh_guard.h - the mesh's security (see "Security" in xport_zmq.h): the
 * choice between CurveZMQ and plain TCP, the CURVE options on every mesh
 * socket, the ZAP handler that admits only the virtual machine's key, and
 * the listener's monitor that counts and logs refused strangers.
 *
 * The other half of the "zmq" transport: only xport_zmq.c calls it, on
 * the mesh's own state (struct xport_zmq, xport_zmq_int.h), from the
 * loop's thread.  The public entry points stay xport_zmq_secure,
 * xport_zmq_vm_key and xport_zmq_refused (xport_zmq.h).
 */
#ifndef PVMD_MESH_GUARD_H
#define PVMD_MESH_GUARD_H

#include <stdbool.h>
#include <stdint.h>

struct xport_zmq;

/* Chooses m's security once, as xport_zmq_secure says: secret NULL is
 * plain TCP, otherwise CURVE with that secret key (copied) and the ZAP
 * handler started.  Returns 0, or PvmSysErr (logged). */
int mesh_guard_choose(struct xport_zmq *m, const uint8_t *secret);

/* True when m's security is chosen; otherwise logs that m cannot `what'
 * `addr' (e.g. "dial", "tcp://...") and returns false. */
bool mesh_guard_chosen(struct xport_zmq *m, const char *what, const char *addr);

/* Copies m's secret key (32 bytes) into secret and returns 1 (CURVE),
 * returns 0 (plain), or PvmSysErr (no choice made). */
int mesh_guard_vm_key(const struct xport_zmq *m, uint8_t secret[32]);

/* Sets zmq socket s up as m's security says, before it binds or connects
 * (ZMQ_MAXMSGSIZE MESH_MAXMSG on every mesh socket, CURVE unless plain):
 * server, the listening ROUTER; otherwise a dialling DEALER.  Returns 0 or
 * -1 (errno). */
int mesh_guard_secure_socket(struct xport_zmq *m, void *s, bool server);

/* Starts watching the handshakes of listener s (before it binds) through
 * a PAIR socket of m's (m->mon).  Returns 0, or -1 (errno; m->mon may be
 * left open: mesh_guard_monitor_drop). */
int mesh_guard_monitor_start(struct xport_zmq *m, void *s);

/* Polls the monitor from the loop (one more of m->open_handles).  Returns
 * 0, or -1 (errno; nothing polled, the monitor still open). */
int mesh_guard_monitor_poll(struct xport_zmq *m);

/* Closes a monitor that is not polled (a listen that failed); none is a
 * no-op. */
void mesh_guard_monitor_drop(struct xport_zmq *m);

/* Stops a polled monitor (unlisten): its socket closes with its handle,
 * which counts out of m->open_handles. */
void mesh_guard_monitor_stop(struct xport_zmq *m);

/* Records that accepted descriptor fd (ZMQ_SRCFD) sent a message, so its
 * end is no refusal; a bad fd is ignored. */
void mesh_guard_spoke(struct xport_zmq *m, int fd);

/* Logs a stranger refused for why: one line per second at most; those
 * refused meanwhile are counted into a line when the second is over
 * ("... (and N more not logged)"), so every refusal reaches the log within
 * a second (or at the mesh's end). */
void mesh_guard_stranger(struct xport_zmq *m, const char *why);

/* Serves the ZAP handler and the monitor when they may hold messages
 * (after each loop turn). */
void mesh_guard_serve(struct xport_zmq *m);

/* True when the ZAP handler or the monitor may hold messages (the loop
 * must not block). */
bool mesh_guard_pending(const struct xport_zmq *m);

/* Connections refused before any link since m started. */
unsigned long mesh_guard_refused(const struct xport_zmq *m);

/* First step of the mesh's end: logs the strangers not logged yet, stops
 * the ZAP handler's poll and the stranger log's timer and closes their
 * handles (xport_zmq_handle_closed); none is a no-op. */
void mesh_guard_close(struct xport_zmq *m);

/* Last step, once every handle is closed and before zmq_ctx_term: closes
 * the ZAP socket, wipes the secret key and frees what the monitor kept. */
void mesh_guard_fini(struct xport_zmq *m);

#endif
