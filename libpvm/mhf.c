/*
 * mhf.c - message handlers: pvm_addmhf, pvm_delmhf, pvmdisplaymhfinfo.
 *
 * What PVM 3.4.6 does, measured against its library (docs/design.md,
 * "Message handlers"): a handler is matched against a message's source,
 * tag and context (-1 in any of the three: any) when the message comes
 * in, never later (one queued before pvm_addmhf stays a receive's), and a
 * matched message never reaches a receive.  Handlers run inside the
 * library calls that read messages: the receives and pvm_probe, the sends,
 * and the calls that ask the pvmd something (pvm_config, pvm_tasks, ...);
 * not in calls that stay in the library (pvm_getcontext, pvm_bufinfo,
 * pvm_initsend, ...).  A handler runs with the message as the active
 * receive buffer and no send buffer; both are restored afterwards, and the
 * message is freed unless the handler freed it.  Handlers never nest: one
 * matched while another runs waits until it returns.
 *
 * Here a message is matched in io_deliver (inside the read: only marked,
 * nothing runs) and the handlers run from the top of io_wait's loop at
 * rest (io.c's IO_AT_REST: no frame being written, no control reply
 * awaited), where user code may send and receive.  The marked message
 * keeps its place in the receive queue until its handler takes it: should
 * the handler be deleted first, it is an ordinary message again, in order.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core.h"
#include "defs.h"

/* PVM 3.4.6's library holds ids 0..8 for handlers of its own: the first
 * id a program gets is 9, and a freed id is given again, lowest first. */
#define MHF_FIRST_ID 9

struct mhf {
    int src, tag, ctx; /* -1: any */
    int (*func)(int mid);
};

int pvmdisplaymhfinfo(char *who, char *msg, int tid);

static bool field_matches(int want, int have)
{
    return want == -1 || want == have;
}

/* Two handlers overlap when some message would match both: then each
 * field is the same, or -1 in one of them. */
static bool overlap(const struct mhf *a, int src, int tag, int ctx)
{
    return (a->src == src || a->src == -1 || src == -1) &&
           (a->tag == tag || a->tag == -1 || tag == -1) &&
           (a->ctx == ctx || a->ctx == -1 || ctx == -1);
}

/* The handler of m, or NULL.  There is at most one: overlapping handlers
 * are refused. */
static const struct mhf *lookup(const struct pmsg *m)
{
    for (int i = 0; i < lpvm_state.nmhf; i++) {
        const struct mhf *h = &lpvm_state.mhf[i];
        if (h->func && field_matches(h->src, m->src) && field_matches(h->tag, m->tag) &&
            field_matches(h->ctx, m->ctx))
            return h;
    }
    return NULL;
}

/* ======================================================================== */
/* Running handlers                                                         */
/* ======================================================================== */

/* Calls func with m (taken out of the queue) as PVM does: m the active
 * receive buffer, no send buffer, both restored afterwards, m freed unless
 * the handler freed it. */
static void run(int (*func)(int), struct pmsg *m)
{
    if (m->id <= 0 && pmsg_register(m) < 0) {
        /* No memory for a buffer id: the handler cannot be given m. */
        if (lpvm_state.opt[PvmDebugMask])
            fprintf(stderr,
                    "libpvm [t%x]: no memory to hand a message from t%x (tag %d) to its "
                    "handler: dropped\n",
                    (unsigned)lpvm_state.mytid, (unsigned)m->src, m->tag);
        pmsg_destroy(&m);
        return;
    }
    int mid = m->id;
    m->rpos = 0;
    int rbuf = lpvm_state.rbuf, sbuf = lpvm_state.sbuf;
    lpvm_state.rbuf = mid;
    lpvm_state.sbuf = 0;
    lpvm_state.mhf_running++;
    (void)func(mid); /* PVM ignores what it returns */
    lpvm_state.mhf_running--;
    /* The caller's buffers, unless the handler freed them. */
    lpvm_state.sbuf = pmsg_lookup(sbuf) ? sbuf : 0;
    lpvm_state.rbuf = pmsg_lookup(rbuf) ? rbuf : 0;
    struct pmsg *left = pmsg_lookup(mid);
    pmsg_destroy(&left);
}

/* m's handler has gone: m is an ordinary message again, where it was. */
static void unmark(struct lpvm_core *core, struct pmsg *m)
{
    m->for_mhf = false;
    core->rq_gen++; /* a receive waiting may take it now */
}

/* The next message marked for a handler, with its handler's function in
 * *func; marked messages whose handler has gone are unmarked on the way. */
static struct pmsg *next_marked(struct lpvm_core *core, int (**func)(int))
{
    for (struct pmsg *m = core->rq_head; m; m = m->next) {
        if (!m->for_mhf)
            continue;
        const struct mhf *h = lookup(m);
        if (h) {
            *func = h->func;
            return m;
        }
        unmark(core, m);
    }
    return NULL;
}

/* The parked run (IO_AT_REST): every marked message, in arrival order. */
static void dispatch(struct lpvm_core *core, struct pmsg *unused)
{
    (void)unused;
    core->mhf_parked = false;
    /* Inside a handler (which waits in turn): the run that called it goes
     * on with these once it returns. */
    if (lpvm_state.mhf_running || core->exiting)
        return;
    int (*func)(int);
    struct pmsg *m;
    while ((m = next_marked(core, &func))) {
        recv_unlink(core, m);
        m->for_mhf = false;
        run(func, m);
        if (lpvm_state.core != core)
            return; /* the handler called pvm_exit */
    }
}

void mhf_arrived(struct lpvm_core *core, struct pmsg *m)
{
    /* libgpvm3's messages are its own, whatever a handler's wildcards say. */
    if (!lpvm_state.mhf_live || !PVM_CTX_IS_USER(m->ctx) || !lookup(m))
        return;
    if (!core->mhf_parked) {
        if (io_defer(core, IO_AT_REST, dispatch, NULL) < 0)
            return; /* no memory: an ordinary message rather than a lost one */
        core->mhf_parked = true;
    }
    m->for_mhf = true;
}

void mhf_point(struct lpvm_core *core)
{
    if (lpvm_state.mhf_live && !lpvm_state.mhf_running && !core->exiting && !core->dead &&
        PVM_CTX_IS_USER(lpvm_state.ctx))
        (void)io_wait(core, NULL, NULL, 0, NULL);
}

void mhf_clear(void)
{
    free(lpvm_state.mhf);
    lpvm_state.mhf = NULL;
    lpvm_state.nmhf = lpvm_state.capmhf = lpvm_state.mhf_live = 0;
}

/* ======================================================================== */
/* API                                                                      */
/* ======================================================================== */

int pvm_addmhf(int src, int tag, int ctx, int (*func)(int mid))
{
    /* PVM enrols here when it can, and installs the handler either way. */
    struct lpvm_core *core;
    (void)lpvm_core_get(&core);
    /* PVM 3.4.6 takes a NULL function and crashes on the first message
     * it matches. */
    if (!func)
        return lpvm_err("pvm_addmhf", PvmBadParam);
    int slot = -1;
    for (int i = 0; i < lpvm_state.nmhf; i++) {
        const struct mhf *h = &lpvm_state.mhf[i];
        if (!h->func) {
            if (slot < 0)
                slot = i;
        } else if (overlap(h, src, tag, ctx)) {
            return lpvm_err("pvm_addmhf", PvmExists);
        }
    }
    if (slot < 0) {
        if (lpvm_state.nmhf == lpvm_state.capmhf) {
            int ncap = lpvm_state.capmhf ? 2 * lpvm_state.capmhf : 8;
            struct mhf *n = realloc(lpvm_state.mhf, (size_t)ncap * sizeof *n);
            if (!n)
                return lpvm_err("pvm_addmhf", PvmNoMem);
            lpvm_state.mhf = n;
            lpvm_state.capmhf = ncap;
        }
        slot = lpvm_state.nmhf++;
    }
    lpvm_state.mhf[slot] = (struct mhf){.src = src, .tag = tag, .ctx = ctx, .func = func};
    lpvm_state.mhf_live++;
    return slot + MHF_FIRST_ID;
}

int pvm_delmhf(int mhid)
{
    struct lpvm_core *core;
    (void)lpvm_core_get(&core);
    if (mhid < 0)
        return lpvm_err("pvm_delmhf", PvmBadParam);
    int slot = mhid - MHF_FIRST_ID;
    if (slot < 0 || slot >= lpvm_state.nmhf || !lpvm_state.mhf[slot].func)
        return lpvm_err("pvm_delmhf", PvmNotFound);
    lpvm_state.mhf[slot].func = NULL;
    lpvm_state.mhf_live--;
    while (lpvm_state.nmhf > 0 && !lpvm_state.mhf[lpvm_state.nmhf - 1].func)
        lpvm_state.nmhf--;
    /* Messages marked for it are ordinary ones again, now: a receive
     * waiting for one must see it without another message coming. */
    if (lpvm_state.core)
        for (struct pmsg *m = lpvm_state.core->rq_head; m; m = m->next)
            if (m->for_mhf && !lookup(m))
                unmark(lpvm_state.core, m);
    return PvmOk;
}

/* PVM's dump of the handler table (a symbol of its library that pvm3.h
 * does not declare; its mhf_server example calls it). */
int pvmdisplaymhfinfo(char *who, char *msg, int tid)
{
    const char *w = who ? who : "";
    printf("\n%s t%x: message handlers: %d\n", w, (unsigned)tid, lpvm_state.mhf_live);
    if (msg && *msg)
        printf("%s t%x: %s\n", w, (unsigned)tid, msg);
    for (int i = 0; i < lpvm_state.nmhf; i++) {
        const struct mhf *h = &lpvm_state.mhf[i];
        if (!h->func)
            continue;
        char src[16];
        if (h->src == -1)
            snprintf(src, sizeof src, "-1");
        else
            snprintf(src, sizeof src, "t%x", (unsigned)h->src);
        printf("%s t%x:   mhid %d  src %s  tag %d  ctx %d\n", w, (unsigned)tid, i + MHF_FIRST_ID,
               src, h->tag, h->ctx);
    }
    fflush(stdout);
    return 0;
}
