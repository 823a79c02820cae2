/*
 * conn_tcp.h - the transport of direct routes across hosts: TCP, opened
 * with a handshake that proves the dialling task holds a credential its
 * peer's pvmd handed out, and sealed (encrypted and authenticated) when
 * the virtual machine encrypts.  docs/design.md, "Direct routes across
 * hosts", has the protocol; direct.c decides who may connect.
 *
 * The dialling task (the initiator) writes a preamble first: its tid, the
 * tid it wants, a generation that only grows, a random nonce, whether it
 * seals, and a MAC of all that under the credential.  The accepting task
 * (the responder) computes the same credential from its own secret,
 * checks the MAC and that the generation is new (no replay), and answers
 * with a nonce of its own and a MAC over both that proves it holds the
 * secret too.  Both derive a key per direction from the credential, the
 * preamble and the responder's nonce (a preamble replayed gets keys its
 * sender cannot know); when sealing, every byte after the handshake
 * travels in records:
 *
 *     length (4 bytes, big-endian, 1..CONN_TCP_REC_MAX, authenticated)
 *     ciphertext of `length' bytes and a 16-byte tag
 *         (AES-256-GCM when both hosts have it in hardware, else
 *         ChaCha20-Poly1305; nonce = the record's number in its direction)
 *
 * Records are a byte stream: frames (common/wire.h) run across them as
 * they do across TCP segments.  Neither side writes a frame before its
 * handshake is complete (conn_tcp_ready): what a refused connection had
 * taken would be lost without a word (direct.c sends through the pvmds
 * until then).
 */
#ifndef PVM_CONN_TCP_H
#define PVM_CONN_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"

#define CONN_TCP_KEY 32          /* credential, keys: bytes */
#define CONN_TCP_REC_MAX 65536   /* plaintext bytes of one sealed record */
#define CONN_TCP_PREAMBLE 96     /* the initiator's handshake, bytes */
#define CONN_TCP_ACK 64          /* the responder's handshake, bytes */

/* What the accepting side decides (direct.c). */
struct conn_tcp_policy {
    /* Task `from' asks for task `to', sealed or not: set cred to from's
     * credential for `to' and return 0, or refuse with a negative code. */
    int (*cred)(void *arg, int from, int to, bool sealed, uint8_t cred[CONN_TCP_KEY]);
    /* `from' has proved it holds the credential: return 0 to admit it
     * (c->peer_tid is from), or a negative code to refuse (a generation
     * already seen: a replay). */
    int (*admit)(void *arg, struct conn *c, int from, uint64_t gen);
    void *arg;
};

/* How a dialled connection seals. */
enum conn_tcp_seal {
    CONN_TCP_PLAIN,
    CONN_TCP_CHACHA, /* ChaCha20-Poly1305 */
    CONN_TCP_AES,    /* AES-256-GCM: only when both hosts have it (conn_tcp_aes) */
};

/* True when this machine seals with AES-256-GCM in hardware. */
bool conn_tcp_aes(void);

/* A connection of task `me' to task `peer' over fd (a non-blocking TCP
 * socket, connected or connecting; owned by the connection from now on)
 * with credential cred, generation gen (greater than any before for this
 * pair), sealed as `seal' says.  The preamble is queued first.  NULL when
 * out of memory (fd is closed). */
struct conn *conn_tcp_dial(int fd, int me, int peer, const uint8_t cred[CONN_TCP_KEY],
                           enum conn_tcp_seal seal, uint64_t gen);

/* A connection accepted on fd (non-blocking, owned from now on); nothing
 * is read from it or written to it until the preamble checks out under
 * pol (which must outlive the connection).  NULL when out of memory. */
struct conn *conn_tcp_accept(int fd, const struct conn_tcp_policy *pol);

/* True for a connection of this transport. */
bool conn_is_tcp(const struct conn *c);

/* True once the handshake has checked out on this side: frames may be
 * written (writing before is refused: PvmSysErr). */
bool conn_tcp_ready(const struct conn *c);

/* Monotonic time the connection was made (ns), for handshake deadlines. */
int64_t conn_tcp_born(const struct conn *c);

/* Before closing at exit (direct_drain): conn_tcp_shutdown sends the end
 * of stream after what is queued; conn_tcp_drained reads (and drops) what
 * still comes and is true once the peer has taken all we sent, or the
 * connection is gone.  A close with unread data makes TCP send a reset,
 * which can destroy what the peer had not yet read. */
void conn_tcp_shutdown(struct conn *c);
bool conn_tcp_drained(struct conn *c);

/* True when the connection seals its bytes. */
bool conn_tcp_sealed(const struct conn *c);

#endif
