/*
 * state.c - the one per-process libpvm state, with PVM 3.4's defaults.
 */
#include "core.h"
#include "defs.h"
#include "lpvm.h"

/* lpvm.h repeats common/defs.h's task flags for the console, which does not
 * include common/. */
_Static_assert(LPVM_TF_CONN == TF_CONN && LPVM_TF_SPAWNED == TF_SPAWNED &&
                   LPVM_TF_CLOSE == TF_CLOSE,
               "lpvm.h's task flags must be defs.h's");

struct lpvm lpvm_state = {
    .opt =
        {
            [PvmRoute] = PvmAllowDirect,
            [PvmAutoErr] = 1,
            [PvmFragSize] = 4080, /* PVM 3.4.6's */
            [PvmShowTids] = 1,
            [PvmPollType] = PvmPollSleep,
            [PvmPollTime] = LPVM_SPIN_US, /* spin before sleeping in a receive (io.c) */
        },
    .parent = PvmNoParent,
};
