/*
 * placement.h - where spawned tasks go.
 *
 * pvm_spawn's flags choose the hosts: PvmTaskHost a named host (with
 * PvmHostCompl: every other one), PvmTaskArch the hosts of an
 * architecture, PvmTaskDefault every host.  The copies are dealt over the
 * chosen hosts round-robin, carrying on where the previous spawn stopped
 * (PVM spreads the same way).  Copies for this host start here; those for
 * another host go to its pvmd as a spawn request of their own (through the
 * pending table) and the answers are put back in order: one tid or error
 * per copy, as pvm_spawn returns them.
 */
#ifndef PVMD_PLACEMENT_H
#define PVMD_PLACEMENT_H

#include "ctl.h"
#include "request.h"

struct pvmd;

/* Serves CTL_SPAWN request r.  From a peer pvmd, the copies start here
 * with the request's parent; from a local task, as described above. */
void placement_spawn(struct pvmd *d, const struct req *r, const Pvm__SpawnRequest *s);

/* The whole sibling list of a spawn over several hosts: this host's tasks
 * among tids[0..n-1] take it, and those already enrolled are sent it
 * (PVM_SYS_CTX, PVM_TAG_SIBLINGS). */
void placement_siblings(struct pvmd *d, const int32_t *tids, size_t n);

#endif
