/*
 * state.c - the one per-process libpvm state, with PVM 3.4's defaults.
 */
#include "lpvm.h"

struct lpvm lpvm_state = {
    .opt = {
        [PvmRoute] = PvmAllowDirect,
        [PvmAutoErr] = 1,
        [PvmFragSize] = 4096,
        [PvmShowTids] = 1,
        [PvmPollType] = PvmPollSleep,
        [PvmTraceOptions] = PvmTraceFull,
        [PvmSelfTraceOptions] = PvmTraceFull,
    },
    .parent = PvmNoParent,
};
