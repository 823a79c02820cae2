/*
 * catchout.c - pvm_catchout: children's output printed by the parent.
 *
 * The children spawned after pvm_catchout(ff) get the caller as output tid,
 * with PVM_TAG_CATCHOUT in libpvm's context PVM_SYS_CTX; their pvmd sends
 * each line as a message (format in common/outmsg.h) that io.c hands here
 * instead of queueing it.  Lines are printed as PVM prints them:
 *
 *     [t40002] BEGIN
 *     [t40002] text the child printed
 *     [t40002] EOF
 *
 * or as raw text with PvmShowTids off.  pvm_exit waits for every EOF,
 * saying so first as PVM 3.4.6 does.
 *
 * common/outmsg.c knows the output message's layout; on the library side
 * catchout_parse is its one reader, the console's jobs included (through
 * lpvm_output_parse).
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "defs.h"
#include "outmsg.h"
#include "tid.h"

/* Index of tid's entry (awaited or ended), or -1. */
static int find(const struct lpvm_core *core, int tid)
{
    for (int i = 0; i < core->ntids; i++)
        if (core->catch_tids[i] == tid || core->catch_tids[i] == -tid)
            return i;
    return -1;
}

static int add(struct lpvm_core *core, int entry)
{
    if (core->ntids == core->captids) {
        int ncap = core->captids ? core->captids * 2 : 16;
        int *n = realloc(core->catch_tids, (size_t)ncap * sizeof *n);
        if (!n)
            return -1; /* pvm_exit will then not wait for this one */
        core->catch_tids = n;
        core->captids = ncap;
    }
    core->catch_tids[core->ntids++] = entry;
    return 0;
}

/* Each child's END is awaited once, whichever comes first of pvm_spawn's
 * reply and its BEGIN (a short-lived child's BEGIN and END can be read in
 * the same batch as the spawn reply, before pvm_spawn records the tid). */
void catchout_expect(struct lpvm_core *core, int tid)
{
    if (find(core, tid) < 0 && add(core, tid) == 0)
        core->ncatch++;
}

static void child_ended(struct lpvm_core *core, int tid)
{
    int i = find(core, tid);
    if (i < 0) {
        add(core, -tid);
    } else if (core->catch_tids[i] == tid) {
        core->catch_tids[i] = -tid;
        core->ncatch--;
    }
}

/* Prints n bytes of whole lines from task tid. */
static void print_lines(FILE *f, int tid, const char *p, size_t n)
{
    bool tids = lpvm_state.opt[PvmShowTids] != 0;
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t l = nl ? (size_t)(nl - p) : n;
        if (tids)
            fprintf(f, "[t%x] %.*s\n", (unsigned)tid, (int)l, p);
        else
            fprintf(f, "%.*s\n", (int)l, p);
        size_t step = nl ? l + 1 : l;
        p += step;
        n -= step;
    }
}

/* ======================================================================== */
/* The output message, decoded in one place                                 */
/* ======================================================================== */

int catchout_parse(struct pmsg *m, int *tid, const char **bytes, int *n)
{
    if (m->enc != PvmDataDefault)
        return PvmBadMsg; /* the pvmd sends output in PvmDataDefault only */
    struct outmsg om;
    if (outmsg_decode(pmsg_body(m), m->len, &om) < 0 || !tid_is_valid(om.tid))
        return PvmBadMsg;
    *tid = om.tid;
    *bytes = om.bytes;
    *n = om.count > 0 ? om.count : 0;
    if (om.count == OUTPUT_NEW)
        return 0; /* OUTPUT_BEGIN follows: nothing to do before it */
    if (om.count == OUTPUT_BEGIN)
        return LPVM_OUTPUT_BEGIN;
    if (om.count == OUTPUT_END)
        return LPVM_OUTPUT_END;
    return LPVM_OUTPUT_TEXT;
}

int lpvm_output_parse(int bufid, int *tid, const char **bytes, int *n)
{
    struct pmsg *m = pmsg_lookup(bufid);
    if (!m)
        return PvmNoSuchBuf;
    return catchout_parse(m, tid, bytes, n);
}

/* ======================================================================== */
/* pvm_catchout                                                             */
/* ======================================================================== */

void catchout_handle(struct lpvm_core *core, struct pmsg *m)
{
    int tid, n;
    const char *text;
    int kind = catchout_parse(m, &tid, &text, &n);
    FILE *f = core->catch_fp ? core->catch_fp : stdout;
    bool tids = lpvm_state.opt[PvmShowTids] != 0;
    if (kind == LPVM_OUTPUT_BEGIN) {
        catchout_expect(core, tid); /* grandchildren announce themselves */
        if (tids)
            fprintf(f, "[t%x] BEGIN\n", (unsigned)tid);
    } else if (kind == LPVM_OUTPUT_END) {
        child_ended(core, tid);
        if (tids)
            fprintf(f, "[t%x] EOF\n", (unsigned)tid); /* PVM's word */
    } else if (kind == LPVM_OUTPUT_TEXT && n > 0) {
        print_lines(f, tid, text, (size_t)n);
    }
    if (kind > 0)
        fflush(f);
    pmsg_destroy(&m);
}

static bool all_ended(struct lpvm_core *core, void *arg)
{
    (void)arg;
    return core->ncatch == 0;
}

void catchout_drain(struct lpvm_core *core)
{
    if (core->ncatch > 0) {
        /* PVM 3.4.6 says so (whatever PvmAutoErr is, but not with
         * PvmShowTids off) whenever a caught child's output has not ended
         * yet, even if its process already has. */
        if (lpvm_state.opt[PvmShowTids])
            fprintf(stderr, "libpvm [t%x]: child task(s) still running.  waiting...\n",
                    (unsigned)lpvm_state.mytid);
        io_wait(core, all_ended, NULL, IO_FOREVER, NULL);
    }
}

int pvm_catchout(FILE *ff)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_catchout", cc);
    int *o = lpvm_state.opt;
    if (ff) {
        core->catch_fp = ff;
        o[PvmOutputTid] = lpvm_state.mytid;
        o[PvmOutputCode] = PVM_TAG_CATCHOUT;
        o[PvmOutputContext] = PVM_SYS_CTX;
    } else {
        /* Children spawned from now on print to the pvmd's log; those
         * already caught still print here, but pvm_exit does not wait. */
        if (o[PvmOutputTid] == lpvm_state.mytid && o[PvmOutputContext] == PVM_SYS_CTX) {
            o[PvmOutputTid] = 0;
            o[PvmOutputCode] = 0;
            o[PvmOutputContext] = 0;
        }
        core->ntids = core->ncatch = 0;
    }
    return PvmOk;
}
