/*
 * mesh_guard.c - the mesh's security (see "Security" in xport_zmq.h and
 * the contracts in mesh_guard.h): CurveZMQ or plain, the ZAP handler, and
 * the listener's monitor that tells refused strangers from peers.
 *
 * Its sockets live in the mesh's zmq context and are served from the loop
 * the way xport_zmq.c serves its own (drained in batches after every
 * wake-up, marked pending while they may hold more), so the two files
 * share the mesh's state through xport_zmq_int.h.
 */
#include "mesh_guard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "mesh_keys.h"
#include "pvm3.h"
#include "pvmd.h"
#include "pvmerr.h"
#include "xport_zmq.h"
#include "xport_zmq_int.h"

/* ms between two log lines about strangers */
#define MESH_LOG_GAP 1000
#define ZAP_ENDPOINT "inproc://zeromq.zap.01" /* RFC 27: fixed */
#define ZAP_DOMAIN "pvm"
#define ZAP_PARTS 7 /* version, id, domain, address, identity, mechanism, key */

enum { FD_NONE, FD_SILENT, FD_SPOKE };

/* ===================================================================== */
/* Strangers                                                              */
/* ===================================================================== */

/* The line about the strangers refused since the last one: why the
 * latest was refused, and how many more there were. */
static void log_strangers(struct xport_zmq *m, const char *why, unsigned more)
{
    if (more)
        log_info(m->d, "mesh: refused a stranger: %s (and %u more not logged)", why, more);
    else
        log_info(m->d, "mesh: refused a stranger: %s", why);
    m->strangers_quiet = 0;
    m->stranger_log_at = uv_now(m->d->loop);
}

/* The second after a line is over: the strangers it kept quiet. */
static void on_stranger_timer(uv_timer_t *h)
{
    struct xport_zmq *m = h->data;
    if (m->strangers_quiet)
        log_strangers(m, m->quiet_why, m->strangers_quiet - 1);
}

/* One log line about strangers per MESH_LOG_GAP, however many there are;
 * those refused within the gap are counted into a line at its end, so
 * every refusal is in the log within a second. */
void mesh_guard_stranger(struct xport_zmq *m, const char *why)
{
    uint64_t now = uv_now(m->d->loop);
    if (!m->finishing && m->stranger_log_at && now - m->stranger_log_at < MESH_LOG_GAP) {
        m->strangers_quiet++;
        snprintf(m->quiet_why, sizeof m->quiet_why, "%s", why);
        if (!uv_is_active((uv_handle_t *)&m->stranger_timer))
            uv_timer_start(&m->stranger_timer, on_stranger_timer,
                           m->stranger_log_at + MESH_LOG_GAP - now, 0);
        return;
    }
    if (!m->finishing)
        uv_timer_stop(&m->stranger_timer);
    log_strangers(m, why, m->strangers_quiet);
}

/* Records what an accepted descriptor did (fd_state FD_*). */
static void mark_fd(struct xport_zmq *m, int fd, int state)
{
    if (fd < 0 || fd > 1 << 20)
        return;
    if ((size_t)fd >= m->nfds) {
        if (state == FD_NONE)
            return;
        size_t n = (size_t)fd + 64;
        uint8_t *t = realloc(m->fds, n);
        if (!t)
            return; /* only a log line and a count are lost */
        memset(t + m->nfds, FD_NONE, n - m->nfds);
        m->fds = t;
        m->nfds = n;
    }
    /* Accepted after it spoke: the monitor is read after the ROUTER. */
    if (state == FD_SILENT && m->fds[fd] == FD_SPOKE)
        return;
    m->fds[fd] = (uint8_t)state;
}

void mesh_guard_spoke(struct xport_zmq *m, int fd)
{
    mark_fd(m, fd, FD_SPOKE);
}

unsigned long mesh_guard_refused(const struct xport_zmq *m)
{
    return m->refused;
}

/* ===================================================================== */
/* The ZAP handler and the listener's monitor                             */
/* ===================================================================== */

/* Sets *flag when ZMQ_EVENTS says s holds a message (a service socket). */
static void recheck_flag(void *s, bool *flag)
{
    int ev = 0;
    size_t len = sizeof ev;
    if (zmq_getsockopt(s, ZMQ_EVENTS, &ev, &len) == 0 && (ev & ZMQ_POLLIN))
        *flag = true;
}

/* The ZAP handler is served from the loop like every other socket: libzmq
 * sends a request from its I/O thread for each CURVE handshake on the
 * ROUTER and holds that handshake (not the thread) until the answer comes,
 * so the loop's turn is the only wait.  A dedicated thread would answer
 * sooner only while the loop is busy, when the pvmd could not use the new
 * link anyway. */

static bool part_is(const zmq_msg_t *p, const char *s)
{
    size_t n = strlen(s);
    return zmq_msg_size((zmq_msg_t *)p) == n && memcmp(zmq_msg_data((zmq_msg_t *)p), s, n) == 0;
}

/* Answers one ZAP request (RFC 27): 200 for a CURVE client presenting the
 * virtual machine's public key, 400 for everyone else. */
static void zap_answer(struct xport_zmq *m, zmq_msg_t *p, int np, bool over)
{
    bool ok = !over && np == ZAP_PARTS && part_is(&p[0], "1.0") && part_is(&p[5], "CURVE") &&
              zmq_msg_size(&p[6]) == MESH_KEYS_LEN &&
              memcmp(zmq_msg_data(&p[6]), m->pub, MESH_KEYS_LEN) == 0;
    /* Logged and counted when the connection ends (serve_mon). */
    if (!ok && np >= 4 && zmq_msg_size(&p[3]) < sizeof m->denied_addr)
        snprintf(m->denied_addr, sizeof m->denied_addr, "%.*s", (int)zmq_msg_size(&p[3]),
                 (const char *)zmq_msg_data(&p[3]));
    /* version, request id, status code, status text, user id, metadata */
    zmq_send(m->zap, "1.0", 3, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    if (np >= 2)
        zmq_send(m->zap, zmq_msg_data(&p[1]), zmq_msg_size(&p[1]), ZMQ_SNDMORE | ZMQ_DONTWAIT);
    else
        zmq_send(m->zap, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send(m->zap, ok ? "200" : "400", 3, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    const char *text = ok ? "OK" : "not a key of this virtual machine";
    zmq_send(m->zap, text, strlen(text), ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send(m->zap, ok ? "pvmd" : "", ok ? 4 : 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send(m->zap, "", 0, ZMQ_DONTWAIT);
}

static void serve_zap(struct xport_zmq *m)
{
    m->zap_pending = false;
    if (!m->zap)
        return;
    for (int n = 0; n < MESH_BATCH; n++) {
        zmq_msg_t p[ZAP_PARTS];
        int np;
        bool over;
        if (!xport_zmq_recv_parts(m, m->zap, p, ZAP_PARTS, &np, &over)) {
            recheck_flag(m->zap, &m->zap_pending);
            return;
        }
        zap_answer(m, p, np, over);
        for (int i = 0; i < np; i++)
            zmq_msg_close(&p[i]);
    }
    m->zap_pending = true;
}

/* One event of the ROUTER's monitor.  A connection that ends without one
 * message having come from it (ZMQ_SRCFD) never passed the handshake: a
 * raw TCP client, a ZMTP client without CURVE or without our server key,
 * or one the ZAP handler refused.  libzmq emits a connection's failure
 * and its end one after the other, so the failure says why. */
static void mon_event(struct xport_zmq *m, unsigned ev, uint32_t val)
{
    switch (ev) {
    case ZMQ_EVENT_ACCEPTED:
        mark_fd(m, (int)val, FD_SILENT);
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        snprintf(m->fail_why, sizeof m->fail_why, "a connection that failed the handshake (%s)",
                 strerror((int)val));
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        if (val == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
            snprintf(m->fail_why, sizeof m->fail_why, "a ZMTP client %s",
                     m->security == MESH_CURVE ? "without CurveZMQ" : "that wants CurveZMQ");
        else
            snprintf(m->fail_why, sizeof m->fail_why,
                     "a connection that failed the %s handshake (protocol error 0x%x)",
                     m->security == MESH_CURVE ? "CurveZMQ" : "ZMTP", (unsigned)val);
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        snprintf(m->fail_why, sizeof m->fail_why,
                 "a CurveZMQ client from %s with a key not of this virtual machine",
                 m->denied_addr[0] ? m->denied_addr : "somewhere");
        m->denied_addr[0] = 0;
        break;
    case ZMQ_EVENT_DISCONNECTED:
        if ((size_t)val < m->nfds && m->fds[val] == FD_SILENT) {
            m->refused++;
            mesh_guard_stranger(m, m->fail_why[0] ? m->fail_why
                                                  : "a connection that ended without a word of the "
                                                    "ZMTP handshake (not a pvmd)");
        }
        m->fail_why[0] = 0;
        mark_fd(m, (int)val, FD_NONE);
        break;
    default:
        break;
    }
}

static void serve_mon(struct xport_zmq *m)
{
    m->mon_pending = false;
    if (!m->mon)
        return;
    for (int n = 0; n < MESH_BATCH; n++) {
        zmq_msg_t p[2];
        int np;
        bool over;
        if (!xport_zmq_recv_parts(m, m->mon, p, 2, &np, &over)) {
            recheck_flag(m->mon, &m->mon_pending);
            return;
        }
        if (np >= 1 && zmq_msg_size(&p[0]) == 6) {
            uint16_t ev;
            uint32_t val;
            memcpy(&ev, zmq_msg_data(&p[0]), 2);
            memcpy(&val, (uint8_t *)zmq_msg_data(&p[0]) + 2, 4);
            mon_event(m, ev, val);
        }
        for (int i = 0; i < np; i++)
            zmq_msg_close(&p[i]);
    }
    m->mon_pending = true;
}

static void on_zap_poll(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    serve_zap(h->data);
}

static void on_mon_poll(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    serve_mon(h->data);
}

void mesh_guard_serve(struct xport_zmq *m)
{
    if (m->zap_pending)
        serve_zap(m);
    if (m->mon_pending)
        serve_mon(m);
}

bool mesh_guard_pending(const struct xport_zmq *m)
{
    return m->zap_pending || m->mon_pending;
}

/* ===================================================================== */
/* Securing the mesh's sockets                                            */
/* ===================================================================== */

/* Sets s up as the mesh's security says, before it binds or connects:
 * every part it takes bounded by MESH_MAXMSG (handshake commands too: a
 * stranger cannot make it buffer more), the ROUTER as CURVE server whose
 * clients the ZAP handler checks, a DEALER as CURVE client that knows the
 * server by the same public key.  Returns 0 or -1 (errno). */
int mesh_guard_secure_socket(struct xport_zmq *m, void *s, bool server)
{
    int64_t maxmsg = MESH_MAXMSG;
    if (zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) < 0)
        return -1;
    if (m->security == MESH_PLAIN)
        return 0;
    if (server)
        return xport_zmq_setopt(s, ZMQ_CURVE_SERVER, 1) < 0 ||
                       zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, m->secret, MESH_KEYS_LEN) < 0 ||
                       zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN, strlen(ZAP_DOMAIN)) < 0
                   ? -1
                   : 0;
    return zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, m->pub, MESH_KEYS_LEN) < 0 ||
                   zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, m->pub, MESH_KEYS_LEN) < 0 ||
                   zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, m->secret, MESH_KEYS_LEN) < 0
               ? -1
               : 0;
}

/* A mesh is never plain by accident: whoever starts it says which. */
bool mesh_guard_chosen(struct xport_zmq *m, const char *what, const char *addr)
{
    if (m->security != MESH_UNSET)
        return true;
    log_error(m->d, "mesh: cannot %s %s: no key and no plain choice made (xport_zmq_secure)", what,
              addr);
    return false;
}

/* Watches s's handshakes through a PAIR of ours (m->mon), before s binds.
 * Returns 0 or -1 (errno). */
int mesh_guard_monitor_start(struct xport_zmq *m, void *s)
{
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://pvmd-mesh-monitor.%u", ++m->nmon);
    if (zmq_socket_monitor(
            s, ep,
            ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) < 0)
        return -1;
    m->mon = zmq_socket(m->ctx, ZMQ_PAIR);
    if (!m->mon || xport_zmq_setopt(m->mon, ZMQ_LINGER, 0) < 0 || zmq_connect(m->mon, ep) < 0) {
        int e = errno;
        if (m->mon)
            zmq_close(m->mon);
        m->mon = NULL;
        errno = e;
        return -1;
    }
    return 0;
}

static void on_mon_closed(uv_handle_t *h)
{
    struct xport_zmq *m = h->data;
    struct pvmd *d = m->d;
    zmq_close(m->mon);
    m->mon = NULL;
    m->open_handles--;
    if (m->finishing && m->open_handles == 0)
        xport_zmq_fini(d);
    pvmd_halt_check(d);
}

int mesh_guard_monitor_poll(struct xport_zmq *m)
{
    int mfd = -1;
    size_t len = sizeof mfd;
    if (zmq_getsockopt(m->mon, ZMQ_FD, &mfd, &len) < 0)
        return -1;
    uv_poll_init(m->d->loop, &m->mpoll, mfd);
    m->mpoll.data = m;
    m->open_handles++;
    uv_poll_start(&m->mpoll, UV_READABLE, on_mon_poll);
    m->mon_pending = true;
    return 0;
}

void mesh_guard_monitor_drop(struct xport_zmq *m)
{
    if (m->mon)
        zmq_close(m->mon);
    m->mon = NULL;
}

void mesh_guard_monitor_stop(struct xport_zmq *m)
{
    m->mon_pending = false;
    uv_poll_stop(&m->mpoll);
    uv_close((uv_handle_t *)&m->mpoll, on_mon_closed);
}

/* ===================================================================== */
/* Choosing the mesh's security                                           */
/* ===================================================================== */

/* The ZAP handler, bound in the mesh's context before any CURVE socket
 * binds: libzmq 4.3 lets every client key in when no handler is there. */
static int start_zap(struct xport_zmq *m)
{
    struct pvmd *d = m->d;
    int fd = -1;
    size_t len = sizeof fd;
    m->zap = zmq_socket(m->ctx, ZMQ_REP);
    /* LINGER 0 is safe here: an answer lost at the end is a handshake
     * that no longer matters. */
    if (!m->zap || xport_zmq_setopt(m->zap, ZMQ_LINGER, 0) < 0 ||
        zmq_bind(m->zap, ZAP_ENDPOINT) < 0 || zmq_getsockopt(m->zap, ZMQ_FD, &fd, &len) < 0) {
        log_error(d, "mesh: cannot start the ZAP handler: %s", zmq_strerror(errno));
        if (m->zap)
            zmq_close(m->zap);
        m->zap = NULL;
        return PvmSysErr;
    }
    uv_poll_init(d->loop, &m->zpoll, fd);
    m->zpoll.data = m;
    m->open_handles++;
    uv_poll_start(&m->zpoll, UV_READABLE, on_zap_poll);
    m->zap_pending = true;
    return 0;
}

/* The timer of mesh_guard_stranger, once the security is chosen (before
 * the first stranger can come: the mesh neither listens nor dials
 * earlier). */
static void stranger_timer_init(struct xport_zmq *m)
{
    uv_timer_init(m->d->loop, &m->stranger_timer);
    m->stranger_timer.data = m;
    m->open_handles++;
}

int mesh_guard_choose(struct xport_zmq *m, const uint8_t *secret)
{
    struct pvmd *d = m->d;
    if (m->security != MESH_UNSET) {
        log_error(d, "mesh: its security is chosen once, before it listens or dials");
        return PvmSysErr;
    }
    if (!secret) {
        m->security = MESH_PLAIN;
        stranger_timer_init(m);
        log_info(d, "mesh: plain TCP, not encrypted and not authenticated (trusted networks only)");
        return 0;
    }
    if (!zmq_has("curve")) {
        log_error(d, "mesh: this libzmq has no CurveZMQ: cannot encrypt the mesh");
        return PvmSysErr;
    }
    memcpy(m->secret, secret, MESH_KEYS_LEN);
    if (mesh_keys_public(m->secret, m->pub) < 0) {
        mesh_keys_wipe(m->secret, sizeof m->secret);
        log_error(d, "mesh: cannot derive the public key: %s", zmq_strerror(errno));
        return PvmSysErr;
    }
    if (start_zap(m) < 0) {
        mesh_keys_wipe(m->secret, sizeof m->secret);
        return PvmSysErr;
    }
    m->security = MESH_CURVE;
    stranger_timer_init(m);
    char z85[41];
    zmq_z85_encode(z85, m->pub, MESH_KEYS_LEN);
    log_info(d, "mesh: CurveZMQ, admitting only the virtual machine's key %.8s...", z85);
    return 0;
}

int mesh_guard_vm_key(const struct xport_zmq *m, uint8_t secret[32])
{
    if (m->security == MESH_UNSET)
        return PvmSysErr;
    if (m->security == MESH_PLAIN)
        return 0;
    memcpy(secret, m->secret, MESH_KEYS_LEN);
    return 1;
}

void mesh_guard_close(struct xport_zmq *m)
{
    if (m->security != MESH_UNSET) {
        if (m->strangers_quiet)
            log_strangers(m, m->quiet_why, m->strangers_quiet - 1);
        uv_timer_stop(&m->stranger_timer);
        uv_close((uv_handle_t *)&m->stranger_timer, xport_zmq_handle_closed);
    }
    if (m->zap) {
        m->zap_pending = false;
        uv_poll_stop(&m->zpoll);
        uv_close((uv_handle_t *)&m->zpoll, xport_zmq_handle_closed);
    }
}

void mesh_guard_fini(struct xport_zmq *m)
{
    if (m->zap)
        zmq_close(m->zap);
    m->zap = NULL;
    mesh_keys_wipe(m->secret, sizeof m->secret);
    free(m->fds);
    m->fds = NULL;
    m->nfds = 0;
}
