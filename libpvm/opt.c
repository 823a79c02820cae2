/*
 * opt.c - pvm_setopt / pvm_getopt: all 25 options of PVM 3.4.
 *
 * One table line per option: which values it takes and what setting it
 * does besides storing the value.  The values live in lpvm_state.opt
 * (defaults in state.c).  PvmOutput* and PvmTrace* settings travel in each
 * spawn request; PvmSelfOutput* are sent to the pvmd at once.
 */
#include "core.h"
#include "ctl.h"
#include "tid.h"

static bool any(int v)
{
    (void)v;
    return true;
}

static bool nonneg(int v)
{
    return v >= 0;
}

static bool boolean(int v)
{
    return v == 0 || v == 1;
}

static bool route(int v)
{
    return v == PvmDontRoute || v == PvmAllowDirect || v == PvmRouteDirect;
}

static bool autoerr(int v)
{
    return v >= 0 && v <= 3;
}

static bool tid_or_zero(int v)
{
    return v == 0 || tid_is_valid(v);
}

static bool trace_opts(int v)
{
    return v == PvmTraceFull || v == PvmTraceTime || v == PvmTraceCount;
}

static bool poll_type(int v)
{
    return v == PvmPollConstant || v == PvmPollSleep;
}

static bool frag_size(int v)
{
    /* PVM's own limits; the value only matters to PVM's fragmenting
     * transports and is kept for compatibility. */
    return v >= 64 && v <= (1 << 20);
}

/* pvm_setopt(3PVM): setting PvmSelfOutputTid or PvmSelfOutputCode also
 * gives PvmOutputTid and PvmOutputCode those values (children's output
 * follows the task's own); the same holds for the trace pair. */
static void mirror_self(int tid_opt, int code_opt, int self_tid, int self_code)
{
    int *o = lpvm_state.opt;
    o[tid_opt] = o[self_tid];
    o[code_opt] = o[self_code];
}

static int push_self_output(int what)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc == 0)
        cc = opt_push_self_output(core);
    if (cc == 0 && what != PvmSelfOutputContext)
        mirror_self(PvmOutputTid, PvmOutputCode, PvmSelfOutputTid, PvmSelfOutputCode);
    return cc;
}

static int mirror_self_trace(int what)
{
    (void)what;
    mirror_self(PvmTraceTid, PvmTraceCode, PvmSelfTraceTid, PvmSelfTraceCode);
    return 0;
}

struct optdef {
    bool (*valid)(int v);
    int (*apply)(int what); /* after storing; a failure restores the old value */
};

static const struct optdef opts[LPVM_NOPT] = {
    [PvmRoute] = {route, NULL},
    [PvmDebugMask] = {any, NULL},
    [PvmAutoErr] = {autoerr, NULL},
    [PvmOutputTid] = {tid_or_zero, NULL},
    [PvmOutputCode] = {any, NULL},
    [PvmTraceTid] = {tid_or_zero, NULL},
    [PvmTraceCode] = {any, NULL},
    [PvmTraceBuffer] = {nonneg, NULL},
    [PvmTraceOptions] = {trace_opts, NULL},
    [PvmFragSize] = {frag_size, NULL},
    [PvmResvTids] = {boolean, NULL},
    [PvmSelfOutputTid] = {tid_or_zero, push_self_output},
    [PvmSelfOutputCode] = {any, push_self_output},
    [PvmSelfTraceTid] = {tid_or_zero, mirror_self_trace},
    [PvmSelfTraceCode] = {any, mirror_self_trace},
    [PvmSelfTraceBuffer] = {nonneg, NULL},
    [PvmSelfTraceOptions] = {trace_opts, NULL},
    [PvmShowTids] = {boolean, NULL},
    [PvmPollType] = {poll_type, NULL},
    [PvmPollTime] = {nonneg, NULL},
    [PvmOutputContext] = {any, NULL},
    [PvmTraceContext] = {any, NULL},
    [PvmSelfOutputContext] = {any, push_self_output},
    [PvmSelfTraceContext] = {any, NULL},
    [PvmNoReset] = {boolean, mbox_api_noreset},
};

static const struct optdef *lookup(int what)
{
    if (what <= 0 || what >= LPVM_NOPT || !opts[what].valid)
        return NULL;
    return &opts[what];
}

int opt_push_self_output(struct lpvm_core *core)
{
    Pvm__OutputRedirect r = PVM__OUTPUT_REDIRECT__INIT;
    r.out_tid = lpvm_state.opt[PvmSelfOutputTid];
    r.out_code = lpvm_state.opt[PvmSelfOutputCode];
    r.out_ctx = lpvm_state.opt[PvmSelfOutputContext];
    /* The pvmd sends what it already read before the change to the old
     * place: flush ours first so lines printed before are not redirected. */
    fflush(stdout);
    fflush(stderr);
    return lpvm_request_status(core, PVM__CTL_TYPE__CTL_SET_OUTPUT, &r.base);
}

int pvm_setopt(int what, int val)
{
    const struct optdef *d = lookup(what);
    if (!d || !d->valid(val))
        return lpvm_err("pvm_setopt", PvmBadParam);
    int old = lpvm_state.opt[what];
    lpvm_state.opt[what] = val;
    if (d->apply) {
        int cc = d->apply(what);
        if (cc < 0) {
            lpvm_state.opt[what] = old;
            return lpvm_err("pvm_setopt", cc);
        }
    }
    return old;
}

int pvm_getopt(int what)
{
    if (!lookup(what))
        return lpvm_err("pvm_getopt", PvmBadParam);
    return lpvm_state.opt[what];
}
