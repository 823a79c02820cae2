/*
 * test_forged_frames.c - another task of the same user cannot speak for a
 * pvmd.
 *
 * libpvm's reserved context (PVM_SYS_CTX) carries what pvmds tell a task:
 * the output of caught children, sibling lists, group and exit notices.
 * A raw client (test_pvmd_client.h) enrolled as a task forges such frames
 * for the victim (this test process, a libpvm task): an OUTPUT_BEGIN that
 * would make the victim's pvm_exit wait for an END that never comes, sent
 * through the pvmd, through the victim's direct-route socket, and with a
 * source that is not the sender's; and it spawns a long-lived child whose
 * output would go to the victim in that context, or points its own output
 * there.  The victim must see none of them: its ordinary messages still
 * arrive, and pvm_exit returns at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_pvmd_client.h"

#include "outmsg.h"

static struct harness vm;

static int up(void **state)
{
    (void)state;
    return harness_start(&vm, NULL, 60);
}

static int down(void **state)
{
    pvm_exit();
    harness_stop(&vm);
    return harness_stop_all(state);
}

/* A catchout BEGIN for task `who', as a pvmd would send it to `victim'. */
static int send_begin(int fd, int src, int victim, int who)
{
    size_t len = 0;
    uint8_t *body = outmsg_encode(who, OUTPUT_BEGIN, NULL, 0, &len);
    if (!body)
        return -1;
    struct wire_hdr h = {.src = src,
                         .dst = victim,
                         .tag = PVM_TAG_CATCHOUT,
                         .ctx = PVM_SYS_CTX,
                         .enc = PvmDataDefault,
                         .len = len};
    int cc = tc_send_frame(fd, &h, body);
    free(body);
    return cc;
}

/* Waits for the marker message `tag' from `from': what was sent before it
 * on the same route has been dealt with. */
static void expect_marker(int from, int tag)
{
    struct timeval tv = {10, 0};
    int b = pvm_trecv(from, tag, &tv);
    assert_true(b > 0);
}

static void test_forged_frames(void **state)
{
    (void)state;
    int me = pvm_mytid();
    assert_true(me > 0);
    struct tc c;
    assert_int_equal(tc_open(&c, vm.sockdir, 0), 0);

    /* 1. Through the pvmd, in the sender's own name. */
    assert_int_equal(send_begin(c.fd, c.tid, me, c.tid), 0);
    /* 2. Through the pvmd, claiming to be the pvmd. */
    assert_int_equal(send_begin(c.fd, c.pvmd_tid, me, c.tid), 0);
    assert_int_equal(tc_send_user(&c, me, 50, NULL, 0), 0);
    expect_marker(c.tid, 50);

    /* 3. Over the victim's direct-route socket, after a proper hello. */
    char path[512];
    assert_int_equal(paths_task_sock(path, sizeof path, vm.sockdir, me), 0);
    int fd = -1;
    assert_int_equal(sock_connect_unix(path, SOCK_CONNECT_WAIT | SOCK_CONNECT_BLOCKING, &fd), 0);
    Pvm__PeerHello ph = PVM__PEER_HELLO__INIT;
    ph.proto_version = CTL_PROTO_VERSION;
    ph.tid = c.tid;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(ctl_pack(&ph.base, &buf, &len), 0);
    struct wire_hdr hh = {.flags = WIRE_F_CTL,
                          .src = c.tid,
                          .dst = me,
                          .tag = PVM__CTL_TYPE__CTL_PEER_HELLO,
                          .len = len};
    assert_int_equal(tc_send_frame(fd, &hh, buf), 0);
    free(buf);
    assert_int_equal(send_begin(fd, c.tid, me, c.tid), 0);
    struct wire_hdr mh = {.src = c.tid, .dst = me, .tag = 51};
    assert_int_equal(tc_send_frame(fd, &mh, NULL), 0);
    expect_marker(c.tid, 51);
    /* 4. On the same socket, in the pvmd's name: the victim drops the
     * connection (nothing after it is taken). */
    assert_int_equal(send_begin(fd, c.pvmd_tid, me, c.tid), 0);

    /* The victim still works, and pvm_exit does not wait for the task
     * the forged BEGINs named. */
    assert_int_equal(tc_send_user(&c, me, 52, NULL, 0), 0);
    expect_marker(c.tid, 52);
    long t0 = tc_now_ms();
    assert_int_equal(pvm_exit(), 0);
    assert_true(tc_now_ms() - t0 < 5000);

    char log[600];
    snprintf(log, sizeof log, "%s/pvmd.log", vm.sockdir);
    assert_true(tc_file_has(log, "in reserved context 0x7fff0000 refused"));
    close(fd);
    tc_close(&c);
}

/* Output in the reserved context: a spawn's children may only send it to
 * the spawner or where the spawner's own output goes. */
static void test_forged_output(void **state)
{
    (void)state;
    int me = pvm_mytid();
    assert_true(me > 0);
    struct tc c;
    assert_int_equal(tc_open(&c, vm.sockdir, 0), 0);
    Pvm__SpawnRequest s = PVM__SPAWN_REQUEST__INIT;
    char *args[] = {"30", NULL};
    s.file = "/bin/sleep";
    s.argv = args;
    s.n_argv = 1;
    s.where = "";
    s.count = 1;
    s.out_tid = me;
    s.out_code = PVM_TAG_CATCHOUT;
    s.out_ctx = PVM_SYS_CTX;
    int wid = tc_send_ctl(&c, PVM__CTL_TYPE__CTL_SPAWN, &s.base), rt = 0;
    ProtobufCMessage *m = wid < 0 ? NULL : tc_wait_reply(&c, wid, &rt, 10000);
    assert_non_null(m);
    assert_int_equal(rt, PVM__CTL_TYPE__CTL_SPAWN_REPLY);
    Pvm__SpawnReply *r = (Pvm__SpawnReply *)m;
    assert_int_equal(r->n_tids, 1);
    int child = r->tids[0];
    ctl_free(&m);
    assert_true(child > 0);

    /* A BEGIN for the child would be sent before the marker. */
    assert_int_equal(tc_send_user(&c, me, 53, NULL, 0), 0);
    expect_marker(c.tid, 53);
    long t0 = tc_now_ms();
    assert_int_equal(pvm_exit(), 0);
    assert_true(tc_now_ms() - t0 < 5000);

    /* Its own output to the victim, in that context: refused. */
    Pvm__OutputRedirect o = PVM__OUTPUT_REDIRECT__INIT;
    o.out_tid = me;
    o.out_code = PVM_TAG_CATCHOUT;
    o.out_ctx = PVM_SYS_CTX;
    assert_int_equal(tc_status(&c, PVM__CTL_TYPE__CTL_SET_OUTPUT, &o.base), PvmBadParam);
    o.out_ctx = 5; /* a user context is the user's business, as in PVM */
    assert_int_equal(tc_status(&c, PVM__CTL_TYPE__CTL_SET_OUTPUT, &o.base), PvmOk);
    Pvm__TaskRef k = PVM__TASK_REF__INIT;
    k.tid = child;
    assert_int_equal(tc_status(&c, PVM__CTL_TYPE__CTL_KILL, &k.base), PvmOk);
    tc_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forged_frames),
        cmocka_unit_test(test_forged_output),
    };
    return cmocka_run_group_tests(tests, up, down);
}
