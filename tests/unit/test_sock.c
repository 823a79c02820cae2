/*
 * test_sock.c - the AF_UNIX helpers of common/sock.c: connect with and
 * without waiting, listen over a stale file, accept with the same-user
 * check, peer credentials, errors as Pvm codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pvm3.h"
#include "sock.h"

struct dir {
    char path[64];
    char sock[128];
};

static int dir_up(void **state)
{
    struct dir *d = calloc(1, sizeof *d);
    snprintf(d->path, sizeof d->path, "/tmp/pvmsock.XXXXXX");
    if (!mkdtemp(d->path))
        return -1;
    snprintf(d->sock, sizeof d->sock, "%s/s.sock", d->path);
    *state = d;
    return 0;
}

static int dir_down(void **state)
{
    struct dir *d = *state;
    unlink(d->sock);
    rmdir(d->path);
    free(d);
    return 0;
}

static bool nonblocking(int fd)
{
    return fcntl(fd, F_GETFL) & O_NONBLOCK;
}

static bool cloexec(int fd)
{
    return fcntl(fd, F_GETFD) & FD_CLOEXEC;
}

static void test_connect_accept(void **state)
{
    struct dir *d = *state;
    int l, a, b;
    assert_int_equal(sock_listen_unix(d->sock, 8, &l), 0);
    assert_true(nonblocking(l) && cloexec(l));
    assert_int_equal(sock_accept_unix(l, &a), 0); /* nobody waiting */

    /* The three ways libpvm and the tests connect. */
    static const int flags[] = {SOCK_CONNECT_TUNE, SOCK_CONNECT_WAIT | SOCK_CONNECT_TUNE,
                                SOCK_CONNECT_WAIT | SOCK_CONNECT_BLOCKING};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        assert_int_equal(sock_connect_unix(d->sock, flags[i], &b), 0);
        assert_true(cloexec(b));
        assert_int_equal(nonblocking(b), !(flags[i] & SOCK_CONNECT_BLOCKING));
        assert_int_equal(sock_accept_unix(l, &a), 1);
        assert_true(nonblocking(a) && cloexec(a));
        /* Both ends see us. */
        pid_t pid = 0;
        uid_t uid = (uid_t)-1;
        assert_int_equal(sock_peer_cred(a, &pid, &uid), 0);
        assert_int_equal(pid, getpid());
        assert_int_equal(uid, getuid());
        assert_int_equal(sock_peer_cred(b, NULL, &uid), 0);
        assert_int_equal(uid, getuid());
        assert_int_equal(sock_peer_same_user(b, &pid), 0);
        assert_int_equal(pid, getpid());
        assert_int_equal(write(b, "x", 1), 1);
        char c = 0;
        assert_int_equal(read(a, &c, 1), 1);
        assert_int_equal(c, 'x');
        close(a);
        close(b);
    }
    close(l);
}

static void test_tune(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int before, after;
    socklen_t n = sizeof before;
    getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &before, &n);
    sock_tune(sv[0]);
    n = sizeof after;
    getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &after, &n);
    /* The kernel caps it at net.core.wmem_max; it never shrinks. */
    assert_true(after >= before);
    close(sv[0]);
    close(sv[1]);
}

/* A file left where the socket goes (a crashed task's) is replaced. */
static void test_listen_replaces_stale(void **state)
{
    struct dir *d = *state;
    FILE *f = fopen(d->sock, "w");
    assert_non_null(f);
    fclose(f);
    int l, b, a;
    assert_int_equal(sock_listen_unix(d->sock, 8, &l), 0);
    assert_int_equal(sock_connect_unix(d->sock, 0, &b), 0);
    assert_int_equal(sock_accept_unix(l, &a), 1);
    close(a);
    close(b);
    close(l);
}

static void test_errors(void **state)
{
    struct dir *d = *state;
    int fd = -7;
    /* Nobody listening, no such directory, a path that does not fit. */
    unlink(d->sock);
    assert_int_equal(sock_connect_unix(d->sock, 0, &fd), PvmSysErr);
    assert_int_equal(sock_connect_unix(d->sock, SOCK_CONNECT_WAIT, &fd), PvmSysErr);
    assert_int_equal(sock_connect_unix("/nonexistent/dir/x.sock", 0, &fd), PvmSysErr);
    char longp[200];
    memset(longp, 'a', sizeof longp - 1);
    longp[0] = '/';
    longp[sizeof longp - 1] = 0;
    assert_int_equal(sock_connect_unix(longp, 0, &fd), PvmSysErr);
    assert_int_equal(sock_listen_unix(longp, 8, &fd), PvmSysErr);
    assert_int_equal(sock_listen_unix("/nonexistent/dir/x.sock", 8, &fd), PvmSysErr);
    assert_int_equal(fd, -7); /* untouched on failure */
    /* Not a socket. */
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(sock_peer_cred(p[0], NULL, NULL), PvmSysErr);
    assert_int_equal(sock_peer_same_user(p[0], NULL), PvmSysErr);
    assert_int_equal(sock_accept_unix(p[0], &fd), 0);
    close(p[0]);
    close(p[1]);
}

/* Run as root, a process of another user is refused. */
static void test_other_user_refused(void **state)
{
    struct dir *d = *state;
    if (getuid() != 0)
        skip();
    chmod(d->path, 0777);
    int l, fd;
    assert_int_equal(sock_listen_unix(d->sock, 8, &l), 0);
    chmod(d->sock, 0777);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int c;
        if (setgid(65534) < 0 || setuid(65534) < 0)
            _exit(2);
        if (sock_connect_unix(d->sock, SOCK_CONNECT_WAIT | SOCK_CONNECT_BLOCKING, &c) < 0)
            _exit(3);
        char x;
        _exit(read(c, &x, 1) == 0 ? 0 : 4); /* closed on us */
    }
    int cc = 0;
    for (int i = 0; i < 500 && (cc = sock_accept_unix(l, &fd)) == 0; i++)
        usleep(10000);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_int_equal(cc, PvmDenied);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    close(l);
    chmod(d->path, 0700);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_connect_accept, dir_up, dir_down),
        cmocka_unit_test(test_tune),
        cmocka_unit_test_setup_teardown(test_listen_replaces_stale, dir_up, dir_down),
        cmocka_unit_test_setup_teardown(test_errors, dir_up, dir_down),
        cmocka_unit_test_setup_teardown(test_other_user_refused, dir_up, dir_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
