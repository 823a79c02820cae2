/*
 * lpvm.h - libpvm's per-process state and private interface.
 *
 * PVM's API forces one implicit state per process; all of it lives in the
 * single struct lpvm below (STYLE.md 7).  Names with the lpvm_ prefix are
 * exported from libpvm3.so for the console, libgpvm3 and libfpvm3, and are
 * not part of PVM's API.
 */
#ifndef PVM_LPVM_H
#define PVM_LPVM_H

#include <stdint.h>
#include <stdio.h>

#include "pvm3.h"

#define LPVM_NOPT 32 /* pvm_setopt option numbers are 1..25 */

struct lpvm_core; /* connections, peers, receive queue: lpvm.c and friends */

struct lpvm {
    /* message buffers (buf.c) */
    int sbuf; /* active send buffer id, 0 if none */
    int rbuf; /* active receive buffer id, 0 if none */

    /* options (opt.c); indexed by PvmRoute ... PvmNoReset */
    int opt[LPVM_NOPT];

    /* identity (lpvm.c) */
    int mytid;    /* 0 until enrolled */
    int parent;   /* parent's tid or PvmNoParent */
    int pvmd_tid; /* this host's pvmd */

    /* receiving (recv.c) */
    int ctx;                                   /* current context: sent with, matched by receives */
    int (*recvf)(int bufid, int tid, int tag); /* pvm_recvf's matcher, NULL: default */

    /* everything about talking to the pvmd and other tasks (lpvm.c) */
    struct lpvm_core *core;
};

/* The one instance. */
extern struct lpvm lpvm_state;

/* Records an error of API function `fn': sets pvm_errno, prints
 * "libpvm [tid]: fn(): text" to stderr when PvmAutoErr is on, and returns
 * code unchanged, so callers write `return lpvm_err("pvm_send", PvmNoBuf);'.
 * Codes >= 0 are returned as they are and print nothing. */
int lpvm_err(const char *fn, int code);

/* Enrolls the process if needed and returns its tid (> 0), or a negative
 * Pvm error (PvmSysErr: no pvmd).  Prints nothing: for the console and
 * other libraries that report errors their own way. */
int lpvm_enroll(void);

/* Returns true when the process is enrolled and its pvmd connection is up
 * (no enrolment is attempted). */
int lpvm_enrolled(void);

#endif
