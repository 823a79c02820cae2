/*
 * test_pvmd_spawn.c - spawn, output capture, queueing for tasks that have
 * not connected, kill and signal, spoken to in raw frames.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <sys/stat.h>

#include "test_pvmd_client.h"

#define OUT_TAG 4242

static struct harness H;

/* Starts the pvmd and checks that it uses the spawn method asked for. */
static int setup(void **state)
{
    (void)state;
    if (harness_start(&H, NULL, 150) < 0)
        return -1;
    const char *force = getenv("PVMD_SPAWN");
    const char *want = force && !strcmp(force, "uv") ? "spawning with uv_spawn"
                                                     : "spawning with posix_spawn and pidfds";
    char path[512], text[4096];
    snprintf(path, sizeof path, "%s/pvmd.log", H.sockdir);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = 0;
    if (!strstr(text, want)) {
        fprintf(stderr, "pvmd.log does not say '%s'\n", want);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    harness_stop(&H);
    return 0;
}

/* Receives the next output message; returns its count, copies the bytes
 * (NUL-terminated) into text and the task into *tid.  -100 on timeout. */
static int next_output(struct tc *c, int *tid, char *text, size_t cap)
{
    struct wire_hdr h;
    uint8_t *d;
    if (tc_recv_user(c, &h, &d, 10000) < 0)
        return -100;
    assert_int_equal(h.src, c->pvmd_tid);
    assert_int_equal(h.tag, OUT_TAG);
    assert_true(h.flags & WIRE_F_NOSEQ);
    assert_true(h.len >= 8);
    *tid = tc_be32(d);
    int count = tc_be32(d + 4);
    size_t n = (size_t)h.len - 8;
    /* The bytes are padded to 4, as pvm_pkbyte pads them in Default. */
    if (count > 0) {
        assert_int_equal(((size_t)count + 3) & ~(size_t)3, n);
        n = (size_t)count;
    }
    if (n >= cap)
        n = cap - 1;
    memcpy(text, d + 8, n);
    text[n] = 0;
    free(d);
    return count;
}

static void test_output_to_tid_in_order(void **state)
{
    (void)state;
    struct tc a;
    assert_int_equal(tc_open(&a, H.sockdir, 0), PvmOk);
    char *args[] = {"50", NULL};
    int tids[1];
    assert_int_equal(tc_spawn(&a, harness_prog("d_print"), args, 0, NULL, 1, a.tid, OUT_TAG, tids),
                     1);
    assert_true(tid_is_task(tids[0]));
    int tid, next = 1;
    char text[256];
    bool err_seen = false, partial_seen = false;
    /* As PVM 3.4.6: -2, then -1, each with the parent's tid. */
    assert_int_equal(next_output(&a, &tid, text, sizeof text), -2);
    assert_int_equal(tid, tids[0]);
    assert_int_equal(tc_be32((const uint8_t *)text), a.tid);
    assert_int_equal(next_output(&a, &tid, text, sizeof text), OUTPUT_BEGIN);
    assert_int_equal(tid, tids[0]);
    assert_int_equal(tc_be32((const uint8_t *)text), a.tid);
    for (;;) {
        int n = next_output(&a, &tid, text, sizeof text);
        assert_true(n != -100);
        assert_int_equal(tid, tids[0]);
        if (n == OUTPUT_END)
            break;
        if (!strcmp(text, "to stderr\n")) {
            err_seen = true;
            continue;
        }
        if (!strcmp(text, "partial")) {
            partial_seen = true;
            continue;
        }
        char want[32];
        snprintf(want, sizeof want, "line %d\n", next++);
        assert_string_equal(text, want);
    }
    assert_int_equal(next, 51);
    assert_true(err_seen);
    assert_true(partial_seen);
    /* The task has ended by the time its output has. */
    assert_int_equal(tc_pstat(&a, tids[0]), PvmNoTask);
    tc_close(&a);
}

static void test_output_to_log(void **state)
{
    (void)state;
    struct tc a;
    assert_int_equal(tc_open(&a, H.sockdir, 0), PvmOk);
    char *args[] = {"2", NULL};
    int tids[1];
    assert_int_equal(tc_spawn(&a, harness_prog("d_print"), args, 0, NULL, 1, 0, 0, tids), 1);
    assert_true(tid_is_task(tids[0]));
    char log[PATHS_MAX], want[64];
    paths_join(log, sizeof log, H.sockdir, PVMD_LOG_NAME);
    snprintf(want, sizeof want, "[t%x] partial", (unsigned)tids[0]);
    /* The log is a file: look until the last line is there. */
    long deadline = tc_now_ms() + 10000;
    while (!tc_file_has(log, want) && tc_now_ms() < deadline)
        tc_pause_ms(10);
    assert_true(tc_file_has(log, want));
    snprintf(want, sizeof want, "[t%x] line 2\n", (unsigned)tids[0]);
    assert_true(tc_file_has(log, want));
    tc_close(&a);
}

static void test_spawn_errors(void **state)
{
    (void)state;
    struct tc a;
    assert_int_equal(tc_open(&a, H.sockdir, 0), PvmOk);
    int tids[3];
    assert_int_equal(tc_spawn(&a, "d_no_such_program_xyz", NULL, 0, NULL, 3, 0, 0, tids), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(tids[i], PvmNoFile);
    /* Found but not executable. */
    char plain[300];
    snprintf(plain, sizeof plain, "%s/not-a-program", H.tmp);
    FILE *f = fopen(plain, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\n", f);
    fclose(f);
    chmod(plain, 0644);
    assert_int_equal(tc_spawn(&a, plain, NULL, 0, NULL, 1, 0, 0, tids), 1);
    assert_int_equal(tids[0], PvmNoFile);
    assert_int_equal(
        tc_spawn(&a, harness_prog("d_print"), NULL, PvmTaskHost, "no-such-host", 1, 0, 0, tids), 1);
    assert_int_equal(tids[0], PvmNoHost);
    assert_int_equal(
        tc_spawn(&a, harness_prog("d_print"), NULL, PvmTaskArch, "SUN4", 1, 0, 0, tids), 1);
    assert_int_equal(tids[0], PvmNoHost);
    /* This host by its names and by arch is fine. */
    char *args[] = {"0", NULL};
    assert_int_equal(tc_spawn(&a, harness_prog("d_print"), args, PvmTaskHost, "localhost", 1, a.tid,
                              OUT_TAG, tids),
                     1);
    assert_true(tid_is_task(tids[0]));
    assert_int_equal(tc_spawn(&a, harness_prog("d_print"), args, PvmTaskArch, "LINUX64", 1, a.tid,
                              OUT_TAG, tids + 1),
                     1);
    assert_true(tid_is_task(tids[1]));
    /* Both end: two OUTPUT_END messages arrive. */
    int ends = 0, tid;
    char text[64];
    while (ends < 2) {
        int n = next_output(&a, &tid, text, sizeof text);
        assert_true(n != -100);
        if (n == OUTPUT_END)
            ends++;
    }
    tc_close(&a);
}

static void test_non_pvm_task_kill_and_signal(void **state)
{
    (void)state;
    struct tc a;
    assert_int_equal(tc_open(&a, H.sockdir, 0), PvmOk);
    int tids[3];
    assert_int_equal(tc_spawn(&a, harness_prog("d_wait"), NULL, 0, NULL, 3, a.tid, OUT_TAG, tids),
                     3);
    for (int i = 0; i < 3; i++)
        assert_true(tid_is_task(tids[i]));
    assert_int_equal(tids[1], tids[0] + 1);
    /* Wait until each says it is waiting (so its handler is installed). */
    int tid, waiting = 0;
    char text[128];
    while (waiting < 3) {
        int n = next_output(&a, &tid, text, sizeof text);
        assert_true(n != -100);
        if (n > 0 && !strncmp(text, "waiting", 7))
            waiting++;
    }
    /* Never called PVM, still tasks: listed, spawned, parent the spawner. */
    Pvm__TasksReply *r = tc_tasks(&a, 0);
    assert_non_null(r);
    int seen = 0;
    for (size_t i = 0; i < r->n_tasks; i++)
        for (int k = 0; k < 3; k++)
            if (r->tasks[i]->tid == tids[k]) {
                seen++;
                assert_true(r->tasks[i]->flag & TF_SPAWNED);
                assert_false(r->tasks[i]->flag & TF_CONN);
                assert_int_equal(r->tasks[i]->ptid, a.tid);
                assert_true(r->tasks[i]->pid > 0);
            }
    assert_int_equal(seen, 3);
    ctl_free((ProtobufCMessage **)&r);

    /* signal: SIGUSR1 makes d_wait say so and exit. */
    Pvm__SignalRequest sr = PVM__SIGNAL_REQUEST__INIT;
    sr.tid = tids[0];
    sr.signum = SIGUSR1;
    assert_int_equal(tc_status(&a, PVM__CTL_TYPE__CTL_SIGNAL, &sr.base), PvmOk);
    /* kill: SIGTERM. */
    Pvm__TaskRef ref = PVM__TASK_REF__INIT;
    ref.tid = tids[1];
    assert_int_equal(tc_status(&a, PVM__CTL_TYPE__CTL_KILL, &ref.base), PvmOk);
    ref.tid = 0x4abcd;
    assert_int_equal(tc_status(&a, PVM__CTL_TYPE__CTL_KILL, &ref.base), PvmNoTask);
    bool got_signal = false, end0 = false, end1 = false;
    while (!end0 || !end1) {
        int n = next_output(&a, &tid, text, sizeof text);
        assert_true(n != -100);
        if (tid == tids[0] && n > 0 && !strcmp(text, "got signal 10\n"))
            got_signal = true;
        if (n == OUTPUT_END && tid == tids[0])
            end0 = true;
        if (n == OUTPUT_END && tid == tids[1])
            end1 = true;
        assert_true(tid != tids[2] || n != OUTPUT_END);
    }
    assert_true(got_signal);
    assert_int_equal(tc_pstat(&a, tids[0]), PvmNoTask);
    assert_int_equal(tc_pstat(&a, tids[1]), PvmNoTask);
    assert_int_equal(tc_pstat(&a, tids[2]), PvmOk);
    ref.tid = tids[2];
    assert_int_equal(tc_status(&a, PVM__CTL_TYPE__CTL_KILL, &ref.base), PvmOk);
    assert_int_equal(tc_wait_gone(&a, tids[2], 10000), 0);
    tc_close(&a);
}

static void test_queue_until_connected(void **state)
{
    (void)state;
    struct tc a;
    assert_int_equal(tc_open(&a, H.sockdir, 0), PvmOk);
    int tids[1];
    assert_int_equal(tc_spawn(&a, harness_prog("d_echo"), NULL, 0, NULL, 1, a.tid, OUT_TAG, tids),
                     1);
    int e = tids[0];
    assert_true(tid_is_task(e));
    /* Its SIGUSR1 handler is in place once it says "waiting". */
    int tid;
    char text[64];
    int cnt;
    do
        cnt = next_output(&a, &tid, text, sizeof text);
    while (cnt != -100 && strcmp(text, "waiting\n") != 0);
    assert_string_equal(text, "waiting\n");
    /* d_echo has not connected (it waits for SIGUSR1): these are queued. */
    for (int i = 0; i < 20; i++) {
        char body[16];
        int n = snprintf(body, sizeof body, "q%d", i);
        assert_int_equal(tc_send_user(&a, e, i == 19 ? 999 : 100 + i, body, (size_t)n), 0);
    }
    Pvm__SignalRequest sr = PVM__SIGNAL_REQUEST__INIT;
    sr.tid = e;
    sr.signum = SIGUSR1;
    assert_int_equal(tc_status(&a, PVM__CTL_TYPE__CTL_SIGNAL, &sr.base), PvmOk);
    for (int i = 0; i < 20; i++) {
        struct wire_hdr h;
        uint8_t *d;
        assert_int_equal(tc_recv_user(&a, &h, &d, 10000), 0);
        if (h.src == a.pvmd_tid) { /* its output messages */
            free(d);
            i--;
            continue;
        }
        char want[16];
        int n = snprintf(want, sizeof want, "q%d", i);
        assert_int_equal(h.src, e);
        assert_int_equal(h.tag, i == 19 ? 999 : 100 + i);
        assert_int_equal(h.len, (uint64_t)n);
        assert_memory_equal(d, want, (size_t)n);
        free(d);
    }
    assert_int_equal(tc_wait_gone(&a, e, 10000), 0);
    tc_close(&a);
}

static void test_claimed_tid_gets_family(void **state)
{
    (void)state;
    struct tc a;
    assert_int_equal(tc_open(&a, H.sockdir, 0), PvmOk);
    int tids[2];
    assert_int_equal(tc_spawn(&a, harness_prog("d_wait"), NULL, 0, NULL, 2, a.tid, OUT_TAG, tids),
                     2);
    /* Enrol as if we were the first child (the pvmd accepts the claim of a
     * spawned tid that has not connected). */
    struct tc c;
    memset(&c, 0, sizeof c);
    c.fd = tc_connect_fd(H.sockdir);
    Pvm__Hello hello = PVM__HELLO__INIT;
    hello.proto_version = CTL_PROTO_VERSION;
    hello.pid = getpid();
    hello.claimed_tid = tids[0];
    hello.name = "child";
    int wid = tc_send_ctl(&c, PVM__CTL_TYPE__CTL_HELLO, &hello.base), rt = 0;
    ProtobufCMessage *m = tc_wait_reply(&c, wid, &rt, 5000);
    assert_non_null(m);
    Pvm__HelloReply *r = (Pvm__HelloReply *)m;
    assert_int_equal(r->status, PvmOk);
    assert_int_equal(r->tid, tids[0]);
    assert_int_equal(r->parent, a.tid);
    assert_int_equal(r->n_siblings, 2);
    assert_int_equal(r->siblings[0], tids[0]);
    assert_int_equal(r->siblings[1], tids[1]);
    assert_int_equal(r->out_tid, a.tid);
    assert_int_equal(r->out_code, OUT_TAG);
    assert_string_equal(r->sockdir, H.sockdir);
    assert_string_equal(r->arch, "LINUX64");
    ctl_free(&m);
    /* A second claim of the same tid gets a fresh one. */
    struct tc c2;
    assert_int_equal(tc_open(&c2, H.sockdir, tids[0]), PvmOk);
    assert_int_not_equal(c2.tid, tids[0]);
    tc_close(&c2);
    tc_close(&c);
    for (int i = 0; i < 2; i++) {
        Pvm__TaskRef ref = PVM__TASK_REF__INIT;
        ref.tid = tids[i];
        assert_int_equal(tc_status(&a, PVM__CTL_TYPE__CTL_KILL, &ref.base), PvmOk);
        assert_int_equal(tc_wait_gone(&a, tids[i], 10000), 0);
    }
    tc_close(&a);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_to_tid_in_order),
        cmocka_unit_test(test_output_to_log),
        cmocka_unit_test(test_spawn_errors),
        cmocka_unit_test(test_non_pvm_task_kill_and_signal),
        cmocka_unit_test(test_queue_until_connected),
        cmocka_unit_test(test_claimed_tid_gets_family),
    };
    /* Every test twice: with posix_spawn and pidfds (the default on this
     * kernel), then with the uv_spawn fallback of kernels without pidfds. */
    int failed = cmocka_run_group_tests_name("posix_spawn", tests, setup, teardown);
    setenv("PVMD_SPAWN", "uv", 1);
    failed += cmocka_run_group_tests_name("uv_spawn", tests, setup, teardown);
    return failed;
}
