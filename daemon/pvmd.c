/*
 * pvmd.c - the daemon's state: set-up for a host, and the orderly halt.
 *
 * main.c starts a pvmd (options, files, the listener); the unit tests set
 * one up with pvmd_init alone and drive it through fake transports.
 */
#include "pvmd.h"

#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "group.h"
#include "hosttab.h"
#include "hostmgr.h"
#include "pending.h"
#include "pvm3.h"
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
    if (!d->hosts || !d->tasks || pending_init(d) < 0 || group_init(d) < 0) {
        pvmd_fini(d);
        return PvmNoMem;
    }
    uv_timer_init(d->loop, &d->halt_timer);
    d->halt_timer.data = d;
    return 0;
}

void pvmd_fini(struct pvmd *d)
{
    hostmgr_free(d);
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
        h == (uv_handle_t *)&d->sig_hup || h == (uv_handle_t *)&d->halt_timer)
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
    if (d->sockpath[0])
        unlink(d->sockpath);
    /* Requests waiting on other hosts are answered now (PvmSysErr);
     * hosts being started will not be. */
    pending_fini(d);
    group_fini(d);
    hostmgr_fini(d);
    spawn_signal_all(d, SIGTERM);
    /* Replies already queued (the halt's own Status) still go out. */
    xport_each(d, shutdown_link, NULL);
    uv_timer_start(&d->halt_timer, on_halt_timer, HALT_TERM_MS, 0);
    pvmd_halt_check(d);
}
