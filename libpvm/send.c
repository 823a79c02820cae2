/*
 * send.c - route choice and the send calls.
 *
 * A message to a task on this host goes over a direct connection to its
 * t<tid>.sock; when that socket is not there yet (the task has not
 * enrolled) or PvmRoute is PvmDontRoute, it goes through the pvmd, and a
 * direct connection is tried again on a later send after a back-off.  A
 * message to a task of another host goes through the pvmds until a direct
 * TCP route to it is made (direct.c), unless PvmRoute is PvmDontRoute.
 * Each message to a destination carries the next sequence number, so the
 * receiver restores the order when a direct message overtakes one still
 * in the pvmd (docs/design.md, "Order across routes").
 *
 * A send returns once the frame is in the kernel: the caller may then
 * change the buffer, and InPlace data is read during the call.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "ctl.h"
#include "enc.h"
#include "sock.h"
#include "tid.h"

#define RETRY_FIRST_NS (2 * 1000 * 1000LL) /* first wait after a failed connect */
#define RETRY_MAX_NS (250 * 1000 * 1000LL) /* longest wait between attempts */

/* Makes a direct connection to p and introduces ourselves on it. */
static void try_direct(struct lpvm_core *core, struct peer *p)
{
    int64_t now = io_now_ns();
    if (now < p->retry_ns)
        return;
    char path[PATHS_MAX];
    int fd;
    struct conn *c = NULL;
    if (paths_task_sock(path, sizeof path, core->sockdir, p->tid) == 0 &&
        sock_connect_unix(path, SOCK_CONNECT_TUNE, &fd) == 0 && (c = conn_new_unix(fd, CONN_OUT))) {
        c->peer_tid = p->tid;
        if (io_add_conn(core, c) < 0) {
            conn_destroy(&c);
        } else {
            Pvm__PeerHello ph = PVM__PEER_HELLO__INIT;
            ph.proto_version = CTL_PROTO_VERSION;
            ph.tid = lpvm_state.mytid;
            uint8_t *buf = NULL;
            size_t len = 0;
            struct wire_hdr h = {.flags = WIRE_F_CTL,
                                 .src = lpvm_state.mytid,
                                 .dst = p->tid,
                                 .tag = PVM__CTL_TYPE__CTL_PEER_HELLO};
            if (ctl_pack(&ph.base, &buf, &len) == 0) {
                h.len = len;
                p->conn = c;
                if (io_send_buf(core, c, &h, buf, len) < 0)
                    p->conn = NULL; /* io closed c */
            } else {
                io_close_conn(core, c);
            }
            free(buf);
        }
    }
    if (p->conn) {
        p->backoff_ns = 0;
        return;
    }
    peer_backoff(p, now, RETRY_FIRST_NS, RETRY_MAX_NS);
}

static bool route_direct(int dst)
{
    return lpvm_state.opt[PvmRoute] != PvmDontRoute && tid_is_task(dst);
}

/* A user message goes to a task.  PVM 3.4.6 refuses a pvmd's tid
 * (PvmBadParam) unless PvmResvTids is set: a registered hoster or tasker
 * answers its pvmd that way. */
static bool dst_ok(int tid)
{
    return tid_is_task(tid) || (lpvm_state.opt[PvmResvTids] && tid_is_valid(tid));
}

/* Sends m to dst with tag (context: the current one). */
static int send_one_(struct lpvm_core *core, int dst, int tag, struct pmsg *m)
{
    int me = lpvm_state.mytid;
    if (dst == me) {
        struct pmsg *c = pmsg_copy(m);
        if (!c)
            return PvmNoMem;
        c->enc = enc_wire(c->enc); /* as if it had travelled */
        c->src = me;
        c->dst = dst;
        c->tag = tag;
        c->ctx = lpvm_state.ctx;
        c->wid = m->wid; /* the wait id travels (pvm_setmwid) */
        c->seq = 0;
        c->flags = 0;
        c->rpos = 0;
        io_deliver(core, c);
        return 0;
    }
    struct peer *p = io_peer(core, dst);
    if (!p)
        return PvmNoMem;
    struct wire_hdr h = {
        .src = me,
        .dst = dst,
        .tag = tag,
        .ctx = lpvm_state.ctx,
        .wid = m->wid,
        /* InPlace data is read into the frame now: it arrives as Raw. */
        .enc = enc_wire(m->enc),
        .seq = ++p->sent_seq,
        .len = pmsg_payload_len(m),
    };
    if (route_direct(dst)) {
        if (!p->conn && tid_host(dst) == tid_host(me))
            try_direct(core, p);
        else if (!p->conn)
            direct_want(core, p); /* this one goes through the pvmds */
        if (p->conn && direct_usable(core, p) && io_send_frame(core, p->conn, &h, m) == 0)
            return 0;
        /* The peer went away mid-frame (its partial frame is discarded
         * with the connection): the whole frame goes via the pvmd. */
        if (core->dead)
            return PvmSysErr;
    }
    int cc = io_send_frame(core, core->pvmd, &h, m);
    if (cc < 0 && !core->dead)
        /* Nothing of it left (e.g. no memory to start the frame): a
         * consumed number would be a gap the receiver waits at forever. */
        p->sent_seq--;
    return cc;
}

/* ... and then asks for the ends of new peers (io_peer). */
static int send_one(struct lpvm_core *core, int dst, int tag, struct pmsg *m)
{
    int cc = send_one_(core, dst, tag, m);
    io_watch_flush(core);
    return cc;
}

/* Negative tags are PVM's own (SM_STHOSTACK, ...): a task sends them only
 * with PvmResvTids set, as a registered hoster or tasker does. */
static int check_tag(int tag)
{
    return tag < 0 && !lpvm_state.opt[PvmResvTids] ? PvmBadParam : 0;
}

int pvm_send(int tid, int msgtag)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_send", cc);
    if (!dst_ok(tid) || check_tag(msgtag) < 0)
        return lpvm_err("pvm_send", PvmBadParam);
    struct pmsg *m = pmsg_lookup(lpvm_state.sbuf);
    if (!m)
        return lpvm_err("pvm_send", PvmNoBuf);
    cc = send_one(core, tid, msgtag, m);
    mhf_point(core); /* PVM runs message handlers in its sends too */
    return lpvm_err("pvm_send", cc);
}

/* The tasks of other hosts get one frame, through our pvmd, listing them
 * with their sequence numbers: the pvmd sends one copy per host
 * (common/wire.h, "multicast"). */
static int mcast_remote(struct lpvm_core *core, const int *tids, int ntask, int remote, int tag,
                        struct pmsg *m)
{
    int me = lpvm_state.mytid;
    struct wire_dest *d = malloc((size_t)remote * sizeof *d);
    struct peer **ps = malloc((size_t)remote * sizeof *ps);
    uint8_t *list = malloc(wire_mcast_len((size_t)remote));
    int cc = d && ps && list ? 0 : PvmNoMem;
    int n = 0;
    for (int i = 0; cc == 0 && i < ntask; i++) {
        if (tids[i] == me || !tid_is_task(tids[i]) || tid_host(tids[i]) == tid_host(me))
            continue;
        struct peer *p = io_peer(core, tids[i]);
        if (!p) {
            cc = PvmNoMem;
            break;
        }
        ps[n] = p;
        d[n] = (struct wire_dest){.tid = tids[i], .seq = ++p->sent_seq};
        n++;
    }
    if (cc == 0) {
        wire_mcast_encode(d, (uint32_t)n, list);
        size_t plen = wire_mcast_len((size_t)n);
        struct wire_hdr h = {
            .flags = WIRE_F_MCAST,
            .src = me,
            .dst = lpvm_state.pvmd_tid,
            .tag = tag,
            .ctx = lpvm_state.ctx,
            .wid = m->wid,
            .enc = m->enc == PvmDataInPlace ? PvmDataRaw : m->enc,
            .len = plen + pmsg_payload_len(m),
        };
        cc = io_send_frame_pre(core, core->pvmd, &h, list, plen, m);
    }
    /* Nothing of it left: no gap for the receivers to wait at. */
    if (cc < 0 && !core->dead)
        for (int k = 0; k < n; k++)
            ps[k]->sent_seq--;
    free(d);
    free(ps);
    free(list);
    return cc;
}

int pvm_mcast(int *tids, int ntask, int msgtag)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_mcast", cc);
    if (ntask < 0 || (ntask > 0 && !tids) || check_tag(msgtag) < 0)
        return lpvm_err("pvm_mcast", PvmBadParam);
    for (int i = 0; i < ntask; i++)
        if (!dst_ok(tids[i]))
            return lpvm_err("pvm_mcast", PvmBadParam);
    struct pmsg *m = pmsg_lookup(lpvm_state.sbuf);
    if (!m)
        return lpvm_err("pvm_mcast", PvmNoBuf);
    int me = lpvm_state.mytid, remote = 0;
    for (int i = 0; i < ntask; i++)
        remote += tids[i] != me && tid_is_task(tids[i]) && tid_host(tids[i]) != tid_host(me);
    for (int i = 0; i < ntask; i++) {
        /* Never to the caller, even when listed (pvm_mcast(3PVM)). */
        if (tids[i] == me)
            continue;
        if (remote > 1 && tid_is_task(tids[i]) && tid_host(tids[i]) != tid_host(me))
            continue; /* below, in one frame */
        if ((cc = send_one_(core, tids[i], msgtag, m)) < 0)
            break;
    }
    if (cc >= 0 && remote > 1)
        cc = mcast_remote(core, tids, ntask, remote, msgtag, m);
    /* The new peers' ends, asked for in one request. */
    io_watch_flush(core);
    mhf_point(core);
    return lpvm_err("pvm_mcast", cc < 0 ? cc : PvmOk);
}

int pvm_psend(int tid, int msgtag, void *buf, int len, int datatype)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_psend", cc);
    /* PVM 3.4.6 has no PVM_STR here (PvmNotImpl), and for a negative
     * length its packing complains and an empty message goes. */
    if (datatype == PVM_STR)
        return lpvm_err("pvm_psend", PvmNotImpl);
    if (!dst_ok(tid) || check_tag(msgtag) < 0 || (len > 0 && !buf) ||
        pmsg_type_size(datatype) == 0)
        return lpvm_err("pvm_psend", PvmBadParam);
    if (len < 0) {
        lpvm_err("pvm_pkbyte", PvmBadParam);
        len = 0;
    }
    /* An InPlace message only refers to buf: the frame is written straight
     * from the caller's memory, with no copy. */
    struct pmsg *m = pmsg_new(PvmDataInPlace);
    if (!m)
        return lpvm_err("pvm_psend", PvmNoMem);
    cc = pmsg_pack(m, datatype, buf, len, 1);
    if (cc == 0)
        cc = send_one(core, tid, msgtag, m);
    pmsg_destroy(&m);
    mhf_point(core);
    return lpvm_err("pvm_psend", cc);
}
