/*
 * test_pvmd_basic.c - enrolment, queries and routing of one pvmd, spoken
 * to in raw frames.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "test_pvmd_client.h"

static struct harness H;

static int setup(void **state)
{
    (void)state;
    return harness_start(&H, NULL, 120);
}

static int teardown(void **state)
{
    (void)state;
    harness_stop(&H);
    return 0;
}

/* The pvmd's peak resident memory (VmHWM), in KiB. */
static long pvmd_peak_kb(void)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)H.pvmd);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

/* A task that does not read: the pvmd holds at most about
 * ROUTE_HIGH_WATER for it and then stops reading its sender (whose write
 * blocks), instead of growing without bound; once the task reads, every
 * message arrives, in order. */
static void test_backpressure_on_a_task_that_does_not_read(void **state)
{
    (void)state;
    enum { N = 300, SIZE = 1 << 20 };
    struct tc a, b;
    assert_int_equal(tc_open(&a, H.sockdir, 0), PvmOk);
    assert_int_equal(tc_open(&b, H.sockdir, 0), PvmOk);
    long before = pvmd_peak_kb();
    int progress[2];
    assert_int_equal(pipe(progress), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        /* The flooder: N messages of 1 MiB from a to b. */
        close(progress[0]);
        uint8_t *buf = malloc(SIZE);
        if (!buf)
            _exit(2);
        memset(buf, 0x5a, SIZE);
        for (int i = 0; i < N; i++) {
            memcpy(buf, &i, sizeof i);
            if (tc_send_user(&a, b.tid, 7, buf, SIZE) < 0)
                _exit(3);
            if (write(progress[1], "x", 1) != 1)
                _exit(4);
        }
        _exit(0);
    }
    close(progress[1]);
    /* Without a reader the flooder must get stuck well before the end:
     * watch its progress for a while (it would finish in well under a
     * second if the pvmd took everything). */
    int sent = 0;
    long until = tc_now_ms() + 3000;
    for (long now; (now = tc_now_ms()) < until;) {
        struct pollfd p = {.fd = progress[0], .events = POLLIN};
        if (poll(&p, 1, (int)(until - now)) <= 0)
            continue;
        char tmp[512];
        ssize_t r = read(progress[0], tmp, sizeof tmp);
        if (r <= 0)
            break;
        sent += (int)r;
    }
    long held_kb = pvmd_peak_kb() - before;
    print_message("flood: %d of %d sent before the reader started; pvmd peak grew %ld KiB\n", sent,
                  N, held_kb);
    /* Now read: everything arrives, in order, and the flooder finishes. */
    bool in_order = true;
    for (int i = 0; i < N; i++) {
        struct wire_hdr h;
        uint8_t *d = NULL;
        assert_int_equal(tc_recv_user(&b, &h, &d, 20000), 0);
        int k;
        memcpy(&k, d, sizeof k);
        in_order = in_order && h.len == SIZE && k == i && d[SIZE - 1] == 0x5a;
        free(d);
    }
    int st;
    assert_int_equal(waitpid(child, &st, 0), child);
    close(progress[0]);
    tc_close(&a);
    tc_close(&b);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_true(in_order);
    assert_true(sent < N);
#ifndef __SANITIZE_ADDRESS__ /* ASan's quarantine keeps freed memory resident */
    /* 64 MiB held, plus what is in flight in socket buffers and a frame
     * being read: far below the 300 MiB the flood would take. */
    assert_true(held_kb < 128 * 1024);
#else
    (void)held_kb;
#endif
}

static void test_hello_and_tid_layout(void **state)
{
    (void)state;
    struct tc a, b;
    assert_int_equal(tc_open(&a, H.sockdir, 0), PvmOk);
    assert_int_equal(tc_open(&b, H.sockdir, 0), PvmOk);
    assert_int_equal(a.pvmd_tid, 0x40000);
    assert_true(tid_is_task(a.tid));
    assert_int_equal(tid_host(a.tid), 1);
    assert_int_equal(tid_pvmd_of(a.tid), a.pvmd_tid);
    assert_int_not_equal(a.tid, b.tid);
    assert_int_equal(a.parent, PvmNoParent);
    /* A claim the pvmd never made gets a fresh tid. */
    struct tc c;
    assert_int_equal(tc_open(&c, H.sockdir, 0x47fff), PvmOk);
    assert_true(tid_is_task(c.tid));
    tc_close(&a);
    tc_close(&b);
    tc_close(&c);
}

/* Runs first: nothing else has enrolled with this group's pvmd yet. */
static void test_first_task_is_40001(void **state)
{
    (void)state;
    struct tc a;
    assert_int_equal(tc_open(&a, H.sockdir, 0), PvmOk);
    assert_int_equal(a.tid, 0x40001);
    assert_int_equal(a.pvmd_tid, 0x40000);
    tc_close(&a);
}

static void test_wrong_version_refused(void **state)
{
    (void)state;
    struct tc c;
    memset(&c, 0, sizeof c);
    c.fd = tc_connect_fd(H.sockdir);
    assert_true(c.fd >= 0);
    Pvm__Hello hello = PVM__HELLO__INIT;
    hello.proto_version = CTL_PROTO_VERSION + 1;
    hello.pid = getpid();
    hello.name = "old";
    int wid = tc_send_ctl(&c, PVM__CTL_TYPE__CTL_HELLO, &hello.base), rt = 0;
    ProtobufCMessage *m = tc_wait_reply(&c, wid, &rt, 5000);
    assert_non_null(m);
    assert_int_equal(rt, PVM__CTL_TYPE__CTL_HELLO_REPLY);
    assert_int_equal(((Pvm__HelloReply *)m)->status, PvmBadVersion);
    ctl_free(&m);
    /* ... and the connection is closed after the refusal. */
    struct wire_hdr h;
    uint8_t *d;
    assert_int_equal(tc_recv_frame(c.fd, &h, &d, 5000), -1);
    tc_close(&c);
}

static void test_config_mstat_pstat(void **state)
{
    (void)state;
    struct tc a;
    assert_int_equal(tc_open(&a, H.sockdir, 0), PvmOk);
    Pvm__Empty e = PVM__EMPTY__INIT;
    int wid = tc_send_ctl(&a, PVM__CTL_TYPE__CTL_CONFIG, &e.base), rt = 0;
    ProtobufCMessage *m = tc_wait_reply(&a, wid, &rt, 5000);
    assert_non_null(m);
    assert_int_equal(rt, PVM__CTL_TYPE__CTL_CONFIG_REPLY);
    Pvm__ConfigReply *cr = (Pvm__ConfigReply *)m;
    assert_int_equal(cr->status, 0);
    assert_int_equal(cr->n_hosts, 1);
    assert_int_equal(cr->narch, 1);
    assert_int_equal(cr->hosts[0]->tid, 0x40000);
    assert_string_equal(cr->hosts[0]->arch, "LINUX64");
    assert_int_equal(cr->hosts[0]->speed, 1000);
    char name[256];
    snprintf(name, sizeof name, "%s", cr->hosts[0]->name);
    ctl_free(&m);

    Pvm__HostRef hr = PVM__HOST_REF__INIT;
    hr.name = name;
    assert_int_equal(tc_status(&a, PVM__CTL_TYPE__CTL_MSTAT, &hr.base), PvmOk);
    hr.name = "no-such-host.invalid";
    assert_int_equal(tc_status(&a, PVM__CTL_TYPE__CTL_MSTAT, &hr.base), PvmNoHost);

    assert_int_equal(tc_pstat(&a, a.tid), PvmOk);
    assert_int_equal(tc_pstat(&a, 0x40000), PvmOk);
    assert_int_equal(tc_pstat(&a, 0x4abcd), PvmNoTask);
    assert_int_equal(tc_pstat(&a, 0x80001), PvmNoTask);
    tc_close(&a);
}

static void test_tasks_lists_enrolled(void **state)
{
    (void)state;
    struct tc a, b;
    assert_int_equal(tc_open(&a, H.sockdir, 0), PvmOk);
    assert_int_equal(tc_open(&b, H.sockdir, 0), PvmOk);
    Pvm__TasksReply *r = tc_tasks(&a, 0);
    assert_non_null(r);
    int seen = 0;
    for (size_t i = 0; i < r->n_tasks; i++) {
        if (r->tasks[i]->tid == a.tid || r->tasks[i]->tid == b.tid) {
            seen++;
            assert_int_equal(r->tasks[i]->pid, getpid());
            assert_int_equal(r->tasks[i]->host, 0x40000);
            assert_true(r->tasks[i]->flag & TF_CONN);
            assert_false(r->tasks[i]->flag & TF_SPAWNED);
            assert_string_equal(r->tasks[i]->name, "rawclient");
        }
    }
    assert_int_equal(seen, 2);
    ctl_free((ProtobufCMessage **)&r);
    r = tc_tasks(&a, b.tid);
    assert_non_null(r);
    assert_int_equal(r->n_tasks, 1);
    assert_int_equal(r->tasks[0]->tid, b.tid);
    ctl_free((ProtobufCMessage **)&r);

    /* A task started from a shell ends when it leaves. */
    int btid = b.tid;
    tc_close(&b);
    assert_int_equal(tc_wait_gone(&a, btid, 5000), 0);
    r = tc_tasks(&a, btid);
    assert_non_null(r);
    assert_int_equal(r->status, PvmNoTask);
    ctl_free((ProtobufCMessage **)&r);

    /* CTL_EXIT as well. */
    struct tc c;
    assert_int_equal(tc_open(&c, H.sockdir, 0), PvmOk);
    Pvm__Empty e = PVM__EMPTY__INIT;
    assert_int_equal(tc_status(&c, PVM__CTL_TYPE__CTL_EXIT, &e.base), PvmOk);
    assert_int_equal(tc_pstat(&a, c.tid), PvmNoTask);
    tc_close(&c);
    tc_close(&a);
}

static void test_bad_control_payload(void **state)
{
    (void)state;
    struct tc a;
    assert_int_equal(tc_open(&a, H.sockdir, 0), PvmOk);
    /* A TaskRef with a tid that is not one. */
    uint8_t junk[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0x0f};
    struct wire_hdr h = {.flags = WIRE_F_CTL,
                         .src = a.tid,
                         .dst = a.pvmd_tid,
                         .tag = PVM__CTL_TYPE__CTL_PSTAT,
                         .wid = 77,
                         .len = sizeof junk};
    assert_int_equal(tc_send_frame(a.fd, &h, junk), 0);
    int rt = 0;
    ProtobufCMessage *m = tc_wait_reply(&a, 77, &rt, 5000);
    assert_non_null(m);
    assert_int_equal(rt, PVM__CTL_TYPE__CTL_STATUS);
    assert_int_equal(((Pvm__Status *)m)->code, PvmBadMsg);
    ctl_free(&m);
    /* Garbage bytes in a SPAWN. */
    uint8_t garbage[] = {0xff, 0xfe, 0x01, 0x02, 0x03};
    h.tag = PVM__CTL_TYPE__CTL_SPAWN;
    h.wid = 78;
    h.len = sizeof garbage;
    assert_int_equal(tc_send_frame(a.fd, &h, garbage), 0);
    m = tc_wait_reply(&a, 78, &rt, 5000);
    assert_non_null(m);
    assert_int_equal(((Pvm__Status *)m)->code, PvmBadMsg);
    ctl_free(&m);
    /* A type that is not a request. */
    h.tag = 999;
    h.wid = 79;
    h.len = 0;
    assert_int_equal(tc_send_frame(a.fd, &h, NULL), 0);
    m = tc_wait_reply(&a, 79, &rt, 5000);
    assert_non_null(m);
    assert_int_equal(((Pvm__Status *)m)->code, PvmBadMsg);
    ctl_free(&m);
    /* Well-formed, but a negative tag: refused as PVM refuses it. */
    Pvm__NotifyRequest nr = PVM__NOTIFY_REQUEST__INIT;
    nr.what = PvmTaskExit;
    nr.tag = -1;
    assert_int_equal(tc_status(&a, PVM__CTL_TYPE__CTL_NOTIFY, &nr.base), PvmBadParam);
    /* The connection still serves. */
    assert_int_equal(tc_pstat(&a, a.tid), PvmOk);
    tc_close(&a);
}

static void test_routing_between_clients(void **state)
{
    (void)state;
    struct tc a, b;
    assert_int_equal(tc_open(&a, H.sockdir, 0), PvmOk);
    assert_int_equal(tc_open(&b, H.sockdir, 0), PvmOk);
    for (int i = 0; i < 200; i++) {
        char body[32];
        int n = snprintf(body, sizeof body, "msg %d", i);
        assert_int_equal(tc_send_user(&a, b.tid, 5, body, (size_t)n), 0);
    }
    for (int i = 0; i < 200; i++) {
        struct wire_hdr h;
        uint8_t *d;
        assert_int_equal(tc_recv_user(&b, &h, &d, 5000), 0);
        char want[32];
        int n = snprintf(want, sizeof want, "msg %d", i);
        assert_int_equal(h.src, a.tid);
        assert_int_equal(h.dst, b.tid);
        assert_int_equal(h.tag, 5);
        assert_int_equal(h.len, (uint64_t)n);
        assert_memory_equal(d, want, (size_t)n);
        free(d);
    }
    /* A large message: 8 MiB, byte pattern checked. */
    size_t big = 8u << 20;
    uint8_t *p = malloc(big);
    for (size_t i = 0; i < big; i++)
        p[i] = (uint8_t)(i * 7 + 3);
    /* Written by a child so that the pvmd's forwarding and our reading
     * overlap (the socket buffers are far smaller than the message). */
    pid_t w = fork();
    if (w == 0) {
        alarm(60);
        _exit(tc_send_user(&a, b.tid, 6, p, big) < 0);
    }
    struct wire_hdr h;
    uint8_t *d;
    assert_int_equal(tc_recv_user(&b, &h, &d, 20000), 0);
    int st;
    waitpid(w, &st, 0);
    assert_int_equal(h.len, big);
    assert_memory_equal(d, p, big);
    free(d);
    free(p);
    /* Messages to nobody are dropped; the daemon goes on. */
    assert_int_equal(tc_send_user(&a, 0x4abcd, 1, "x", 1), 0);
    assert_int_equal(tc_send_user(&a, 0x80001, 1, "x", 1), 0);
    /* A forged source is refused. */
    struct wire_hdr fh = {.src = b.tid, .dst = b.tid, .tag = 7, .len = 1};
    assert_int_equal(tc_send_frame(a.fd, &fh, "y"), 0);
    assert_int_equal(tc_send_user(&a, b.tid, 8, "z", 1), 0);
    assert_int_equal(tc_recv_user(&b, &h, &d, 5000), 0);
    assert_int_equal(h.tag, 8);
    free(d);
    tc_close(&a);
    tc_close(&b);
}

static void test_route_query(void **state)
{
    (void)state;
    struct tc a, b;
    assert_int_equal(tc_open(&a, H.sockdir, 0), PvmOk);
    assert_int_equal(tc_open(&b, H.sockdir, 0), PvmOk);
    Pvm__TaskRef ref = PVM__TASK_REF__INIT;
    ref.tid = b.tid;
    int wid = tc_send_ctl(&a, PVM__CTL_TYPE__CTL_ROUTE_QUERY, &ref.base), rt = 0;
    ProtobufCMessage *m = tc_wait_reply(&a, wid, &rt, 5000);
    assert_non_null(m);
    assert_int_equal(rt, PVM__CTL_TYPE__CTL_ROUTE_REPLY);
    Pvm__RouteReply *rr = (Pvm__RouteReply *)m;
    assert_int_equal(rr->status, PvmOk);
    char want[PATHS_MAX];
    paths_task_sock(want, sizeof want, H.sockdir, b.tid);
    assert_string_equal(rr->path, want);
    ctl_free(&m);
    ref.tid = 0x4abcd;
    wid = tc_send_ctl(&a, PVM__CTL_TYPE__CTL_ROUTE_QUERY, &ref.base);
    m = tc_wait_reply(&a, wid, &rt, 5000);
    assert_non_null(m);
    assert_true(((Pvm__RouteReply *)m)->status < 0);
    ctl_free(&m);
    tc_close(&a);
    tc_close(&b);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_task_is_40001),
        cmocka_unit_test(test_hello_and_tid_layout),
        cmocka_unit_test(test_wrong_version_refused),
        cmocka_unit_test(test_config_mstat_pstat),
        cmocka_unit_test(test_tasks_lists_enrolled),
        cmocka_unit_test(test_bad_control_payload),
        cmocka_unit_test(test_routing_between_clients),
        cmocka_unit_test(test_route_query),
        cmocka_unit_test(test_backpressure_on_a_task_that_does_not_read),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
