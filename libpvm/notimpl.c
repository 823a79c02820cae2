/*
 * notimpl.c - libpvm3 functions that belong to a later issue, in one
 * place.  Each returns PvmNotImpl through lpvm_err (so pvm_errno is set and
 * PvmAutoErr reports it), never a silent success; docs/api-status.md says
 * which issue brings each one.  When an issue lands, its functions move
 * out of this file into their real home.
 *
 * The functions at the end are real: they need nothing from a later issue.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "defs.h"
#include "lpvm.h"

#define NOTIMPL(fn) return lpvm_err(#fn, PvmNotImpl)

/* ===================================================================== */
/* Tracing                                                                */
/* ===================================================================== */

int pvm_reg_tracer(int tctx, int ttag, int octx, int otag, char *tmask, int tbuf, int topt)
{
    (void)tctx, (void)ttag, (void)octx, (void)otag, (void)tmask, (void)tbuf, (void)topt;
    NOTIMPL(pvm_reg_tracer);
}

int pvm_settmask(int who, char *mask)
{
    (void)who, (void)mask;
    NOTIMPL(pvm_settmask);
}

int pvm_gettmask(int who, char *mask)
{
    (void)who, (void)mask;
    NOTIMPL(pvm_gettmask);
}

/* ===================================================================== */
/* Real already                                                           */
/* ===================================================================== */

/* PVM 3.3's name for setting the route option. */
int pvm_advise(int how)
{
    return pvm_setopt(PvmRoute, how);
}

/* The remote shell used to start pvmds on other hosts (CONTRACT.md). */
char *pvmgetrsh(void)
{
    char *rsh = getenv(ENV_PVM_RSH);
    return (rsh && *rsh) ? rsh : "ssh";
}

/* The parent of the socket directory (common/defs.h). */
char *pvmgettmp(void)
{
    char *tmp = getenv(ENV_PVM_TMP);
    return (tmp && *tmp) ? tmp : "/tmp";
}

/* A new name for a temporary file each call, as PVM 3.4.6 makes them:
 * pvmgettmp()/pvmtmpnam<pid, 6 digits>.<count from 1>.  Written to buf
 * (which, as for tmpnam(3), must have room), or to a static buffer when
 * buf is NULL; the name is returned. */
char *pvmtmpnam(char *buf)
{
    static char name[PATH_MAX];
    static int count;
    snprintf(name, sizeof name, "%s/pvmtmp%06d.%d", pvmgettmp(), (int)getpid(), ++count);
    return buf ? strcpy(buf, name) : name;
}

/* ===================================================================== */
/* PVM 3.4 library symbols outside pvm3.h                                 */
/* ===================================================================== */

/* PVM's libpvm3 exports these without declaring them in pvm3.h, and its
 * own examples use them (bwtest, mbox and trsg call pvmsleep; mhf_server,
 * mhf_tickle, rme, task0, task1 and task_end call lpvmerr; bwtest calls
 * pvmgetclock; ptest sets pvmdebmask), so they must link here too
 * (pvmdisplaymhfinfo, which mhf_server calls, is in mhf.c). */
int pvmsleep(int secs);
int lpvmerr(char *fn, int code);
int pvmgetclock(struct timeval *tm);

/* PVM's library debug mask.  Accepted so such programs link; libpvm's own
 * diagnostics follow pvm_setopt(PvmDebugMask) instead. */
int pvmdebmask;

/* Sleeps secs seconds; returns 0. */
int pvmsleep(int secs)
{
    if (secs > 0)
        sleep((unsigned)secs);
    return 0;
}

/* PVM's internal form of lpvm_err: records code as the last error (even a
 * positive one, as PVM does) and reports it under fn; returns code. */
int lpvmerr(char *fn, int code)
{
    pvm_errno = code;
    return lpvm_err(fn ? fn : "", code);
}

/* The time of day into *tm; returns 0. */
int pvmgetclock(struct timeval *tm)
{
    if (!tm)
        return lpvm_err("pvmgetclock", PvmBadParam);
    gettimeofday(tm, NULL);
    return 0;
}
