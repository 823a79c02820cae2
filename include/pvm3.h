/*
 * pvm3.h - the C interface of this Parallel Virtual Machine.
 *
 * Source compatible with PVM 3.4: every function, constant, option and
 * structure of PVM 3.4 has the same name, signature and value here, so
 * existing PVM programs compile unmodified.  Functions return a value >= 0
 * on success or a negative Pvm* error code (see pvm_perror).
 *
 * Functions that a later stage of this project implements return PvmNotImpl
 * until then; libpvm/notimpl.c lists them in one place.
 */
#ifndef PVM3_H
#define PVM3_H

#include <stdio.h>    /* FILE, for pvm_catchout */
#include <sys/time.h> /* struct timeval, for pvm_trecv and pvm_hostsync */

#ifdef __cplusplus
extern "C" {
#endif

/* Some old programs test for these. */
#define _PVM3_H_

/* ------------------------------------------------------------------ */
/* Version                                                            */
/* ------------------------------------------------------------------ */

#define PVM_VER "3.4.6"
#define PVM_MAJOR_VERSION 3
#define PVM_MINOR_VERSION 4
#define PVM_PATCH_VERSION 6

/* ------------------------------------------------------------------ */
/* Data encodings (pvm_initsend, pvm_mkbuf)                           */
/* ------------------------------------------------------------------ */

#define PvmDataDefault 0 /* portable: big-endian, any host can read it */
#define PvmDataRaw 1     /* native byte order, copied at pack time */
#define PvmDataInPlace 2 /* native; only a reference is kept, read at send */
#define PvmDataFoo PvmDataDefault
#define PvmDataTrace 4 /* trace records */

/* ------------------------------------------------------------------ */
/* pvm_spawn flags                                                    */
/* ------------------------------------------------------------------ */

#define PvmTaskDefault 0
#define PvmTaskHost 1  /* `where' names a host */
#define PvmTaskArch 2  /* `where' names an architecture */
#define PvmTaskDebug 4 /* start under a debugger */
#define PvmTaskTrace 8 /* task generates trace events */
#define PvmMppFront 16
#define PvmHostCompl 32 /* any host but `where' */
#define PvmNoSpawnParent 64

/* ------------------------------------------------------------------ */
/* pvm_notify kinds                                                   */
/* ------------------------------------------------------------------ */

#define PvmTaskExit 1
#define PvmHostDelete 2
#define PvmHostAdd 3
#define PvmRouteAdd 4
#define PvmRouteDelete 5
#define PvmNotifyCancel 256 /* or'ed with a kind: cancel earlier notifies */

/* ------------------------------------------------------------------ */
/* pvm_setopt / pvm_getopt options and values                         */
/* ------------------------------------------------------------------ */

#define PvmRoute 1
#define PvmDontRoute 1
#define PvmAllowDirect 2
#define PvmRouteDirect 3
#define PvmDebugMask 2
#define PvmAutoErr 3
#define PvmOutputTid 4
#define PvmOutputCode 5
#define PvmTraceTid 6
#define PvmTraceCode 7
#define PvmTraceBuffer 8
#define PvmTraceOptions 9
#define PvmTraceFull 1
#define PvmTraceTime 2
#define PvmTraceCount 3
#define PvmFragSize 10
#define PvmResvTids 11
#define PvmSelfOutputTid 12
#define PvmSelfOutputCode 13
#define PvmSelfTraceTid 14
#define PvmSelfTraceCode 15
#define PvmSelfTraceBuffer 16
#define PvmSelfTraceOptions 17
#define PvmShowTids 18
#define PvmPollType 19
#define PvmPollConstant 1
#define PvmPollSleep 2
#define PvmPollTime 20
#define PvmOutputContext 21
#define PvmTraceContext 22
#define PvmSelfOutputContext 23
#define PvmSelfTraceContext 24
#define PvmNoReset 25

/* pvm_settmask / pvm_gettmask */
#define PvmTaskSelf 0
#define PvmTaskChild 1

/* Contexts */
#define PvmBaseContext 0

/* ------------------------------------------------------------------ */
/* Mailbox (pvm_putinfo, pvm_recvinfo, pvm_delinfo) flags             */
/* ------------------------------------------------------------------ */

#define PvmMboxDefault 0
#define PvmMboxPersistent 1
#define PvmMboxMultiInstance 2
#define PvmMboxOverWritable 4
#define PvmMboxFirstAvail 8
#define PvmMboxReadAndDelete 16
#define PvmMboxWaitForInfo 32
#define PvmMboxMaxFlag 512
#define PvmMboxDirectIndexShift 10
/* Direct indices are 0 .. PvmMboxMaxDirectIndex - 1 (PVM 3.4's values). */
#define PvmMboxMaxDirectIndex ((unsigned)1 << (31 - PvmMboxDirectIndexShift))
#define PvmMboxDirectIndexOf(flags)                                                                \
    (((flags) & ((PvmMboxMaxDirectIndex - 1) << PvmMboxDirectIndexShift)) >>                       \
     PvmMboxDirectIndexShift)
#define PvmMboxDirectIndex(index)                                                                  \
    ((int)(((unsigned)(index) & (PvmMboxMaxDirectIndex - 1)) << PvmMboxDirectIndexShift))

/* Reserved mailbox class names */
#define PVMNORESETCLASS "###_PVM_NO_RESET_###"
#define PVMHOSTERCLASS "###_PVM_HOSTER_###"
#define PVMTASKERCLASS "###_PVM_TASKER_###"
#define PVMTRACERCLASS "###_PVM_TRACER_###"
#define PVMRMCLASS "###_PVM_RM_###"

/* ------------------------------------------------------------------ */
/* Error codes (texts: pvm_perror)                                    */
/* ------------------------------------------------------------------ */

#define PvmOk 0
#define PvmBadParam -2
#define PvmMismatch -3
#define PvmOverflow -4
#define PvmNoData -5
#define PvmNoHost -6
#define PvmNoFile -7
#define PvmDenied -8
#define PvmNoMem -10
#define PvmBadMsg -12
#define PvmSysErr -14
#define PvmNoBuf -15
#define PvmNoSuchBuf -16
#define PvmNullGroup -17
#define PvmDupGroup -18
#define PvmNoGroup -19
#define PvmNotInGroup -20
#define PvmNoInst -21
#define PvmHostFail -22
#define PvmNoParent -23
#define PvmNotImpl -24
#define PvmDSysErr -25
#define PvmBadVersion -26
#define PvmOutOfRes -27
#define PvmDupHost -28
#define PvmCantStart -29
#define PvmAlready -30
#define PvmNoTask -31
#define PvmNotFound -32
#define PvmExists -33
#define PvmHostrNMstr -34
#define PvmParentNotSet -35
#define PvmIPLoopback -36

#define PvmNoEntry PvmNotFound
#define PvmDupEntry PvmDenied

/* ------------------------------------------------------------------ */
/* Data type codes (pvm_psend, pvm_precv, pvm_reduce, ...)            */
/* ------------------------------------------------------------------ */

#define PVM_STR 0
#define PVM_BYTE 1
#define PVM_SHORT 2
#define PVM_INT 3
#define PVM_FLOAT 4
#define PVM_CPLX 5
#define PVM_DOUBLE 6
#define PVM_DCPLX 7
#define PVM_LONG 8
#define PVM_USHORT 9
#define PVM_UINT 10
#define PVM_ULONG 11

/* ------------------------------------------------------------------ */
/* Structures                                                         */
/* ------------------------------------------------------------------ */

/* One host of the virtual machine, as returned by pvm_config. */
struct pvmhostinfo {
    int hi_tid;    /* tid of the host's pvmd */
    char *hi_name; /* host name */
    char *hi_arch; /* architecture, e.g. "LINUX64" */
    int hi_speed;  /* relative speed */
    int hi_dsig;   /* data signature */
};

/* One task, as returned by pvm_tasks. */
struct pvmtaskinfo {
    int ti_tid;     /* task id */
    int ti_ptid;    /* parent's tid, or 0 */
    int ti_host;    /* tid of the pvmd of its host */
    int ti_flag;    /* status flags */
    char *ti_a_out; /* program name */
    int ti_pid;     /* process id on its host */
};

/* Message header fields, for pvm_getminfo / pvm_setminfo. */
struct pvmminfo {
    int len; /* message length in bytes */
    int ctx; /* context */
    int tag; /* message tag */
    int wid; /* wait id */
    int enc; /* encoding */
    int crc; /* checksum */
    int src; /* source tid */
    int dst; /* destination tid */
};

/* One mailbox class, as returned by pvm_getmboxinfo. */
struct pvmmboxinfo {
    char *mi_name;   /* class name */
    int mi_nentries; /* number of entries */
    int *mi_indices; /* entry indices */
    int *mi_owners;  /* owner tids */
    int *mi_flags;   /* entry flags */
};

#define PVMTMPNAMLEN 128

/* ------------------------------------------------------------------ */
/* Globals                                                            */
/* ------------------------------------------------------------------ */

/* The last error a libpvm call returned (PVM 3.4 exports it). */
extern int pvm_errno;
/* Error texts indexed by -code, and their number. */
extern char *pvm_errlist[];
extern int pvm_nerr;

/* ------------------------------------------------------------------ */
/* Task control                                                       */
/* ------------------------------------------------------------------ */

/* Enrolls the caller (connecting to the local pvmd) and returns its tid. */
int pvm_mytid(void);
/* Returns the tid of the task that spawned the caller, or PvmNoParent. */
int pvm_parent(void);
/* Leaves the virtual machine; the process goes on as a non-PVM process. */
int pvm_exit(void);
/* Starts ntask copies of task; fills tids[] with tids or error codes and
 * returns how many started. */
int pvm_spawn(char *task, char **argv, int flag, char *where, int ntask, int *tids);
/* Kills task tid (not the caller itself: use pvm_exit). */
int pvm_kill(int tid);
/* Sends signal signum to task tid. */
int pvm_sendsig(int tid, int signum);
/* Sets *tids to the tids spawned together with the caller; returns their number. */
int pvm_siblings(int **tids);
/* Returns the tid of the pvmd of the host where tid runs. */
int pvm_tidtohost(int tid);
/* Returns task information (which: 0 all, a pvmd tid, or a task tid). */
int pvm_tasks(int which, int *ntask, struct pvmtaskinfo **taskp);
/* Returns the host table. */
int pvm_config(int *nhost, int *narch, struct pvmhostinfo **hostp);
/* Returns PvmOk if task tid is running, PvmNoTask if not. */
int pvm_pstat(int tid);
/* Returns PvmOk if host is in the virtual machine, PvmNoHost if not. */
int pvm_mstat(char *host);
/* Adds hosts; infos[i] gets each host's pvmd tid or error. */
int pvm_addhosts(char **hosts, int nhost, int *infos);
/* Deletes hosts; infos[i] gets each host's status. */
int pvm_delhosts(char **hosts, int nhost, int *infos);
/* Stops every pvmd and task of the virtual machine. */
int pvm_halt(void);
/* Starts a pvmd with argv; block: wait until it is up. */
int pvm_start_pvmd(int argc, char **argv, int block);
/* Returns the data signature of an architecture, or PvmNotFound. */
int pvm_archcode(char *arch);
/* Returns the library version string (do not free). */
char *pvm_version(void);
/* Asks a pvmd for its clock, for time synchronisation. */
int pvm_hostsync(int host, struct timeval *clk, struct timeval *delta);
/* Returns the tids that the console's reset must not kill. */
int pvm_getnoresets(int **tids, int *ntids);
/* Debugging hook of the daemon (see pvm_tickle(3PVM)). */
int pvm_tickle(int narg, int *argp, int *nresp, int *resp);

/* ------------------------------------------------------------------ */
/* Output and environment                                             */
/* ------------------------------------------------------------------ */

/* Collects the stdout/stderr of the caller's children onto ff (NULL: stop). */
int pvm_catchout(FILE *ff);
/* Adds a variable name to PVM_EXPORT. */
int pvm_export(char *name);
/* Removes a variable name from PVM_EXPORT. */
int pvm_unexport(char *name);

/* ------------------------------------------------------------------ */
/* Options and errors                                                 */
/* ------------------------------------------------------------------ */

int pvm_setopt(int what, int val);
int pvm_getopt(int what);
/* Prints msg and the text of the last error to stderr. */
int pvm_perror(char *msg);
/* Old spelling of pvm_setopt(PvmAutoErr, how). */
int pvm_serror(int how);
/* Returns the text of pvm_errno (do not free). */
char *pvm_strerror(void);
/* Returns the file descriptors libpvm waits on; fds[0] is the daemon's. */
int pvm_getfds(int **fds);
/* Old spelling of pvm_setopt(PvmRoute, how). */
int pvm_advise(int how);
/* Trace masks (see pvm_settmask(3PVM)). */
int pvm_settmask(int who, char *mask);
int pvm_gettmask(int who, char *mask);
/* Path of the remote shell and the temporary directory in use. */
char *pvmgetrsh(void);
char *pvmgettmp(void);
char *pvmtmpnam(char *buf);

/* ------------------------------------------------------------------ */
/* Message buffers                                                    */
/* ------------------------------------------------------------------ */

/* Creates an empty buffer with encoding; returns its id. */
int pvm_mkbuf(int encoding);
/* Frees a buffer; freeing the active send or receive buffer clears it. */
int pvm_freebuf(int bufid);
int pvm_getsbuf(void);
int pvm_getrbuf(void);
/* Makes bufid the active send buffer; returns the previous one. */
int pvm_setsbuf(int bufid);
/* Makes bufid the active receive buffer; returns the previous one. */
int pvm_setrbuf(int bufid);
/* Clears the send buffer (making a new one) with encoding; returns its id. */
int pvm_initsend(int encoding);
/* Returns a buffer's length, tag and source tid. */
int pvm_bufinfo(int bufid, int *bytes, int *msgtag, int *tid);
int pvm_getminfo(int bufid, struct pvmminfo *info);
int pvm_setminfo(int bufid, struct pvmminfo *info);
int pvm_getmwid(int bufid);
int pvm_setmwid(int bufid, int waitid);

/* ------------------------------------------------------------------ */
/* Packing and unpacking (nitem items, every stride-th one)           */
/* ------------------------------------------------------------------ */

int pvm_pkbyte(char *cp, int cnt, int std);
int pvm_pkcplx(float *xp, int cnt, int std);
int pvm_pkdcplx(double *zp, int cnt, int std);
int pvm_pkdouble(double *dp, int cnt, int std);
int pvm_pkfloat(float *fp, int cnt, int std);
int pvm_pkint(int *np, int cnt, int std);
int pvm_pklong(long *np, int cnt, int std);
int pvm_pkshort(short *np, int cnt, int std);
int pvm_pkstr(char *cp);
int pvm_pkuint(unsigned int *np, int cnt, int std);
int pvm_pkulong(unsigned long *np, int cnt, int std);
int pvm_pkushort(unsigned short *np, int cnt, int std);
/* Packs the whole message bufid (header and body) into the send buffer. */
int pvm_pkmesg(int bufid);
/* Packs only the body of message bufid into the send buffer. */
int pvm_pkmesgbody(int bufid);
/* printf-like packing (see pvm_packf(3PVM)). */
int pvm_packf(const char *fmt, ...);

int pvm_upkbyte(char *cp, int cnt, int std);
int pvm_upkcplx(float *xp, int cnt, int std);
int pvm_upkdcplx(double *zp, int cnt, int std);
int pvm_upkdouble(double *dp, int cnt, int std);
int pvm_upkfloat(float *fp, int cnt, int std);
int pvm_upkint(int *np, int cnt, int std);
int pvm_upklong(long *np, int cnt, int std);
int pvm_upkshort(short *np, int cnt, int std);
int pvm_upkstr(char *cp);
int pvm_upkuint(unsigned int *np, int cnt, int std);
int pvm_upkulong(unsigned long *np, int cnt, int std);
int pvm_upkushort(unsigned short *np, int cnt, int std);
/* Unpacks a message packed by pvm_pkmesg into a new buffer; returns its id. */
int pvm_upkmesg(void);
int pvm_unpackf(const char *fmt, ...);

/* ------------------------------------------------------------------ */
/* Sending and receiving                                              */
/* ------------------------------------------------------------------ */

int pvm_send(int tid, int msgtag);
int pvm_mcast(int *tids, int ntask, int msgtag);
/* Packs cnt items of type (PVM_INT, ...) from buf and sends them. */
int pvm_psend(int tid, int msgtag, void *buf, int len, int datatype);
/* Blocks for a message from tid with msgtag (-1: any); returns its buffer id. */
int pvm_recv(int tid, int msgtag);
/* Like pvm_recv, but returns 0 at once if none has arrived. */
int pvm_nrecv(int tid, int msgtag);
/* Like pvm_recv, but gives up after tmout (NULL: block); returns 0 then. */
int pvm_trecv(int tid, int msgtag, struct timeval *tmout);
/* Returns the buffer id of a matching arrived message, or 0; no receive. */
int pvm_probe(int tid, int msgtag);
/* Receives into buf; returns the actual source, tag and count. */
int pvm_precv(int tid, int msgtag, void *buf, int len, int datatype, int *rtid, int *rtag,
              int *rcnt);
/* Installs the matching function used by the receive calls; returns the old one. */
int (*pvm_recvf(int (*new)(int, int, int)))(int, int, int);

/* ------------------------------------------------------------------ */
/* Notification, contexts and message handlers                        */
/* ------------------------------------------------------------------ */

int pvm_notify(int what, int msgtag, int cnt, int *tids);
int pvm_newcontext(void);
int pvm_setcontext(int ctx);
int pvm_getcontext(void);
int pvm_freecontext(int ctx);
int pvm_addmhf(int src, int tag, int ctx, int (*func)(int mid));
int pvm_delmhf(int mhid);

/* ------------------------------------------------------------------ */
/* Mailbox                                                            */
/* ------------------------------------------------------------------ */

int pvm_putinfo(char *name, int bufid, int flags);
int pvm_recvinfo(char *name, int index, int flags);
int pvm_delinfo(char *name, int index, int flags);
int pvm_getmboxinfo(char *pattern, int *nclasses, struct pvmmboxinfo **classes);
/* Old database interface, built on the mailbox. */
int pvm_insert(char *name, int req, int data);
int pvm_lookup(char *name, int req, int *datap);
int pvm_delete(char *name, int req);

/* ------------------------------------------------------------------ */
/* Resource manager, hoster, tasker and tracer registration           */
/* ------------------------------------------------------------------ */

int pvm_reg_hoster(void);
int pvm_reg_rm(struct pvmhostinfo **hip);
int pvm_reg_tasker(void);
int pvm_reg_tracer(int tctx, int ttag, int octx, int otag, char *tmask, int tbuf, int topt);

/* ------------------------------------------------------------------ */
/* Groups and collectives (libgpvm3)                                  */
/* ------------------------------------------------------------------ */

int pvm_joingroup(char *group);
int pvm_lvgroup(char *group);
int pvm_getinst(char *group, int tid);
int pvm_gettid(char *group, int inum);
int pvm_gsize(char *group);
int pvm_barrier(char *group, int count);
int pvm_bcast(char *group, int msgtag);
int pvm_freezegroup(char *group, int size);
int pvm_reduce(void (*func)(int *, void *, void *, int *, int *), void *data, int count,
               int datatype, int msgtag, char *group, int rootginst);
int pvm_gather(void *result, void *data, int count, int datatype, int msgtag, char *group,
               int rootginst);
int pvm_scatter(void *result, void *data, int count, int datatype, int msgtag, char *group,
                int rootginst);

/* The predefined reduce functions. */
void PvmMax(int *datatype, void *x, void *y, int *num, int *info);
void PvmMin(int *datatype, void *x, void *y, int *num, int *info);
void PvmSum(int *datatype, void *x, void *y, int *num, int *info);
void PvmProduct(int *datatype, void *x, void *y, int *num, int *info);

#ifdef __cplusplus
}
#endif

#endif /* PVM3_H */
