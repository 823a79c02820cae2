/*
 * test_hosts.c - a virtual machine of several hosts on this machine
 * (addresses in 127.0.0.0/8, CONTRACT.md), over the mesh.
 *
 * pvm_addhosts starts the hosts' pvmds, pvm_config lists them, tasks are
 * spawned on a named host and spread over all, messages of any size go
 * between hosts in order, pvm_tasks / pvm_kill / pvm_pstat work across
 * hosts, pvm_delhosts ends a host and its tasks, and halt leaves nothing
 * on any host.  Tasks of two hosts talk over a direct TCP route once it is
 * made, in order across the switch from the daemons' route, and not at all
 * under PvmDontRoute.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "lpvm.h"
#include "pvm3.h"
#include "test_api_util.h"
#include "tid.h"

static int up(void **state)
{
    /* A remote shell that cannot reach anything: for the host that must
     * fail to start. */
    setenv("PVM_RSH", "/bin/false", 1);
    return vm_up(state);
}

static int add2(void)
{
    char *hosts[] = {"127.0.0.2", "127.0.0.3"};
    int infos[2] = {0, 0};
    int n = pvm_addhosts(hosts, 2, infos);
    assert_int_equal(n, 2);
    assert_true(tid_is_pvmd(infos[0]) && tid_is_pvmd(infos[1]));
    assert_int_not_equal(infos[0], infos[1]);
    return n;
}

/* Which host number task tid runs on, as pvm_tidtohost and pvm_config
 * agree. */
static int host_of(int tid)
{
    return tid_host(pvm_tidtohost(tid));
}

static void test_add_config_spawn_message_delete(void **state)
{
    (void)state;
    add2();
    int nhost = 0, narch = 0;
    struct pvmhostinfo *hi = NULL;
    assert_int_equal(pvm_config(&nhost, &narch, &hi), 0);
    assert_int_equal(nhost, 3);
    assert_int_equal(narch, 1);
    bool seen2 = false, seen3 = false;
    for (int i = 0; i < nhost; i++) {
        seen2 |= !strcmp(hi[i].hi_name, "127.0.0.2");
        seen3 |= !strcmp(hi[i].hi_name, "127.0.0.3");
        assert_string_equal(hi[i].hi_arch, "LINUX64");
    }
    assert_true(seen2 && seen3);

    /* A host already there. */
    char *again[] = {"127.0.0.2"};
    int info = 0;
    assert_int_equal(pvm_addhosts(again, 1, &info), 0);
    assert_int_equal(info, PvmDupHost);

    /* A task on a named host, and a round trip to it, small and large. */
    int t = 0;
    assert_int_equal(
        pvm_spawn((char *)harness_prog("t_echo"), NULL, PvmTaskHost, "127.0.0.3", 1, &t), 1);
    assert_int_equal(host_of(t), 3);
    expect_msg(t, 1);
    size_t sizes[] = {8, 100000, 8u << 20};
    for (size_t k = 0; k < 3; k++) {
        char *buf = malloc(sizes[k]);
        for (size_t i = 0; i < sizes[k]; i++)
            buf[i] = (char)(i * 7 + k);
        pvm_initsend(PvmDataRaw);
        pvm_pkbyte(buf, (int)sizes[k], 1);
        assert_int_equal(pvm_send(t, 40 + (int)k), 0);
        struct timeval tv = {20, 0};
        int b = pvm_trecv(t, 40 + (int)k, &tv);
        assert_true(b > 0);
        char *back = malloc(sizes[k]);
        assert_int_equal(pvm_upkbyte(back, (int)sizes[k], 1), 0);
        assert_memory_equal(buf, back, sizes[k]);
        free(buf);
        free(back);
    }
    /* Many in a row arrive in order. */
    for (int i = 0; i < 500; i++) {
        pvm_initsend(PvmDataDefault);
        pvm_pkint(&i, 1, 1);
        pvm_send(t, 60);
    }
    for (int i = 0; i < 500; i++) {
        struct timeval tv = {20, 0};
        assert_true(pvm_trecv(t, 60, &tv) > 0);
        int v = -1;
        pvm_upkint(&v, 1, 1);
        assert_int_equal(v, i);
    }

    /* Spread: six copies land on every host. */
    int six[6];
    assert_int_equal(pvm_spawn((char *)harness_prog("t_echo"), NULL, PvmTaskDefault, "", 6, six),
                     6);
    int per[4] = {0};
    for (int i = 0; i < 6; i++) {
        expect_msg(six[i], 1);
        per[host_of(six[i])]++;
    }
    assert_int_equal(per[1], 2);
    assert_int_equal(per[2], 2);
    assert_int_equal(per[3], 2);

    /* pvm_mcast to all six (one copy per host on the wire): each echoes
     * it back, twice over, in order. */
    for (int round = 0; round < 2; round++) {
        pvm_initsend(PvmDataDefault);
        pvm_pkint(&round, 1, 1);
        assert_int_equal(pvm_mcast(six, 6, 70), 0);
    }
    for (int i = 0; i < 6; i++)
        for (int round = 0; round < 2; round++) {
            struct timeval tv = {20, 0};
            assert_true(pvm_trecv(six[i], 70, &tv) > 0);
            int v = -1;
            pvm_upkint(&v, 1, 1);
            assert_int_equal(v, round);
        }

    /* Spawned over the hosts, each task knows all its siblings. */
    char *sibargs[] = {"siblings", NULL};
    int sibs[5];
    assert_int_equal(
        pvm_spawn((char *)harness_prog("t_echo"), sibargs, PvmTaskDefault, "", 5, sibs), 5);
    for (int i = 0; i < 5; i++) {
        struct timeval tv = {20, 0};
        assert_true(pvm_trecv(sibs[i], 4, &tv) > 0);
        int n = -1, got[5];
        pvm_upkint(&n, 1, 1);
        assert_int_equal(n, 5);
        pvm_upkint(got, 5, 1);
        assert_memory_equal(got, sibs, sizeof got);
    }

    /* Every host's tasks, from here. */
    int ntask = 0;
    struct pvmtaskinfo *ti = NULL;
    assert_int_equal(pvm_tasks(0, &ntask, &ti), 0);
    int remote = 0;
    for (int i = 0; i < ntask; i++)
        remote += tid_host(ti[i].ti_host) != 1;
    assert_true(remote >= 5);
    /* One host's. */
    assert_int_equal(pvm_tasks(tid_pvmd(3), &ntask, &ti), 0);
    for (int i = 0; i < ntask; i++)
        assert_int_equal(tid_host(ti[i].ti_tid), 3);

    /* Kill across hosts. */
    int victim = -1;
    for (int i = 0; i < 6 && victim < 0; i++)
        if (host_of(six[i]) == 2)
            victim = six[i];
    assert_int_equal(pvm_pstat(victim), PvmOk);
    assert_int_equal(pvm_kill(victim), 0);
    wait_gone(victim);

    /* Delete host 3: its tasks end with it. */
    char *del[] = {"127.0.0.3"};
    int dinfo = -1;
    assert_int_equal(pvm_delhosts(del, 1, &dinfo), 1);
    assert_int_equal(dinfo, 0);
    assert_int_equal(pvm_config(&nhost, &narch, &hi), 0);
    assert_int_equal(nhost, 2);
    assert_int_not_equal(pvm_pstat(t), PvmOk);

    for (int i = 0; i < 6; i++)
        if (six[i] != victim && host_of(six[i]) != 3)
            send_empty(six[i], 999);
}

/* Our connected TCP sockets (direct routes across hosts) among
 * pvm_getfds' descriptors (t_echo counts its own the same way). */
static int tcp_routes(void)
{
    int *fds = NULL, n = pvm_getfds(&fds), routes = 0;
    for (int i = 0; i < n; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        if (getpeername(fds[i], (struct sockaddr *)&ss, &len) == 0 &&
            (ss.ss_family == AF_INET || ss.ss_family == AF_INET6))
            routes++;
    }
    return routes;
}

/* Connects n idle TCP sockets (a stranger's) to our direct-route listener;
 * returns how many connected. */
static int crowd_listener(int *socks, int n)
{
    int *fds = NULL, nfd = pvm_getfds(&fds), done = 0;
    for (int i = 0; i < nfd; i++) {
        int acc = 0;
        socklen_t al = sizeof acc;
        struct sockaddr_in sa;
        socklen_t len = sizeof sa;
        if (getsockopt(fds[i], SOL_SOCKET, SO_ACCEPTCONN, &acc, &al) < 0 || !acc ||
            getsockname(fds[i], (struct sockaddr *)&sa, &len) < 0 || sa.sin_family != AF_INET)
            continue;
        for (; done < n; done++) {
            socks[done] = socket(AF_INET, SOCK_STREAM, 0);
            if (socks[done] < 0 || connect(socks[done], (struct sockaddr *)&sa, len) < 0)
                break;
        }
        break;
    }
    return done;
}

static unsigned char pattern(size_t i, int who)
{
    return (unsigned char)(i * 31 + (i >> 12) + who);
}

/* Both send n bytes at once (t_echo swap): neither may wait for the
 * other to read.  The child has a direct route to us, or, with
 * dontroute (and our PvmDontRoute), none. */
static void swap_with(const char *host, size_t n, bool dontroute)
{
    char arg[32];
    snprintf(arg, sizeof arg, "%zu", n);
    char *args[] = {"swap", arg, dontroute ? "dontroute" : NULL, NULL};
    int t = 0;
    assert_int_equal(
        pvm_spawn((char *)harness_prog("t_echo"), args, PvmTaskHost, (char *)host, 1, &t), 1);
    expect_msg(t, 1);
    unsigned char *out = malloc(n), *in = malloc(n);
    assert_true(out && in);
    for (size_t i = 0; i < n; i++)
        out[i] = pattern(i, 2);
    send_empty(t, 2);
    pvm_initsend(PvmDataInPlace);
    pvm_pkbyte((char *)out, (int)n, 1);
    assert_int_equal(pvm_send(t, 5), 0);
    struct timeval tv = {60, 0};
    assert_true(pvm_trecv(t, 5, &tv) > 0);
    assert_int_equal(pvm_upkbyte((char *)in, (int)n, 1), 0);
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++)
        ok = in[i] == pattern(i, 1);
    assert_true(ok);
    assert_true(pvm_trecv(t, 3, &tv) > 0);
    int child_ok = 0, child_routes = -1;
    pvm_upkint(&child_ok, 1, 1);
    pvm_upkint(&child_routes, 1, 1);
    assert_int_equal(child_ok, 1);
    if (dontroute)
        assert_int_equal(child_routes, 0);
    else
        assert_true(child_routes >= 1 && child_routes <= 2);
    free(out);
    free(in);
    wait_gone(t);
}

/* A task that sends its last message and leaves while we keep sending to
 * it: the message arrives whole (a direct route's close must not reset
 * what it still had to deliver). */
static void last_words(const char *host, size_t n)
{
    char arg[32];
    snprintf(arg, sizeof arg, "%zu", n);
    char *args[] = {"lastword", arg, NULL};
    int t = 0;
    assert_int_equal(
        pvm_spawn((char *)harness_prog("t_echo"), args, PvmTaskHost, (char *)host, 1, &t), 1);
    expect_msg(t, 1);
    /* Its pings make its own route to us (we answer on it). */
    for (int i = 0; i < 20; i++) {
        expect_msg(t, 10);
        send_empty(t, 11);
    }
    send_empty(t, 2);
    /* We talk on until its last words begin to arrive. */
    for (int i = 0; i < 200000 && pvm_probe(t, 5) <= 0; i++) {
        pvm_initsend(PvmDataDefault);
        pvm_pkint(&i, 1, 1);
        if (pvm_send(t, 7) < 0)
            break;
    }
    struct timeval tv = {20, 0};
    int b = pvm_trecv(t, 5, &tv);
    assert_true(b > 0);
    int len = 0, tag = 0, src = 0;
    pvm_bufinfo(b, &len, &tag, &src);
    assert_int_equal(len, (int)n);
    unsigned char *in = malloc(n);
    assert_int_equal(pvm_upkbyte((char *)in, (int)n, 1), 0);
    for (size_t i = 0; i < n; i++)
        if (in[i] != pattern(i, 1))
            fail_msg("byte %zu of the last words is wrong", i);
    free(in);
    wait_gone(t);
}

static void test_direct_route_across_hosts(void **state)
{
    (void)state;
    char *hosts[] = {"127.0.0.2"};
    int info = 0;
    assert_int_equal(pvm_addhosts(hosts, 1, &info), 1);
    int t = 0;
    assert_int_equal(
        pvm_spawn((char *)harness_prog("t_echo"), NULL, PvmTaskHost, "127.0.0.2", 1, &t), 1);
    expect_msg(t, 1);
    /* Strangers crowd our listener with connections that never say
     * anything: a route from t must still be made, and nothing lost while
     * it is (the oldest silent ones give way). */
    int crowd[80];
    int ncrowd = crowd_listener(crowd, 80);
    assert_int_equal(ncrowd, 80);
    /* A stream of numbered messages, echoed: the first ones go through
     * the pvmds, the route is made meanwhile, the rest go direct; the
     * order holds across the switch both ways. */
    int sent = 0, got = 0;
    double t0 = now_s();
    while (got < 3000 && now_s() - t0 < 30) {
        for (int k = 0; k < 50; k++, sent++) {
            pvm_initsend(PvmDataDefault);
            pvm_pkint(&sent, 1, 1);
            assert_int_equal(pvm_send(t, 60), 0);
        }
        for (; got < sent; got++) {
            struct timeval tv = {20, 0};
            assert_true(pvm_trecv(t, 60, &tv) > 0);
            int v = -1;
            pvm_upkint(&v, 1, 1);
            assert_int_equal(v, got);
        }
    }
    assert_int_equal(got, 3000);
    /* The strangers leave; a round trip later we have seen them go. */
    for (int i = 0; i < ncrowd; i++)
        close(crowd[i]);
    pvm_initsend(PvmDataDefault);
    assert_int_equal(pvm_send(t, 61), 0);
    struct timeval tv61 = {20, 0};
    assert_true(pvm_trecv(t, 61, &tv61) > 0);
    /* The route is there: one connection, or one each way when both
     * tasks asked for a route at the same moment (direct.c). */
    int routes = tcp_routes();
    assert_true(routes >= 1 && routes <= 2);
    /* Large, both ways at once, over it. */
    swap_with("127.0.0.2", (size_t)24 << 20, false);
    /* Last words over it, while we talk on. */
    for (int i = 0; i < 10; i++)
        last_words("127.0.0.2", (size_t)1 << 20);
    /* Through the daemons only: no route is made. */
    int old = pvm_setopt(PvmRoute, PvmDontRoute);
    swap_with("127.0.0.2", (size_t)4 << 20, true);
    pvm_setopt(PvmRoute, old);
    send_empty(t, 999);
    wait_gone(t);
}

static void test_unreachable_host_cannot_start(void **state)
{
    (void)state;
    char *hosts[] = {"nosuchhost.invalid"};
    int info = 0;
    assert_int_equal(pvm_addhosts(hosts, 1, &info), 0);
    assert_int_equal(info, PvmCantStart);
    /* Why, for the console to show. */
    assert_non_null(strstr(lpvm_host_why(0), "remote shell /bin/false exited"));
    /* A name pvm_addhosts cannot parse. */
    char *bad[] = {"127.0.0.2 nosuchopt=1"};
    assert_int_equal(pvm_addhosts(bad, 1, &info), 0);
    assert_int_equal(info, PvmBadParam);
    /* Nor one the remote shell would take for an option. */
    char *opt[] = {"-oProxyCommand=touch /tmp/pvm-test-injected"};
    assert_int_equal(pvm_addhosts(opt, 1, &info), 0);
    assert_int_equal(info, PvmBadParam);
    assert_int_equal(access("/tmp/pvm-test-injected", F_OK), -1);
}

static void test_halt_ends_every_host(void **state)
{
    (void)state;
    int before = harness_vm_processes(vm.tmp);
    (void)before;
    add2();
    int t = 0;
    assert_int_equal(
        pvm_spawn((char *)harness_prog("t_echo"), NULL, PvmTaskHost, "127.0.0.2", 1, &t), 1);
    expect_msg(t, 1);
    assert_true(harness_vm_processes(vm.tmp) >= 3); /* pvmds of hosts 2 and 3, and t */
    assert_int_equal(pvm_halt(), 0);
    /* The harness's pvmd exits; nothing of the machine is left. */
    int left = -1;
    for (int i = 0; i < 500 && (left = harness_vm_processes(vm.tmp)) > 0; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(left, 0);
}

/* The first host's pvmd dies (kill -9): the other hosts' pvmds see it
 * within their link time-out and halt, ending their tasks: nothing runs
 * on unattended there. */
static void test_losing_the_first_host_ends_the_others(void **state)
{
    (void)state;
    add2();
    int t = 0;
    assert_int_equal(
        pvm_spawn((char *)harness_prog("t_echo"), NULL, PvmTaskHost, "127.0.0.2", 1, &t), 1);
    expect_msg(t, 1);
    int ntask = 0;
    struct pvmtaskinfo *ti = NULL;
    assert_int_equal(pvm_tasks(t, &ntask, &ti), 0);
    assert_int_equal(ntask, 1);
    pid_t task_pid = ti[0].ti_pid;
    pid_t pvmd2 = harness_host_pvmd(&vm, "127.0.0.2");
    assert_true(pvmd2 > 0);
    assert_true(harness_pid_alive(pvmd2) && harness_pid_alive(task_pid));
    kill(vm.pvmd, SIGKILL);
    for (int i = 0; i < 1000 && (harness_pid_alive(pvmd2) || harness_pid_alive(task_pid)); i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_false(harness_pid_alive(pvmd2));
    assert_false(harness_pid_alive(task_pid));
}

/* pvmd hostfile: its hosts join (not the `&' ones, not this host). */
static void test_pvmd_hostfile(void **state)
{
    (void)state;
    char path[] = "/tmp/pvm-hostfile.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "# hosts\n* sp=2000\n127.0.0.2\n&127.0.0.3\nlocalhost\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    setenv("PVM_RSH", "/bin/false", 1);
    const char *args[] = {path, NULL};
    assert_int_equal(harness_start(&vm, args, 170), 0);
    unlink(path);
    pvm_setopt(PvmAutoErr, 0);
    int nhost = 0, narch;
    struct pvmhostinfo *hi = NULL;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(pvm_config(&nhost, &narch, &hi), 0);
        if (nhost == 2)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (nhost != 2) {
        /* What the pvmd says about it, for whoever reads the failure. */
        char cmd[400];
        snprintf(cmd, sizeof cmd, "cat %s/pvmd.log >&2", vm.sockdir);
        if (system(cmd) != 0)
            fprintf(stderr, "(no pvmd.log)\n");
    }
    assert_int_equal(nhost, 2);
    assert_string_equal(hi[1].hi_name, "127.0.0.2");
    assert_int_equal(hi[1].hi_speed, 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_config_spawn_message_delete, up, vm_down),
        cmocka_unit_test_setup_teardown(test_direct_route_across_hosts, up, vm_down),
        cmocka_unit_test_setup_teardown(test_unreachable_host_cannot_start, up, vm_down),
        cmocka_unit_test_setup_teardown(test_halt_ends_every_host, up, vm_down),
        cmocka_unit_test_teardown(test_pvmd_hostfile, vm_down),
        cmocka_unit_test_setup_teardown(test_losing_the_first_host_ends_the_others, up, vm_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
