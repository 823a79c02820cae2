/*
 * lpvm.h - libpvm3's private interface: what the console, libgpvm3 and
 * libfpvm3 need of libpvm3 beyond PVM's API (pvm3.h).
 *
 * These names are exported from libpvm3.so (libpvm/libpvm3.map lists each
 * one) but are not PVM's API: programs must not use them.  Code outside
 * libpvm3 includes this header and nothing else of libpvm/ or common/
 * (libpvm3's own files use core.h); tests/integration/test_exports.sh
 * fails when libpvm3.so exports a name that is neither declared here nor
 * in pvm3.h (nor in its short list of PVM's undeclared names).
 */
#ifndef PVM_LPVM_H
#define PVM_LPVM_H

#include "pvm3.h"

/* ---- errors ------------------------------------------------------------ */

/* Records an error of API function `fn': sets pvm_errno, prints
 * "libpvm [tid]: fn(): text" to stderr when PvmAutoErr is on, and returns
 * code unchanged, so callers write `return lpvm_err("pvm_send", PvmNoBuf);'.
 * Codes >= 0 are returned as they are and print nothing. */
int lpvm_err(const char *fn, int code);

/* ---- task output messages ---------------------------------------------- *
 * A task's stdout and stderr reach its output tid (PvmOutputTid) as
 * messages with the output tag and context; pvm_catchout's printing and
 * the console's `spawn ->' jobs both read them with lpvm_output_parse.    */

enum lpvm_output {
    LPVM_OUTPUT_BEGIN = 1, /* the task started */
    LPVM_OUTPUT_TEXT,      /* one or more lines it printed */
    LPVM_OUTPUT_END,       /* its output has ended (it exited) */
};

/* Decodes the output message in buffer bufid without moving its unpack
 * cursor.  Sets *tid to the task whose output it is and, for
 * LPVM_OUTPUT_TEXT, *bytes and *n to the text: whole lines with their
 * '\n', except perhaps a last one printed without it.  The text points
 * into the buffer: valid until bufid is freed.  Returns the kind (> 0),
 * 0 for the announcement before LPVM_OUTPUT_BEGIN (PVM's count -2, which
 * asks nothing of a reader), PvmNoSuchBuf, or PvmBadMsg (not an output
 * message). */
int lpvm_output_parse(int bufid, int *tid, const char **bytes, int *n);

/* ---- hosts that failed to start ----------------------------------------- */

/* Why host i (0-based, in the order given) of the last pvm_addhosts call
 * of this process failed, as the pvmd or the remote shell said it ("can't
 * resolve hostname", a pvmd's complaint); "" when it did not fail or
 * nothing was said.  The text is valid until the next pvm_addhosts. */
const char *lpvm_host_why(int i);

/* ---- host addresses ---------------------------------------------------- */

/* The address host i (0-based) of the last pvm_config of this process
 * announces for the daemon mesh ("tcp://10.0.0.7:40123"); "" when not
 * known.  Valid until the next pvm_config. */
const char *lpvm_host_addr(int i);

/* ---- groups (lgroup.c), for libgpvm3 and the console ------------------ *
 * Names are 1..1024 bytes; a NULL or empty name gives PvmNullGroup.  Other
 * errors: PvmSysErr (no pvmd), PvmNoMem, and those of each call.          */

/* Joins group name: returns the instance number (the lowest free one), or
 * PvmDupGroup (already a member), PvmNotInGroup (the group is frozen: PVM
 * 3.4.6's code for it). */
int lpvm_grp_join(const char *name);

/* Leaves group name: PvmOk, PvmNoGroup, PvmNotInGroup. */
int lpvm_grp_leave(const char *name);

/* Waits until `count' members (-1: every member) have called it:
 * PvmOk, PvmNoGroup (also: a member left while the count can no longer be
 * met, or the group is frozen and lost a member), PvmNotInGroup,
 * PvmMismatch (another count than the barrier in progress). */
int lpvm_grp_barrier(const char *name, int count);

/* Waits until `size' members (-1: every member) have called it, then the
 * group is frozen (no more joins): PvmOk, PvmNoGroup, PvmNotInGroup,
 * PvmDupGroup (frozen already), PvmMismatch (another size than the freeze
 * in progress). */
int lpvm_grp_freeze(const char *name, int size);

/* The members of group name by instance number (0: a free instance):
 * returns how many instance numbers there are (>= 0) and sets *tids
 * (valid until the next lpvm_grp_* call), *size (members) and *frozen when
 * not NULL.  Answered from a cached copy while the group has not changed
 * (docs/design.md "Groups").  PvmNoGroup when there is no such group. */
int lpvm_grp_members(const char *name, const int **tids, int *size, int *frozen);

/* Sends count items of datatype at data to tid with tag, in the groups'
 * own context (no user receive sees it).  Returns PvmOk or pvm_psend's
 * errors. */
int lpvm_grp_send(int tid, int tag, int datatype, const void *data, int count);

/* Receives into data the count items of datatype that tid sent with
 * lpvm_grp_send and tag, waiting as long as tid is a member of group
 * name: PvmOk, PvmNoInst when tid left the group (or ended) without
 * sending it, PvmNoData when the message is shorter, PvmSysErr. */
int lpvm_grp_recv(const char *name, int tid, int tag, int datatype, void *data, int count);

/* One group as lpvm_grp_list tells it. */
struct lpvm_group {
    char *name;
    int *tids; /* by instance number, 0: free */
    int ninst; /* entries in tids */
    int size;  /* members */
    int frozen;
    int barrier_waiting; /* members waiting at its barrier */
};

/* Every group of the virtual machine: returns how many and sets *groups
 * (valid until the next call). */
int lpvm_grp_list(const struct lpvm_group **groups);

/* ---- mailbox (mbox_api.c), for the console --------------------------- */

/* The console's reset of the mailbox: every entry goes but those owned by
 * the nkeep tasks in keep (PVM's reset keeps the entries of the tasks it
 * spares, and removes persistent ones).  PvmOk, PvmBadParam, PvmSysErr. */
int lpvm_mbox_reset(const int *keep, int nkeep);

/* ---- pvm_tasks: ti_flag bits ------------------------------------------- */

#define LPVM_TF_CONN 0x04    /* connected to its pvmd (enrolled) */
#define LPVM_TF_SPAWNED 0x02 /* started by a pvmd (not from a shell) */
#define LPVM_TF_CLOSE 0x10   /* left PVM, its process still runs (common/defs.h) */

#endif
