/*
 * regs_api.c - pvm_reg_hoster, pvm_reg_tasker, pvm_reg_rm, pvm_hostsync,
 * pvm_tickle: the requests of daemon/regs.c.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "core.h"
#include "ctl.h"
#include "defs.h"
#include "tid.h"

/* ===================================================================== */
/* Registration                                                           */
/* ===================================================================== */

/* Registers the caller as helper `kind'; *previous gets the one it
 * replaces (0: none).  Returns PvmOk or an error. */
static int reg(int kind, int *previous)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return cc;
    Pvm__RegRequest rq = PVM__REG_REQUEST__INIT;
    rq.kind = kind;
    ProtobufCMessage *m = NULL;
    cc = lpvm_request(core, PVM__CTL_TYPE__CTL_REG, &rq.base, PVM__CTL_TYPE__CTL_REG_REPLY, &m);
    if (cc < 0)
        return cc;
    const Pvm__RegReply *rr = (const Pvm__RegReply *)m;
    cc = rr->status;
    *previous = rr->previous;
    ctl_free(&m);
    return cc;
}

int pvm_reg_hoster(void)
{
    int prev;
    return lpvm_err("pvm_reg_hoster", reg(REG_HOSTER, &prev));
}

int pvm_reg_tasker(void)
{
    int prev;
    return lpvm_err("pvm_reg_tasker", reg(REG_TASKER, &prev));
}

/* PVM 3.4.6 answers the first registration PvmOk and a later one the tid
 * of the resource manager it replaces; *hip is the first host's entry of
 * pvm_config (its storage, valid until the next pvm_config). */
int pvm_reg_rm(struct pvmhostinfo **hip)
{
    int prev = 0;
    int cc = reg(REG_RM, &prev);
    if (cc < 0)
        return lpvm_err("pvm_reg_rm", cc);
    if (hip) {
        int nhost, narch;
        struct pvmhostinfo *hosts;
        *hip = NULL;
        cc = pvm_config(&nhost, &narch, &hosts);
        if (cc < 0)
            return lpvm_err("pvm_reg_rm", cc);
        for (int i = 0; i < nhost; i++)
            if (hosts[i].hi_tid == tid_pvmd(1))
                *hip = &hosts[i];
    }
    return prev;
}

/* ===================================================================== */
/* pvm_hostsync                                                           */
/* ===================================================================== */

static int64_t usec_of(const struct timeval *tv)
{
    return (int64_t)tv->tv_sec * 1000000 + tv->tv_usec;
}

/* us as a timeval whose microseconds are 0..999999 and whose seconds carry
 * the sign (pvm_hostsync(3PVM): -1 us is -1,999999). */
static struct timeval tv_of(int64_t us)
{
    int64_t s = us / 1000000, u = us % 1000000;
    if (u < 0) {
        u += 1000000;
        s--;
    }
    return (struct timeval){.tv_sec = (time_t)s, .tv_usec = (suseconds_t)u};
}

int pvm_hostsync(int host, struct timeval *clk, struct timeval *delta)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_hostsync", cc);
    /* PVM 3.4.6 takes any tid of the host (a task's too); anything that
     * is no tid names no host. */
    if (!tid_is_valid(host))
        return lpvm_err("pvm_hostsync", PvmNoHost);
    Pvm__TaskRef r = PVM__TASK_REF__INIT;
    r.tid = tid_pvmd_of(host);
    struct timeval before, after;
    ProtobufCMessage *m = NULL;
    gettimeofday(&before, NULL);
    cc = lpvm_request(core, PVM__CTL_TYPE__CTL_HOSTSYNC, &r.base, PVM__CTL_TYPE__CTL_HOSTSYNC_REPLY,
                      &m);
    gettimeofday(&after, NULL);
    if (cc < 0)
        return lpvm_err("pvm_hostsync", cc);
    const Pvm__HostsyncReply *hr = (const Pvm__HostsyncReply *)m;
    cc = hr->status;
    int64_t remote = hr->sec * 1000000 + hr->usec;
    ctl_free(&m);
    if (cc < 0)
        return lpvm_err("pvm_hostsync", cc);
    /* The remote clock was read somewhere between our two samples: their
     * mean is the best guess of our clock at that moment. */
    int64_t local = (usec_of(&before) + usec_of(&after)) / 2;
    if (clk)
        *clk = tv_of(remote);
    if (delta)
        *delta = tv_of(remote - local);
    return PvmOk;
}

/* ===================================================================== */
/* pvm_tickle                                                             */
/* ===================================================================== */

#define TICKLE_MAX 10 /* arguments and answers, as PVM 3.4.6 */

int pvm_tickle(int narg, int *argp, int *nresp, int *resp)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_tickle", cc);
    if (narg < 1 || narg > TICKLE_MAX || !argp)
        return lpvm_err("pvm_tickle", PvmBadParam);
    Pvm__TickleRequest rq = PVM__TICKLE_REQUEST__INIT;
    rq.n_args = (size_t)narg;
    rq.args = argp;
    ProtobufCMessage *m = NULL;
    cc = lpvm_request(core, PVM__CTL_TYPE__CTL_TICKLE, &rq.base, PVM__CTL_TYPE__CTL_TICKLE_REPLY,
                      &m);
    if (cc < 0)
        return lpvm_err("pvm_tickle", cc);
    const Pvm__TickleReply *tr = (const Pvm__TickleReply *)m;
    cc = tr->status;
    if (cc == PvmOk) {
        if (nresp)
            *nresp = (int)tr->n_resp;
        if (resp && tr->n_resp)
            memcpy(resp, tr->resp, tr->n_resp * sizeof *resp);
    }
    ctl_free(&m);
    return lpvm_err("pvm_tickle", cc);
}
