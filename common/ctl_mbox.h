/*
 * ctl_mbox.h - validators of the mailbox control messages (proto/pvm.proto,
 * CTL_MBOX_*), for ctl.c's table, and the mailbox's bounds.  Each validator
 * checks every field of an unpacked message against its meaning and
 * returns true when it may be used.
 */
#ifndef PVM_CTL_MBOX_H
#define PVM_CTL_MBOX_H

#include <stdbool.h>

#include <protobuf-c/protobuf-c.h>

/* The largest message body one entry holds, bytes.  Entries travel inside
 * a control message (MboxPut.data), so they are bounded well below the
 * frame cap: the mailbox advertises services, it does not carry bulk. */
#define MBOX_DATA_MAX (16u << 20)

/* MboxPut: a name, index >= -1, tid 0 or a task, data within MBOX_DATA_MAX. */
bool ctl_mbox_v_put(const ProtobufCMessage *m);
/* MboxKey: a name (CTL_MBOX_INFO: any pattern, "" too), index >= 0, tid 0
 * or a task. */
bool ctl_mbox_v_key(const ProtobufCMessage *m);
bool ctl_mbox_v_pattern(const ProtobufCMessage *m);
/* MboxReply: status <= 0, index >= 0, src 0 or a task, data bounded. */
bool ctl_mbox_v_reply(const ProtobufCMessage *m);
/* MboxList: status <= 0, classes named, as many indices, owners (0 or a
 * task) and flags each. */
bool ctl_mbox_v_list(const ProtobufCMessage *m);
/* MboxTids: tasks. */
bool ctl_mbox_v_tids(const ProtobufCMessage *m);

#endif
