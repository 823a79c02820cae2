/*
 * test_io.c - libpvm's delivery path (libpvm/io.c) over a socketpair that
 * stands in for the pvmd: reserved-context messages go to their handler or
 * are counted, never to the user's queue; parked callbacks run from the top
 * of io_wait, never inside a read, also when a callback waits in turn;
 * lpvm_output_parse decodes output messages for the console.
 */
#define _GNU_SOURCE /* fopencookie */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core.h"
#include "outmsg.h"
#include "defs.h"
#include "tid.h"
#include "wire.h"

#define ME 0x40002
#define PVMD 0x40000 /* host 1's pvmd */
#define CHILD 0x40003

/* ---- a core connected to a fake pvmd ------------------------------------ */

static int pvmd_fd = -1; /* the fake pvmd's end */

static struct lpvm_core *core_up(void)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    struct lpvm_core *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->pid = getpid();
    c->lfd = -1;
    c->pfds_dirty = true;
    lpvm_state.core = c;
    lpvm_state.mytid = ME;
    lpvm_state.pvmd_tid = PVMD;
    lpvm_state.opt[PvmPollTime] = 0; /* no spinning: these waits poll once */
    c->pvmd = conn_new_unix(sv[0], CONN_PVMD);
    assert_non_null(c->pvmd);
    assert_int_equal(io_add_conn(c, c->pvmd), 0);
    pvmd_fd = sv[1];
    return c;
}

static int core_down(void **state)
{
    (void)state;
    lpvm_core_teardown();
    if (pvmd_fd >= 0)
        close(pvmd_fd);
    pvmd_fd = -1;
    return 0;
}

static void write_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0) {
            struct pollfd pf = {.fd = fd, .events = POLLOUT};
            poll(&pf, 1, 1000);
            continue;
        }
        b += w;
        n -= (size_t)w;
    }
}

/* Appends one frame from the fake pvmd to buf (as the pvmd sends output:
 * unsequenced, PvmDataDefault). */
static size_t frame(uint8_t *buf, int ctx, int tag, const void *body, size_t len)
{
    struct wire_hdr h = {.flags = WIRE_F_NOSEQ,
                         .src = PVMD,
                         .dst = ME,
                         .tag = tag,
                         .ctx = ctx,
                         .enc = PvmDataDefault,
                         .len = len};
    wire_encode(&h, buf);
    memcpy(buf + WIRE_HDR_LEN, body, len);
    return WIRE_HDR_LEN + len;
}

/* An output message (common/outmsg.h). */
static size_t output_frame(uint8_t *buf, int tid, int count, const char *text)
{
    size_t len;
    uint8_t *body = outmsg_encode(tid, count, text, text ? strlen(text) : 0, &len);
    assert_non_null(body);
    size_t n = frame(buf, PVM_SYS_CTX, PVM_TAG_CATCHOUT, body, len);
    free(body);
    return n;
}

/* One pass of the loop: reads what has arrived and runs what is parked. */
static void one_pass(struct lpvm_core *c)
{
    assert_true(io_wait(c, NULL, NULL, 0, NULL) >= 0);
}

static int queued(const struct lpvm_core *c)
{
    int n = 0;
    for (const struct pmsg *m = c->rq_head; m; m = m->next)
        n++;
    return n;
}

/* ---- tests ---------------------------------------------------------------- */

/* Output for pvm_catchout is printed, not queued; user messages are queued. */
static void test_output_printed_not_queued(void **state)
{
    (void)state;
    struct lpvm_core *c = core_up();
    char *text = NULL;
    size_t textlen = 0;
    c->catch_fp = open_memstream(&text, &textlen);
    uint8_t buf[1024];
    size_t n = output_frame(buf, CHILD, OUTPUT_BEGIN, NULL);
    n += output_frame(buf + n, CHILD, 6, "hello\n");
    n += frame(buf + n, 0, 7, "user", 4);
    n += output_frame(buf + n, CHILD, OUTPUT_END, NULL);
    write_all(pvmd_fd, buf, n);
    one_pass(c);
    fclose(c->catch_fp);
    c->catch_fp = NULL;
    assert_string_equal(text, "[t40003] BEGIN\n[t40003] hello\n[t40003] EOF\n");
    free(text);
    assert_int_equal(queued(c), 1);
    assert_int_equal(c->rq_head->tag, 7);
    assert_int_equal(c->ncatch, 0); /* BEGIN expected it, END ended it */
    assert_int_equal(c->sys_dropped, 0);
}

/* A reserved-context message nobody handles is counted and dropped: a tag
 * beyond the table, a tag inside it without a handler, and a reserved
 * context above PVM_SYS_CTX. */
static void test_unknown_system_message_dropped(void **state)
{
    (void)state;
    struct lpvm_core *c = core_up();
    uint8_t buf[1024];
    size_t n = frame(buf, PVM_SYS_CTX, 1000, "x", 1);
    n += frame(buf + n, PVM_SYS_CTX, 0, "x", 1);
    n += frame(buf + n, PVM_SYS_CTX + 1, PVM_TAG_CATCHOUT, "x", 1);
    n += frame(buf + n, 0, 1000, "u", 1);
    write_all(pvmd_fd, buf, n);
    one_pass(c);
    assert_int_equal(c->sys_dropped, 3);
    assert_int_equal(queued(c), 1);
    assert_int_equal(c->rq_head->ctx, 0);
    assert_null(c->dq_head);
}

/* ---- callbacks that wait ------------------------------------------------ */

struct probe {
    int calls;
    int nested_calls;
    int reading_seen; /* largest core->reading a callback saw */
    int queued_seen;  /* user messages queued when the first callback ran */
};

static struct probe probe;

static bool have_user_msg(struct lpvm_core *c, void *arg)
{
    (void)arg;
    return c->rq_head != NULL;
}

static bool have_two(struct lpvm_core *c, void *arg)
{
    (void)arg;
    return queued(c) >= 2;
}

static void nested_cb(struct lpvm_core *c, struct pmsg *m)
{
    probe.nested_calls++;
    if (c->reading > probe.reading_seen)
        probe.reading_seen = c->reading;
    pmsg_destroy(&m);
}

/* Waits in turn, as a message handler that receives would. */
static void waiting_cb(struct lpvm_core *c, struct pmsg *m)
{
    probe.calls++;
    if (c->reading > probe.reading_seen)
        probe.reading_seen = c->reading;
    probe.queued_seen = queued(c);
    /* More arrives now: the nested wait reads it (no read is under way). */
    uint8_t buf[256];
    size_t n = frame(buf, 0, 9, "late", 4);
    write_all(pvmd_fd, buf, n);
    io_defer(c, IO_ANY_WAIT, nested_cb, pmsg_new(PvmDataDefault));
    while (queued(c) < 2)
        assert_true(io_wait(c, have_two, NULL, io_now_ns() + 5000000000LL, NULL) >= 0);
    pmsg_destroy(&m);
}

/* A parked callback runs at the top of the loop, after the whole read,
 * and may wait itself: its wait reads and runs later callbacks without
 * re-entering a read. */
static void test_callback_waits_outside_read(void **state)
{
    (void)state;
    struct lpvm_core *c = core_up();
    memset(&probe, 0, sizeof probe);
    uint8_t buf[256];
    size_t n = frame(buf, 0, 8, "first", 5);
    write_all(pvmd_fd, buf, n);
    /* Park the callback as delivery would, then let a pass read. */
    assert_int_equal(io_defer(c, IO_AT_REST, waiting_cb, pmsg_new(PvmDataDefault)), 0);
    one_pass(c);
    assert_int_equal(probe.calls, 1);
    assert_int_equal(probe.nested_calls, 1);
    assert_int_equal(probe.reading_seen, 0);
    assert_int_equal(queued(c), 2);
    assert_null(c->dq_head);
}

/* Output whose printing calls back into the wait loop (a catchout FILE
 * whose writes wait for a message): the handler runs outside the read
 * that brought it, with the frames behind it in the same read delivered
 * already. */
static ssize_t waiting_write(void *cookie, const char *buf, size_t size)
{
    struct lpvm_core *c = cookie;
    (void)buf;
    probe.calls++;
    if (c->reading > probe.reading_seen)
        probe.reading_seen = c->reading;
    if (probe.calls == 1)
        probe.queued_seen = queued(c);
    /* Waits for a user message, as a receiving handler would. */
    io_wait(c, have_user_msg, NULL, io_now_ns() + 5000000000LL, NULL);
    return (ssize_t)size;
}

static void test_output_handler_waits_outside_read(void **state)
{
    (void)state;
    struct lpvm_core *c = core_up();
    memset(&probe, 0, sizeof probe);
    cookie_io_functions_t io = {.write = waiting_write};
    c->catch_fp = fopencookie(c, "w", io);
    assert_non_null(c->catch_fp);
    uint8_t buf[1024];
    size_t n = output_frame(buf, CHILD, 6, "hello\n");
    n += frame(buf + n, 0, 7, "user", 4); /* behind it in the same read */
    write_all(pvmd_fd, buf, n);
    one_pass(c);
    assert_true(probe.calls >= 1);
    assert_int_equal(probe.reading_seen, 0);
    assert_int_equal(probe.queued_seen, 1); /* the read had finished */
    fclose(c->catch_fp);
    c->catch_fp = NULL;
}

static void count_cb(struct lpvm_core *c, struct pmsg *m)
{
    (void)c;
    probe.calls++;
    pmsg_destroy(&m);
}

/* IO_AT_REST callbacks wait while a control reply is awaited; IO_ANY_WAIT
 * ones run there too.  Order among those that run is kept. */
static void test_at_rest_waits_for_reply(void **state)
{
    (void)state;
    struct lpvm_core *c = core_up();
    memset(&probe, 0, sizeof probe);
    assert_int_equal(io_defer(c, IO_AT_REST, count_cb, pmsg_new(PvmDataDefault)), 0);
    assert_int_equal(io_defer(c, IO_ANY_WAIT, nested_cb, pmsg_new(PvmDataDefault)), 0);
    c->await_wid = 5; /* as lpvm_request sets it */
    one_pass(c);
    assert_int_equal(probe.calls, 0);
    assert_int_equal(probe.nested_calls, 1);
    assert_non_null(c->dq_head);
    c->await_wid = 0;
    one_pass(c);
    assert_int_equal(probe.calls, 1);
    assert_null(c->dq_head);
}

/* What is still parked at teardown is freed without running. */
static void test_teardown_drops_parked(void **state)
{
    (void)state;
    struct lpvm_core *c = core_up();
    memset(&probe, 0, sizeof probe);
    for (int i = 0; i < 3; i++)
        assert_int_equal(io_defer(c, IO_AT_REST, count_cb, pmsg_new(PvmDataDefault)), 0);
    core_down(NULL);
    assert_int_equal(probe.calls, 0);
}

/* ---- lpvm_output_parse --------------------------------------------------- */

static int output_buf(int enc, int tid, int count, const char *text)
{
    struct pmsg *m = pmsg_new(enc);
    assert_non_null(m);
    int hdr[2] = {tid, count};
    assert_int_equal(pmsg_pack(m, PVM_INT, hdr, 2, 1), 0);
    if (text)
        assert_int_equal(pmsg_pack(m, PVM_BYTE, text, (int)strlen(text), 1), 0);
    return pmsg_register(m);
}

/* The console's decoder: kinds, text in place, cursor untouched, and
 * refusals of what is not an output message. */
static void test_output_parse(void **state)
{
    (void)state;
    int tid, n;
    const char *text;
    int b = output_buf(PvmDataDefault, CHILD, 8, "one\ntwo\n");
    struct pmsg *m = pmsg_lookup(b);
    m->rpos = 4;
    assert_int_equal(lpvm_output_parse(b, &tid, &text, &n), LPVM_OUTPUT_TEXT);
    assert_int_equal(m->rpos, 4);
    assert_int_equal(tid, CHILD);
    assert_int_equal(n, 8);
    assert_memory_equal(text, "one\ntwo\n", 8);
    pvm_freebuf(b);

    b = output_buf(PvmDataDefault, CHILD, OUTPUT_BEGIN, NULL);
    assert_int_equal(lpvm_output_parse(b, &tid, &text, &n), LPVM_OUTPUT_BEGIN);
    pvm_freebuf(b);
    b = output_buf(PvmDataDefault, CHILD, OUTPUT_END, NULL);
    assert_int_equal(lpvm_output_parse(b, &tid, &text, &n), LPVM_OUTPUT_END);
    assert_int_equal(tid, CHILD);
    pvm_freebuf(b);

    b = output_buf(PvmDataDefault, CHILD, 50, "short"); /* count beyond the body */
    assert_int_equal(lpvm_output_parse(b, &tid, &text, &n), PvmBadMsg);
    pvm_freebuf(b);
    b = output_buf(PvmDataRaw, CHILD, 3, "abc"); /* not as the pvmd sends it */
    assert_int_equal(lpvm_output_parse(b, &tid, &text, &n), PvmBadMsg);
    pvm_freebuf(b);
    b = output_buf(PvmDataDefault, 0, 3, "abc"); /* no task */
    assert_int_equal(lpvm_output_parse(b, &tid, &text, &n), PvmBadMsg);
    pvm_freebuf(b);
    assert_int_equal(lpvm_output_parse(12345, &tid, &text, &n), PvmNoSuchBuf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_output_printed_not_queued, core_down),
        cmocka_unit_test_teardown(test_unknown_system_message_dropped, core_down),
        cmocka_unit_test_teardown(test_callback_waits_outside_read, core_down),
        cmocka_unit_test_teardown(test_output_handler_waits_outside_read, core_down),
        cmocka_unit_test_teardown(test_at_rest_waits_for_reply, core_down),
        cmocka_unit_test(test_teardown_drops_parked),
        cmocka_unit_test(test_output_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
