/*
 * context.c - message contexts: pvm_newcontext, pvm_setcontext,
 * pvm_getcontext, pvm_freecontext.
 *
 * A message carries the sender's current context and a receive matches
 * only its own (recv.c).  New contexts come from the task's pvmd
 * (daemon/ctxtab.c): the host number and a local part, as a tid, so they
 * are unique in the virtual machine and PVM 3.4.6's numbers (0x40001
 * first on host 1).  A spawned task starts in its spawner's context at
 * spawn time (SpawnRequest.ctx, HelloReply.ctx).
 *
 * As in PVM 3.4.6, pvm_getcontext and pvm_setcontext enrol when they can
 * but work without a pvmd, pvm_setcontext takes any value (negative too)
 * without checking that it was handed out, and the context outlives
 * pvm_exit.  Only libpvm's reserved contexts (common/defs.h) are refused.
 */
#include "core.h"
#include "defs.h"

int pvm_getcontext(void)
{
    /* Enrolling first: a spawned task's first call learns its inherited
     * context.  Without a pvmd the current one is still the answer. */
    struct lpvm_core *core;
    (void)lpvm_core_get(&core);
    return lpvm_state.ctx;
}

int pvm_setcontext(int ctx)
{
    struct lpvm_core *core;
    (void)lpvm_core_get(&core);
    if (!PVM_CTX_IS_USER(ctx))
        return lpvm_err("pvm_setcontext", PvmBadParam);
    int old = lpvm_state.ctx;
    lpvm_state.ctx = ctx;
    return old;
}

/* Asks the pvmd for a context; returns it or a negative Pvm error. */
static int new_context(struct lpvm_core *core)
{
    ProtobufCMessage *out = NULL;
    int cc =
        lpvm_request(core, PVM__CTL_TYPE__CTL_CTX_NEW, NULL, PVM__CTL_TYPE__CTL_CTX_REPLY, &out);
    if (cc < 0)
        return cc;
    int ctx = ((Pvm__CtxRef *)out)->ctx;
    ctl_free(&out);
    /* Ours are positive: anything else is not a context we may use. */
    return ctx > 0 ? ctx : PvmBadMsg;
}

int pvm_newcontext(void)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc == 0)
        cc = new_context(core);
    return lpvm_err("pvm_newcontext", cc);
}

int pvm_freecontext(int ctx)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_freecontext", cc);
    if (ctx == 0) {
        /* PVM 3.4.6's pvmd reads context 0 as a request for a new one: its
         * pvm_freecontext(0) returns a new context (docs/api-status.md). */
        return lpvm_err("pvm_freecontext", new_context(core));
    }
    if (!PVM_CTX_IS_USER(ctx))
        return lpvm_err("pvm_freecontext", PvmNotFound);
    Pvm__CtxRef r = PVM__CTX_REF__INIT;
    r.ctx = ctx;
    return lpvm_err("pvm_freecontext",
                    lpvm_request_status(core, PVM__CTL_TYPE__CTL_CTX_FREE, &r.base));
}
