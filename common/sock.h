/*
 * sock.h - AF_UNIX stream sockets as the pvmd and libpvm use them: connect,
 * listen, accept with the same-user check, credentials, buffer sizes.
 *
 * Every call returns 0 (or a count) or a negative Pvm code; errno is
 * translated here and nowhere else, and is left as the failing system call
 * set it, for a caller that wants to log why.  Descriptors made here are
 * close-on-exec.
 */
#ifndef PVM_SOCK_H
#define PVM_SOCK_H

#include <sys/types.h>

/* Flags of sock_connect_unix. */
#define SOCK_CONNECT_WAIT 0x1     /* wait while the listener's backlog is full */
#define SOCK_CONNECT_BLOCKING 0x2 /* leave the socket blocking (default: not) */
#define SOCK_CONNECT_TUNE 0x4     /* sock_tune it before connecting */

/* Connects a new AF_UNIX stream socket to path and sets *fd.  Without
 * SOCK_CONNECT_WAIT the connect fails at once when the listener is busy
 * (for a peer task that may itself be waiting for us); with it, it blocks
 * until accepted into the backlog (the pvmd never waits for its tasks).
 * Returns 0, or PvmSysErr (path too long, nobody listening, busy, out of
 * descriptors); *fd is only written on success. */
int sock_connect_unix(const char *path, int flags, int *fd);

/* Binds a non-blocking AF_UNIX stream socket to path, replacing a file
 * left there, and listens with the given backlog.  Returns 0 and *fd, or
 * PvmSysErr. */
int sock_listen_unix(const char *path, int backlog, int *fd);

/* Takes the next connection waiting on listening socket lfd, non-blocking,
 * tuned (sock_tune), and only from a process of our own user.  Returns 1
 * and *fd (the caller owns it); 0 when none is waiting (or accept failed in
 * a way retrying now would not fix); PvmDenied when one of another user
 * was refused and closed (try the next). */
int sock_accept_unix(int lfd, int *fd);

/* Reads the process id and user id of the peer of a connected AF_UNIX
 * socket (SO_PEERCRED) into *pid and *uid (either may be NULL).  Returns
 * 0, or PvmSysErr. */
int sock_peer_cred(int fd, pid_t *pid, uid_t *uid);

/* Returns 0 when the peer of fd runs as our user, PvmDenied when it does
 * not, PvmSysErr when its credentials cannot be read.  Sets *pid (may be
 * NULL) to the peer's pid when they can. */
int sock_peer_same_user(int fd, pid_t *pid);

/* Sets fd's send and receive buffers for bulk transfers (4 MiB each: a
 * 1 MiB message leaves in one system call).  Failure is harmless and
 * ignored. */
void sock_tune(int fd);

#endif
