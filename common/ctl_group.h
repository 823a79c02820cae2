/*
 * ctl_group.h - validators of the group control messages (proto/pvm.proto,
 * CTL_GRP_*), for ctl.c's table.  Each checks every field of an unpacked
 * message against its meaning and returns true when it may be used.
 */
#ifndef PVM_CTL_GROUP_H
#define PVM_CTL_GROUP_H

#include <stdbool.h>

#include <protobuf-c/protobuf-c.h>

/* Longest group name, bytes (without the NUL).  PVM sets no limit; names
 * travel in every group message, so one is set here. */
#define GROUP_NAME_MAX 1024

/* GroupRequest: a non-empty name, tid 0 or a task, count -1 or >= 0. */
bool ctl_group_v_request(const ProtobufCMessage *m);
/* GroupReply: status <= 0, inst >= 0, tids tasks or 0, slot 0..BARPAGE_SLOTS. */
bool ctl_group_v_reply(const ProtobufCMessage *m);
/* GroupList: status <= 0, each entry named, tids tasks or 0. */
bool ctl_group_v_list(const ProtobufCMessage *m);
/* GroupArrive: a name, tasks; or a share (no tasks) of a slot. */
bool ctl_group_v_arrive(const ProtobufCMessage *m);
/* GroupRelease: a name, status <= 0, tasks; or (no tasks) a slot's share. */
bool ctl_group_v_release(const ProtobufCMessage *m);
/* GroupGone: tasks. */
bool ctl_group_v_gone(const ProtobufCMessage *m);
/* GroupRoundDone: a slot of the barrier page (1..BARPAGE_SLOTS). */
bool ctl_group_v_round_done(const ProtobufCMessage *m);
/* GroupHost: a name, a slot, local <= size <= BS_MAX. */
bool ctl_group_v_host(const ProtobufCMessage *m);

#endif
