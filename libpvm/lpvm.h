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
 * PvmNoSuchBuf, or PvmBadMsg (not an output message). */
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

/* ---- pvm_tasks: ti_flag bits ------------------------------------------- */

#define LPVM_TF_CONN 0x04    /* connected to its pvmd (enrolled) */
#define LPVM_TF_SPAWNED 0x08 /* started by a pvmd (not from a shell) */
#define LPVM_TF_CLOSE 0x10   /* left PVM, its process still runs (common/defs.h) */

#endif
