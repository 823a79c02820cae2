/*
 * sock.c - AF_UNIX socket helpers: the one place that turns errno into
 * Pvm codes for connecting, listening and accepting.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* struct ucred, accept4 */
#endif
#include "sock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "pvm3.h"

/* Socket buffers for bulk transfers, bytes. */
#define SOCK_BUF_BYTES (4 << 20)

/* Fills *sa with path; false when it does not fit. */
static bool unix_addr(struct sockaddr_un *sa, const char *path)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (!path || strlen(path) >= sizeof sa->sun_path) {
        errno = ENAMETOOLONG;
        return false;
    }
    strcpy(sa->sun_path, path);
    return true;
}

/* Closes fd without letting close() change errno: the caller reports
 * the error that made it give up. */
static void close_keep_errno(int fd)
{
    int e = errno;
    close(fd);
    errno = e;
}

static int set_nonblock(int fd, bool on)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -1;
    int want = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
    return want == fl ? 0 : fcntl(fd, F_SETFL, want);
}

void sock_tune(int fd)
{
    /* A Unix stream socket charges queued data to the sender's buffer. */
    int sz = SOCK_BUF_BYTES;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
}

int sock_connect_unix(const char *path, int flags, int *fd)
{
    struct sockaddr_un sa;
    if (!unix_addr(&sa, path))
        return PvmSysErr;
    /* A non-blocking connect on AF_UNIX either succeeds at once or fails
     * (EAGAIN when the backlog is full); it never waits. */
    bool wait = flags & SOCK_CONNECT_WAIT;
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (wait ? 0 : SOCK_NONBLOCK), 0);
    if (s < 0)
        return PvmSysErr;
    if (flags & SOCK_CONNECT_TUNE)
        sock_tune(s);
    int r;
    do
        r = connect(s, (struct sockaddr *)&sa, sizeof sa);
    while (r < 0 && errno == EINTR && wait);
    if (r < 0 || set_nonblock(s, !(flags & SOCK_CONNECT_BLOCKING)) < 0) {
        close_keep_errno(s);
        return PvmSysErr;
    }
    *fd = s;
    return 0;
}

int sock_listen_unix(const char *path, int backlog, int *fd)
{
    struct sockaddr_un sa;
    if (!unix_addr(&sa, path))
        return PvmSysErr;
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0)
        return PvmSysErr;
    unlink(path);
    if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, backlog) < 0) {
        close_keep_errno(s);
        return PvmSysErr;
    }
    *fd = s;
    return 0;
}

int sock_peer_cred(int fd, pid_t *pid, uid_t *uid)
{
    struct ucred cr;
    socklen_t len = sizeof cr;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
        return PvmSysErr;
    if (pid)
        *pid = cr.pid;
    if (uid)
        *uid = cr.uid;
    return 0;
}

int sock_peer_same_user(int fd, pid_t *pid)
{
    uid_t uid;
    if (sock_peer_cred(fd, pid, &uid) < 0)
        return PvmSysErr;
    return uid == getuid() ? 0 : PvmDenied;
}

int sock_accept_unix(int lfd, int *fd)
{
    int s;
    do
        s = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    while (s < 0 && errno == EINTR);
    if (s < 0)
        return 0;
    /* The socket directory is 0700 already; this also stops a process of
     * another user that was handed a descriptor into it. */
    if (sock_peer_same_user(s, NULL) < 0) {
        close_keep_errno(s);
        return PvmDenied;
    }
    sock_tune(s);
    *fd = s;
    return 1;
}
