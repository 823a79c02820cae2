/*
 * state.c - the one per-process libpvm state, with PVM 3.4's defaults.
 */
#include "core.h"
#include "lpvm.h"

struct lpvm lpvm_state = {
    .opt =
        {
            [PvmRoute] = PvmAllowDirect,
            [PvmAutoErr] = 1,
            [PvmFragSize] = 4096,
            [PvmShowTids] = 1,
            [PvmPollType] = PvmPollSleep,
            [PvmPollTime] = LPVM_SPIN_US, /* spin before sleeping in a receive (io.c) */
            [PvmTraceOptions] = PvmTraceFull,
            [PvmSelfTraceOptions] = PvmTraceFull,
        },
    .parent = PvmNoParent,
};
