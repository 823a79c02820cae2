/*
 * pvmd.c - the daemon's state: set-up for a host, and the orderly halt.
 *
 * main.c starts a pvmd (options, files, the listener); the unit tests set
 * one up with pvmd_init alone and drive it through fake transports.
 */
#include "pvmd.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "defs.h"
#include "ctxtab.h"
#include "group.h"
#include "mbox.h"
#include "regs.h"
#include "hosttab.h"
#include "hostmgr.h"
#include "notify.h"
#include "pending.h"
#include "pvm3.h"
#include "route.h"
#include "spawn.h"
#include "tasktab.h"
#include "tid.h"
#include "xport.h"
#include "xport_unix.h"

/* Halting: time the tasks get after SIGTERM, then after SIGKILL. */
#define HALT_TERM_MS 2000
#define HALT_KILL_MS 1000

int pvmd_init(struct pvmd *d, uv_loop_t *loop, int host)
{
    /* Tasks' secrets come from libsodium's generator (tasktab.c). */
    if (sodium_init() < 0)
        return PvmSysErr;
    d->loop = loop;
    loop->data = d;
    d->myhost = host;
    d->mytid = tid_pvmd(host);
    if (!d->epoch) {
        /* Distinct per start: the time in microseconds, and the pid. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        d->epoch = ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000) << 16 ^
                   (uint64_t)getpid();
        if (!d->epoch)
            d->epoch = 1;
    }
    d->hosts = hosttab_new();
    d->tasks = tasktab_new(host);
    if (!d->hosts || !d->tasks || pending_init(d) < 0 || notify_init(d) < 0 ||
        group_init(d) < 0 || mbox_init(d) < 0) {
        pvmd_fini(d);
        return PvmNoMem;
    }
    d->limits = (struct pvmd_limits){
        .hold_task = ROUTE_HIGH_WATER,
        .hold_total = (size_t)256 << 20,
        .hold_floor = (size_t)1 << 20,
        .log_max = (size_t)16 << 20,
        .hello_ms = 10000,
        .hello_max = (size_t)64 << 10,
        .fd_reserve = 32,
        .tid_max = TID_MAX_LOCAL,
        .ctx_max = TID_MAX_LOCAL,
        .mbox_bytes = MBOX_MAX_BYTES,
    };
    d->log.max = d->limits.log_max;
    uv_timer_init(d->loop, &d->halt_timer);
    d->halt_timer.data = d;
    uv_timer_init(d->loop, &d->trim_timer);
    d->trim_timer.data = d;
    return 0;
}

/* A size ("4096", "64k", "16m", "1g") or a count; false if malformed. */
static bool parse_amount(const char *s, unsigned long long min, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return false;
    int shift = *end == 'k' || *end == 'K'   ? 10
                : *end == 'm' || *end == 'M' ? 20
                : *end == 'g' || *end == 'G' ? 30
                                             : 0;
    if (shift)
        end++;
    if (*end || v > (ULLONG_MAX >> shift) || (v << shift) < min)
        return false;
    *out = v << shift;
    return true;
}

static void limit_env(struct pvmd *d, const char *name, unsigned long long min,
                      unsigned long long max, unsigned long long *v)
{
    const char *s = getenv(name);
    unsigned long long x;
    if (!s || !*s)
        return;
    if (!parse_amount(s, min, &x) || x > max) {
        log_error(d, "%s=%s ignored: not a number from %llu to %llu", name, s, min, max);
        return;
    }
    *v = x;
    log_info(d, "limit %s=%llu", name, x);
}

void pvmd_limits_from_env(struct pvmd *d)
{
    struct pvmd_limits *l = &d->limits;
    unsigned long long task = l->hold_task, total = l->hold_total, logmax = l->log_max,
                       hello = l->hello_ms, reserve = (unsigned long long)l->fd_reserve,
                       tids = (unsigned long long)l->tid_max,
                       ctxs = (unsigned long long)l->ctx_max, mbox = l->mbox_bytes;
    limit_env(d, "PVMD_HOLD_TASK", 1 << 16, SIZE_MAX / 2, &task);
    limit_env(d, "PVMD_HOLD_TOTAL", 1 << 16, SIZE_MAX / 2, &total);
    limit_env(d, "PVMD_LOG_MAX", 1 << 12, SIZE_MAX / 2, &logmax);
    limit_env(d, "PVMD_HELLO_TIMEOUT", 10, 3600000, &hello);
    limit_env(d, "PVMD_FD_RESERVE", 8, 1 << 20, &reserve);
    limit_env(d, "PVMD_TID_MAX", 4, TID_MAX_LOCAL, &tids);
    limit_env(d, "PVMD_CTX_MAX", 1, TID_MAX_LOCAL, &ctxs);
    limit_env(d, "PVMD_MBOX_MAX", 1 << 16, SIZE_MAX / 2, &mbox);
    l->hold_task = (size_t)task;
    l->hold_total = (size_t)total;
    /* A task holding less than this never stops its senders, so a budget
     * spent on tasks that do not read cannot stall those that do. */
    l->hold_floor = l->hold_task / 64 < l->hold_total / 16 ? l->hold_task / 64 : l->hold_total / 16;
    l->log_max = d->log.max = (size_t)logmax;
    l->hello_ms = (unsigned)hello;
    l->fd_reserve = (int)reserve;
    l->tid_max = (int)tids;
    l->ctx_max = (int)ctxs;
    l->mbox_bytes = (size_t)mbox;
}

void pvmd_file_id_take(const char *path, struct pvmd_file_id *id)
{
    struct stat st;
    *id = (struct pvmd_file_id){0};
    if (path[0] && lstat(path, &st) == 0)
        *id = (struct pvmd_file_id){
            .dev = st.st_dev, .ino = st.st_ino, .ctime = st.st_ctim, .set = true};
}

bool pvmd_dir_ours(struct pvmd *d)
{
    char path[PATHS_MAX];
    struct stat held, now;
    /* The lock file stays open here, so its inode cannot be reused. */
    return d->lock_fd >= 0 && d->sockdir[0] &&
           paths_join(path, sizeof path, d->sockdir, PVMD_LOCK_NAME) == 0 &&
           fstat(d->lock_fd, &held) == 0 && lstat(path, &now) == 0 && held.st_dev == now.st_dev &&
           held.st_ino == now.st_ino;
}

bool pvmd_unlink_own(struct pvmd *d, const char *path, const struct pvmd_file_id *id)
{
    struct pvmd_file_id now;
    if (!id->set || !pvmd_dir_ours(d))
        return false;
    pvmd_file_id_take(path, &now);
    if (!now.set || now.dev != id->dev || now.ino != id->ino ||
        now.ctime.tv_sec != id->ctime.tv_sec || now.ctime.tv_nsec != id->ctime.tv_nsec)
        return false;
    return unlink(path) == 0;
}

void pvmd_fini(struct pvmd *d)
{
    hostmgr_free(d);
    notify_fini(d);
    ctxtab_fini(d);
    mbox_fini(d);
    regs_fini(d);
    tasktab_destroy(&d->tasks);
    hosttab_destroy(&d->hosts);
}

/* ===================================================================== */
/* Halting                                                                */
/* ===================================================================== */

static void close_if_open(uv_handle_t *h)
{
    if (h->loop && !uv_is_closing(h))
        uv_close(h, NULL);
}

static void count_handle(uv_handle_t *h, void *arg)
{
    struct pvmd *d = h->loop->data;
    if (h == (uv_handle_t *)&d->sig_term || h == (uv_handle_t *)&d->sig_int ||
        h == (uv_handle_t *)&d->sig_hup || h == (uv_handle_t *)&d->halt_timer ||
        h == (uv_handle_t *)&d->trim_timer)
        return;
    (*(int *)arg)++;
}

void pvmd_halt_check(struct pvmd *d)
{
    if (!d->halting || d->halt_stage > 3)
        return;
    int n = 0;
    uv_walk(d->loop, count_handle, &n);
    if (n)
        return;
    /* Nothing left but our own handles: the loop may end. */
    d->halt_stage = 4;
    uv_timer_stop(&d->halt_timer);
    close_if_open((uv_handle_t *)&d->halt_timer);
    close_if_open((uv_handle_t *)&d->trim_timer);
    close_if_open((uv_handle_t *)&d->sig_term);
    close_if_open((uv_handle_t *)&d->sig_int);
    close_if_open((uv_handle_t *)&d->sig_hup);
}

static void close_any(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void close_link(struct xport *x, void *arg)
{
    (void)arg;
    x->ops->close(x, "halt");
}

static void shutdown_link(struct xport *x, void *arg)
{
    (void)arg;
    x->ops->shutdown(x);
}

static void on_halt_timer(uv_timer_t *tm)
{
    struct pvmd *d = tm->data;
    if (d->halt_stage == 1) {
        log_info(d, "halt: tasks still alive after %d ms get SIGKILL", HALT_TERM_MS);
        d->halt_stage = 2;
        spawn_signal_all(d, SIGKILL);
        xport_each(d, close_link, NULL);
        uv_timer_start(&d->halt_timer, on_halt_timer, HALT_KILL_MS, 0);
        return;
    }
    /* Something (a grandchild holding an output pipe, say) outlives the
     * halt: stop waiting for it. */
    log_info(d, "halt: giving up on what is left");
    d->halt_stage = 3;
    /* Processes' handles through their owner, so their records go too;
     * anything else left is closed as it is. */
    spawn_abandon_all(d);
    uv_walk(d->loop, close_any, NULL);
}

void pvmd_halt(struct pvmd *d, const char *why)
{
    if (d->halting)
        return;
    d->halting = true;
    d->halt_stage = 1;
    log_info(d, "halting: %s", why);
    xport_unix.unlisten(d);
    /* Only the socket this pvmd made: after its directory was removed, the
     * path may be another pvmd's now. */
    pvmd_unlink_own(d, d->sockpath, &d->sock_id);
    /* Requests waiting on other hosts are answered now (PvmSysErr);
     * hosts being started will not be. */
    pending_fini(d);
    group_fini(d);
    mbox_fini(d);
    hostmgr_fini(d);
    spawn_signal_all(d, SIGTERM);
    /* Replies already queued (the halt's own Status) still go out. */
    xport_each(d, shutdown_link, NULL);
    uv_timer_start(&d->halt_timer, on_halt_timer, HALT_TERM_MS, 0);
    pvmd_halt_check(d);
}
