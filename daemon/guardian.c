/*
 * guardian.c - the process that ends a dead pvmd's tasks (guardian.h).
 */
#define _GNU_SOURCE
#include "guardian.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "pvmd.h"

#define GUARD_GRACE_MS 1000 /* SIGTERM, then SIGKILL this much later */

/* ===================================================================== */
/* The guardian's side                                                    */
/* ===================================================================== */

struct groups {
    pid_t *v;
    size_t n, cap;
};

static void groups_add(struct groups *g, pid_t pg)
{
    if (g->n == g->cap) {
        size_t ncap = g->cap ? 2 * g->cap : 64;
        pid_t *nv = realloc(g->v, ncap * sizeof *nv);
        if (!nv)
            return;
        g->v = nv;
        g->cap = ncap;
    }
    g->v[g->n++] = pg;
}

static void groups_remove(struct groups *g, pid_t pg)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->v[i] == pg) {
            g->v[i] = g->v[--g->n];
            return;
        }
}

static bool any_left(const struct groups *g)
{
    for (size_t i = 0; i < g->n; i++)
        if (kill(-g->v[i], 0) == 0)
            return true;
    return false;
}

static void end_all(const struct groups *g)
{
    for (size_t i = 0; i < g->n; i++)
        kill(-g->v[i], SIGTERM);
    for (int ms = 0; ms < GUARD_GRACE_MS && any_left(g); ms += 20) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    for (size_t i = 0; i < g->n; i++)
        if (kill(-g->v[i], 0) == 0)
            kill(-g->v[i], SIGKILL);
}

static void __attribute__((noreturn)) guard_run(int rfd, void *wipe, size_t nwipe)
{
    /* A secret of the pvmd's (a new host's mesh key) is not ours to keep. */
    if (wipe && nwipe)
        explicit_bzero(wipe, nwipe);
    /* Its own session: what ends the pvmd's process group (a kill of the
     * group, a terminal's hangup) does not end its guardian; and a name
     * that `pkill pvmd' does not match. */
    setsid();
    prctl(PR_SET_NAME, "pvm-guardian", 0, 0, 0);
    /* Nothing of the pvmd's but the pipe: not its lock, sockets or log,
     * and not its stdin, stdout and stderr (whoever started the pvmd
     * reads its ready line to the end: a remote shell, the first host). */
    if (dup2(rfd, 3) < 0)
        _exit(1);
    close_range(4, ~0U, 0);
    int null = open("/dev/null", O_RDWR);
    if (null < 0)
        _exit(1);
    for (int fd = 0; fd < 3; fd++)
        dup2(null, fd);
    if (null > 3)
        close(null);
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    struct groups g = {0};
    int32_t buf[256];
    size_t have = 0; /* bytes in buf */
    for (;;) {
        ssize_t n = read(3, (uint8_t *)buf + have, sizeof buf - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* the pvmd is gone without a word */
        have += (size_t)n;
        size_t k = 0;
        for (; (k + 1) * sizeof(int32_t) <= have; k++) {
            int32_t r = buf[k];
            if (r == 0)
                _exit(0); /* an orderly halt */
            if (r > 0)
                groups_add(&g, (pid_t)r);
            else
                groups_remove(&g, (pid_t)-r);
        }
        have -= k * sizeof(int32_t);
        memmove(buf, buf + k, have);
    }
    end_all(&g);
    _exit(0);
}

/* ===================================================================== */
/* The pvmd's side                                                        */
/* ===================================================================== */

int guardian_start(struct pvmd *d, void *wipe, size_t nwipe)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        log_error(d, "no guardian for spawned tasks: pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        log_error(d, "no guardian for spawned tasks: fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        close(p[1]);
        guard_run(p[0], wipe, nwipe);
    }
    close(p[0]);
    /* Never block the loop on it (a full pipe is logged, see send). */
    fcntl(p[1], F_SETFL, fcntl(p[1], F_GETFL) | O_NONBLOCK);
    d->guard_fd = p[1];
    d->guard_pid = pid;
    d->guard_on = true;
    log_info(d, "guardian of spawned tasks: pid %ld", (long)pid);
    return 0;
}

static void send_rec(struct pvmd *d, int32_t r)
{
    if (!d->guard_on)
        return;
    for (;;) {
        ssize_t w = write(d->guard_fd, &r, sizeof r); /* atomic: < PIPE_BUF */
        if (w == (ssize_t)sizeof r)
            return;
        if (w < 0 && errno == EINTR)
            continue;
        log_error(d, "guardian: cannot tell it of group %d: %s", (int)r,
                  w < 0 ? strerror(errno) : "short write");
        return;
    }
}

void guardian_add(struct pvmd *d, pid_t pgid)
{
    if (pgid > 0)
        send_rec(d, (int32_t)pgid);
}

void guardian_remove(struct pvmd *d, pid_t pgid)
{
    if (pgid > 0)
        send_rec(d, -(int32_t)pgid);
}

void guardian_stop(struct pvmd *d)
{
    if (!d->guard_on)
        return;
    send_rec(d, 0);
    close(d->guard_fd);
    d->guard_on = false;
}
