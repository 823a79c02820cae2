/*
 * opt.c - pvm_setopt / pvm_getopt: all 25 options of PVM 3.4, checked as
 * PVM 3.4.6 checks them.
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

static bool route(int v)
{
    return v == PvmDontRoute || v == PvmAllowDirect || v == PvmRouteDirect;
}

static bool tid_or_zero(int v)
{
    return v == 0 || tid_is_valid(v);
}

/* PVM 3.4.6 lets a task send its children's output and trace only to
 * itself (or nowhere), whatever the man page suggests. */
static bool self_or_zero(int v)
{
    return v == 0 || (v > 0 && v == lpvm_state.mytid);
}

static bool trace_opts(int v)
{
    return v == PvmTraceFull || v == PvmTraceTime || v == PvmTraceCount;
}

static bool frag_size(int v)
{
    /* PVM 3.4.6's limits; the value only matters to PVM's fragmenting
     * transports and is kept for compatibility. */
    return v >= 52 && v <= (1 << 20);
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
    (void)what;
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc == 0)
        cc = opt_push_self_output(core);
    if (cc == 0)
        mirror_self(PvmOutputTid, PvmOutputCode, PvmSelfOutputTid, PvmSelfOutputCode);
    return cc;
}

static int mirror_self_trace(int what)
{
    (void)what;
    mirror_self(PvmTraceTid, PvmTraceCode, PvmSelfTraceTid, PvmSelfTraceCode);
    return 0;
}

/* How each option is set.  The checks are PVM 3.4.6's, not its man
 * page's (docs/design.md, "PVM 3.4.6 against its man pages"): most
 * options take any value; PvmSelfOutputTid and PvmSelfTraceTid take any
 * value too (a destination that is no task loses the output, as there). */
struct optdef {
    bool (*valid)(int v);
    int (*apply)(int what); /* after storing; a failure restores the old value */
    int refused;            /* pvm_setopt's error for an option 3.4.6 cannot set */
    int self_tid;           /* a code option ignored while this tid option is 0 */
    bool no_get;            /* pvm_getopt says PvmBadParam, as 3.4.6 does */
};

static const struct optdef opts[LPVM_NOPT] = {
    [PvmRoute] = {route},
    [PvmDebugMask] = {any},
    [PvmAutoErr] = {any},
    [PvmOutputTid] = {self_or_zero},
    [PvmOutputCode] = {any},
    [PvmTraceTid] = {self_or_zero},
    [PvmTraceCode] = {any},
    [PvmTraceBuffer] = {any},
    [PvmTraceOptions] = {trace_opts},
    [PvmFragSize] = {frag_size},
    [PvmResvTids] = {any},
    [PvmSelfOutputTid] = {any, push_self_output},
    [PvmSelfOutputCode] = {any, push_self_output, .self_tid = PvmSelfOutputTid},
    [PvmSelfTraceTid] = {any, mirror_self_trace},
    [PvmSelfTraceCode] = {any, mirror_self_trace, .self_tid = PvmSelfTraceTid},
    [PvmSelfTraceBuffer] = {any},
    [PvmSelfTraceOptions] = {trace_opts},
    [PvmShowTids] = {any},
    /* PVM's shared-memory options: 3.4.6 builds without them refuse both
     * ways.  Ours keeps PvmPollTime's slot for the receive's spin (io.c). */
    [PvmPollType] = {any, .refused = PvmNotImpl, .no_get = true},
    [PvmPollTime] = {any, .refused = PvmNotImpl, .no_get = true},
    [PvmOutputContext] = {any},
    [PvmTraceContext] = {any},
    /* Read-only in 3.4.6: a spawned task inherits them from its parent. */
    [PvmSelfOutputContext] = {any, .refused = PvmNotImpl},
    [PvmSelfTraceContext] = {any, .refused = PvmNotImpl},
    [PvmNoReset] = {any, mbox_api_noreset},
};

static const struct optdef *lookup(int what)
{
    if (what <= 0 || what >= LPVM_NOPT || !opts[what].valid)
        return NULL;
    return &opts[what];
}

int opt_dest_tid(int v)
{
    return tid_or_zero(v) ? v : 0;
}

int opt_push_self_output(struct lpvm_core *core)
{
    Pvm__OutputRedirect r = PVM__OUTPUT_REDIRECT__INIT;
    r.out_tid = opt_dest_tid(lpvm_state.opt[PvmSelfOutputTid]);
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
    if (d->refused)
        return lpvm_err("pvm_setopt", d->refused);
    if (d->self_tid && !lpvm_state.opt[d->self_tid]) {
        /* 3.4.6 ignores a code without its destination: it returns 0 and
         * reports "Error 0" (PvmAutoErr); the code is not stored. */
        lpvm_report("pvm_setopt", PvmOk);
        return 0;
    }
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
    const struct optdef *d = lookup(what);
    if (!d || d->no_get)
        return lpvm_err("pvm_getopt", PvmBadParam);
    return lpvm_state.opt[what];
}
