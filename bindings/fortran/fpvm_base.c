/*
 * fpvm_base.c - the pvmf* routines that only pass integers and strings
 * through to libpvm3: one line each (fpvm.h's macros), then those whose
 * arguments need a little more (spawn, hosts, output, perror).
 */
#include <stdlib.h>
#include <string.h>

#include "fpvm.h"

/* pvmsleep is libpvm3's, outside pvm3.h (PVM 3.4's examples call it). */
int pvmsleep(int secs);

/* ---- enrolment, tasks, hosts ---------------------------------------- */
FPVM_R(pvmfmytid_, pvm_mytid())
FPVM_R(pvmfparent_, pvm_parent())
FPVM_R(pvmfexit_, pvm_exit())
FPVM_R(pvmfhalt_, pvm_halt())
FPVM_I_R(pvmfkill_, pvm_kill)
FPVM_I_R(pvmfpstat_, pvm_pstat)
FPVM_I_R(pvmftidtohost_, pvm_tidtohost)
/* The man page's spelling; PVM 3.4.6's library has only pvmftidtohost. */
FPVM_I_R(pvmftidtoh_, pvm_tidtohost)
FPVM_II_R(pvmfsendsig_, pvm_sendsig)
FPVM_S_R(pvmfmstat_, pvm_mstat, FPVM_NAME_MAX)
FPVM_S_R(pvmfarchcode_, pvm_archcode, FPVM_NAME_MAX)

/* ---- options --------------------------------------------------------- */
FPVM_I_R(pvmfgetopt_, pvm_getopt)
FPVM_II_R(pvmfsetopt_, pvm_setopt)
FPVM_I_R(pvmfserror_, pvm_serror)
FPVM_I_R(pvmfadvise_, pvm_advise)

/* ---- message buffers ------------------------------------------------- */
FPVM_I_R(pvmfinitsend_, pvm_initsend)
FPVM_I_R(pvmfmkbuf_, pvm_mkbuf)
FPVM_I_R(pvmffreebuf_, pvm_freebuf)
FPVM_R(pvmfgetsbuf_, pvm_getsbuf())
FPVM_R(pvmfgetrbuf_, pvm_getrbuf())
FPVM_I_R(pvmfsetsbuf_, pvm_setsbuf)
FPVM_I_R(pvmfsetrbuf_, pvm_setrbuf)
FPVM_I_R(pvmfpkmesg_, pvm_pkmesg)
FPVM_I_R(pvmfpkmesgbody_, pvm_pkmesgbody)

/* call pvmfupkmesg(bufid, newbufid): the man page's argument list; bufid
 * is not used (pvm_upkmesg reads the receive buffer). */
FPVM_API void pvmfupkmesg_(int *bufid, int *newbufid)
{
    (void)bufid;
    *newbufid = pvm_upkmesg();
}

/* ---- send and receive ------------------------------------------------ */
FPVM_II_R(pvmfsend_, pvm_send)
FPVM_II_R(pvmfrecv_, pvm_recv)
FPVM_II_R(pvmfnrecv_, pvm_nrecv)
FPVM_II_R(pvmfprobe_, pvm_probe)

/* ---- contexts and message handlers ----------------------------------- */
FPVM_R(pvmfnewcontext_, pvm_newcontext())
FPVM_R(pvmfgetcontext_, pvm_getcontext())
FPVM_I_R(pvmfsetcontext_, pvm_setcontext)
FPVM_I_R(pvmffreecontext_, pvm_freecontext)
FPVM_I_R(pvmfdelmhf_, pvm_delmhf)

/* call pvmfaddmhf(src, tag, ctx, func, info).  func is handed to
 * pvm_addmhf as it is, as PVM 3.4.6 does: it is called with the message's
 * buffer id by value, so a Fortran handler declares that argument VALUE. */
FPVM_API void pvmfaddmhf_(int *src, int *tag, int *ctx, int (*func)(int), int *info)
{
    *info = pvm_addmhf(*src, *tag, *ctx, func);
}

/* ---- groups (libgpvm3) ------------------------------------------------ */
FPVM_S_R(pvmfjoingroup_, pvm_joingroup, FPVM_GROUP_MAX)
FPVM_S_R(pvmflvgroup_, pvm_lvgroup, FPVM_GROUP_MAX)
FPVM_S_R(pvmfgsize_, pvm_gsize, FPVM_GROUP_MAX)
FPVM_SI_R(pvmfgetinst_, pvm_getinst, FPVM_GROUP_MAX)
FPVM_SI_R(pvmfgettid_, pvm_gettid, FPVM_GROUP_MAX)
FPVM_SI_R(pvmfbarrier_, pvm_barrier, FPVM_GROUP_MAX)
FPVM_SI_R(pvmfbcast_, pvm_bcast, FPVM_GROUP_MAX)
FPVM_SI_R(pvmffreezegroup_, pvm_freezegroup, FPVM_GROUP_MAX)

/* ---- the rest --------------------------------------------------------- */

/* call pvmfsleep(secs) */
FPVM_API void pvmfsleep_(int *secs)
{
    pvmsleep(*secs);
}

/* call pvmfspawn(task, flag, where, ntask, tids, numt): where '*' (its
 * first character) means anywhere, as NULL does in C. */
FPVM_API void pvmfspawn_(char *task, int *flag, char *where, int *ntask, int *tids, int *numt,
                         size_t tasklen, size_t wherelen)
{
    char t[FPVM_NAME_MAX], w[FPVM_NAME_MAX];

    if (fpvm_str_in(t, sizeof t, task, tasklen) != 0) {
        *numt = PvmBadParam;
        return;
    }
    if (wherelen > 0 && where[0] == '*')
        w[0] = '\0';
    else if (fpvm_str_in(w, sizeof w, where, wherelen) != 0) {
        *numt = PvmBadParam;
        return;
    }
    *numt = pvm_spawn(t, NULL, *flag, w, *ntask, tids);
}

/* call pvmfaddhost(host, info) and pvmfdelhost(host, info): one host; info
 * is the call's error, else the host's own result (its pvmd tid, or an
 * error code). */
static void host_one(int (*op)(char **, int, int *), char *host, size_t hostlen, int *info)
{
    char h[FPVM_NAME_MAX];
    char *hp = h;
    int one = 0;

    if (fpvm_str_in(h, sizeof h, host, hostlen) != 0) {
        *info = PvmBadParam;
        return;
    }
    *info = op(&hp, 1, &one);
    if (*info >= 0)
        *info = one;
}

FPVM_API void pvmfaddhost_(char *host, int *info, size_t hostlen)
{
    host_one(pvm_addhosts, host, hostlen, info);
}

FPVM_API void pvmfdelhost_(char *host, int *info, size_t hostlen)
{
    host_one(pvm_delhosts, host, hostlen, info);
}

/* call pvmfcatchout(onoff, info): children's output to this task's
 * standard output, or not. */
FPVM_API void pvmfcatchout_(int *onoff, int *info)
{
    *info = pvm_catchout(*onoff ? stdout : NULL);
}

/* call pvmfperror(msg, info): the whole of msg, trailing blanks included,
 * as PVM 3.4.6 prints it. */
FPVM_API void pvmfperror_(char *msg, int *info, size_t msglen)
{
    char *s = fpvm_str_dup(msg, msglen);

    if (!s) {
        *info = PvmNoMem;
        return;
    }
    *info = pvm_perror(s);
    free(s);
}

/* call pvmfstartpvmd(args, block, info): args is the pvmd's command line,
 * words split at blanks and tabs. */
FPVM_API void pvmfstartpvmd_(char *args, int *block, int *info, size_t argslen)
{
    char *s = fpvm_str_dup(args, argslen);
    char **argv = calloc(argslen / 2 + 1, sizeof *argv);
    int argc = 0;

    if (!s || !argv) {
        free(s);
        free(argv);
        *info = PvmNoMem;
        return;
    }
    for (char *save = NULL, *w = strtok_r(s, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
        argv[argc++] = w;
    *info = pvm_start_pvmd(argc, argc ? argv : NULL, *block);
    free(argv);
    free(s);
}
