/*
 * xport_zmq.h - the "zmq" transport: the mesh between pvmds, over libzmq
 * and TCP.
 *
 * Topology.  Each pvmd binds one ROUTER socket (listen) and, for every
 * peer it sends to, dials one DEALER socket of its own (dial): links are
 * made when first needed, never as an eager full mesh.  As route.c wants,
 * a pvmd sends only over the links it dialled; the link a peer dialled
 * carries only that peer's frames in (and, back to the dialler, the
 * link-level replies: hello reply, acknowledgements, heartbeats).  Two
 * pvmds that talk both ways thus hold two TCP connections.
 *
 * Costs at 1,000 hosts.  Idle machine: nothing but what the first host
 * talks to (host-table updates: it dials every host, 999 DEALERs, one
 * message per host per change; every other pvmd holds one accepted
 * connection from it and one DEALER to it for its replies).  A pvmd that
 * talks to every other host: 999 DEALER sockets (each a TCP connection,
 * a zmq mailbox eventfd and a uv_poll_t: ~2,000 descriptors, so the
 * pvmd's RLIMIT_NOFILE must be raised above the usual 1,024) plus up to
 * 999 connections accepted on its ROUTER.  Memory: a few KiB of zmq and
 * link state per link plus the kernel's TCP buffers, plus at most
 * MESH_WINDOW bytes of unacknowledged frames per dialled link.
 * Heartbeats: one small message per link every ping interval only when
 * the link is otherwise idle.
 *
 * Messages.  Every zmq message on a link is multipart:
 *     [routing id (ROUTER side only)] [link part, XPORT_ZMQ_LINK_LEN bytes]
 *     [48-byte frame header] [payload part 1] ... [payload part n]
 * The payload is cut into n = ceil(len / MESH_PART_MAX) parts (1 MiB;
 * none when the length is 0), each at most MESH_PART_MAX bytes, which the
 * sender shares with libzmq without copying and the receiver joins into
 * the frame's one payload; parts that do not add up to the header's
 * length exactly make the message malformed (the link closes).  Every
 * mesh socket takes no part over MESH_MAXMSG (ZMQ_MAXMSGSIZE, which
 * libzmq applies to the handshake's commands too), so a connection that
 * has not authenticated makes the pvmd buffer at most one small part.
 * The link part carries the link protocol (version, kind, sequence
 * number, cumulative acknowledgement); kinds PING and NACK have no frame
 * parts.  The first frame on a dialled link is CTL_LINK_HELLO (sequence
 * 0); the accepting pvmd answers CTL_LINK_HELLO_REPLY (sequence 0), after
 * which frames are numbered 1, 2, ... per link and direction.
 *
 * Reliability.  The sender keeps each frame until it is acknowledged
 * (payloads are shared with libzmq, not copied) and sends at most
 * MESH_WINDOW unacknowledged bytes (at least one frame).  The receiver
 * takes frames in sequence order only: a duplicate is dropped, a gap (a
 * TCP connection libzmq re-made lost what was in flight) is answered
 * with NACK(last in order), and the sender sends again everything after
 * it.  Heartbeats carry the highest sequence number sent, so a lost tail
 * is asked for too.  A peer that restarted (a new epoch, or an accepting
 * pvmd that no longer knows this link) is a new host: the link goes down
 * and what was queued for it is dropped.
 *
 * Liveness.  A link that sent nothing for the ping interval (250 ms, or a
 * quarter of the timeout when that is shorter) sends a PING; a link that
 * received nothing at all for the timeout (1500 ms; env
 * PVMD_LINK_TIMEOUT_MS) goes down (xport_up_down), and its host is lost.
 * A frozen or killed peer is thus seen within the timeout, whatever
 * libzmq's TCP state; shorter stalls (a loaded machine, a long copy) keep
 * the link and its sequence state.  A halting pvmd waits at most 500 ms
 * for a silent peer.
 *
 * Closing.  Every socket lingers at most MESH_LINGER_MS (1 s) for what it
 * still has queued when closed, so xport_zmq_fini may block that long in
 * zmq_ctx_term; links flush (everything acknowledged) on shutdown before
 * they close, so at a halt only link-level messages can be left.
 *
 * Security (mesh_guard.c, mesh_guard.h; the public entry points below
 * stay here).  Every pvmd of a virtual machine holds the machine's one
 * CurveZMQ key pair (mesh_keys.h: a file on the first host, the JoinTicket
 * on stdin for the others).  The ROUTER is a CURVE server with it, every
 * dialling DEALER a CURVE client that knows the server by the machine's
 * public key and presents the same key pair, so both ends prove they hold
 * the secret key.  A ZAP handler (RFC 27: a REP on inproc://zeromq.zap.01
 * in the mesh's own context, served from the loop) admits only clients
 * presenting the machine's public key: without it libzmq admits any key
 * (FACTS.md).  A stranger (a CURVE client with a key of its own, a plain
 * ZMTP client, raw TCP) never gets past the handshake, so never reaches
 * the link protocol; a monitor on the ROUTER sees each failed handshake.
 * Refusals are counted (xport_zmq_refused) and logged, one line per
 * second at most (those within the second counted into a line at its
 * end, so each is in the log within a second).  For trusted networks the mesh may run plain (no
 * encryption, no authentication: anyone who reaches the port can speak
 * the link protocol, and everything it sends is still checked as from
 * any peer pvmd); every pvmd of a machine must make the same choice, as
 * the two do not interoperate.  Cost, measured by test_cost in
 * tests/unit/daemon/test_xport_zmq.c (two pvmds in one process over
 * loopback): an 8-byte round trip ~85 us with CURVE against ~77 us plain
 * (+10%), a 1 MiB round trip ~3.0 ms against ~0.4 ms (~7.5x: about
 * 700 MB/s against 5 GB/s).
 */
#ifndef PVMD_XPORT_ZMQ_H
#define PVMD_XPORT_ZMQ_H

#include <stdint.h>

#include "xport.h"

struct pvmd;

extern const struct xport_tran xport_zmq;

/* The endpoint the mesh is bound to ("tcp://IP:PORT", the port the system
 * chose when listen was given port 0 or "*"), or NULL when not
 * listening.  The string is the mesh's, valid until unlisten. */
const char *xport_zmq_endpoint(struct pvmd *d);

/* Chooses the mesh's security; must come before its first listen or dial
 * (a mesh without a choice refuses both, so it is never plain by
 * accident), and only once.  secret: the virtual machine's CurveZMQ
 * secret key (32 bytes, copied; the public key is derived): CURVE on every
 * socket and a ZAP handler admitting only that key pair's public key.
 * NULL: plain TCP.  Returns 0, or PvmSysErr (logged: chosen already,
 * halting, no CURVE in libzmq, the ZAP endpoint taken in this context). */
int xport_zmq_secure(struct pvmd *d, const uint8_t *secret);

/* For a new host's JoinTicket: copies the secret key into secret and
 * returns 1 (CURVE), returns 0 (plain: the ticket carries no key), or
 * PvmSysErr when no choice was made (or the mesh has ended). */
int xport_zmq_vm_key(struct pvmd *d, uint8_t secret[32]);

/* Connections refused before any link since the mesh started: ZAP denials
 * and failed handshakes on the listener. */
unsigned long xport_zmq_refused(struct pvmd *d);

/* Closes every mesh link (xport_up_down for each), the listener, every
 * handle and the zmq context, so the loop can end.  May block up to
 * MESH_LINGER_MS in zmq_ctx_term for messages still queued.  Idempotent;
 * d->mesh is NULL once the last handle has closed. */
void xport_zmq_fini(struct pvmd *d);

/* ---- the link protocol (for tests and tools that speak it) -------------- */

#define XPORT_ZMQ_LINK_VERSION 1
#define XPORT_ZMQ_LINK_LEN 24

/* A frame's payload travels as parts of at most MESH_PART_MAX bytes each
 * (above, "Messages"), so that every part of every message fits in
 * MESH_MAXMSG, the ZMQ_MAXMSGSIZE of every mesh socket.  libzmq applies
 * that bound to each ZMTP frame, the handshake's commands included, so a
 * connection that has not authenticated can make a pvmd buffer at most
 * one such part.  The slack over MESH_PART_MAX covers the largest other
 * part (the 48-byte frame header) and CURVE's 33 bytes per part. */
#define MESH_PART_MAX ((size_t)1 << 20)
#define MESH_MAXMSG ((int64_t)MESH_PART_MAX + 256)

enum xport_zmq_kind {
    XPORT_ZMQ_DATA = 1, /* a frame follows; seq: its number (0: hello / hello reply) */
    XPORT_ZMQ_PING = 2, /* heartbeat; seq: the highest number sent on this link */
    XPORT_ZMQ_NACK = 3, /* send again every frame after seq */
};

/* Writes a link part: version, kind, 6 zero bytes, seq and ack (little
 * endian; ack is the highest sequence number delivered from the other
 * side). */
void xport_zmq_link_encode(uint8_t out[XPORT_ZMQ_LINK_LEN], int kind, uint64_t seq, uint64_t ack);

/* Reads a link part of n bytes.  Returns 0, or PvmBadMsg (wrong length,
 * version, kind or reserved bytes). */
int xport_zmq_link_decode(const uint8_t *in, size_t n, int *kind, uint64_t *seq, uint64_t *ack);

#endif
