/*
 * conn.h - one connection of a task: to its pvmd or to a peer task.
 *
 * A connection carries frames (common/wire.h) both ways.  The framing is
 * common; the byte transport sits behind `struct conn_ops' (as nng's
 * transports do), so shared memory or another transport can be added
 * without touching the event loop.  Two today: a non-blocking AF_UNIX
 * stream socket (conn_unix_ops), and TCP for direct routes across hosts,
 * authenticated and optionally sealed (conn_tcp.c).
 *
 * Reading is incremental: conn_read takes what the socket has and gives it
 * to the connection's framer (common/framer.h), which stages small frames
 * (many frames per read system call) and has large payloads read straight
 * into the message body.  Writing is one frame
 * at a time: conn_start_* prepares it, conn_flush writes what the socket
 * takes and keeps the rest for the next call.
 */
#ifndef PVM_CONN_H
#define PVM_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "framer.h"
#include "pmsg.h"
#include "wire.h"

#define CONN_STAGE FRAMER_STAGE /* staging buffer for small frames, bytes */
#define CONN_MAX_IOV 64         /* iovecs of one frame being written */

struct conn;

/* A byte transport.  Every call is non-blocking. */
struct conn_ops {
    const char *name;
    /* Reads up to len bytes into buf.  Returns the count (> 0), 0 when
     * nothing is available now, or PvmSysErr at end of stream or error. */
    ssize_t (*read)(struct conn *c, void *buf, size_t len);
    /* Writes from n iovecs.  Returns the count written (>= 0; 0 when the
     * transport is full), or PvmSysErr when the other end has gone. */
    ssize_t (*writev)(struct conn *c, const struct iovec *iov, int n);
    /* Releases the transport (closes the descriptor, frees c->tp). */
    void (*close)(struct conn *c);
    /* Optional, for a transport that keeps bytes of its own to write
     * (a handshake, sealed records): writes what it can; returns 1 when
     * nothing is left, 0 when the transport is full, PvmSysErr. */
    int (*flush)(struct conn *c);
    /* Optional: true while such bytes are left. */
    bool (*pending)(const struct conn *c);
};

/* The AF_UNIX stream transport; c->fd is the socket. */
extern const struct conn_ops conn_unix_ops;

/* Its read and writev, which serve any non-blocking stream socket c->fd. */
ssize_t conn_fd_read(struct conn *c, void *buf, size_t len);
ssize_t conn_fd_writev(struct conn *c, const struct iovec *iov, int n);

enum conn_kind {
    CONN_PVMD, /* to this host's pvmd */
    CONN_OUT,  /* to a peer task, made by us */
    CONN_IN,   /* from a peer task, accepted on our socket */
};

struct conn {
    const struct conn_ops *ops;
    int fd; /* descriptor to poll */
    enum conn_kind kind;
    int peer_tid; /* task at the other end; 0 until its hello */
    bool closed;  /* failed or at end of stream; awaiting removal */
    void *tp;     /* the transport's own state, or NULL */
    int pins;     /* > 0 while a caller up the stack holds it: not freed */

    /* reader */
    struct framer fr;
    struct pmsg *rmsg; /* the message being read, from its header on */
    int (*rfn)(void *arg, struct conn *c, const struct wire_hdr *hdr, struct pmsg *m);
    void *rarg; /* conn_read's fn and arg, for the framer's done() */

    /* writer: the frame being written */
    uint8_t whdr[WIRE_HDR_LEN];
    struct iovec wiov[CONN_MAX_IOV];
    int wi, wn; /* iovecs wiov[wi..wn) remain */
};

/* Called by conn_read for each complete frame; takes ownership of m (whose
 * src/dst/tag/ctx/wid/seq/flags are set from hdr).  Returns 0 to go on, or
 * a negative value to stop reading (conn_read then returns it). */
typedef int (*conn_frame_fn)(void *arg, struct conn *c, const struct wire_hdr *hdr, struct pmsg *m);

/* Returns a new connection over an open, non-blocking socket fd (owned by
 * the connection from now on) with transport ops, or NULL when out of
 * memory (fd is closed). */
struct conn *conn_new(int fd, enum conn_kind kind, const struct conn_ops *ops);

/* conn_new with conn_unix_ops. */
struct conn *conn_new_unix(int fd, enum conn_kind kind);

/* Closes the transport, frees the connection and any partial frame, and
 * sets *cp to NULL. */
void conn_destroy(struct conn **cp);

/* Reads what the transport has and calls fn for every complete frame.
 * Returns 0 when it would block, PvmSysErr at end of stream or error,
 * PvmBadMsg or PvmBadVersion for a header that fails wire_decode (the
 * stream cannot be resynchronised: close it), PvmNoMem, or fn's value. */
int conn_read(struct conn *c, conn_frame_fn fn, void *arg);

/* Prepares the frame hdr + payload of m (m may be NULL: no payload) for
 * writing; the header goes in m's headroom when that makes one contiguous
 * piece.  m and what it references must stay unchanged until the frame is
 * flushed.  Returns 0, PvmNoMem, or PvmBadParam if a frame is pending. */
int conn_start_msg(struct conn *c, const struct wire_hdr *hdr, struct pmsg *m);

/* Same, with plen bytes at pre between the header and the body (a
 * multicast's destination list); pre must stay until the frame is
 * flushed. */
int conn_start_msg_pre(struct conn *c, const struct wire_hdr *hdr, const void *pre, size_t plen,
                       struct pmsg *m);

/* Prepares the frame hdr + len bytes at buf for writing. */
int conn_start_buf(struct conn *c, const struct wire_hdr *hdr, const void *buf, size_t len);

/* True while a prepared frame is not completely written (to the
 * kernel: bytes the transport still holds count). */
bool conn_pending(const struct conn *c);

/* Writes as much of the pending frame as the transport takes.  Returns 1
 * when the frame is complete (and the transport holds nothing more), 0
 * when the transport is full, PvmSysErr when the other end has gone. */
int conn_flush(struct conn *c);

#endif
