/*
 * regs.h - registered helper tasks (pvm_reg_hoster, pvm_reg_tasker,
 * pvm_reg_rm), host clocks (pvm_hostsync) and the debugging hook
 * (pvm_tickle).
 *
 * A helper registers with CTL_REG; it stays registered while it is
 * connected (a new registration of the same kind replaces it).  The pvmd
 * and its helpers then talk in user messages with PVM 3.4's tags and
 * layouts (common/defs.h, docs/design.md "Registered helpers"): the pvmd
 * sends them with regs_send_sm, and what they send to the pvmd's own tid
 * comes to regs_take.
 */
#ifndef PVMD_REGS_H
#define PVMD_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

struct frame;
struct pvmd;
struct req;

/* Handlers of CTL_REG, CTL_HOSTSYNC and CTL_TICKLE (ctl_handlers.c's table). */
void regs_register(struct pvmd *d, const struct req *r, const ProtobufCMessage *m);
void regs_hostsync(struct pvmd *d, const struct req *r, const ProtobufCMessage *m);
void regs_tickle(struct pvmd *d, const struct req *r, const ProtobufCMessage *m);

/* The registered task of `kind' (REG_HOSTER, REG_TASKER, REG_RM) while
 * it is connected to this pvmd, else 0 (a gone one is forgotten). */
int regs_helper(struct pvmd *d, int kind);

/* Event subscriber (event.c): a registered helper that ends is
 * forgotten; the hosts its hoster was starting fail at once
 * (hostmgr_hoster_gone); the tasks its tasker started and that are not
 * connected end now, the others when they leave PVM (regs_task_left). */
struct event;
void regs_on_event(struct pvmd *d, const struct event *ev);

/* Local task t's connection went (closed, or pvm_exit): one whose tasker
 * has ended, which nothing else would end, ends now. */
struct task;
void regs_task_left(struct pvmd *d, struct task *t);

/* Frees what regs.c holds (pvmd_fini). */
void regs_fini(struct pvmd *d);

/* A user frame a local task `from' addressed to this pvmd (ownership
 * passes when it returns true): a registered hoster's SM_STHOSTACK goes to
 * the host manager (hostmgr_hoster_ack); the registered tasker's SM_TASKX
 * ends a task it started.  Returns false for anything else (the caller
 * drops it as before). */
bool regs_take(struct pvmd *d, int from, struct frame *f);

/* Hands task tid to the tasker: SM_STTASK in PVM's layout (int tid, int
 * flags, string path, int argc, string argv[argc], int nenv, string
 * env[nenv]; argv and env NULL-terminated).  The task then waits, as a
 * spawned task, for its process to enrol (claiming tid through
 * PVM_TASK_TID in env) and ends when this tasker reports SM_TASKX (or
 * the tasker ends, see regs_on_event).  Returns 0 or PvmNoMem. */
int regs_start_task(struct pvmd *d, int tasker, int tid, int flags, const char *path,
                    char *const *argv, char *const *env);

/* ---- bodies in PvmDataDefault, as libpvm's pvm_pkint / pvm_pkstr make
 * them (4-byte big-endian ints; a string is its length, then its bytes).
 * A builder collects; on a failed allocation it remembers the failure and
 * regs_msg_send reports it. */
struct regs_msg {
    uint8_t *p;
    size_t len, cap;
    bool failed;
};

void regs_msg_int(struct regs_msg *b, int32_t v);
void regs_msg_str(struct regs_msg *b, const char *s);

/* Sends body b (freed here, whatever happens) to tid `to' with tag `tag'
 * in PvmBaseContext, from this pvmd.  Returns 0, or PvmNoMem. */
int regs_msg_send(struct pvmd *d, struct regs_msg *b, int to, int tag);

/* Reads what a helper packed: the next int / string of body p (len bytes)
 * at *pos, which advances.  The body's encoding `enc' is PvmDataDefault
 * or PvmDataRaw (this host's order).  A string is copied into s (cap
 * bytes, NUL-terminated).  Return 0, or PvmNoData / PvmOverflow. */
int regs_get_int(const uint8_t *p, size_t len, size_t *pos, int enc, int32_t *v);
int regs_get_str(const uint8_t *p, size_t len, size_t *pos, int enc, char *s, size_t cap);

#endif
