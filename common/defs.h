/*
 * defs.h - names and numbers that the daemon, libpvm and the console must
 * agree on but that are not part of PVM's API.
 */
#ifndef PVM_DEFS_H
#define PVM_DEFS_H

/* ---- where a host's files live -------------------------------------- *
 * sockdir = $PVM_TMP (default /tmp) "/pvm." uid [ "." $PVM_VMID ], mode 0700.
 * paths_* in common/paths.h compute these; nobody else builds them.       */
#define PVM_SOCKDIR_PREFIX "pvm."
#define PVMD_SOCK_NAME "pvmd.sock" /* the pvmd's listening socket */
#define PVMD_LOCK_NAME "pvmd.lock" /* flock()ed by the running pvmd */
#define PVMD_LOG_NAME "pvmd.log"   /* the pvmd's log */
#define PVMD_PID_NAME "pvmd.pid"   /* the pvmd's process id, for scripts */
#define TASK_SOCK_FMT "t%x.sock"   /* a task's socket for direct routes */

/* ---- environment ------------------------------------------------------ */
#define ENV_PVM_TMP "PVM_TMP"   /* parent of the socket directory */
#define ENV_PVM_VMID "PVM_VMID" /* independent virtual machines of one user */
#define ENV_PVM_ROOT "PVM_ROOT"
#define ENV_PVM_ARCH "PVM_ARCH"
#define ENV_PVM_EXPORT "PVM_EXPORT"
#define ENV_PVM_RSH "PVM_RSH"
/* Set by the pvmd in a spawned task's environment: */
#define ENV_TASK_TID "PVM_TASK_TID"    /* the tid the pvmd gave the task (decimal) */
#define ENV_TASK_SOCKDIR "PVM_SOCKDIR" /* the socket directory of its host */

/* ---- reserved contexts and tags ---------------------------------------- *
 * Messages in PVM_SYS_CTX are libpvm's own and never match a user's
 * receive: user contexts are PvmBaseContext and those of pvm_newcontext,
 * all below PVM_SYS_CTX.                                                    */
#define PVM_SYS_CTX 0x7fff0000
#define PVM_TAG_CATCHOUT 1 /* output of children for pvm_catchout, in PVM_SYS_CTX */
#define PVM_TAG_SIBLINGS 2 /* from a pvmd: the whole sibling list of a spawn over hosts,
                            * PvmDataDefault ints: n, then n tids */
#define PVM_TAG_PEER_GONE 4 /* from a pvmd: a PvmTaskExit notice of a task this one
                               talked to (libpvm asks for it): its entry goes */
#define PVM_TAG_GROUP 3    /* from a pvmd: a group the task watches changed,
                            * PvmDataDefault: string name, new version as two
                            * uints (high half first) */
/* libgpvm3's collectives (reduce, gather, scatter) travel in a context of
 * their own, below PVM_SYS_CTX: queued like user messages, but no user
 * receive matches them (pvm_newcontext must never hand it out). */
#define PVM_GRP_CTX (PVM_SYS_CTX - 1)
/* A context user code may send and receive in: PvmBaseContext, those of
 * pvm_newcontext (a host number and a local part, as a tid: always below
 * 0x40000000), or any other value pvm_setcontext takes (PVM 3.4.6 takes
 * negative ones too); never one of libpvm's reserved contexts above. */
#define PVM_CTX_IS_USER(ctx) ((ctx) < PVM_GRP_CTX)

/* ---- task output messages ------------------------------------------------ *
 * A pvmd sends a task's stdout/stderr to its output tid as a message with
 * the output tag and context, source the pvmd's tid, encoding
 * PvmDataDefault, body: int tid, int count, then count bytes (one or more
 * whole lines).  count OUTPUT_BEGIN: the task started (after OUTPUT_NEW,
 * both with the parent's tid: common/outmsg.h); count OUTPUT_END (0): the
 * task's output has ended (it exited).                                       */
#define OUTPUT_BEGIN (-1)
#define OUTPUT_END 0

/* ---- task flags (pvmtaskinfo.ti_flag) ------------------------------------- */
#define TF_CONN 0x04    /* connected to its pvmd (enrolled) */
#define TF_SPAWNED 0x02 /* started by a pvmd (not from a shell); PVM 3.4.6's value */
/* A spawned task that left PVM (pvm_exit) or lost its connection while its
 * process still runs: PVM's TF_CLOSE value, `o' in the console's ps. */
#define TF_CLOSE 0x10

/* ---- registered helpers (pvm_reg_hoster, pvm_reg_tasker, pvm_reg_rm) ------ *
 * RegRequest.kind, and PVM 3.4's message tags (pvmsdpro.h) of what a pvmd
 * and its helpers say to each other, in PvmBaseContext, PvmDataDefault
 * (layouts in docs/design.md, "Registered helpers").                        */
#define REG_HOSTER 1
#define REG_TASKER 2
#define REG_RM 3
#define SM_FIRST ((int)0x80040001)
#define SM_TASKX (SM_FIRST + 10)     /* tasker -> pvmd: a task it started ended */
#define SM_STHOST (SM_FIRST + 14)    /* pvmd -> hoster: start these pvmds */
#define SM_STHOSTACK (SM_FIRST + 15) /* hoster -> pvmd: how each start went */
#define SM_STTASK (SM_FIRST + 16)    /* pvmd -> tasker: start this task */

#endif
