/*
 * direct.h - what the pvmd and libpvm agree on for direct routes across
 * hosts (docs/design.md, "Direct routes across hosts").
 *
 * Every task gets a secret of CTL_DIRECT_KEY_LEN bytes from its pvmd when
 * it enrolls.  A task S that may talk to task R directly is handed, by R's
 * pvmd and through the mesh, a credential: a keyed hash of S's and R's
 * tids under R's secret.  R computes the same from its secret, so only
 * tasks the daemons vouched for can prove themselves to R, and nothing
 * about R's secret leaves R's host.
 */
#ifndef PVM_DIRECT_H
#define PVM_DIRECT_H

#include <stdint.h>

#include "ctl.h"

/* Sets cred to the credential of task `from' for task `to' under to's
 * secret `key' (both CTL_DIRECT_KEY_LEN bytes). */
void direct_cred(uint8_t cred[CTL_DIRECT_KEY_LEN], const uint8_t key[CTL_DIRECT_KEY_LEN],
                 int from, int to);

#endif
