/*
 * pvm_compat_calls.c - the same PVM calls, built once against PVM 3.4.6's
 * libpvm3 and once against ours; test_pvm_compat.sh compares what the two
 * print, line by line.  Only what does not depend on timing is printed:
 * return codes, and pvm_errno only where a call failed (PVM leaves a stale
 * one after success).  PVM's own error reports (PvmAutoErr) go to stderr,
 * which the script merges in.
 *
 * Usage: pvm_compat_calls            the table (spawns itself by name)
 *        pvm_compat_calls quick|slow what its children do
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "pvm3.h"

extern int pvm_errno;           /* PVM 3.4.6's pvm3.h does not declare it */
extern char *pvmtmpnam(char *); /* nor this (only #ifdef NOTMPNAM) */

#define NAME "pvm_compat_calls"

static void show(const char *what, int rc)
{
    if (rc < 0)
        printf("%s: %d (pvm_errno %d)\n", what, rc, pvm_errno);
    else
        printf("%s: %d\n", what, rc);
}

/* Waits until task tid has ended (PvmTaskExit). */
static void wait_exit(int tid)
{
    if (pvm_notify(PvmTaskExit, 999, 1, &tid) >= 0)
        pvm_recv(-1, 999);
}

/* Every option number, read and set to a few values (then restored). */
static void options(int me)
{
    static const int vals[] = {0, 1, -1, 2, 5, 51, 52, 100000, 1 << 21};
    pvm_setopt(PvmAutoErr, 0);
    for (int w = -1; w <= 40; w++) {
        if (w == PvmAutoErr)
            continue;
        int g = pvm_getopt(w);
        printf("getopt %d: %d", w, g);
        for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
            int r = pvm_setopt(w, vals[i]);
            printf(" %d:%d/%d", vals[i], r, pvm_getopt(w));
            if (g >= 0)
                pvm_setopt(w, g);
        }
        int r = pvm_setopt(w, me);
        printf(" me:%d\n", r < 0 ? r : pvm_getopt(w) == me);
        if (g >= 0)
            pvm_setopt(w, g);
    }
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        int r = pvm_setopt(PvmAutoErr, vals[i]);
        printf("PvmAutoErr %d: %d/%d\n", vals[i], r, pvm_getopt(PvmAutoErr));
        pvm_setopt(PvmAutoErr, 0);
    }
    pvm_setopt(PvmAutoErr, 5); /* reports, as 1 does */
    show("autoerr 5: kill 0", pvm_kill(0));
    pvm_setopt(PvmAutoErr, -1);
    show("autoerr -1: getopt 99", pvm_getopt(99));
    pvm_setopt(PvmAutoErr, 1);
    show("PvmSelfOutputCode without its tid", pvm_setopt(PvmSelfOutputCode, 5));
    show("PvmSelfTraceCode without its tid", pvm_setopt(PvmSelfTraceCode, 5));
    printf("  now %d %d\n", pvm_getopt(PvmSelfOutputCode), pvm_getopt(PvmSelfTraceCode));
}

static void tasks_and_signals(int me, int pvmd)
{
    char *quick[] = {"quick", NULL};
    int child = 0;
    show("spawn", pvm_spawn(NAME, quick, 0, NULL, 1, &child));
    wait_exit(child);
    show("kill ended task", pvm_kill(child));
    show("sendsig ended task", pvm_sendsig(child, 15));
    show("kill unknown tid", pvm_kill(me + 100));
    show("sendsig unknown tid", pvm_sendsig(me + 100, 15));
    show("kill tid of another host", pvm_kill(0x80001));
    show("kill pvmd", pvm_kill(pvmd));
    show("sendsig pvmd", pvm_sendsig(pvmd, 15));
    show("kill 0", pvm_kill(0));
    show("sendsig signal 9999", pvm_sendsig(me + 100, 9999));
    show("sendsig self 0", pvm_sendsig(me, 0));
    pvm_setopt(PvmAutoErr, 0);
    show("no autoerr: kill unknown tid", pvm_kill(me + 100));
    show("no autoerr: kill pvmd", pvm_kill(pvmd));
    pvm_setopt(PvmAutoErr, 1);

    int t[1];
    t[0] = 7;
    show("spawn PvmTaskHost NULL", pvm_spawn(NAME, quick, PvmTaskHost, NULL, 1, t));
    printf("  tids[0] %d\n", t[0]);
    t[0] = 7;
    show("spawn PvmTaskArch \"\"", pvm_spawn(NAME, quick, PvmTaskArch, "", 1, t));
    printf("  tids[0] %d\n", t[0]);
    t[0] = 7;
    show("spawn unknown host", pvm_spawn(NAME, quick, PvmTaskHost, "nosuchhost", 1, t));
    printf("  tids[0] %d\n", t[0]);
    t[0] = 0;
    show("spawn flag 0x1000", pvm_spawn(NAME, quick, 0x1000, NULL, 1, t));
    if (t[0] > 0)
        wait_exit(t[0]);
    show("spawn ntask 0", pvm_spawn(NAME, quick, 0, NULL, 0, t));
    show("spawn no such file", pvm_spawn("nosuchprog", quick, 0, NULL, 1, t));
    printf("  tids[0] %d\n", t[0]);
    int two[2] = {0, 0};
    show("spawn empty name", pvm_spawn("", quick, 0, NULL, 2, two));
    printf("  tids %d %d\n", two[0], two[1]);

    int n = -5;
    struct pvmtaskinfo *ti;
    show("tasks unknown tid", pvm_tasks(me + 100, &n, &ti));
    printf("  ntask %d\n", n);
    n = -5;
    show("tasks pvmd", pvm_tasks(pvmd, &n, &ti));
    printf("  ntask %d\n", n);
    n = -5;
    show("tasks another host", pvm_tasks(0x80000, &n, &ti));
    printf("  ntask %d\n", n);
    n = -5;
    show("tasks -1", pvm_tasks(-1, &n, &ti));
    printf("  ntask %d\n", n);
    printf("pstat pvmd: %d\n", pvm_pstat(pvmd));
    printf("pstat unknown tid: %d\n", pvm_pstat(me + 100));
    printf("pstat ended task: %d\n", pvm_pstat(child));
    printf("pstat 0: %d\n", pvm_pstat(0));
    int nhost, narch;
    struct pvmhostinfo *hi;
    if (pvm_config(&nhost, &narch, &hi) == 0) {
        char dot[300];
        snprintf(dot, sizeof dot, "%s.", hi[0].hi_name);
        show("mstat this host", pvm_mstat(hi[0].hi_name));
        show("mstat this host.", pvm_mstat(dot));
    }
    show("mstat localhost", pvm_mstat("localhost"));
    show("mstat 127.0.0.1", pvm_mstat("127.0.0.1"));
    show("mstat \"\"", pvm_mstat(""));
    show("mstat NULL", pvm_mstat(NULL));
    show("tidtohost 0", pvm_tidtohost(0));
    show("tidtohost -5", pvm_tidtohost(-5));
    show("export \"\"", pvm_export(""));
    show("archcode FOO", pvm_archcode("FOO"));
}

static void sending(int me, int pvmd)
{
    pvm_initsend(PvmDataDefault);
    pvm_pkint(&me, 1, 1);
    show("send pvmd", pvm_send(pvmd, 1));
    show("send 0", pvm_send(0, 1));
    show("send -1", pvm_send(-1, 1));
    show("send unknown tid", pvm_send(me + 100, 1));
    show("send tag -1", pvm_send(me, -1));
    int list[1] = {pvmd};
    show("mcast 0 tids", pvm_mcast(list, 0, 1));
    show("mcast -1 tids", pvm_mcast(list, -1, 1));
    show("mcast to pvmd", pvm_mcast(list, 1, 1));

    int ia[5] = {1, 2, 3, 4, 5}, ib[10];
    int rt, rg, rc;
    static const struct {
        const char *what;
        int len, type;
    } pr[] = {{"precv 10 PVM_INT", 10, PVM_INT},
              {"precv 2 PVM_INT", 2, PVM_INT},
              {"precv 20 PVM_BYTE", 20, PVM_BYTE},
              {"precv 5 PVM_SHORT", 5, PVM_SHORT},
              {"precv -1 PVM_INT", -1, PVM_INT}};
    for (size_t i = 0; i < sizeof pr / sizeof pr[0]; i++) {
        pvm_psend(me, 6, ia, 5, PVM_INT);
        rt = rg = rc = -7;
        show(pr[i].what, pvm_precv(me, 6, ib, pr[i].len, pr[i].type, &rt, &rg, &rc));
        printf("  from self %d tag %d count %d\n", rt == me, rg, rc);
    }
    pvm_initsend(PvmDataDefault);
    pvm_pkint(ia, 3, 1);
    pvm_send(me, 6);
    show("precv of 3 packed ints", pvm_precv(me, 6, ib, 10, PVM_INT, &rt, &rg, &rc));
    printf("  count %d\n", rc);
    show("psend -1 items", pvm_psend(me, 7, ia, -1, PVM_INT));
    show("precv it", pvm_precv(me, 7, ib, 10, PVM_INT, &rt, &rg, &rc));
    printf("  count %d\n", rc);
    show("psend PVM_STR", pvm_psend(me, 7, "abc", 3, PVM_STR));
    struct timeval tv = {-1, 0};
    show("trecv -1 s", pvm_trecv(-1, 77, &tv));
    tv.tv_sec = 0;
    tv.tv_usec = -1;
    show("trecv -1 us", pvm_trecv(-1, 77, &tv));
}

static int minfo_wid(int bufid)
{
    struct pvmminfo mi;
    int cc = pvm_getminfo(bufid, &mi);
    return cc < 0 ? cc : mi.wid;
}

/* The wait id (pvm_setminfo's wid) travels with a message; a temporary
 * file name is $PVM_TMP/pvmtmp<pid>.<n>. */
static void wait_ids(int me)
{
    struct pvmminfo mi;
    int sb = pvm_initsend(PvmDataDefault);
    printf("new buffer wid %d\n", minfo_wid(sb));
    pvm_getminfo(sb, &mi);
    mi.wid = 1234;
    show("setminfo wid", pvm_setminfo(sb, &mi));
    pvm_send(me, 8);
    printf("sent to self: wid %d, kept %d\n", minfo_wid(pvm_recv(-1, 8)), minfo_wid(sb));
    for (int route = PvmDontRoute; route <= PvmRouteDirect; route++) {
        pvm_setopt(PvmRoute, route);
        char *echo[] = {"echo", NULL};
        int t = 0;
        if (pvm_spawn(NAME, echo, 0, NULL, 1, &t) != 1)
            continue;
        pvm_initsend(PvmDataDefault);
        pvm_getminfo(pvm_getsbuf(), &mi);
        mi.wid = 100 + route;
        pvm_setminfo(pvm_getsbuf(), &mi);
        pvm_send(t, 10);
        printf("route %d: echoed wid %d\n", route, minfo_wid(pvm_recv(t, 11)));
        wait_exit(t);
    }
    pvm_setopt(PvmRoute, PvmAllowDirect);
    pvm_psend(me, 9, "x", 1, PVM_BYTE);
    printf("psend wid %d\n", minfo_wid(pvm_recv(-1, 9)));

    /* The count goes on from PVM's own calls: compare steps, not values. */
    const char *tmp = getenv("PVM_TMP");
    char prefix[512], buf[512];
    snprintf(prefix, sizeof prefix, "%s/pvmtmp%06d.", tmp ? tmp : "/tmp", (int)getpid());
    int last = 0;
    for (int i = 1; i <= 3; i++) {
        char *r = pvmtmpnam(i == 2 ? NULL : buf);
        if (!r || strncmp(r, prefix, strlen(prefix))) {
            printf("pvmtmpnam %d: %s\n", i, r ? r : "NULL");
            continue;
        }
        int n = atoi(r + strlen(prefix));
        printf("pvmtmpnam %d: $PVM_TMP/pvmtmp<pid>.<n>%s, in buf %d\n", i,
               i == 1 || n == last + 1 ? "" : " not counting", r == buf);
        last = n;
    }
}

static void packing(void)
{
    int ia[5] = {1, 2, 3, 4, 5}, ib[6] = {0}, bytes, tag, src;
    pvm_initsend(PvmDataDefault);
    show("packf %*d count -1", pvm_packf("%*d", -1, ia));
    show("packf %2.*d stride -1", pvm_packf("%2.*d", -1, ia + 2));
    show("packf %3.-1d", pvm_packf("%3.-1d", ia));
    show("packf %q", pvm_packf("%q", 1));
    show("pkint -1 items", pvm_pkint(ia, -1, 1));
    show("pkint stride 0", pvm_pkint(ia, 1, 0));
    show("pkint 3 stride -1", pvm_pkint(ia + 4, 3, -1));
    pvm_bufinfo(pvm_getsbuf(), &bytes, &tag, &src);
    printf("  bytes %d\n", bytes);
    pvm_setrbuf(pvm_setsbuf(0));
    show("upkint 5 stride -1", pvm_upkint(ib + 4, 5, -1));
    printf("  %d %d %d %d %d\n", ib[0], ib[1], ib[2], ib[3], ib[4]);
    show("upkint past the end", pvm_upkint(ib, 1, 1));
    show("initsend 99", pvm_initsend(99));
    /* The id changes at every initsend, two ids taking turns; the old one
     * is freed (not the buffer now in use). */
    int i1 = pvm_initsend(PvmDataDefault), i2 = pvm_initsend(PvmDataDefault);
    int i3 = pvm_initsend(PvmDataDefault);
    printf("initsend ids: new %d, turns %d\n", i2 != i1, i3 == i1);
    show("freebuf the old id", pvm_freebuf(i2) < 0 ? -1 : 0);
    show("pkint after", pvm_pkint(ib, 1, 1));
    show("mkbuf 99", pvm_mkbuf(99));
    show("freebuf 0", pvm_freebuf(0));
    show("freebuf -1", pvm_freebuf(-1));
    show("freebuf 9999", pvm_freebuf(9999));
    show("setsbuf 9999", pvm_setsbuf(9999));
    show("bufinfo 0", pvm_bufinfo(0, NULL, NULL, NULL));
    show("getminfo 9999", pvm_getminfo(9999, NULL));
}

/* The messages a PvmOutputTid receives for a child that prints nothing:
 * PVM 3.4.6 sends -2 then -1 (each with the parent's tid) before the
 * spawn's reply, and 0 when its output ends. */
static void output_messages(int me)
{
    char *quick[] = {"quick", NULL};
    int t = 0, count = 1;
    pvm_setopt(PvmOutputTid, me);
    pvm_setopt(PvmOutputCode, 77);
    if (pvm_spawn(NAME, quick, 0, NULL, 1, &t) != 1)
        return;
    int b = pvm_nrecv(-1, 77);
    printf("output: queued when pvm_spawn returned: %d\n", b > 0);
    while (count != 0) {
        if (b <= 0)
            b = pvm_recv(-1, 77);
        int bytes, tag, src, tid = 0, ptid = 0;
        pvm_bufinfo(b, &bytes, &tag, &src);
        pvm_upkint(&tid, 1, 1);
        pvm_upkint(&count, 1, 1);
        if (count < 0)
            pvm_upkint(&ptid, 1, 1);
        printf("output: count %d, %d bytes, of the child %d, parent me %d\n", count, bytes,
               tid == t, ptid == me);
        b = 0;
    }
    pvm_setopt(PvmOutputTid, 0);
    pvm_setopt(PvmOutputCode, 0);
}

/* Caught output ends in EOF; pvm_exit says it waits for a running child
 * (not with PvmShowTids off).  The output goes to a file printed at the
 * end: when a BEGIN is read, before or after pvm_spawn returns, is timing. */
static void catching(int showtids)
{
    FILE *f = tmpfile();
    if (!f)
        return;
    printf("PvmShowTids %d\n", showtids);
    pvm_setopt(PvmShowTids, showtids);
    pvm_catchout(f);
    char *slow[] = {"slow", NULL};
    int t;
    show("spawn", pvm_spawn(NAME, slow, 0, NULL, 1, &t));
    printf("exiting\n");
    show("pvm_exit", pvm_exit());
    printf("caught:\n");
    rewind(f);
    char line[256];
    while (fgets(line, sizeof line, f))
        fputs(line, stdout);
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        pvm_mytid();
        if (!strcmp(argv[1], "echo")) { /* sends back what it gets, wid and all */
            int b = pvm_recv(-1, -1);
            struct pvmminfo mi;
            pvm_getminfo(b, &mi);
            pvm_setsbuf(b);
            mi.src = pvm_mytid();
            mi.dst = pvm_parent();
            pvm_setminfo(b, &mi);
            pvm_send(pvm_parent(), mi.tag + 1);
        }
        if (!strcmp(argv[1], "slow")) {
            sleep(1);
            printf("slow done\n");
            fflush(stdout);
        }
        pvm_exit();
        return 0;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    int me = pvm_mytid();
    int pvmd = pvm_tidtohost(me);
    options(me);
    tasks_and_signals(me, pvmd);
    sending(me, pvmd);
    wait_ids(me);
    output_messages(me);
    packing();
    catching(1);
    if (pvm_mytid() > 0) /* a new task, as in PVM 3.4.6 */
        catching(0);
    return 0;
}
