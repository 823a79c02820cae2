/*
 * test_ctl.c - control-message codecs: a round trip of every type, every
 * validation rule (through ctl_validate and through the wire), hostile
 * bytes, truncated prefixes and random input.  Leaks are caught by the
 * sanitizer build (LeakSanitizer); nothing here may crash.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl.h"
#include "defs.h"
#include "ctl_mbox.h"
#include "barslot.h"
#include "paths.h"
#include "pvm3.h"
#include "tid.h"

#define T(x) PVM__CTL_TYPE__CTL_##x
/* One past the highest CtlType protoc generated: the tests walk every
 * number up to it, and every generated one must have a sample (test_table). */
#define NTYPES ntypes()

#define TASK1 0x40001
#define TASK2 0x40002
#define TASK3 0x80001
#define PVMD1 0x40000
#define PVMD2 0x80000
#define BADTID 0x40000001 /* bit 30: outside the layout */

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* ===================================================================== */
/* One valid sample of every message type                                 */
/* ===================================================================== */

/* Samples live in one static union, rebuilt on every call, so a rule test
 * can mutate one freely. */
static char long_str[CTL_MAX_STR + 2];
static char *argv_s[] = {"-n", "", "3"};
static char *env_s[] = {"PVM_EXPORT=DISPLAY", "DISPLAY=:0", "EMPTY="};
static int32_t sib_s[] = {TASK1, TASK2, PvmNoFile};
static int32_t tids_s[] = {TASK1, PvmNoFile, TASK3};
static int32_t results_s[] = {PVMD2, PvmDupHost};
static int32_t notify_tids_s[] = {TASK1, TASK3};
static char *hosts_s[] = {"alpha", "127.0.0.2"};

static Pvm__TaskInfo task_a, task_b;
static Pvm__TaskInfo *tasks_s[2];
static Pvm__HostInfo host_a, host_b;
static Pvm__HostInfo *hostinfo_s[2];

static int32_t sibl_s[2] = {TASK1, TASK3};

static union {
    ProtobufCMessage base;
    Pvm__Empty empty;
    Pvm__Status status;
    Pvm__Hello hello;
    Pvm__HelloReply hello_reply;
    Pvm__PeerHello peer_hello;
    Pvm__SpawnRequest spawn;
    Pvm__SpawnReply spawn_reply;
    Pvm__TaskRef task_ref;
    Pvm__SignalRequest signal;
    Pvm__HostRef host_ref;
    Pvm__TasksReply tasks_reply;
    Pvm__ConfigReply config_reply;
    Pvm__OutputRedirect output;
    Pvm__HostList host_list;
    Pvm__HostsReply hosts_reply;
    Pvm__NotifyRequest notify;
    Pvm__RouteReply route_reply;
    Pvm__LinkHello link_hello;
    Pvm__LinkHelloReply link_hello_reply;
    Pvm__HostTable host_table;
    Pvm__Siblings siblings;
    Pvm__DirectPort direct_port;
    Pvm__GroupRequest grp_request;
    Pvm__GroupReply grp_reply;
    Pvm__GroupList grp_list;
    Pvm__GroupArrive grp_arrive;
    Pvm__GroupRelease grp_release;
    Pvm__GroupGone grp_gone;
    Pvm__HostsyncReply hostsync_reply;
    Pvm__TickleRequest tickle;
    Pvm__TickleReply tickle_reply;
    Pvm__RegRequest reg;
    Pvm__RegReply reg_reply;
    Pvm__CtxRef ctx_ref;
    Pvm__MboxPut mbox_put;
    Pvm__MboxKey mbox_key;
    Pvm__MboxReply mbox_reply;
    Pvm__MboxList mbox_list;
    Pvm__MboxTids mbox_tids;
    Pvm__GroupRoundDone grp_round_done;
    Pvm__GroupHost grp_host;
} s;
static int32_t tickle_s[] = {6, 3};

static uint8_t key_s[CTL_DIRECT_KEY_LEN + 1] = {1, 2, 3};

static int32_t grp_tids_s[] = {0x40001, 0, 0x80002};
static int32_t grp_live_s[] = {0x40001, 0x80002};
static Pvm__GroupEntry grp_entry_s = {
    PROTOBUF_C_MESSAGE_INIT(&pvm__group_entry__descriptor), "workers", true, 3, grp_tids_s, 2};
static Pvm__GroupEntry *grp_entries_s[] = {&grp_entry_s};

static uint8_t mbox_data_s[] = {0, 0, 0, 42};
static int32_t mbox_idx_s[] = {0, 3};
static int32_t mbox_own_s[] = {0x40001, 0};
static int32_t mbox_flags_s[] = {0, PvmMboxPersistent | PvmMboxDirectIndex(3)};
static Pvm__MboxClass mbox_class_s;
static Pvm__MboxClass *mbox_classes_s[] = {&mbox_class_s};

static ProtobufCMessage *sample(int type)
{
    memset(&s, 0, sizeof s);
    switch (type) {
    case T(EXIT):
    case T(CONFIG):
    case T(HALT):
        pvm__empty__init(&s.empty);
        break;
    case T(STATUS):
        pvm__status__init(&s.status);
        s.status.code = PvmNoTask;
        break;
    case T(HELLO):
        pvm__hello__init(&s.hello);
        s.hello.proto_version = CTL_PROTO_VERSION;
        s.hello.pid = 4242;
        s.hello.claimed_tid = TASK2;
        s.hello.name = "master1";
        break;
    case T(HELLO_REPLY):
        pvm__hello_reply__init(&s.hello_reply);
        s.hello_reply.tid = TASK2;
        s.hello_reply.parent = TASK3;
        s.hello_reply.pvmd_tid = PVMD1;
        s.hello_reply.n_siblings = 3;
        s.hello_reply.siblings = sib_s;
        s.hello_reply.sockdir = "/tmp/pvm.1000";
        s.hello_reply.out_tid = TASK3;
        s.hello_reply.out_code = 77;
        s.hello_reply.out_ctx = 5;
        s.hello_reply.trace_tid = TASK1;
        s.hello_reply.trace_code = 78;
        s.hello_reply.trace_ctx = -6;
        s.hello_reply.arch = "LINUX64";
        s.hello_reply.direct_key.data = key_s;
        s.hello_reply.direct_key.len = CTL_DIRECT_KEY_LEN;
        s.hello_reply.direct_ip = "10.231.0.2";
        s.hello_reply.direct_sealed = 1;
        break;
    case T(PEER_HELLO):
        pvm__peer_hello__init(&s.peer_hello);
        s.peer_hello.proto_version = CTL_PROTO_VERSION;
        s.peer_hello.tid = TASK3;
        break;
    case T(SPAWN):
        pvm__spawn_request__init(&s.spawn);
        s.spawn.file = "slave1";
        s.spawn.n_argv = 3;
        s.spawn.argv = argv_s;
        s.spawn.flags = PvmTaskHost | PvmNoSpawnParent;
        s.spawn.where = "alpha";
        s.spawn.count = 4;
        s.spawn.n_env = 3;
        s.spawn.env = env_s;
        s.spawn.out_tid = TASK1;
        s.spawn.out_code = 9;
        s.spawn.out_ctx = 10;
        s.spawn.trace_tid = TASK3;
        s.spawn.trace_code = 11;
        s.spawn.trace_ctx = 12;
        s.spawn.cwd = "/home/user";
        break;
    case T(SPAWN_REPLY):
        pvm__spawn_reply__init(&s.spawn_reply);
        s.spawn_reply.n_tids = 3;
        s.spawn_reply.tids = tids_s;
        break;
    case T(TASKS):
    case T(KILL):
    case T(PSTAT):
    case T(ROUTE_QUERY):
        pvm__task_ref__init(&s.task_ref);
        s.task_ref.tid = TASK3;
        break;
    case T(SIGNAL):
        pvm__signal_request__init(&s.signal);
        s.signal.tid = TASK1;
        s.signal.signum = 15;
        break;
    case T(MSTAT):
        pvm__host_ref__init(&s.host_ref);
        s.host_ref.name = "alpha";
        break;
    case T(TASKS_REPLY):
        pvm__task_info__init(&task_a);
        task_a.tid = TASK1;
        task_a.ptid = PvmNoParent;
        task_a.host = PVMD1;
        task_a.flag = 4;
        task_a.name = "master1";
        task_a.pid = 100;
        pvm__task_info__init(&task_b);
        task_b.tid = TASK3;
        task_b.ptid = TASK1;
        task_b.host = PVMD2;
        task_b.flag = 12;
        task_b.name = "slave1";
        task_b.pid = 101;
        tasks_s[0] = &task_a;
        tasks_s[1] = &task_b;
        pvm__tasks_reply__init(&s.tasks_reply);
        s.tasks_reply.n_tasks = 2;
        s.tasks_reply.tasks = tasks_s;
        break;
    case T(CONFIG_REPLY):
        pvm__host_info__init(&host_a);
        host_a.tid = PVMD1;
        host_a.name = "alpha";
        host_a.arch = "LINUX64";
        host_a.speed = 1000;
        host_a.dsig = 0x408841;
        pvm__host_info__init(&host_b);
        host_b.tid = PVMD2;
        host_b.name = "127.0.0.2";
        host_b.arch = "LINUX64";
        host_b.speed = 2000;
        host_b.dsig = -3;
        hostinfo_s[0] = &host_a;
        hostinfo_s[1] = &host_b;
        pvm__config_reply__init(&s.config_reply);
        s.config_reply.n_hosts = 2;
        s.config_reply.hosts = hostinfo_s;
        s.config_reply.narch = 1;
        break;
    case T(SET_OUTPUT):
        pvm__output_redirect__init(&s.output);
        s.output.out_tid = TASK1;
        s.output.out_code = 33;
        s.output.out_ctx = 2;
        break;
    case T(ADDHOSTS):
    case T(DELHOSTS):
        pvm__host_list__init(&s.host_list);
        s.host_list.n_names = 2;
        s.host_list.names = hosts_s;
        break;
    case T(ADDHOSTS_REPLY):
    case T(DELHOSTS_REPLY):
        pvm__hosts_reply__init(&s.hosts_reply);
        s.hosts_reply.n_results = 2;
        s.hosts_reply.results = results_s;
        break;
    case T(NOTIFY):
        pvm__notify_request__init(&s.notify);
        s.notify.what = PvmTaskExit;
        s.notify.tag = 99;
        s.notify.ctx = 1;
        s.notify.n_tids = 2;
        s.notify.tids = notify_tids_s;
        s.notify.count = 2;
        break;
    case T(ROUTE_REPLY):
        pvm__route_reply__init(&s.route_reply);
        s.route_reply.path = "/tmp/pvm.1000/t40001.sock";
        break;
    case T(LINK_HELLO):
        pvm__link_hello__init(&s.link_hello);
        s.link_hello.proto_version = CTL_PROTO_VERSION;
        s.link_hello.tid = PVMD2;
        s.link_hello.epoch = 0x123456789abcdefULL;
        s.link_hello.to = PVMD1;
        break;
    case T(LINK_HELLO_REPLY):
        pvm__link_hello_reply__init(&s.link_hello_reply);
        s.link_hello_reply.tid = PVMD1;
        s.link_hello_reply.epoch = 77;
        break;
    case T(HOST_TABLE):
        pvm__host_info__init(&host_a);
        host_a.tid = PVMD1;
        host_a.name = "alpha";
        host_a.arch = "LINUX64";
        host_a.speed = 1000;
        host_a.addr = "tcp://10.231.0.1:40000";
        host_a.epoch = 5;
        pvm__host_info__init(&host_b);
        host_b.tid = PVMD2;
        host_b.name = "127.0.0.2";
        host_b.arch = "LINUX64";
        host_b.addr = "tcp://127.0.0.2:40001";
        hostinfo_s[0] = &host_a;
        hostinfo_s[1] = &host_b;
        pvm__host_table__init(&s.host_table);
        s.host_table.version = 9;
        s.host_table.n_hosts = 2;
        s.host_table.hosts = hostinfo_s;
        break;
    case T(SIBLINGS):
    case T(TASKS_GONE):
        pvm__siblings__init(&s.siblings);
        s.siblings.n_tids = 2;
        s.siblings.tids = sibl_s;
        break;
    case T(DIRECT_PORT):
        pvm__direct_port__init(&s.direct_port);
        s.direct_port.port = 40000;
        break;
    case T(GRP_JOIN):
    case T(GRP_LEAVE):
    case T(GRP_INFO):
    case T(GRP_BARRIER):
    case T(GRP_FREEZE):
        pvm__group_request__init(&s.grp_request);
        s.grp_request.name = "workers";
        s.grp_request.tid = 0x40001;
        s.grp_request.count = -1;
        break;
    case T(GRP_REPLY):
        pvm__group_reply__init(&s.grp_reply);
        s.grp_reply.inst = 2;
        s.grp_reply.version = 7;
        s.grp_reply.frozen = true;
        s.grp_reply.n_tids = 3;
        s.grp_reply.tids = grp_tids_s;
        s.grp_reply.slot = 3;
        s.grp_reply.slot_owner = 9;
        break;
    case T(GRP_LIST):
        pvm__empty__init(&s.empty);
        break;
    case T(GRP_LIST_REPLY):
        pvm__group_list__init(&s.grp_list);
        s.grp_list.n_groups = 1;
        s.grp_list.groups = grp_entries_s;
        break;
    case T(GRP_ARRIVE):
        pvm__group_arrive__init(&s.grp_arrive);
        s.grp_arrive.name = "workers";
        s.grp_arrive.count = 4;
        s.grp_arrive.n_tids = 2;
        s.grp_arrive.tids = grp_live_s;
        break;
    case T(GRP_RELEASE):
        pvm__group_release__init(&s.grp_release);
        s.grp_release.name = "workers";
        s.grp_release.freeze = true;
        s.grp_release.status = PvmNoGroup;
        s.grp_release.n_tids = 2;
        s.grp_release.tids = grp_live_s;
        break;
    case T(GRP_GONE):
        pvm__group_gone__init(&s.grp_gone);
        s.grp_gone.n_tids = 2;
        s.grp_gone.tids = grp_live_s;
        break;
    case T(HOSTSYNC):
        pvm__task_ref__init(&s.task_ref);
        s.task_ref.tid = PVMD2;
        break;
    case T(HOSTSYNC_REPLY):
        pvm__hostsync_reply__init(&s.hostsync_reply);
        s.hostsync_reply.sec = 1700000000;
        s.hostsync_reply.usec = 999999;
        break;
    case T(TICKLE):
        pvm__tickle_request__init(&s.tickle);
        s.tickle.n_args = 2;
        s.tickle.args = tickle_s;
        break;
    case T(TICKLE_REPLY):
        pvm__tickle_reply__init(&s.tickle_reply);
        s.tickle_reply.n_resp = 2;
        s.tickle_reply.resp = tickle_s;
        break;
    case T(REG):
        pvm__reg_request__init(&s.reg);
        s.reg.kind = REG_TASKER;
        break;
    case T(REG_REPLY):
        pvm__reg_reply__init(&s.reg_reply);
        s.reg_reply.previous = TASK1;
        break;
    case T(CTX_NEW):
        pvm__empty__init(&s.empty);
        break;
    case T(CTX_FREE):
    case T(CTX_REPLY):
        pvm__ctx_ref__init(&s.ctx_ref);
        s.ctx_ref.ctx = 0x40001;
        break;
    case T(MBOX_PUT):
        pvm__mbox_put__init(&s.mbox_put);
        s.mbox_put.name = "service";
        s.mbox_put.index = -1;
        s.mbox_put.flags = PvmMboxMultiInstance;
        s.mbox_put.tid = 0x80002;
        s.mbox_put.data.data = mbox_data_s;
        s.mbox_put.data.len = sizeof mbox_data_s;
        break;
    case T(MBOX_GET):
    case T(MBOX_DEL):
    case T(MBOX_INFO):
        pvm__mbox_key__init(&s.mbox_key);
        s.mbox_key.name = "service";
        s.mbox_key.index = 2;
        s.mbox_key.flags = PvmMboxFirstAvail;
        s.mbox_key.tid = 0x40001;
        break;
    case T(MBOX_REPLY):
        pvm__mbox_reply__init(&s.mbox_reply);
        s.mbox_reply.index = 3;
        s.mbox_reply.src = 0x80002;
        s.mbox_reply.data.data = mbox_data_s;
        s.mbox_reply.data.len = sizeof mbox_data_s;
        break;
    case T(MBOX_LIST):
        pvm__mbox_class__init(&mbox_class_s);
        mbox_class_s.name = "service";
        mbox_class_s.n_indices = mbox_class_s.n_owners = mbox_class_s.n_flags = 2;
        mbox_class_s.indices = mbox_idx_s;
        mbox_class_s.owners = mbox_own_s;
        mbox_class_s.flags = mbox_flags_s;
        pvm__mbox_list__init(&s.mbox_list);
        s.mbox_list.n_classes = 1;
        s.mbox_list.classes = mbox_classes_s;
        break;
    case T(MBOX_GONE):
    case T(MBOX_RESET):
        pvm__mbox_tids__init(&s.mbox_tids);
        s.mbox_tids.n_tids = 2;
        s.mbox_tids.tids = grp_live_s;
        break;
    case T(GRP_ROUND_DONE):
        pvm__group_round_done__init(&s.grp_round_done);
        s.grp_round_done.slot = 1;
        break;
    case T(GRP_HOST):
        pvm__group_host__init(&s.grp_host);
        s.grp_host.name = "g";
        s.grp_host.slot = 3;
        s.grp_host.owner = 7;
        s.grp_host.version = 9;
        s.grp_host.local = 2;
        s.grp_host.size = 5;
        break;
    default:
        return NULL;
    }
    return &s.base;
}

/* ===================================================================== */
/* Generic helpers                                                        */
/* ===================================================================== */

static const void *field_ptr(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    return (const char *)m + f->offset;
}

static void assert_msg_equal(const ProtobufCMessage *a, const ProtobufCMessage *b);

/* Compares one value of field f (types used by pvm.proto only). */
static void assert_value_equal(const ProtobufCFieldDescriptor *f, const void *x, const void *y)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_UINT32:
        assert_int_equal(*(const int32_t *)x, *(const int32_t *)y);
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_INT64:
        assert_int_equal(*(const uint64_t *)x, *(const uint64_t *)y);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        assert_int_equal(*(const protobuf_c_boolean *)x, *(const protobuf_c_boolean *)y);
        break;
    case PROTOBUF_C_TYPE_STRING: {
        const char *sx = *(char *const *)x, *sy = *(char *const *)y;
        assert_string_equal(sx ? sx : "", sy ? sy : "");
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        assert_msg_equal(*(ProtobufCMessage *const *)x, *(ProtobufCMessage *const *)y);
        break;
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *bx = x, *by = y;
        assert_int_equal(bx->len, by->len);
        if (bx->len)
            assert_memory_equal(bx->data, by->data, bx->len);
        break;
    }
    default:
        fail_msg("field %s: type %d not handled by the test", f->name, f->type);
    }
}

static size_t value_size(const ProtobufCFieldDescriptor *f)
{
    return (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
               ? sizeof(void *)
           : f->type == PROTOBUF_C_TYPE_UINT64 ? sizeof(uint64_t)
           : f->type == PROTOBUF_C_TYPE_BOOL   ? sizeof(protobuf_c_boolean)
           : f->type == PROTOBUF_C_TYPE_BYTES  ? sizeof(ProtobufCBinaryData)
                                               : sizeof(int32_t);
}

/* Field-by-field equality, driven by the descriptor, so a new field in
 * pvm.proto is covered without touching this test. */
static void assert_msg_equal(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_equal(a->descriptor, b->descriptor);
    const ProtobufCMessageDescriptor *d = a->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t na = *(const size_t *)((const char *)a + f->quantifier_offset);
            size_t nb = *(const size_t *)((const char *)b + f->quantifier_offset);
            assert_int_equal(na, nb);
            const char *va = *(char *const *)field_ptr(a, f);
            const char *vb = *(char *const *)field_ptr(b, f);
            for (size_t k = 0; k < na; k++)
                assert_value_equal(f, va + k * value_size(f), vb + k * value_size(f));
        } else {
            assert_value_equal(f, field_ptr(a, f), field_ptr(b, f));
        }
    }
}

/* Packs msg; the caller frees *buf. */
static size_t pack(const ProtobufCMessage *msg, uint8_t **buf)
{
    size_t len = 0;
    assert_int_equal(ctl_pack(msg, buf, &len), 0);
    assert_non_null(*buf);
    return len;
}

/* What the receiving side would say about msg: ctl_unpack of its bytes. */
static int unpack_rc(int type, const ProtobufCMessage *msg)
{
    uint8_t *buf;
    size_t len = pack(msg, &buf);
    ProtobufCMessage *out = (ProtobufCMessage *)1;
    int rc = ctl_unpack(type, buf, len, &out);
    if (rc != 0)
        assert_null(out);
    ctl_free(&out);
    assert_null(out);
    free(buf);
    return rc;
}

static int ntypes(void)
{
    int max = 0;
    for (unsigned i = 0; i < pvm__ctl_type__descriptor.n_values; i++)
        if (pvm__ctl_type__descriptor.values[i].value > max)
            max = pvm__ctl_type__descriptor.values[i].value;
    return max + 1;
}

/* A type protoc generated, other than CTL_NONE. */
static bool is_valid_type(int t)
{
    return t > 0 && protobuf_c_enum_descriptor_get_value(&pvm__ctl_type__descriptor, t) != NULL;
}

/* ===================================================================== */
/* Table and round trips                                                  */
/* ===================================================================== */

static void test_table(void **state)
{
    (void)state;
    for (int t = -2; t < NTYPES + 3; t++) {
        const ProtobufCMessageDescriptor *d = ctl_descriptor(t);
        if (is_valid_type(t)) {
            assert_non_null(d);
            assert_non_null(sample(t)); /* the test knows every type protoc generated */
            assert_ptr_equal(d, sample(t)->descriptor);
            char want[32];
            const ProtobufCEnumValue *v =
                protobuf_c_enum_descriptor_get_value(&pvm__ctl_type__descriptor, t);
            assert_non_null(v);
            snprintf(want, sizeof want, "%s", v->name);
            assert_string_equal(ctl_type_name(t), want);
        } else {
            assert_null(d);
            assert_string_equal(ctl_type_name(t), "CTL_unknown");
        }
    }
    assert_string_equal(ctl_type_name(T(HELLO)), "CTL_HELLO");
}

static void test_round_trip(void **state)
{
    (void)state;
    for (int t = 1; t < NTYPES; t++) {
        if (!is_valid_type(t))
            continue;
        ProtobufCMessage *m = sample(t);
        assert_int_equal(ctl_validate(t, m), 0);
        uint8_t *buf;
        size_t len = pack(m, &buf);
        if (m->descriptor != &pvm__empty__descriptor)
            assert_true(len > 0);
        ProtobufCMessage *out = NULL;
        assert_int_equal(ctl_unpack(t, buf, len, &out), 0);
        assert_msg_equal(m, out);
        assert_int_equal(ctl_validate(t, out), 0);
        /* Canonical: packing the decoded message gives the same bytes. */
        uint8_t *again;
        size_t len2 = pack(out, &again);
        assert_int_equal(len, len2);
        assert_memory_equal(buf, again, len);
        ctl_free(&out);
        assert_null(out);
        free(again);
        free(buf);
    }
    ctl_free(NULL); /* harmless */
}

static void test_unknown_type(void **state)
{
    (void)state;
    uint8_t *buf;
    size_t len = pack(sample(T(STATUS)), &buf);
    int bad[] = {T(NONE), -1, NTYPES, 1000, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ProtobufCMessage *out = (ProtobufCMessage *)1;
        assert_int_equal(ctl_unpack(bad[i], buf, len, &out), PvmBadMsg);
        assert_null(out);
        assert_int_equal(ctl_validate(bad[i], sample(T(STATUS))), PvmBadMsg);
    }
    free(buf);
    /* A message of another type, or none at all. */
    assert_int_equal(ctl_validate(T(HELLO), sample(T(STATUS))), PvmBadMsg);
    assert_int_equal(ctl_validate(T(HELLO), NULL), PvmBadMsg);
    /* The wrong one of two types that share a descriptor rule set. */
    ProtobufCMessage *m = sample(T(TASKS));
    s.task_ref.tid = 0;
    assert_int_equal(ctl_validate(T(TASKS), m), 0);
    assert_int_equal(ctl_validate(T(KILL), m), PvmBadMsg);
}

/* ===================================================================== */
/* Validation rules                                                       */
/* ===================================================================== */

/* A rule: start from the sample of `type', apply `mutate', expect `rc'.
 * `wire' 0 skips the unpack path for counts that would need gigantic
 * encodings. */
struct rule {
    const char *what;
    int type;
    void (*mutate)(void);
    int rc;
    int wire;
};

#define RULE(ty, fn, rc)                                                                           \
    {                                                                                              \
#fn, T(ty), fn, rc, 1                                                                      \
    }
#define RULE_NOWIRE(ty, fn, rc)                                                                    \
    {                                                                                              \
#fn, T(ty), fn, rc, 0                                                                      \
    }

static int32_t big_ints[CTL_MAX_LIST + 1];
static int32_t big_errs[CTL_MAX_LIST + 1];
static char *big_strs[CTL_MAX_LIST + 1];

/* -- Status -- */
static void status_positive(void)
{
    s.status.code = 1;
}
static void status_zero(void)
{
    s.status.code = 0;
}
static void status_min(void)
{
    s.status.code = INT32_MIN;
}

/* -- Hello -- */
static void hello_version0(void)
{
    s.hello.proto_version = 0;
}
static void hello_pid0(void)
{
    s.hello.pid = 0;
}
static void hello_pid_neg(void)
{
    s.hello.pid = -1;
}
static void hello_claim_pvmd(void)
{
    s.hello.claimed_tid = PVMD1;
}
static void hello_claim_bad(void)
{
    s.hello.claimed_tid = BADTID;
}
static void hello_claim_neg(void)
{
    s.hello.claimed_tid = -1;
}
static void hello_claim0(void)
{
    s.hello.claimed_tid = 0;
}
static void hello_name_long(void)
{
    s.hello.name = long_str;
}
static void hello_name_max(void)
{
    s.hello.name = long_str + 1;
}
static void hello_name_empty(void)
{
    s.hello.name = "";
}
static void hello_name_null(void)
{
    s.hello.name = NULL;
}
static void hello_version_other(void)
{
    s.hello.proto_version = 7;
}

/* -- HelloReply -- */
static void hr_status_pos(void)
{
    s.hello_reply.status = 3;
}
static void hr_tid0(void)
{
    s.hello_reply.tid = 0;
}
static void hr_tid_pvmd(void)
{
    s.hello_reply.tid = PVMD1;
}
static void hr_tid_bad(void)
{
    s.hello_reply.tid = BADTID;
}
static void hr_pvmd_task(void)
{
    s.hello_reply.pvmd_tid = TASK1;
}
static void hr_pvmd_other_host(void)
{
    s.hello_reply.pvmd_tid = PVMD2;
}
static void hr_parent0(void)
{
    s.hello_reply.parent = 0;
}
static void hr_parent_err(void)
{
    s.hello_reply.parent = PvmNoTask;
}
static void hr_parent_none(void)
{
    s.hello_reply.parent = PvmNoParent;
}
static void hr_parent_notset(void)
{
    s.hello_reply.parent = PvmParentNotSet;
}
static void hr_sib_many(void)
{
    s.hello_reply.n_siblings = CTL_MAX_SPAWN + 1, s.hello_reply.siblings = big_ints;
}
static void hr_sib_max(void)
{
    s.hello_reply.n_siblings = CTL_MAX_SPAWN, s.hello_reply.siblings = big_ints;
}
static void hr_sib_zero(void)
{
    sib_s[1] = 0;
}
static void hr_sib_pvmd(void)
{
    sib_s[1] = PVMD2;
}
static void hr_out_bad(void)
{
    s.hello_reply.out_tid = -1;
}
static void hr_out0(void)
{
    s.hello_reply.out_tid = 0;
}
static void hr_trace_bad(void)
{
    s.hello_reply.trace_tid = BADTID;
}
static void hr_sockdir_long(void)
{
    s.hello_reply.sockdir = long_str;
}
static void hr_arch_long(void)
{
    s.hello_reply.arch = long_str;
}
static void hr_refused(void)
{
    s.hello_reply.status = PvmDenied;
    s.hello_reply.tid = 0;
    s.hello_reply.parent = 0;
    s.hello_reply.pvmd_tid = 0;
}

/* -- PeerHello -- */
static void ph_version0(void)
{
    s.peer_hello.proto_version = 0;
}
static void ph_tid0(void)
{
    s.peer_hello.tid = 0;
}
static void ph_tid_pvmd(void)
{
    s.peer_hello.tid = PVMD2;
}
static void ph_tid_neg(void)
{
    s.peer_hello.tid = -31;
}

/* -- SpawnRequest -- */
static char *long_argv[] = {"ok", long_str};
static char *env_noeq[] = {"NOEQUALS"};
static char *env_noname[] = {"=value"};
static char *env_long[] = {long_str};
static void sp_file_empty(void)
{
    s.spawn.file = "";
}
static void sp_file_null(void)
{
    s.spawn.file = NULL;
}
static void sp_file_long(void)
{
    s.spawn.file = long_str;
}
static void sp_argv_many(void)
{
    s.spawn.n_argv = CTL_MAX_ARGS + 1, s.spawn.argv = big_strs;
}
static void sp_argv_max(void)
{
    s.spawn.n_argv = CTL_MAX_ARGS, s.spawn.argv = big_strs;
}
static void sp_argv_long(void)
{
    s.spawn.n_argv = 2, s.spawn.argv = long_argv;
}
static void sp_argv_none(void)
{
    s.spawn.n_argv = 0, s.spawn.argv = NULL;
}
static void sp_flags_unknown(void)
{
    s.spawn.flags = 128;
}
static void sp_flags_neg(void)
{
    s.spawn.flags = -1;
}
static void sp_flags_all(void)
{
    s.spawn.flags = 127;
}
static void sp_where_long(void)
{
    s.spawn.where = long_str;
}
static void sp_where_empty(void)
{
    s.spawn.where = "";
}
static void sp_count0(void)
{
    s.spawn.count = 0;
}
static void sp_count_neg(void)
{
    s.spawn.count = -4;
}
static void sp_count_over(void)
{
    s.spawn.count = CTL_MAX_SPAWN + 1;
}
static void sp_count_max(void)
{
    s.spawn.count = CTL_MAX_SPAWN;
}
static void sp_env_many(void)
{
    s.spawn.n_env = CTL_MAX_ARGS + 1, s.spawn.env = big_strs;
}
static void sp_env_noeq(void)
{
    s.spawn.n_env = 1, s.spawn.env = env_noeq;
}
static void sp_env_noname(void)
{
    s.spawn.n_env = 1, s.spawn.env = env_noname;
}
static void sp_env_long(void)
{
    s.spawn.n_env = 1, s.spawn.env = env_long;
}
static void sp_out_bad(void)
{
    s.spawn.out_tid = -2;
}
static void sp_trace_bad(void)
{
    s.spawn.trace_tid = BADTID;
}
static void sp_out0(void)
{
    s.spawn.out_tid = 0, s.spawn.trace_tid = 0;
}
static void sp_cwd_rel(void)
{
    s.spawn.cwd = "work";
}
static void sp_cwd_long(void)
{
    s.spawn.cwd = long_str;
}
static void sp_cwd_empty(void)
{
    s.spawn.cwd = "";
}

/* -- SpawnReply -- */
static void sr_many(void)
{
    s.spawn_reply.n_tids = CTL_MAX_SPAWN + 1, s.spawn_reply.tids = big_ints;
}
static void sr_zero(void)
{
    tids_s[1] = 0;
}
static void sr_pvmd(void)
{
    tids_s[1] = PVMD1;
}
static void sr_bad(void)
{
    tids_s[1] = BADTID;
}
static void sr_empty(void)
{
    s.spawn_reply.n_tids = 0, s.spawn_reply.tids = NULL;
}

/* -- TaskRef, per type -- */
static void tr_zero(void)
{
    s.task_ref.tid = 0;
}
static void tr_neg(void)
{
    s.task_ref.tid = -1;
}
static void tr_bad(void)
{
    s.task_ref.tid = BADTID;
}
static void tr_pvmd(void)
{
    s.task_ref.tid = PVMD2;
}
static void tr_hostless(void)
{
    s.task_ref.tid = 5;
}
static void tr_for_task(void)
{
    s.task_ref.for_tid = TASK1;
}
static void tr_for_pvmd(void)
{
    s.task_ref.for_tid = PVMD2;
}
static void tr_for_bad(void)
{
    s.task_ref.for_tid = BADTID;
}

/* -- HelloReply: direct routes -- */
static void hr_key_short(void)
{
    s.hello_reply.direct_key.len = CTL_DIRECT_KEY_LEN - 1;
}
static void hr_key_long(void)
{
    s.hello_reply.direct_key.len = CTL_DIRECT_KEY_LEN + 1;
}
static void hr_key_none(void)
{
    s.hello_reply.direct_key.len = 0, s.hello_reply.direct_ip = "";
}
static void hr_ip_long(void)
{
    s.hello_reply.direct_ip = long_str + 65536 - CTL_IP_MAX;
}

/* -- DirectPort -- */
static void dp_zero(void)
{
    s.direct_port.port = 0;
}
static void dp_max(void)
{
    s.direct_port.port = 65535;
}
static void dp_over(void)
{
    s.direct_port.port = 65536;
}

/* -- SignalRequest -- */
static void sg_zero(void)
{
    s.signal.signum = 0;
}
static void sg_65(void)
{
    s.signal.signum = 65;
}
static void sg_neg(void)
{
    s.signal.signum = -9;
}
static void sg_64(void)
{
    s.signal.signum = 64;
}
static void sg_1(void)
{
    s.signal.signum = 1;
}
static void sg_tid0(void)
{
    s.signal.tid = 0;
}

/* -- HostRef -- */
static void hf_empty(void)
{
    s.host_ref.name = "";
}
static void hf_long(void)
{
    s.host_ref.name = long_str;
}

/* -- TasksReply -- */
static void ts_status(void)
{
    s.tasks_reply.status = 1;
}
static void ts_many(void)
{
    s.tasks_reply.n_tasks = CTL_MAX_LIST + 1;
}
static void ts_none(void)
{
    s.tasks_reply.n_tasks = 0, s.tasks_reply.tasks = NULL;
}
static void ts_tid_pvmd(void)
{
    task_b.tid = PVMD2;
}
static void ts_host_task(void)
{
    task_b.host = TASK3;
}
static void ts_host_other(void)
{
    task_b.host = PVMD1;
}
static void ts_ptid_bad(void)
{
    task_b.ptid = BADTID;
}
static void ts_ptid0(void)
{
    task_b.ptid = 0;
}
static void ts_flag_neg(void)
{
    task_b.flag = -1;
}
static void ts_pid_neg(void)
{
    task_b.pid = -1;
}
static void ts_pid0(void)
{
    task_b.pid = 0;
}
static void ts_name_long(void)
{
    task_b.name = long_str;
}
static void ts_null_elem(void)
{
    tasks_s[1] = NULL;
}

/* -- ConfigReply -- */
static void cf_status(void)
{
    s.config_reply.status = 2;
}
static void cf_many(void)
{
    s.config_reply.n_hosts = TID_MAX_HOST + 1;
}
static void cf_host_task(void)
{
    host_b.tid = TASK3;
}
static void cf_host_bad(void)
{
    host_b.tid = BADTID;
}
static void cf_name_empty(void)
{
    host_b.name = "";
}
static void cf_arch_long(void)
{
    host_b.arch = long_str;
}
static void cf_speed_neg(void)
{
    host_b.speed = -1;
}
static void cf_narch_neg(void)
{
    s.config_reply.narch = -1;
}
static void cf_narch_over(void)
{
    s.config_reply.narch = 3;
}
static void cf_narch_all(void)
{
    s.config_reply.narch = 2;
}
static void cf_null_elem(void)
{
    hostinfo_s[0] = NULL;
}

/* -- OutputRedirect -- */
static void or_zero(void)
{
    s.output.out_tid = 0;
}
static void or_neg(void)
{
    s.output.out_tid = -1;
}
static void or_bad(void)
{
    s.output.out_tid = BADTID;
}

/* -- HostList -- */
static char *hl_empty_names[] = {"alpha", ""};
static char *hl_long_names[] = {long_str};
static void hl_many(void)
{
    s.host_list.n_names = CTL_MAX_LIST + 1, s.host_list.names = big_strs;
}
static void hl_empty(void)
{
    s.host_list.names = hl_empty_names;
}
static void hl_long(void)
{
    s.host_list.n_names = 1, s.host_list.names = hl_long_names;
}
static void hl_none(void)
{
    s.host_list.n_names = 0, s.host_list.names = NULL;
}

/* -- HostsReply -- */
static void hs_many(void)
{
    s.hosts_reply.n_results = CTL_MAX_LIST + 1, s.hosts_reply.results = big_errs;
}
static void hs_zero(void)
{
    results_s[0] = 0;
}
static void hs_task(void)
{
    results_s[0] = TASK1;
}

/* -- NotifyRequest -- */
static void nt_what0(void)
{
    s.notify.what = 0;
}
static void nt_what6(void)
{
    s.notify.what = 6;
}
static void nt_cancel_only(void)
{
    s.notify.what = PvmNotifyCancel;
}
static void nt_other_bit(void)
{
    s.notify.what = PvmTaskExit | 512;
}
static void nt_cancel(void)
{
    s.notify.what = PvmTaskExit | PvmNotifyCancel;
}
static void nt_hostadd(void)
{
    s.notify.what = PvmHostAdd, s.notify.count = -1, s.notify.n_tids = 0;
}
static void nt_count(void)
{
    s.notify.count = -2;
}
static void nt_tid0(void)
{
    notify_tids_s[1] = 0;
}
static void nt_tid_neg(void)
{
    notify_tids_s[1] = -1;
}
static void nt_many(void)
{
    s.notify.n_tids = CTL_MAX_LIST + 1, s.notify.tids = big_ints;
}

/* -- RouteReply -- */
static char path_max[PATHS_MAX];      /* PATHS_MAX - 1 characters: fits */
static char path_over[PATHS_MAX + 1]; /* PATHS_MAX characters: does not */
static void rr_status(void)
{
    s.route_reply.status = 1;
}
static void rr_empty(void)
{
    s.route_reply.path = "";
}
static void rr_refused(void)
{
    s.route_reply.status = PvmNoTask, s.route_reply.path = "";
}
static void rr_path_max(void)
{
    s.route_reply.path = path_max;
}
static void rr_path_over(void)
{
    s.route_reply.path = path_over;
}
static void rr_long(void)
{
    s.route_reply.status = PvmNoTask, s.route_reply.path = long_str;
}
/* Another host's task: an address, a port and a credential. */
static void rr_tcp(void)
{
    s.route_reply.path = "", s.route_reply.ip = "10.231.0.3", s.route_reply.port = 40000;
    s.route_reply.cred.data = key_s, s.route_reply.cred.len = CTL_DIRECT_KEY_LEN;
}
static void rr_tcp_sealed(void)
{
    rr_tcp();
    s.route_reply.sealed = 1;
}
static void rr_tcp_nocred(void)
{
    rr_tcp();
    s.route_reply.cred.len = 0;
}
static void rr_tcp_shortcred(void)
{
    rr_tcp();
    s.route_reply.cred.len = CTL_DIRECT_KEY_LEN - 1;
}
static void rr_tcp_port0(void)
{
    rr_tcp();
    s.route_reply.port = 0;
}
static void rr_tcp_port_over(void)
{
    rr_tcp();
    s.route_reply.port = 65536;
}
static void rr_tcp_ip_long(void)
{
    rr_tcp();
    s.route_reply.ip = long_str + 65536 - CTL_IP_MAX;
}

static void lh_task(void)
{
    s.link_hello.tid = TASK1;
}
static void lh_epoch0(void)
{
    s.link_hello.epoch = 0;
}
static void lh_to_task(void)
{
    s.link_hello.to = TASK1;
}
static void lh_to_any(void)
{
    s.link_hello.to = 0;
}
static void lr_refused(void)
{
    s.link_hello_reply.status = PvmDenied, s.link_hello_reply.tid = 0, s.link_hello_reply.epoch = 0;
}
static void lr_positive(void)
{
    s.link_hello_reply.status = 1;
}
static void lr_no_epoch(void)
{
    s.link_hello_reply.epoch = 0;
}
static void ht_empty(void)
{
    s.host_table.n_hosts = 0;
}
static void ht_bad_tid(void)
{
    host_b.tid = TASK1;
}
static void ht_no_name(void)
{
    host_a.name = "";
}

/* registered helpers, clock, tickle */
static void hsync_task(void)
{
    s.task_ref.tid = TASK1;
}
static void hsync_usec_over(void)
{
    s.hostsync_reply.usec = 1000000;
}
static void hsync_usec_neg(void)
{
    s.hostsync_reply.usec = -1;
}
static void hsync_status_pos(void)
{
    s.hostsync_reply.status = 1;
}
static void tk_none(void)
{
    s.tickle.n_args = 0;
}
static void tk_one(void)
{
    s.tickle.n_args = 1;
}
static void tk_eleven(void)
{
    static int32_t a[11];
    s.tickle.n_args = 11;
    s.tickle.args = a;
}
static void tr_eleven(void)
{
    static int32_t a[11];
    s.tickle_reply.n_resp = 11;
    s.tickle_reply.resp = a;
}
static void rg_zero(void)
{
    s.reg.kind = 0;
}
static void rg_four(void)
{
    s.reg.kind = REG_RM + 1;
}
static void rr_pvmd(void)
{
    s.reg_reply.previous = PVMD2;
}
static void rr_positive(void)
{
    s.reg_reply.status = 1;
}

/* -- contexts: any value a user may have, never a reserved one -- */
static void ctx_negative(void)
{
    s.ctx_ref.ctx = -7;
}
static void ctx_grp(void)
{
    s.ctx_ref.ctx = PVM_GRP_CTX;
}
static void ctx_sys(void)
{
    s.ctx_ref.ctx = PVM_SYS_CTX;
}
static void spawn_ctx_sys(void)
{
    s.spawn.ctx = PVM_SYS_CTX;
}
static void spawn_ctx_negative(void)
{
    s.spawn.ctx = -1;
}
static void hr_ctx_grp(void)
{
    s.hello_reply.ctx = PVM_GRP_CTX;
}

/* Mailbox (ctl_mbox.c). */
static void mb_put_index(void)
{
    s.mbox_put.index = -2;
}

static void mb_put_tid_pvmd(void)
{
    s.mbox_put.tid = PVMD2;
}

static void mb_put_noname(void)
{
    s.mbox_put.name = "";
}

static void mb_put_big(void)
{
    /* Claimed only: the validator looks at the length first. */
    s.mbox_put.data.len = MBOX_DATA_MAX + 1;
}

static void mb_key_index(void)
{
    s.mbox_key.index = -1;
}

static void mb_key_noname(void)
{
    s.mbox_key.name = "";
}

static void mb_key_tid0(void)
{
    s.mbox_key.tid = 0;
}

static void mb_reply_status(void)
{
    s.mbox_reply.status = 1;
}

static void mb_reply_src(void)
{
    s.mbox_reply.src = BADTID;
}

static void mb_list_uneven(void)
{
    mbox_class_s.n_owners = 1;
}

static void mb_list_index(void)
{
    mbox_idx_s[1] = -3;
}

static void mb_list_owner(void)
{
    mbox_own_s[1] = PVMD1;
}

static void mb_tids_pvmd(void)
{
    s.mbox_tids.tids = sibl_s;
    sibl_s[1] = PVMD2;
}

static void mb_tids_none(void)
{
    s.mbox_tids.n_tids = 0;
}

static void gr_slot_last(void)
{
    s.grp_reply.slot = BARPAGE_SLOTS;
}
static void gr_slot_over(void)
{
    s.grp_reply.slot = BARPAGE_SLOTS + 1;
}
static void rd_slot0(void)
{
    s.grp_round_done.slot = 0;
}
static void rd_slot_last(void)
{
    s.grp_round_done.slot = BARPAGE_SLOTS;
}
static void rd_slot_over(void)
{
    s.grp_round_done.slot = BARPAGE_SLOTS + 1;
}

static void gh_local_over_size(void)
{
    s.grp_host.local = 6;
}
static void gh_slot0(void)
{
    s.grp_host.slot = 0;
}
static void gh_none(void)
{
    s.grp_host.local = 0;
}

static const struct rule rules[] = {
    RULE(GRP_REPLY, gr_slot_last, 0),
    RULE(GRP_REPLY, gr_slot_over, PvmBadMsg),
    RULE(GRP_ROUND_DONE, rd_slot0, PvmBadMsg),
    RULE(GRP_ROUND_DONE, rd_slot_last, 0),
    RULE(GRP_ROUND_DONE, rd_slot_over, PvmBadMsg),
    RULE(GRP_HOST, gh_local_over_size, PvmBadMsg),
    RULE(GRP_HOST, gh_slot0, PvmBadMsg),
    RULE(GRP_HOST, gh_none, 0),
    RULE(STATUS, status_positive, PvmBadMsg),
    RULE(STATUS, status_zero, 0),
    RULE(STATUS, status_min, 0),

    RULE(HELLO, hello_version0, PvmBadMsg),
    RULE(HELLO, hello_pid0, PvmBadMsg),
    RULE(HELLO, hello_pid_neg, PvmBadMsg),
    RULE(HELLO, hello_claim_pvmd, PvmBadMsg),
    RULE(HELLO, hello_claim_bad, PvmBadMsg),
    RULE(HELLO, hello_claim_neg, PvmBadMsg),
    RULE(HELLO, hello_claim0, 0),
    RULE(HELLO, hello_name_long, PvmBadMsg),
    RULE(HELLO, hello_name_max, 0),
    RULE(HELLO, hello_name_empty, 0),
    RULE(HELLO, hello_name_null, 0),
    /* Another version is the pvmd's decision (PvmBadVersion), not malformed. */
    RULE(HELLO, hello_version_other, 0),

    RULE(HELLO_REPLY, hr_status_pos, PvmBadMsg),
    RULE(HELLO_REPLY, hr_tid0, PvmBadMsg),
    RULE(HELLO_REPLY, hr_tid_pvmd, PvmBadMsg),
    RULE(HELLO_REPLY, hr_tid_bad, PvmBadMsg),
    RULE(HELLO_REPLY, hr_pvmd_task, PvmBadMsg),
    RULE(HELLO_REPLY, hr_pvmd_other_host, PvmBadMsg),
    RULE(HELLO_REPLY, hr_parent0, PvmBadMsg),
    RULE(HELLO_REPLY, hr_parent_err, PvmBadMsg),
    RULE(HELLO_REPLY, hr_parent_none, 0),
    RULE(HELLO_REPLY, hr_parent_notset, 0),
    RULE(HELLO_REPLY, hr_sib_many, PvmBadMsg),
    RULE(HELLO_REPLY, hr_sib_max, 0),
    RULE(HELLO_REPLY, hr_sib_zero, PvmBadMsg),
    RULE(HELLO_REPLY, hr_sib_pvmd, PvmBadMsg),
    RULE(HELLO_REPLY, hr_out_bad, PvmBadMsg),
    RULE(HELLO_REPLY, hr_out0, 0),
    RULE(HELLO_REPLY, hr_key_short, PvmBadMsg),
    RULE(HELLO_REPLY, hr_key_long, PvmBadMsg),
    RULE(HELLO_REPLY, hr_key_none, 0),
    RULE(HELLO_REPLY, hr_ip_long, PvmBadMsg),
    RULE(HELLO_REPLY, hr_trace_bad, PvmBadMsg),
    RULE(HELLO_REPLY, hr_sockdir_long, PvmBadMsg),
    RULE(HELLO_REPLY, hr_arch_long, PvmBadMsg),
    RULE(HELLO_REPLY, hr_refused, 0),

    RULE(PEER_HELLO, ph_version0, PvmBadMsg),
    RULE(PEER_HELLO, ph_tid0, PvmBadMsg),
    RULE(PEER_HELLO, ph_tid_pvmd, PvmBadMsg),
    RULE(PEER_HELLO, ph_tid_neg, PvmBadMsg),

    RULE(SPAWN, sp_file_empty, PvmBadMsg),
    RULE(SPAWN, sp_file_null, PvmBadMsg),
    RULE(SPAWN, sp_file_long, PvmBadMsg),
    RULE(SPAWN, sp_argv_many, PvmBadMsg),
    RULE(SPAWN, sp_argv_max, 0),
    RULE(SPAWN, sp_argv_long, PvmBadMsg),
    RULE(SPAWN, sp_argv_none, 0),
    RULE(SPAWN, sp_flags_unknown, PvmBadMsg),
    RULE(SPAWN, sp_flags_neg, PvmBadMsg),
    RULE(SPAWN, sp_flags_all, 0),
    RULE(SPAWN, sp_where_long, PvmBadMsg),
    RULE(SPAWN, sp_where_empty, 0),
    RULE(SPAWN, sp_count0, PvmBadMsg),
    RULE(SPAWN, sp_count_neg, PvmBadMsg),
    RULE(SPAWN, sp_count_over, PvmBadMsg),
    RULE(SPAWN, sp_count_max, 0),
    RULE(SPAWN, sp_env_many, PvmBadMsg),
    RULE(SPAWN, sp_env_noeq, PvmBadMsg),
    RULE(SPAWN, sp_env_noname, PvmBadMsg),
    RULE(SPAWN, sp_env_long, PvmBadMsg),
    RULE(SPAWN, sp_out_bad, PvmBadMsg),
    RULE(SPAWN, sp_trace_bad, PvmBadMsg),
    RULE(SPAWN, sp_out0, 0),
    RULE(SPAWN, sp_cwd_rel, PvmBadMsg),
    RULE(SPAWN, sp_cwd_long, PvmBadMsg),
    RULE(SPAWN, sp_cwd_empty, 0),

    RULE(SPAWN_REPLY, sr_many, PvmBadMsg),
    RULE(SPAWN_REPLY, sr_zero, PvmBadMsg),
    RULE(SPAWN_REPLY, sr_pvmd, PvmBadMsg),
    RULE(SPAWN_REPLY, sr_bad, PvmBadMsg),
    RULE(SPAWN_REPLY, sr_empty, 0),

    RULE(TASKS, tr_zero, 0),
    RULE(TASKS, tr_pvmd, 0),
    RULE(TASKS, tr_neg, PvmBadMsg),
    RULE(TASKS, tr_bad, PvmBadMsg),
    RULE(TASKS, tr_hostless, PvmBadMsg),
    RULE(KILL, tr_zero, PvmBadMsg),
    RULE(KILL, tr_neg, PvmBadMsg),
    RULE(KILL, tr_bad, PvmBadMsg),
    RULE(KILL, tr_pvmd, 0),
    RULE(PSTAT, tr_zero, PvmBadMsg),
    RULE(PSTAT, tr_hostless, PvmBadMsg),
    RULE(PSTAT, tr_pvmd, 0),
    RULE(ROUTE_QUERY, tr_zero, PvmBadMsg),
    RULE(ROUTE_QUERY, tr_for_task, 0),
    RULE(ROUTE_QUERY, tr_for_pvmd, PvmBadMsg),
    RULE(ROUTE_QUERY, tr_for_bad, PvmBadMsg),
    RULE(ROUTE_QUERY, tr_pvmd, PvmBadMsg),
    RULE(ROUTE_QUERY, tr_bad, PvmBadMsg),

    RULE(SIGNAL, sg_zero, 0), /* signal 0: does the task exist */
    RULE(SIGNAL, sg_65, PvmBadMsg),
    RULE(SIGNAL, sg_neg, PvmBadMsg),
    RULE(SIGNAL, sg_64, 0),
    RULE(SIGNAL, sg_1, 0),
    RULE(SIGNAL, sg_tid0, PvmBadMsg),

    RULE(MSTAT, hf_empty, PvmBadMsg),
    RULE(MSTAT, hf_long, PvmBadMsg),

    RULE(TASKS_REPLY, ts_status, PvmBadMsg),
    RULE_NOWIRE(TASKS_REPLY, ts_many, PvmBadMsg),
    RULE(TASKS_REPLY, ts_none, 0),
    RULE(TASKS_REPLY, ts_tid_pvmd, PvmBadMsg),
    RULE(TASKS_REPLY, ts_host_task, PvmBadMsg),
    RULE(TASKS_REPLY, ts_host_other, PvmBadMsg),
    RULE(TASKS_REPLY, ts_ptid_bad, PvmBadMsg),
    RULE(TASKS_REPLY, ts_ptid0, 0),
    RULE(TASKS_REPLY, ts_flag_neg, PvmBadMsg),
    RULE(TASKS_REPLY, ts_pid_neg, PvmBadMsg),
    RULE(TASKS_REPLY, ts_pid0, 0),
    RULE(TASKS_REPLY, ts_name_long, PvmBadMsg),
    RULE_NOWIRE(TASKS_REPLY, ts_null_elem, PvmBadMsg),

    RULE(CONFIG_REPLY, cf_status, PvmBadMsg),
    RULE_NOWIRE(CONFIG_REPLY, cf_many, PvmBadMsg),
    RULE(CONFIG_REPLY, cf_host_task, PvmBadMsg),
    RULE(CONFIG_REPLY, cf_host_bad, PvmBadMsg),
    RULE(CONFIG_REPLY, cf_name_empty, PvmBadMsg),
    RULE(CONFIG_REPLY, cf_arch_long, PvmBadMsg),
    RULE(CONFIG_REPLY, cf_speed_neg, PvmBadMsg),
    RULE(CONFIG_REPLY, cf_narch_neg, PvmBadMsg),
    RULE(CONFIG_REPLY, cf_narch_over, PvmBadMsg),
    RULE(CONFIG_REPLY, cf_narch_all, 0),
    RULE_NOWIRE(CONFIG_REPLY, cf_null_elem, PvmBadMsg),

    RULE(SET_OUTPUT, or_zero, 0),
    RULE(SET_OUTPUT, or_neg, PvmBadMsg),
    RULE(SET_OUTPUT, or_bad, PvmBadMsg),

    RULE_NOWIRE(ADDHOSTS, hl_many, PvmBadMsg),
    RULE(ADDHOSTS, hl_empty, PvmBadMsg),
    RULE(ADDHOSTS, hl_long, PvmBadMsg),
    RULE(ADDHOSTS, hl_none, 0),
    RULE(DELHOSTS, hl_empty, PvmBadMsg),

    RULE(ADDHOSTS_REPLY, hs_many, PvmBadMsg),
    RULE(ADDHOSTS_REPLY, hs_zero, PvmBadMsg),
    RULE(DELHOSTS_REPLY, hs_task, PvmBadMsg),

    RULE(NOTIFY, nt_what0, PvmBadMsg),
    RULE(NOTIFY, nt_what6, PvmBadMsg),
    RULE(NOTIFY, nt_cancel_only, PvmBadMsg),
    RULE(NOTIFY, nt_other_bit, PvmBadMsg),
    RULE(NOTIFY, nt_cancel, 0),
    RULE(NOTIFY, nt_hostadd, 0),
    RULE(NOTIFY, nt_count, PvmBadMsg),
    RULE(NOTIFY, nt_tid0, PvmBadMsg),
    RULE(NOTIFY, nt_tid_neg, PvmBadMsg),
    RULE(NOTIFY, nt_many, PvmBadMsg),

    RULE(ROUTE_REPLY, rr_status, PvmBadMsg),
    RULE(ROUTE_REPLY, rr_empty, PvmBadMsg),
    RULE(ROUTE_REPLY, rr_refused, 0),
    RULE(ROUTE_REPLY, rr_path_max, 0),
    RULE(ROUTE_REPLY, rr_path_over, PvmBadMsg),
    RULE(ROUTE_REPLY, rr_long, PvmBadMsg),
    RULE(ROUTE_REPLY, rr_tcp, 0),
    RULE(ROUTE_REPLY, rr_tcp_sealed, 0),
    RULE(ROUTE_REPLY, rr_tcp_nocred, PvmBadMsg),
    RULE(ROUTE_REPLY, rr_tcp_shortcred, PvmBadMsg),
    RULE(ROUTE_REPLY, rr_tcp_port0, PvmBadMsg),
    RULE(ROUTE_REPLY, rr_tcp_port_over, PvmBadMsg),
    RULE(ROUTE_REPLY, rr_tcp_ip_long, PvmBadMsg),

    RULE(DIRECT_PORT, dp_zero, PvmBadMsg),
    RULE(DIRECT_PORT, dp_max, 0),
    RULE(DIRECT_PORT, dp_over, PvmBadMsg),
    RULE(LINK_HELLO, lh_task, PvmBadMsg),
    RULE(LINK_HELLO, lh_epoch0, PvmBadMsg),
    RULE(LINK_HELLO, lh_to_task, PvmBadMsg),
    RULE(LINK_HELLO, lh_to_any, 0),
    RULE(LINK_HELLO_REPLY, lr_refused, 0),
    RULE(LINK_HELLO_REPLY, lr_positive, PvmBadMsg),
    RULE(LINK_HELLO_REPLY, lr_no_epoch, PvmBadMsg),
    RULE(HOST_TABLE, ht_empty, PvmBadMsg),
    RULE(HOST_TABLE, ht_bad_tid, PvmBadMsg),
    RULE(HOST_TABLE, ht_no_name, PvmBadMsg),
    RULE(HOSTSYNC, hsync_task, PvmBadMsg),
    RULE(HOSTSYNC_REPLY, hsync_usec_over, PvmBadMsg),
    RULE(HOSTSYNC_REPLY, hsync_usec_neg, PvmBadMsg),
    RULE(HOSTSYNC_REPLY, hsync_status_pos, PvmBadMsg),
    RULE(TICKLE, tk_none, PvmBadMsg),
    RULE(TICKLE, tk_one, 0),
    RULE(TICKLE, tk_eleven, PvmBadMsg),
    RULE(TICKLE_REPLY, tr_eleven, PvmBadMsg),
    RULE(REG, rg_zero, PvmBadMsg),
    RULE(REG, rg_four, PvmBadMsg),
    RULE(REG_REPLY, rr_pvmd, PvmBadMsg),
    RULE(REG_REPLY, rr_positive, PvmBadMsg),

    RULE(CTX_FREE, ctx_negative, 0),
    RULE(CTX_FREE, ctx_grp, PvmBadMsg),
    RULE(CTX_FREE, ctx_sys, PvmBadMsg),
    RULE(CTX_REPLY, ctx_sys, PvmBadMsg),
    RULE(SPAWN, spawn_ctx_sys, PvmBadMsg),
    RULE(SPAWN, spawn_ctx_negative, 0),
    RULE(HELLO_REPLY, hr_ctx_grp, PvmBadMsg),

    RULE(MBOX_PUT, mb_put_index, PvmBadMsg),
    RULE(MBOX_PUT, mb_put_tid_pvmd, PvmBadMsg),
    RULE(MBOX_PUT, mb_put_noname, PvmBadMsg),
    RULE_NOWIRE(MBOX_PUT, mb_put_big, PvmBadMsg),
    RULE(MBOX_GET, mb_key_index, PvmBadMsg),
    RULE(MBOX_DEL, mb_key_noname, PvmBadMsg),
    RULE(MBOX_INFO, mb_key_noname, 0), /* "" finds every class */
    RULE(MBOX_GET, mb_key_tid0, 0),
    RULE(MBOX_REPLY, mb_reply_status, PvmBadMsg),
    RULE(MBOX_REPLY, mb_reply_src, PvmBadMsg),
    RULE(MBOX_LIST, mb_list_uneven, PvmBadMsg),
    RULE(MBOX_LIST, mb_list_index, PvmBadMsg),
    RULE(MBOX_LIST, mb_list_owner, PvmBadMsg),
    RULE(MBOX_GONE, mb_tids_pvmd, PvmBadMsg),
    RULE(MBOX_RESET, mb_tids_none, 0),
};

static void reset_shared_arrays(void)
{
    mbox_idx_s[1] = 3;
    mbox_own_s[1] = 0;
    sibl_s[1] = TASK3;
    sib_s[1] = TASK2;
    tids_s[1] = PvmNoFile;
    results_s[0] = PVMD2;
    notify_tids_s[1] = TASK3;
}

static void test_rules(void **state)
{
    (void)state;
    memset(long_str, 'x', CTL_MAX_STR + 1); /* CTL_MAX_STR + 1 chars; +1 is the max */
    long_str[0] = '/';
    memset(path_max, 'p', PATHS_MAX - 1);
    path_max[0] = '/';
    memset(path_over, 'p', PATHS_MAX);
    path_over[0] = '/';
    for (int i = 0; i < CTL_MAX_LIST + 1; i++) {
        big_ints[i] = TASK1 + (i % 1000);
        big_errs[i] = PvmNoHost;
        big_strs[i] = "A=b";
    }
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const struct rule *r = &rules[i];
        reset_shared_arrays();
        ProtobufCMessage *m = sample(r->type);
        r->mutate();
        int rc = ctl_validate(r->type, m);
        if (rc != r->rc)
            fail_msg("rule %s (%s): ctl_validate %d, want %d", r->what, ctl_type_name(r->type), rc,
                     r->rc);
        if (r->wire) {
            rc = unpack_rc(r->type, m);
            if (rc != r->rc)
                fail_msg("rule %s (%s): ctl_unpack %d, want %d", r->what, ctl_type_name(r->type),
                         rc, r->rc);
        }
    }
    reset_shared_arrays();
}

/* ===================================================================== */
/* Hostile encodings                                                      */
/* ===================================================================== */

static int unpack_bytes(int type, const void *b, size_t n)
{
    ProtobufCMessage *out = NULL;
    int rc = ctl_unpack(type, b, n, &out);
    if (rc == 0) {
        assert_non_null(out);
        assert_int_equal(ctl_validate(type, out), 0);
    } else {
        assert_int_equal(rc, PvmBadMsg);
        assert_null(out);
    }
    ctl_free(&out);
    return rc;
}

/* Replaces the first occurrence of `needle' in the encoding of the sample
 * of `type' by `repl' (same length) and unpacks the result. */
static int unpack_patched(int type, const char *needle, const char *repl, size_t n)
{
    uint8_t *buf;
    size_t len = pack(sample(type), &buf);
    uint8_t *p = memmem(buf, len, needle, n);
    assert_non_null(p);
    memcpy(p, repl, n);
    int rc = unpack_bytes(type, buf, len);
    free(buf);
    return rc;
}

static void test_embedded_nul(void **state)
{
    (void)state;
    /* Hello: version 1, pid 5, name "a\0b" -- then the same without NUL. */
    static const uint8_t nul[] = {0x08, 1, 0x10, 5, 0x22, 3, 'a', 0, 'b'};
    static const uint8_t ok[] = {0x08, 1, 0x10, 5, 0x22, 3, 'a', 'c', 'b'};
    assert_int_equal(unpack_bytes(T(HELLO), nul, sizeof nul), PvmBadMsg);
    assert_int_equal(unpack_bytes(T(HELLO), ok, sizeof ok), 0);

    /* Top-level, repeated and nested strings. */
    assert_int_equal(unpack_patched(T(SPAWN), "slave1", "sla\0e1", 6), PvmBadMsg);
    assert_int_equal(unpack_patched(T(SPAWN), "-n", "-\0", 2), PvmBadMsg);
    assert_int_equal(unpack_patched(T(SPAWN), "DISPLAY=:0",
                                    "DISPLAY=\0"
                                    "0",
                                    10),
                     PvmBadMsg);
    assert_int_equal(unpack_patched(T(TASKS_REPLY), "slave1", "slave\0", 6), PvmBadMsg);
    assert_int_equal(unpack_patched(T(CONFIG_REPLY), "127.0.0.2",
                                    "127\0"
                                    "0.0.2",
                                    9),
                     PvmBadMsg);
    assert_int_equal(unpack_patched(T(ROUTE_REPLY), "t40001",
                                    "t4\0"
                                    "001",
                                    6),
                     PvmBadMsg);
    /* The same patches without a NUL are fine. */
    assert_int_equal(unpack_patched(T(TASKS_REPLY), "slave1", "slave2", 6), 0);
    assert_int_equal(unpack_patched(T(CONFIG_REPLY), "127.0.0.2", "127.0.0.3", 9), 0);
}

static void test_bad_structure(void **state)
{
    (void)state;
    /* Field number 0. */
    static const uint8_t field0[] = {0x00, 1};
    assert_int_equal(unpack_bytes(T(STATUS), field0, sizeof field0), PvmBadMsg);
    /* Group wire types 3 and 4, and the undefined 6 and 7. */
    static const uint8_t grp[][2] = {{0x0b, 0}, {0x0c, 0}, {0x0e, 0}, {0x0f, 0}};
    for (int i = 0; i < 4; i++)
        assert_int_equal(unpack_bytes(T(STATUS), grp[i], 2), PvmBadMsg);
    /* A varint that never ends. */
    static const uint8_t endless[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
                                      0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(unpack_bytes(T(STATUS), endless, sizeof endless), PvmBadMsg);
    /* A length beyond the buffer, and a huge one. */
    static const uint8_t over[] = {0x22, 10, 'a'};
    assert_int_equal(unpack_bytes(T(HELLO), over, sizeof over), PvmBadMsg);
    static const uint8_t huge[] = {0x22, 0xff, 0xff, 0xff, 0xff, 0x0f, 'a'};
    assert_int_equal(unpack_bytes(T(HELLO), huge, sizeof huge), PvmBadMsg);
    /* The right field number with the wrong wire type. */
    static const uint8_t wt[] = {0x0d, 1, 2, 3, 4}; /* Status.code as fixed32 */
    assert_int_equal(unpack_bytes(T(STATUS), wt, sizeof wt), PvmBadMsg);
    /* A nested message that is itself garbage. */
    static const uint8_t nest[] = {0x12, 2, 0x0f, 0};
    assert_int_equal(unpack_bytes(T(TASKS_REPLY), nest, sizeof nest), PvmBadMsg);
    /* A string over the limit straight from the wire (length header only
     * needs to claim it: the raw scan refuses before allocating). */
    uint8_t *lng = malloc(CTL_MAX_STR + 16);
    assert_non_null(lng);
    for (size_t len = CTL_MAX_STR + 1; len >= CTL_MAX_STR; len--) {
        size_t n = 0;
        lng[n++] = 0x08, lng[n++] = 1, lng[n++] = 0x10, lng[n++] = 5, lng[n++] = 0x22;
        for (size_t v = len;; v >>= 7) { /* the length as a varint */
            lng[n++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
            if (v < 0x80)
                break;
        }
        memset(lng + n, 'a', len);
        assert_int_equal(unpack_bytes(T(HELLO), lng, n + len), len > CTL_MAX_STR ? PvmBadMsg : 0);
    }
    free(lng);

    /* Unknown fields are skipped (a newer peer's additions). */
    static const uint8_t unk[] = {0x08, 0x3d, 0x78, 0x05, 0x82, 0x01, 2, 'h', 'i'};
    assert_int_equal(unpack_bytes(T(STATUS), unk, sizeof unk), 0);
    /* NULL buffer of length 0: an all-default message. */
    assert_int_equal(unpack_bytes(T(STATUS), NULL, 0), 0);
    assert_int_equal(unpack_bytes(T(HALT), NULL, 0), 0);
    assert_int_equal(unpack_bytes(T(HELLO), NULL, 0), PvmBadMsg);
    ProtobufCMessage *out = (ProtobufCMessage *)1;
    assert_int_equal(ctl_unpack(T(STATUS), NULL, 5, &out), PvmBadMsg);
    assert_null(out);
}

/* End offsets of the top-level fields of an encoding: a prefix that ends
 * anywhere else cuts a field in two. */
static void field_ends(const uint8_t *p, size_t n, bool *end)
{
    size_t i = 0;
    end[0] = true;
    while (i < n) {
        uint64_t key = 0, v = 0;
        for (int sh = 0;; sh += 7) {
            key |= (uint64_t)(p[i] & 0x7f) << sh;
            if (!(p[i++] & 0x80))
                break;
        }
        switch (key & 7) {
        case 0:
            while (p[i++] & 0x80)
                ;
            break;
        case 1:
            i += 8;
            break;
        case 5:
            i += 4;
            break;
        case 2:
            for (int sh = 0;; sh += 7) {
                v |= (uint64_t)(p[i] & 0x7f) << sh;
                if (!(p[i++] & 0x80))
                    break;
            }
            i += v;
            break;
        }
        end[i] = true;
    }
}

static void test_truncated(void **state)
{
    (void)state;
    int accepted = 0, total = 0;
    for (int t = 1; t < NTYPES; t++) {
        if (!is_valid_type(t))
            continue;
        uint8_t *buf;
        size_t len = pack(sample(t), &buf);
        bool *end = calloc(len + 1, sizeof *end);
        assert_non_null(end);
        field_ends(buf, len, end);
        for (size_t n = 0; n < len; n++) {
            /* Copy, so that ASan sees any read past the prefix. */
            uint8_t *pre = malloc(n ? n : 1);
            assert_non_null(pre);
            memcpy(pre, buf, n);
            int rc = unpack_bytes(t, pre, n);
            total++;
            if (rc == 0) {
                /* Only a prefix made of whole fields can be a message; the
                 * frame's length is what detects that truncation. */
                assert_true(end[n]);
                accepted++;
            }
            free(pre);
        }
        free(end);
        free(buf);
    }
    print_message("truncated prefixes: %d of %d accepted (whole fields, valid)\n", accepted, total);
}

/* ===================================================================== */
/* Random input                                                           */
/* ===================================================================== */

/* Bytes that look like protobuf: random fields of the numbers the schema
 * uses, with plausible wire types and values, to reach the validators. */
static size_t random_proto(uint8_t *b, size_t cap)
{
    size_t n = 0;
    int nf = (int)(rng() % 8);
    for (int f = 0; f < nf && n + 16 < cap; f++) {
        unsigned num = 1 + (unsigned)(rng() % 17);
        static const int wts[] = {0, 0, 0, 2, 2, 1, 5, 3};
        int wt = wts[rng() % 8];
        b[n++] = (uint8_t)((num << 3) | (unsigned)wt);
        if (num >= 16)
            b[n++] = 1;
        switch (wt) {
        case 0: {
            static const uint32_t vals[] = {0,  1,       5,       15,      64,
                                            65, 0x40000, 0x40001, 0x80001, 0xffffffffu};
            uint64_t v = (rng() & 1) ? vals[rng() % 10] : rng();
            do {
                b[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
                v >>= 7;
            } while (v && n < cap);
            break;
        }
        case 2: {
            size_t l = rng() % 12;
            if (n + l + 2 >= cap)
                l = 0;
            b[n++] = (uint8_t)l;
            for (size_t k = 0; k < l; k++)
                b[n++] = (rng() % 4) ? (uint8_t)('a' + rng() % 26) : (uint8_t)rng();
            break;
        }
        case 1:
            for (int k = 0; k < 8; k++)
                b[n++] = (uint8_t)rng();
            break;
        case 5:
            for (int k = 0; k < 4; k++)
                b[n++] = (uint8_t)rng();
            break;
        default:
            break;
        }
    }
    return n;
}

#define RANDOM_PER_TYPE 100000

static void test_random(void **state)
{
    (void)state;
    uint8_t b[96];
    for (int t = -1; t <= NTYPES; t++) {
        int ok = 0;
        for (int i = 0; i < RANDOM_PER_TYPE; i++) {
            size_t n;
            if (i % 3 == 0) {
                n = rng() % sizeof b;
                for (size_t k = 0; k < n; k++)
                    b[k] = (uint8_t)rng();
            } else {
                n = random_proto(b, sizeof b);
            }
            /* An exact-size copy, so ASan sees any overread. */
            uint8_t *c = malloc(n ? n : 1);
            assert_non_null(c);
            memcpy(c, b, n);
            if (unpack_bytes(t, c, n) == 0)
                ok++;
            free(c);
        }
        if (!is_valid_type(t))
            assert_int_equal(ok, 0);
    }
}

/* Random edits of valid encodings: flips, overwrites, insertions and
 * deletions, which get much deeper than random bytes. */
static void test_mutations(void **state)
{
    (void)state;
    for (int t = 1; t < NTYPES; t++) {
        if (!is_valid_type(t))
            continue;
        uint8_t *buf;
        size_t len = pack(sample(t), &buf);
        for (int i = 0; i < 10000; i++) {
            size_t n = len;
            uint8_t *c = malloc(len + 4);
            assert_non_null(c);
            memcpy(c, buf, len);
            int edits = 1 + (int)(rng() % 3);
            for (int e = 0; e < edits && n > 0; e++) {
                size_t at = rng() % n;
                switch (rng() % 4) {
                case 0:
                    c[at] ^= (uint8_t)(1u << (rng() % 8));
                    break;
                case 1:
                    c[at] = (uint8_t)rng();
                    break;
                case 2:
                    memmove(c + at + 1, c + at, n - at);
                    c[at] = (uint8_t)rng();
                    n++;
                    break;
                case 3:
                    memmove(c + at, c + at + 1, n - at - 1);
                    n--;
                    break;
                }
            }
            uint8_t *exact = malloc(n ? n : 1);
            assert_non_null(exact);
            memcpy(exact, c, n);
            unpack_bytes(t, exact, n);
            free(exact);
            free(c);
        }
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_unknown_type), cmocka_unit_test(test_rules),
        cmocka_unit_test(test_embedded_nul), cmocka_unit_test(test_bad_structure),
        cmocka_unit_test(test_truncated),    cmocka_unit_test(test_random),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
