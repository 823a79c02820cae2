/*
 * ctl.c - control-message codecs: one table line per CtlType.
 *
 * Unpacking happens in three steps, each catching what the one before
 * cannot:
 *   1. a scan of the raw protobuf bytes, driven by the descriptor, that
 *      refuses over-long strings and strings with an embedded NUL (once
 *      unpacked, a C string cannot show that it was cut short);
 *   2. protobuf-c's own unpack (structure, wire types, allocation);
 *   3. the type's validate function: each field against its meaning.
 */
#include "ctl.h"
#include "ctl_group.h"
#include "ctl_mbox.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "paths.h"
#include "pvm3.h"
#include "tid.h"

/* ===================================================================== */
/* Field checks shared by the validators                                  */
/* ===================================================================== */

/* protobuf-c represents an absent proto3 string as "" but a message built
 * by hand may leave NULL there; both mean empty. */
static size_t slen(const char *s)
{
    return s ? strnlen(s, CTL_MAX_STR + 1) : 0;
}

static bool str_ok(const char *s)
{
    return slen(s) <= CTL_MAX_STR;
}

static bool str_nonempty(const char *s)
{
    size_t n = slen(s);
    return n > 0 && n <= CTL_MAX_STR;
}

static bool strv_ok(char *const *v, size_t n, size_t max)
{
    if (n > max || (n > 0 && !v))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!v[i] || !str_ok(v[i]))
            return false;
    return true;
}

/* "NAME=value" with a non-empty NAME. */
static bool env_ok(const char *s)
{
    if (!str_ok(s))
        return false;
    const char *eq = strchr(s, '=');
    return eq && eq != s;
}

/* A tid field where 0 means "none" (the pvmd's log, no trace, ...). */
static bool tid_or_zero(int t)
{
    return t == 0 || tid_is_valid(t);
}

static bool ints_ok(const int32_t *v, size_t n, size_t max, bool (*ok)(int))
{
    if (n > max || (n > 0 && !v))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!ok(v[i]))
            return false;
    return true;
}

/* Per-item results: a tid, or the negative error for that item. */
static bool is_task_or_error(int t)
{
    return t < 0 || tid_is_task(t);
}

static bool is_pvmd_or_error(int t)
{
    return t < 0 || tid_is_pvmd(t);
}

/* ===================================================================== */
/* Validators, one per message meaning                                    */
/* ===================================================================== */

static bool v_empty(const ProtobufCMessage *m)
{
    (void)m;
    return true;
}

static bool v_status(const ProtobufCMessage *m)
{
    const Pvm__Status *s = (const Pvm__Status *)m;
    return s->code <= 0;
}

static bool v_hello(const ProtobufCMessage *m)
{
    const Pvm__Hello *h = (const Pvm__Hello *)m;
    return h->proto_version != 0 && h->pid > 0 &&
           (h->claimed_tid == 0 || tid_is_task(h->claimed_tid)) && str_ok(h->name);
}

static bool v_hello_reply(const ProtobufCMessage *m)
{
    const Pvm__HelloReply *r = (const Pvm__HelloReply *)m;
    if (r->status > 0 || !str_ok(r->sockdir) || !str_ok(r->arch) ||
        !ints_ok(r->siblings, r->n_siblings, CTL_MAX_SPAWN, is_task_or_error))
        return false;
    /* A refusal carries nothing else worth checking. */
    if (r->status < 0)
        return true;
    return tid_is_task(r->tid) && tid_is_pvmd(r->pvmd_tid) && tid_pvmd_of(r->tid) == r->pvmd_tid &&
           (tid_is_valid(r->parent) || r->parent == PvmNoParent || r->parent == PvmParentNotSet) &&
           tid_or_zero(r->out_tid) && tid_or_zero(r->trace_tid) &&
           (r->direct_key.len == 0 || r->direct_key.len == CTL_DIRECT_KEY_LEN) &&
           str_ok(r->direct_ip) && slen(r->direct_ip) < CTL_IP_MAX && PVM_CTX_IS_USER(r->ctx);
}

/* Any context may be named (pvm_freecontext of one never had is an answer,
 * PvmNotFound), but never a reserved one. */
static bool v_ctx_ref(const ProtobufCMessage *m)
{
    return PVM_CTX_IS_USER(((const Pvm__CtxRef *)m)->ctx);
}

static bool v_direct_port(const ProtobufCMessage *m)
{
    const Pvm__DirectPort *p = (const Pvm__DirectPort *)m;
    return p->port > 0 && p->port <= 65535;
}

static bool v_peer_hello(const ProtobufCMessage *m)
{
    const Pvm__PeerHello *p = (const Pvm__PeerHello *)m;
    return p->proto_version != 0 && tid_is_task(p->tid);
}

static bool v_spawn(const ProtobufCMessage *m)
{
    const Pvm__SpawnRequest *s = (const Pvm__SpawnRequest *)m;
    if (!str_nonempty(s->file) || !strv_ok(s->argv, s->n_argv, CTL_MAX_ARGS) ||
        (s->flags & ~CTL_SPAWN_FLAGS) || !str_ok(s->where) || s->count < 1 ||
        s->count > CTL_MAX_SPAWN || s->n_env > CTL_MAX_ARGS || (s->n_env > 0 && !s->env) ||
        !tid_or_zero(s->out_tid) || !tid_or_zero(s->trace_tid) || !str_ok(s->cwd) ||
        (s->parent != 0 && !tid_is_task(s->parent)) || !PVM_CTX_IS_USER(s->ctx))
        return false;
    /* The pvmd has its own working directory: a relative one means nothing
     * there. */
    if (slen(s->cwd) > 0 && s->cwd[0] != '/')
        return false;
    for (size_t i = 0; i < s->n_env; i++)
        if (!env_ok(s->env[i]))
            return false;
    return true;
}

static bool v_spawn_reply(const ProtobufCMessage *m)
{
    const Pvm__SpawnReply *r = (const Pvm__SpawnReply *)m;
    return ints_ok(r->tids, r->n_tids, CTL_MAX_SPAWN, is_task_or_error);
}

/* CTL_TASKS: 0 = every task, a pvmd tid = the tasks of its host. */
static bool v_taskref_any(const ProtobufCMessage *m)
{
    return tid_or_zero(((const Pvm__TaskRef *)m)->tid);
}

/* CTL_KILL, CTL_PSTAT: one task (or pvmd). */
static bool v_taskref_valid(const ProtobufCMessage *m)
{
    return tid_is_valid(((const Pvm__TaskRef *)m)->tid);
}

/* CTL_ROUTE_QUERY: only tasks have direct routes, and only a task asks. */
static bool v_taskref_task(const ProtobufCMessage *m)
{
    const Pvm__TaskRef *r = (const Pvm__TaskRef *)m;
    return tid_is_task(r->tid) && (r->for_tid == 0 || tid_is_task(r->for_tid));
}

static bool v_signal(const ProtobufCMessage *m)
{
    const Pvm__SignalRequest *s = (const Pvm__SignalRequest *)m;
    return tid_is_valid(s->tid) && s->signum >= 0 && s->signum <= 64; /* 0: does it exist */
}

static bool v_hostref(const ProtobufCMessage *m)
{
    return str_nonempty(((const Pvm__HostRef *)m)->name);
}

static bool taskinfo_ok(const Pvm__TaskInfo *t)
{
    /* A task started from a shell has no parent: 0 or a negative code. */
    return t && tid_is_task(t->tid) && (t->ptid <= 0 || tid_is_valid(t->ptid)) &&
           tid_is_pvmd(t->host) && tid_pvmd_of(t->tid) == t->host && t->flag >= 0 && t->pid >= 0 &&
           str_ok(t->name);
}

static bool v_tasks_reply(const ProtobufCMessage *m)
{
    const Pvm__TasksReply *r = (const Pvm__TasksReply *)m;
    if (r->status > 0 || r->n_tasks > CTL_MAX_LIST || (r->n_tasks > 0 && !r->tasks))
        return false;
    for (size_t i = 0; i < r->n_tasks; i++)
        if (!taskinfo_ok(r->tasks[i]))
            return false;
    return true;
}

static bool hostinfo_ok(const Pvm__HostInfo *h)
{
    return h && tid_is_pvmd(h->tid) && str_nonempty(h->name) && str_ok(h->arch) && h->speed >= 0 &&
           str_ok(h->addr);
}

static bool v_config_reply(const ProtobufCMessage *m)
{
    const Pvm__ConfigReply *r = (const Pvm__ConfigReply *)m;
    if (r->status > 0 || r->n_hosts > TID_MAX_HOST || (r->n_hosts > 0 && !r->hosts) ||
        r->narch < 0 || (size_t)r->narch > r->n_hosts)
        return false;
    for (size_t i = 0; i < r->n_hosts; i++)
        if (!hostinfo_ok(r->hosts[i]))
            return false;
    return true;
}

static bool v_output(const ProtobufCMessage *m)
{
    return tid_or_zero(((const Pvm__OutputRedirect *)m)->out_tid);
}

static bool v_host_list(const ProtobufCMessage *m)
{
    const Pvm__HostList *l = (const Pvm__HostList *)m;
    if (!strv_ok(l->names, l->n_names, CTL_MAX_LIST))
        return false;
    for (size_t i = 0; i < l->n_names; i++)
        if (!str_nonempty(l->names[i]))
            return false;
    return true;
}

static bool v_hosts_reply(const ProtobufCMessage *m)
{
    const Pvm__HostsReply *r = (const Pvm__HostsReply *)m;
    return ints_ok(r->results, r->n_results, CTL_MAX_LIST, is_pvmd_or_error) &&
           (r->n_why == 0 || r->n_why == r->n_results) && strv_ok(r->why, r->n_why, CTL_MAX_LIST);
}

static bool is_valid_tid(int t)
{
    return tid_is_valid(t);
}

static bool v_notify(const ProtobufCMessage *m)
{
    const Pvm__NotifyRequest *n = (const Pvm__NotifyRequest *)m;
    int kind = n->what & ~PvmNotifyCancel;
    /* count: how many PvmHostAdd notices; -1 is PVM's "until cancelled". */
    /* PvmHostDelete takes any tid's host, 0 too (as PVM 3.4 does). */
    return kind >= PvmTaskExit && kind <= PvmRouteDelete && n->count >= -1 &&
           ints_ok(n->tids, n->n_tids, CTL_MAX_LIST, kind == PvmHostDelete ? tid_or_zero : is_valid_tid);
}

static bool v_route_reply(const ProtobufCMessage *m)
{
    const Pvm__RouteReply *r = (const Pvm__RouteReply *)m;
    if (r->status > 0 || !str_ok(r->path) || !str_ok(r->ip))
        return false;
    if (r->status < 0)
        return true;
    /* A usable route is a path that fits a sockaddr_un, or an address,
     * a port and a credential. */
    if (slen(r->path) > 0)
        return slen(r->path) < PATHS_MAX;
    return slen(r->ip) > 0 && slen(r->ip) < CTL_IP_MAX && r->port > 0 && r->port <= 65535 &&
           r->cred.len == CTL_DIRECT_KEY_LEN;
}

static bool v_link_hello(const ProtobufCMessage *m)
{
    const Pvm__LinkHello *h = (const Pvm__LinkHello *)m;
    return tid_is_pvmd(h->tid) && (h->to == 0 || tid_is_pvmd(h->to)) && h->epoch != 0;
}

static bool v_link_hello_reply(const ProtobufCMessage *m)
{
    const Pvm__LinkHelloReply *r = (const Pvm__LinkHelloReply *)m;
    return r->status <= 0 && (r->status < 0 || (tid_is_pvmd(r->tid) && r->epoch != 0));
}

static bool is_task(int t)
{
    return tid_is_task(t);
}

static bool v_siblings(const ProtobufCMessage *m)
{
    const Pvm__Siblings *s = (const Pvm__Siblings *)m;
    return s->n_tids > 0 && ints_ok(s->tids, s->n_tids, CTL_MAX_SPAWN, is_task);
}

static bool v_host_table(const ProtobufCMessage *m)
{
    const Pvm__HostTable *t = (const Pvm__HostTable *)m;
    if (t->n_hosts == 0 || t->n_hosts > TID_MAX_HOST || !t->hosts)
        return false;
    for (size_t i = 0; i < t->n_hosts; i++)
        if (!hostinfo_ok(t->hosts[i]))
            return false;
    return true;
}

/* ---- registered helpers, clock, tickle (daemon/regs.c) ---- */

/* CTL_HOSTSYNC: the clock of one host, named by its pvmd's tid. */
static bool v_taskref_pvmd(const ProtobufCMessage *m)
{
    return tid_is_pvmd(((const Pvm__TaskRef *)m)->tid);
}

static bool v_hostsync_reply(const ProtobufCMessage *m)
{
    const Pvm__HostsyncReply *r = (const Pvm__HostsyncReply *)m;
    return r->status <= 0 && r->usec >= 0 && r->usec < 1000000;
}

/* pvm_tickle takes 1..10 arguments and answers at most 10 (PVM 3.4.6). */
static bool v_tickle(const ProtobufCMessage *m)
{
    const Pvm__TickleRequest *t = (const Pvm__TickleRequest *)m;
    return t->n_args >= 1 && t->n_args <= 10;
}

static bool v_tickle_reply(const ProtobufCMessage *m)
{
    const Pvm__TickleReply *r = (const Pvm__TickleReply *)m;
    return r->status <= 0 && r->n_resp <= 10;
}

static bool v_reg(const ProtobufCMessage *m)
{
    int k = ((const Pvm__RegRequest *)m)->kind;
    return k == REG_HOSTER || k == REG_TASKER || k == REG_RM;
}

static bool v_reg_reply(const ProtobufCMessage *m)
{
    const Pvm__RegReply *r = (const Pvm__RegReply *)m;
    return r->status <= 0 && (r->previous == 0 || tid_is_task(r->previous));
}

/* ===================================================================== */
/* The table                                                              */
/* ===================================================================== */

struct ctl_kind {
    const ProtobufCMessageDescriptor *desc;
    bool (*valid)(const ProtobufCMessage *m);
};

static const struct ctl_kind ctl_kinds[] = {
    [PVM__CTL_TYPE__CTL_STATUS] = {&pvm__status__descriptor, v_status},
    [PVM__CTL_TYPE__CTL_HELLO] = {&pvm__hello__descriptor, v_hello},
    [PVM__CTL_TYPE__CTL_HELLO_REPLY] = {&pvm__hello_reply__descriptor, v_hello_reply},
    [PVM__CTL_TYPE__CTL_PEER_HELLO] = {&pvm__peer_hello__descriptor, v_peer_hello},
    [PVM__CTL_TYPE__CTL_EXIT] = {&pvm__empty__descriptor, v_empty},
    [PVM__CTL_TYPE__CTL_SPAWN] = {&pvm__spawn_request__descriptor, v_spawn},
    [PVM__CTL_TYPE__CTL_SPAWN_REPLY] = {&pvm__spawn_reply__descriptor, v_spawn_reply},
    [PVM__CTL_TYPE__CTL_TASKS] = {&pvm__task_ref__descriptor, v_taskref_any},
    [PVM__CTL_TYPE__CTL_TASKS_REPLY] = {&pvm__tasks_reply__descriptor, v_tasks_reply},
    [PVM__CTL_TYPE__CTL_CONFIG] = {&pvm__empty__descriptor, v_empty},
    [PVM__CTL_TYPE__CTL_CONFIG_REPLY] = {&pvm__config_reply__descriptor, v_config_reply},
    [PVM__CTL_TYPE__CTL_KILL] = {&pvm__task_ref__descriptor, v_taskref_valid},
    [PVM__CTL_TYPE__CTL_SIGNAL] = {&pvm__signal_request__descriptor, v_signal},
    [PVM__CTL_TYPE__CTL_PSTAT] = {&pvm__task_ref__descriptor, v_taskref_valid},
    [PVM__CTL_TYPE__CTL_MSTAT] = {&pvm__host_ref__descriptor, v_hostref},
    [PVM__CTL_TYPE__CTL_HALT] = {&pvm__empty__descriptor, v_empty},
    [PVM__CTL_TYPE__CTL_SET_OUTPUT] = {&pvm__output_redirect__descriptor, v_output},
    [PVM__CTL_TYPE__CTL_ADDHOSTS] = {&pvm__host_list__descriptor, v_host_list},
    [PVM__CTL_TYPE__CTL_ADDHOSTS_REPLY] = {&pvm__hosts_reply__descriptor, v_hosts_reply},
    [PVM__CTL_TYPE__CTL_DELHOSTS] = {&pvm__host_list__descriptor, v_host_list},
    [PVM__CTL_TYPE__CTL_DELHOSTS_REPLY] = {&pvm__hosts_reply__descriptor, v_hosts_reply},
    [PVM__CTL_TYPE__CTL_NOTIFY] = {&pvm__notify_request__descriptor, v_notify},
    [PVM__CTL_TYPE__CTL_ROUTE_QUERY] = {&pvm__task_ref__descriptor, v_taskref_task},
    [PVM__CTL_TYPE__CTL_ROUTE_REPLY] = {&pvm__route_reply__descriptor, v_route_reply},
    [PVM__CTL_TYPE__CTL_LINK_HELLO] = {&pvm__link_hello__descriptor, v_link_hello},
    [PVM__CTL_TYPE__CTL_LINK_HELLO_REPLY] = {&pvm__link_hello_reply__descriptor,
                                             v_link_hello_reply},
    [PVM__CTL_TYPE__CTL_HOST_TABLE] = {&pvm__host_table__descriptor, v_host_table},
    [PVM__CTL_TYPE__CTL_SIBLINGS] = {&pvm__siblings__descriptor, v_siblings},
    [PVM__CTL_TYPE__CTL_DIRECT_PORT] = {&pvm__direct_port__descriptor, v_direct_port},
    [PVM__CTL_TYPE__CTL_TASKS_GONE] = {&pvm__siblings__descriptor, v_siblings},
    /* groups (ctl_group.c) */
    [PVM__CTL_TYPE__CTL_GRP_JOIN] = {&pvm__group_request__descriptor, ctl_group_v_request},
    [PVM__CTL_TYPE__CTL_GRP_LEAVE] = {&pvm__group_request__descriptor, ctl_group_v_request},
    [PVM__CTL_TYPE__CTL_GRP_INFO] = {&pvm__group_request__descriptor, ctl_group_v_request},
    [PVM__CTL_TYPE__CTL_GRP_REPLY] = {&pvm__group_reply__descriptor, ctl_group_v_reply},
    [PVM__CTL_TYPE__CTL_GRP_BARRIER] = {&pvm__group_request__descriptor, ctl_group_v_request},
    [PVM__CTL_TYPE__CTL_GRP_FREEZE] = {&pvm__group_request__descriptor, ctl_group_v_request},
    [PVM__CTL_TYPE__CTL_GRP_LIST] = {&pvm__empty__descriptor, v_empty},
    [PVM__CTL_TYPE__CTL_GRP_LIST_REPLY] = {&pvm__group_list__descriptor, ctl_group_v_list},
    [PVM__CTL_TYPE__CTL_GRP_ARRIVE] = {&pvm__group_arrive__descriptor, ctl_group_v_arrive},
    [PVM__CTL_TYPE__CTL_GRP_RELEASE] = {&pvm__group_release__descriptor, ctl_group_v_release},
    [PVM__CTL_TYPE__CTL_GRP_GONE] = {&pvm__group_gone__descriptor, ctl_group_v_gone},
    [PVM__CTL_TYPE__CTL_GRP_ROUND_DONE] = {&pvm__group_round_done__descriptor,
                                           ctl_group_v_round_done},
    [PVM__CTL_TYPE__CTL_GRP_HOST] = {&pvm__group_host__descriptor, ctl_group_v_host},
    /* registered helpers, clock, tickle (daemon/regs.c) */
    [PVM__CTL_TYPE__CTL_HOSTSYNC] = {&pvm__task_ref__descriptor, v_taskref_pvmd},
    [PVM__CTL_TYPE__CTL_HOSTSYNC_REPLY] = {&pvm__hostsync_reply__descriptor, v_hostsync_reply},
    [PVM__CTL_TYPE__CTL_TICKLE] = {&pvm__tickle_request__descriptor, v_tickle},
    [PVM__CTL_TYPE__CTL_TICKLE_REPLY] = {&pvm__tickle_reply__descriptor, v_tickle_reply},
    [PVM__CTL_TYPE__CTL_REG] = {&pvm__reg_request__descriptor, v_reg},
    [PVM__CTL_TYPE__CTL_REG_REPLY] = {&pvm__reg_reply__descriptor, v_reg_reply},
    /* contexts (daemon/ctxtab.c) */
    [PVM__CTL_TYPE__CTL_CTX_NEW] = {&pvm__empty__descriptor, v_empty},
    [PVM__CTL_TYPE__CTL_CTX_FREE] = {&pvm__ctx_ref__descriptor, v_ctx_ref},
    [PVM__CTL_TYPE__CTL_CTX_REPLY] = {&pvm__ctx_ref__descriptor, v_ctx_ref},
    /* mailbox (ctl_mbox.c) */
    [PVM__CTL_TYPE__CTL_MBOX_PUT] = {&pvm__mbox_put__descriptor, ctl_mbox_v_put},
    [PVM__CTL_TYPE__CTL_MBOX_GET] = {&pvm__mbox_key__descriptor, ctl_mbox_v_key},
    [PVM__CTL_TYPE__CTL_MBOX_DEL] = {&pvm__mbox_key__descriptor, ctl_mbox_v_key},
    [PVM__CTL_TYPE__CTL_MBOX_INFO] = {&pvm__mbox_key__descriptor, ctl_mbox_v_pattern},
    [PVM__CTL_TYPE__CTL_MBOX_REPLY] = {&pvm__mbox_reply__descriptor, ctl_mbox_v_reply},
    [PVM__CTL_TYPE__CTL_MBOX_LIST] = {&pvm__mbox_list__descriptor, ctl_mbox_v_list},
    [PVM__CTL_TYPE__CTL_MBOX_GONE] = {&pvm__mbox_tids__descriptor, ctl_mbox_v_tids},
    [PVM__CTL_TYPE__CTL_MBOX_RESET] = {&pvm__mbox_tids__descriptor, ctl_mbox_v_tids},
};

#define CTL_NKINDS ((int)(sizeof ctl_kinds / sizeof ctl_kinds[0]))

static const struct ctl_kind *kind_of(int type)
{
    if (type < 0 || type >= CTL_NKINDS || !ctl_kinds[type].desc)
        return NULL;
    return &ctl_kinds[type];
}

/* ===================================================================== */
/* Raw scan of the protobuf encoding                                      */
/* ===================================================================== */

#define SCAN_MAX_DEPTH 4 /* the schema nests one level; anything deeper is hostile */

static bool scan_varint(const uint8_t *p, size_t n, size_t *i, uint64_t *v)
{
    uint64_t r = 0;
    for (int shift = 0; shift < 64 && *i < n; shift += 7) {
        uint8_t b = p[(*i)++];
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return true;
        }
    }
    return false;
}

/* Walks the fields of one message encoding; false on a string that is too
 * long or holds a NUL, or on bytes that do not parse at all. */
static bool scan(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t n, int depth)
{
    size_t i = 0;
    while (i < n) {
        uint64_t key, v;
        if (!scan_varint(p, n, &i, &key) || key >> 32 || (key >> 3) == 0)
            return false;
        switch (key & 7) {
        case 0: /* varint */
            if (!scan_varint(p, n, &i, &v))
                return false;
            break;
        case 1: /* 64-bit */
            if (n - i < 8)
                return false;
            i += 8;
            break;
        case 5: /* 32-bit */
            if (n - i < 4)
                return false;
            i += 4;
            break;
        case 2: { /* length-delimited */
            if (!scan_varint(p, n, &i, &v) || v > n - i)
                return false;
            const ProtobufCFieldDescriptor *f =
                protobuf_c_message_descriptor_get_field(d, (unsigned)(key >> 3));
            if (f && f->type == PROTOBUF_C_TYPE_STRING &&
                (v > CTL_MAX_STR || memchr(p + i, 0, (size_t)v)))
                return false;
            if (f && f->type == PROTOBUF_C_TYPE_MESSAGE &&
                (depth >= SCAN_MAX_DEPTH || !scan(f->descriptor, p + i, (size_t)v, depth + 1)))
                return false;
            i += (size_t)v;
            break;
        }
        default: /* groups are not part of proto3 */
            return false;
        }
    }
    return true;
}

/* ===================================================================== */
/* Interface                                                              */
/* ===================================================================== */

const ProtobufCMessageDescriptor *ctl_descriptor(int type)
{
    const struct ctl_kind *k = kind_of(type);
    return k ? k->desc : NULL;
}

bool ctl_tids_ok(const int32_t *v, size_t n, bool zero_ok)
{
    if (n > CTL_MAX_LIST || (n > 0 && !v))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(tid_is_task(v[i]) || (zero_ok && v[i] == 0)))
            return false;
    return true;
}

const char *ctl_type_name(int type)
{
    if (!kind_of(type))
        return "CTL_unknown";
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&pvm__ctl_type__descriptor, type);
    return v ? v->name : "CTL_unknown";
}

int ctl_validate(int type, const ProtobufCMessage *msg)
{
    const struct ctl_kind *k = kind_of(type);
    if (!k || !msg || msg->descriptor != k->desc || !k->valid(msg))
        return PvmBadMsg;
    return 0;
}

int ctl_pack(const ProtobufCMessage *msg, uint8_t **buf, size_t *len)
{
    size_t n = protobuf_c_message_get_packed_size(msg);
    /* An all-default message packs to 0 bytes; malloc(0) may return NULL. */
    uint8_t *b = malloc(n ? n : 1);
    if (!b)
        return PvmNoMem;
    *len = protobuf_c_message_pack(msg, b);
    *buf = b;
    return 0;
}

int ctl_unpack(int type, const uint8_t *buf, size_t len, ProtobufCMessage **out)
{
    static const uint8_t none[1];
    *out = NULL;
    const struct ctl_kind *k = kind_of(type);
    if (!k || (!buf && len > 0))
        return PvmBadMsg;
    if (!buf)
        buf = none;
    if (!scan(k->desc, buf, len, 0))
        return PvmBadMsg;
    ProtobufCMessage *m = protobuf_c_message_unpack(k->desc, NULL, len, buf);
    if (!m)
        return PvmBadMsg;
    if (!k->valid(m)) {
        protobuf_c_message_free_unpacked(m, NULL);
        return PvmBadMsg;
    }
    *out = m;
    return 0;
}

void ctl_free(ProtobufCMessage **msg)
{
    if (msg && *msg) {
        protobuf_c_message_free_unpacked(*msg, NULL);
        *msg = NULL;
    }
}
