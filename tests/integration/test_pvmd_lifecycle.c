/*
 * test_pvmd_lifecycle.c - one pvmd per VM, stale files, halt, and bad
 * input: random and truncated bytes, a client killed in mid-frame.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <sys/stat.h>

#include "test_pvmd_client.h"

/* Runs the pvmd of this build with args; returns its exit status and its
 * stderr+stdout (first line) in out. */
static int run_pvmd(const char *const *args, char *out, size_t cap)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        close(p[0]);
        close(p[1]);
        const char *argv[8] = {tc_pvmd_path()};
        for (int i = 0; args && args[i] && i < 6; i++)
            argv[i + 1] = args[i];
        execv(argv[0], (char **)argv);
        _exit(127);
    }
    close(p[1]);
    size_t got = 0;
    ssize_t r;
    while (got < cap - 1 && (r = read(p[0], out + got, cap - 1 - got)) > 0)
        got += (size_t)r;
    out[got] = 0;
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_second_pvmd_refused(void **state)
{
    (void)state;
    struct harness h;
    assert_int_equal(harness_start(&h, NULL, 60), 0);
    char out[512];
    const char *fg[] = {"-f", NULL};
    int st = run_pvmd(fg, out, sizeof out);
    const char *none[] = {NULL};
    char out2[512];
    int st2 = run_pvmd(none, out2, sizeof out2);
    /* The first one still serves. */
    struct tc a;
    int r = tc_open(&a, h.sockdir, 0);
    tc_close(&a);
    char want[64];
    snprintf(want, sizeof want, "already running for this user (pid %d)", (int)h.pvmd);
    harness_stop(&h);
    assert_int_equal(st, 1);
    assert_non_null(strstr(out, want));
    assert_int_equal(st2, 1);
    assert_non_null(strstr(out2, want));
    assert_int_equal(r, PvmOk);
}

static void test_stale_files_recovered(void **state)
{
    (void)state;
    struct harness h;
    assert_int_equal(harness_start(&h, NULL, 60), 0);
    struct tc a;
    assert_int_equal(tc_open(&a, h.sockdir, 0), PvmOk);
    tc_close(&a);
    /* A crash: the pvmd dies with its socket, pid file and lock file in
     * place, plus a task socket left by a task. */
    char tsock[PATHS_MAX];
    paths_task_sock(tsock, sizeof tsock, h.sockdir, 0x40001);
    FILE *f = fopen(tsock, "w");
    if (f)
        fclose(f);
    kill(h.pvmd, SIGKILL);
    waitpid(h.pvmd, NULL, 0);
    char sock[PATHS_MAX];
    paths_join(sock, sizeof sock, h.sockdir, PVMD_SOCK_NAME);
    struct stat st;
    assert_int_equal(stat(sock, &st), 0);

    /* The next pvmd (daemonizing, as the console starts it) takes over. */
    const char *none[] = {NULL};
    char out[512];
    int rc = run_pvmd(none, out, sizeof out);
    struct tc b = {.fd = -1};
    int r = rc == 0 ? tc_open(&b, h.sockdir, 0) : -1;
    int tid = b.tid;
    bool tsock_gone = stat(tsock, &st) < 0;
    /* Stop it: it is not in the harness's process group. */
    Pvm__Empty e = PVM__EMPTY__INIT;
    int halted = r == 0 ? tc_status(&b, PVM__CTL_TYPE__CTL_HALT, &e.base) : 1;
    struct wire_hdr hh;
    uint8_t *d;
    int eof = r == 0 ? tc_recv_frame(b.fd, &hh, &d, 10000) : 0;
    tc_close(&b);
    char pidf[PATHS_MAX];
    paths_join(pidf, sizeof pidf, h.sockdir, PVMD_PID_NAME);
    /* Once the connection is closed the pvmd is about to exit: its pid
     * file goes last. */
    long deadline = tc_now_ms() + 5000;
    while (stat(pidf, &st) == 0 && tc_now_ms() < deadline)
        tc_pause_ms(10);
    bool pid_gone = stat(pidf, &st) < 0;
    h.pvmd = 0; /* killed above */
    harness_stop(&h);
    assert_int_equal(rc, 0);
    assert_int_equal(r, PvmOk);
    assert_int_equal(tid, 0x40001);
    assert_true(tsock_gone);
    assert_int_equal(halted, PvmOk);
    assert_int_equal(eof, -1);
    assert_true(pid_gone);
}

static bool pid_alive(pid_t pid)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d", (int)pid);
    struct stat st;
    return stat(p, &st) == 0;
}

/* Halt also ends what tasks started themselves: a child of a task that
 * still runs, and one whose task has already exited (it holds the task's
 * output pipe).  Each task leads its own process group. */
static void test_halt_ends_what_tasks_started(void **state)
{
    (void)state;
    struct harness h;
    assert_int_equal(harness_start(&h, NULL, 60), 0);
    struct tc a;
    assert_int_equal(tc_open(&a, h.sockdir, 0), PvmOk);
    int tids[2];
    char *leave[] = {"leave", NULL};
    assert_int_equal(tc_spawn(&a, harness_prog("d_family"), leave, 0, NULL, 1, a.tid, 1, tids), 1);
    assert_int_equal(tc_spawn(&a, harness_prog("d_family"), NULL, 0, NULL, 1, a.tid, 1, tids + 1),
                     1);
    pid_t kids[2];
    int nk = 0;
    while (nk < 2) {
        struct wire_hdr hh;
        uint8_t *d;
        assert_int_equal(tc_recv_user(&a, &hh, &d, 10000), 0);
        int pid;
        if (hh.len >= 8 + 8 && sscanf((char *)d + 8, "family %d", &pid) == 1)
            kids[nk++] = pid;
        free(d);
    }
    assert_true(harness_pid_alive(kids[0]) && harness_pid_alive(kids[1]));
    Pvm__Empty e = PVM__EMPTY__INIT;
    assert_int_equal(tc_status(&a, PVM__CTL_TYPE__CTL_HALT, &e.base), PvmOk);
    int st;
    pid_t w = waitpid(h.pvmd, &st, 0);
    bool running0 = harness_pid_alive(kids[0]), running1 = harness_pid_alive(kids[1]);
    tc_close(&a);
    h.pvmd = 0;
    harness_stop(&h);
    kill(kids[0], SIGKILL); /* only if the test fails */
    kill(kids[1], SIGKILL);
    assert_true(w > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_false(running0);
    assert_false(running1);
}

/* A process that left its task's group keeps the task's output pipe open
 * past SIGKILL: the halt gives up on it after its last grace period and
 * the pvmd still exits cleanly (under the sanitizers: with nothing
 * leaked). */
static void test_halt_gives_up_on_an_escaped_pipe(void **state)
{
    (void)state;
    struct harness h;
    assert_int_equal(harness_start(&h, NULL, 60), 0);
    struct tc a;
    assert_int_equal(tc_open(&a, h.sockdir, 0), PvmOk);
    int tid;
    char *escape[] = {"escape", NULL};
    assert_int_equal(tc_spawn(&a, harness_prog("d_family"), escape, 0, NULL, 1, a.tid, 1, &tid), 1);
    pid_t kid = 0;
    while (!kid) {
        struct wire_hdr hh;
        uint8_t *d;
        assert_int_equal(tc_recv_user(&a, &hh, &d, 10000), 0);
        int pid;
        if (hh.len >= 8 + 8 && sscanf((char *)d + 8, "family %d", &pid) == 1)
            kid = pid;
        free(d);
    }
    Pvm__Empty e = PVM__EMPTY__INIT;
    assert_int_equal(tc_status(&a, PVM__CTL_TYPE__CTL_HALT, &e.base), PvmOk);
    int st;
    pid_t w = waitpid(h.pvmd, &st, 0);
    tc_close(&a);
    kill(kid, SIGKILL); /* it escaped the halt by design */
    h.pvmd = 0;
    harness_stop(&h);
    assert_true(w > 0 && WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_halt_leaves_nothing(void **state)
{
    (void)state;
    struct harness h;
    assert_int_equal(harness_start(&h, NULL, 60), 0);
    struct tc a, b;
    assert_int_equal(tc_open(&a, h.sockdir, 0), PvmOk);
    assert_int_equal(tc_open(&b, h.sockdir, 0), PvmOk);
    int tids[4];
    char *stubborn[] = {"stubborn", NULL};
    assert_int_equal(tc_spawn(&a, harness_prog("d_wait"), stubborn, 0, NULL, 2, a.tid, 1, tids), 2);
    assert_int_equal(tc_spawn(&a, harness_prog("d_wait"), NULL, 0, NULL, 2, a.tid, 1, tids + 2), 2);
    /* Each child has said "waiting": its signal set-up is done. */
    int waiting = 0;
    while (waiting < 4) {
        struct wire_hdr hh;
        uint8_t *d;
        assert_int_equal(tc_recv_user(&a, &hh, &d, 10000), 0);
        if (hh.len >= 8 + 7 && !memcmp(d + 8, "waiting", 7))
            waiting++;
        free(d);
    }
    Pvm__TasksReply *r = tc_tasks(&a, 0);
    assert_non_null(r);
    pid_t pids[8];
    int np = 0;
    for (size_t i = 0; i < r->n_tasks; i++)
        if (r->tasks[i]->flag & TF_SPAWNED)
            pids[np++] = r->tasks[i]->pid;
    ctl_free((ProtobufCMessage **)&r);
    assert_int_equal(np, 4);

    Pvm__Empty e = PVM__EMPTY__INIT;
    assert_int_equal(tc_status(&a, PVM__CTL_TYPE__CTL_HALT, &e.base), PvmOk);
    /* Every task connection sees its pvmd go. */
    struct wire_hdr hh;
    uint8_t *d = NULL;
    while (tc_recv_user(&b, &hh, &d, 10000) == 0)
        free(d);
    int st;
    pid_t w = waitpid(h.pvmd, &st, 0);
    char sock[PATHS_MAX], pidf[PATHS_MAX];
    paths_join(sock, sizeof sock, h.sockdir, PVMD_SOCK_NAME);
    paths_join(pidf, sizeof pidf, h.sockdir, PVMD_PID_NAME);
    struct stat sb;
    bool files_gone = stat(sock, &sb) < 0 && stat(pidf, &sb) < 0;
    int alive = 0;
    for (int i = 0; i < np; i++)
        alive += pid_alive(pids[i]);
    tc_close(&a);
    tc_close(&b);
    h.pvmd = 0;
    harness_stop(&h);
    assert_int_equal(w, w > 0 ? w : -2);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_true(files_gone);
    assert_int_equal(alive, 0);
}

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state;
}

/* One case of bad input on a fresh connection. */
static void one_bad_case(const char *sockdir, int kind)
{
    int fd = tc_connect_fd(sockdir);
    assert_true(fd >= 0);
    uint8_t buf[512];
    size_t n = 0;
    struct wire_hdr h = {.flags = WIRE_F_CTL, .tag = PVM__CTL_TYPE__CTL_HELLO, .wid = 1};
    switch (kind) {
    case 0: /* random bytes */
        n = 1 + rnd() % 300;
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)rnd();
        break;
    case 1: /* a valid header, cut short */
        h.len = rnd() % 1000;
        wire_encode(&h, buf);
        n = rnd() % WIRE_HDR_LEN;
        break;
    case 2: /* a header with one random byte changed, then random payload */
        h.len = rnd() % 200;
        wire_encode(&h, buf);
        buf[rnd() % WIRE_HDR_LEN] = (uint8_t)rnd();
        n = WIRE_HDR_LEN + rnd() % 200;
        for (size_t i = WIRE_HDR_LEN; i < n; i++)
            buf[i] = (uint8_t)rnd();
        break;
    default: { /* a hello whose payload is random or cut short */
        size_t pl = rnd() % 100;
        h.len = pl;
        wire_encode(&h, buf);
        for (size_t i = 0; i < pl; i++)
            buf[WIRE_HDR_LEN + i] = (uint8_t)rnd();
        n = WIRE_HDR_LEN + (rnd() % 2 ? pl : rnd() % (pl + 1));
        break;
    }
    }
    tc_write_all(fd, buf, n); /* may fail: the pvmd may have hung up */
    close(fd);
}

static void test_random_and_truncated_bytes(void **state)
{
    (void)state;
    struct harness h;
    assert_int_equal(harness_start(&h, NULL, 170), 0);
    struct tc good;
    assert_int_equal(tc_open(&good, h.sockdir, 0), PvmOk);
    int cases = 0;
    for (int round = 0; round < 100; round++) {
        for (int i = 0; i < 100; i++, cases++)
            one_bad_case(h.sockdir, (int)(rnd() % 4));
        /* Random control frames on an enrolled connection: refused with
         * a status, the connection stays (halt and exit left out: an
         * Empty message accepts any unknown field). */
        struct tc e;
        assert_int_equal(tc_open(&e, h.sockdir, 0), PvmOk);
        for (int i = 0; i < 20; i++, cases++) {
            static const int types[] = {PVM__CTL_TYPE__CTL_SPAWN,
                                        PVM__CTL_TYPE__CTL_TASKS,
                                        PVM__CTL_TYPE__CTL_KILL,
                                        PVM__CTL_TYPE__CTL_SIGNAL,
                                        PVM__CTL_TYPE__CTL_PSTAT,
                                        PVM__CTL_TYPE__CTL_MSTAT,
                                        PVM__CTL_TYPE__CTL_HELLO,
                                        PVM__CTL_TYPE__CTL_ROUTE_QUERY,
                                        77,
                                        -3};
            uint8_t pl[64];
            size_t n = rnd() % sizeof pl;
            for (size_t k = 0; k < n; k++)
                pl[k] = (uint8_t)rnd();
            struct wire_hdr ch = {.flags = WIRE_F_CTL,
                                  .src = e.tid,
                                  .dst = e.pvmd_tid,
                                  .tag = types[rnd() % 10],
                                  .wid = 1000 + i,
                                  .len = n};
            assert_int_equal(tc_send_frame(e.fd, &ch, pl), 0);
            int rt;
            ProtobufCMessage *m = tc_wait_reply(&e, 1000 + i, &rt, 10000);
            assert_non_null(m);
            ctl_free(&m);
        }
        tc_close(&e);
        assert_int_equal(tc_pstat(&good, good.tid), PvmOk);
    }
    assert_true(cases >= 10000);
    /* Each refusal is a log line. */
    char log[PATHS_MAX];
    paths_join(log, sizeof log, h.sockdir, PVMD_LOG_NAME);
    assert_true(tc_file_has(log, "refused a malformed frame header"));
    assert_true(tc_file_has(log, "malformed CTL_HELLO"));
    /* Still serving, still the same daemon. */
    assert_int_equal(waitpid(h.pvmd, NULL, WNOHANG), 0);
    struct tc b;
    assert_int_equal(tc_open(&b, h.sockdir, 0), PvmOk);
    assert_int_equal(tc_send_user(&good, b.tid, 3, "ok", 2), 0);
    struct wire_hdr hh;
    uint8_t *d;
    assert_int_equal(tc_recv_user(&b, &hh, &d, 5000), 0);
    assert_int_equal(hh.src, good.tid);
    free(d);
    tc_close(&b);
    tc_close(&good);
    harness_stop(&h);
}

static void test_client_killed_mid_frame(void **state)
{
    (void)state;
    struct harness h;
    assert_int_equal(harness_start(&h, NULL, 60), 0);
    struct tc a, b;
    assert_int_equal(tc_open(&a, h.sockdir, 0), PvmOk);
    assert_int_equal(tc_open(&b, h.sockdir, 0), PvmOk);
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        struct tc k;
        if (tc_open(&k, h.sockdir, 0) != PvmOk)
            _exit(1);
        if (write(p[1], &k.tid, sizeof k.tid) < 0)
            _exit(1);
        /* A 64 MiB message to b, of which only part is ever sent. */
        size_t big = 64u << 20;
        struct wire_hdr hh = {.src = k.tid, .dst = b.tid, .tag = 9, .len = big};
        uint8_t hb[WIRE_HDR_LEN];
        wire_encode(&hh, hb);
        tc_write_all(k.fd, hb, sizeof hb);
        static uint8_t chunk[1 << 20];
        tc_write_all(k.fd, chunk, sizeof chunk);
        if (write(p[1], "x", 1) < 0)
            _exit(1);
        for (;;)
            tc_write_all(k.fd, chunk, sizeof chunk);
    }
    close(p[1]);
    int ktid = 0;
    char x;
    assert_int_equal(read(p[0], &ktid, sizeof ktid), (ssize_t)sizeof ktid);
    assert_int_equal(read(p[0], &x, 1), 1);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(p[0]);
    /* Its task ends; nothing of the partial frame reaches b; a and b go
     * on as before. */
    assert_int_equal(tc_wait_gone(&a, ktid, 10000), 0);
    assert_int_equal(tc_send_user(&a, b.tid, 10, "after", 5), 0);
    struct wire_hdr hh;
    uint8_t *d;
    assert_int_equal(tc_recv_user(&b, &hh, &d, 5000), 0);
    assert_int_equal(hh.src, a.tid);
    assert_int_equal(hh.tag, 10);
    free(d);
    assert_int_equal(waitpid(h.pvmd, NULL, WNOHANG), 0);
    tc_close(&a);
    tc_close(&b);
    harness_stop(&h);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_second_pvmd_refused),
        cmocka_unit_test(test_stale_files_recovered),
        cmocka_unit_test(test_halt_leaves_nothing),
        cmocka_unit_test(test_halt_gives_up_on_an_escaped_pipe),
        cmocka_unit_test(test_halt_ends_what_tasks_started),
        cmocka_unit_test(test_client_killed_mid_frame),
        cmocka_unit_test(test_random_and_truncated_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
