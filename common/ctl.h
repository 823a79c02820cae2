/*
 * ctl.h - control messages: packing, unpacking and validation.
 *
 * The messages are those of proto/pvm.proto (generated pvm.pb-c.h: types
 * Pvm__Hello, ..., descriptors pvm__hello__descriptor, ...).  Unpacking is
 * never trusted on its own (FACTS.md: protobuf-c accepts some garbage):
 * ctl_unpack also checks every field of the message against its meaning.
 */
#ifndef PVM_CTL_H
#define PVM_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "pvm.pb-c.h"

/* Bump on every change to proto/pvm.proto or to the meaning of a field. */
#define CTL_PROTO_VERSION 7

/* Bounds every decoder enforces. */
#define CTL_MAX_STR 65536    /* any string field, bytes (an argument, an exported variable) */
#define CTL_MAX_ARGS 4096    /* argv / env entries */
#define CTL_MAX_SPAWN 4096   /* tasks in one spawn request */
#define CTL_MAX_LIST 1000000 /* tids, tasks, hosts in one message */
/* The spawn flags of PVM 3.4 (pvm3.h); a SpawnRequest carries no others. */
#define CTL_SPAWN_FLAGS                                                                            \
    (PvmTaskHost | PvmTaskArch | PvmTaskDebug | PvmTaskTrace | PvmMppFront | PvmHostCompl |        \
     PvmNoSpawnParent)
#define CTL_DIRECT_KEY_LEN 32 /* a task's direct-route secret, a credential */
#define CTL_IP_MAX 64         /* an address in text form, with its NUL */

/* Returns the message descriptor of control type `type' (a CtlType), or
 * NULL for an unknown type. */
const ProtobufCMessageDescriptor *ctl_descriptor(int type);

/* Packs msg into a new malloc'd buffer *buf of *len bytes (the caller
 * frees it).  Returns 0, or PvmNoMem. */
int ctl_pack(const ProtobufCMessage *msg, uint8_t **buf, size_t *len);

/* Unpacks a message of control type `type' from len bytes at buf and
 * validates its fields.  Returns 0 and the message in *out (free with
 * ctl_free), or PvmBadMsg (unknown type, malformed bytes, or a field out
 * of range; *out is NULL then). */
int ctl_unpack(int type, const uint8_t *buf, size_t len, ProtobufCMessage **out);

/* Frees *msg (if not NULL) and sets *msg to NULL. */
void ctl_free(ProtobufCMessage **msg);

/* Checks a message (typically one about to be sent) against the rules
 * ctl_unpack applies to control type `type': msg must have that type's
 * descriptor and every field must be in range.  Returns 0 or PvmBadMsg.
 * Among the rules: tids are valid (common/tid.h) except where the proto
 * comment gives 0 a meaning (CTL_TASKS: all tasks; out_tid / trace_tid:
 * none), per-item results are a tid or a negative code, Status codes are
 * <= 0, SpawnRequest has a file, count 1..CTL_MAX_SPAWN, known flags,
 * env entries NAME=value and an absolute or empty cwd, signum is 1..64. */
int ctl_validate(int type, const ProtobufCMessage *msg);

/* Returns the name of control type `type' ("CTL_HELLO"), or "CTL_unknown";
 * static storage, for logs. */
const char *ctl_type_name(int type);

/* For the validators of ctl_group.c and ctl_mbox.c: n tids at v, each a
 * task's (or 0, when zero_ok), and no more than CTL_MAX_LIST. */
bool ctl_tids_ok(const int32_t *v, size_t n, bool zero_ok);

#endif
