/*
 * test_api_complete.c - every function include/pvm3.h declares is called
 * once, against a real pvmd, with arguments that make sense, and none
 * answers PvmNotImpl (neither its return value nor pvm_errno) except the
 * three tracing calls, which belong to the tracing issue.  The list of
 * calls is checked against the header itself: a function added to
 * pvm3.h without a call here fails the test.
 */
#include "test_api_util.h"

#ifndef PVM3_H_PATH
#error "PVM3_H_PATH: the path of include/pvm3.h"
#endif

#define TAG 77
#define GROUP "complete"

static int me;
static int ibuf[4] = {1, 2, 3, 4};
static int rbuf; /* a buffer packed with one of everything, read back by the upk* calls */

/* One call: its result (for the calls that return something else, 0 or
 * an error code made from it). */
typedef int (*call_fn)(void);

static int mhf_fn(int mid)
{
    (void)mid;
    return 0;
}
static int match_fn(int mid, int tid, int tag)
{
    (void)mid, (void)tid, (void)tag;
    return 1;
}

static int c_mytid(void)
{
    return pvm_mytid();
}
static int c_parent(void)
{
    return pvm_parent() == PvmNoParent ? 0 : -1;
}
static int c_spawn(void)
{
    int t = 0;
    int n = pvm_spawn("no-such-program-here", NULL, PvmTaskDefault, "", 1, &t);
    return n == 0 && t == PvmNoFile ? 0 : (n < 0 ? n : t);
}
static int c_kill(void)
{
    return pvm_kill(me + 0xfff);
}
static int c_sendsig(void)
{
    return pvm_sendsig(me + 0xfff, 0);
}
static int c_siblings(void)
{
    int *s;
    return pvm_siblings(&s);
}
static int c_tidtohost(void)
{
    return pvm_tidtohost(me);
}
static int c_tasks(void)
{
    int n;
    struct pvmtaskinfo *ti;
    return pvm_tasks(0, &n, &ti);
}
static int c_config(void)
{
    int nh, na;
    struct pvmhostinfo *hi;
    return pvm_config(&nh, &na, &hi);
}
static int c_pstat(void)
{
    return pvm_pstat(me);
}
static int c_mstat(void)
{
    return pvm_mstat("no-such-host.invalid");
}
static int c_addhosts(void)
{
    int info;
    char *h[] = {"no-such-host.invalid"};
    return pvm_addhosts(h, 0, &info); /* no host: an argument error, no remote shell */
}
static int c_delhosts(void)
{
    int info;
    char *h[] = {"no-such-host.invalid"};
    return pvm_delhosts(h, 1, &info);
}
static int c_start_pvmd(void)
{
    return pvm_start_pvmd(0, NULL, 0);
} /* PvmDupHost */
static int c_archcode(void)
{
    return pvm_archcode("LINUX64");
}
static int c_version(void)
{
    return pvm_version() ? 0 : -1;
}
static int c_hostsync(void)
{
    struct timeval clk, delta;
    return pvm_hostsync(pvm_tidtohost(me), &clk, &delta);
}
static int c_getnoresets(void)
{
    int *t, n;
    return pvm_getnoresets(&t, &n);
}
static int c_tickle(void)
{
    int arg = 5, nres = 0, res[10];
    return pvm_tickle(1, &arg, &nres, res); /* the debug mask */
}
static int c_catchout(void)
{
    return pvm_catchout(NULL);
}
static int c_export(void)
{
    return pvm_export("TEST_API_COMPLETE");
}
static int c_unexport(void)
{
    return pvm_unexport("TEST_API_COMPLETE");
}
static int c_setopt(void)
{
    return pvm_setopt(PvmRoute, PvmDontRoute);
}
static int c_getopt(void)
{
    return pvm_getopt(PvmRoute);
}
static int c_perror(void)
{
    return pvm_perror("test_api_complete (no error)");
}
static int c_serror(void)
{
    return pvm_serror(0);
}
static int c_strerror(void)
{
    return pvm_strerror() ? 0 : -1;
}
static int c_getfds(void)
{
    int *fds;
    return pvm_getfds(&fds);
}
static int c_advise(void)
{
    return pvm_advise(PvmAllowDirect);
}
static int c_settmask(void)
{
    char mask[256] = "";
    return pvm_settmask(PvmTaskSelf, mask);
}
static int c_gettmask(void)
{
    char mask[256];
    return pvm_gettmask(PvmTaskSelf, mask);
}
static int c_getrsh(void)
{
    return pvmgetrsh() ? 0 : -1;
}
static int c_gettmp(void)
{
    return pvmgettmp() ? 0 : -1;
}

/* Buffers and packing. */
static int c_mkbuf(void)
{
    int b = pvm_mkbuf(PvmDataDefault);
    return b < 0 ? b : pvm_freebuf(b);
}
static int c_freebuf(void)
{
    return pvm_freebuf(pvm_mkbuf(PvmDataRaw));
}
static int c_getsbuf(void)
{
    return pvm_getsbuf();
}
static int c_getrbuf(void)
{
    return pvm_getrbuf();
}
static int c_setsbuf(void)
{
    return pvm_setsbuf(pvm_getsbuf());
}
static int c_setrbuf(void)
{
    return pvm_setrbuf(pvm_getrbuf());
}
static int c_initsend(void)
{
    return pvm_initsend(PvmDataDefault);
}
static int c_bufinfo(void)
{
    int len, tag, tid;
    return pvm_bufinfo(pvm_getsbuf(), &len, &tag, &tid);
}
static int c_getminfo(void)
{
    struct pvmminfo mi;
    return pvm_getminfo(pvm_getsbuf(), &mi);
}
static int c_setminfo(void)
{
    struct pvmminfo mi;
    int cc = pvm_getminfo(pvm_getsbuf(), &mi);
    return cc < 0 ? cc : pvm_setminfo(pvm_getsbuf(), &mi);
}
static char bytes[4] = "abc";
static short shorts[2] = {1, 2};
static long longs[2] = {1, 2};
static float floats[4] = {1, 2, 3, 4};
static double doubles[4] = {1, 2, 3, 4};
static unsigned uints[2] = {1, 2};
static unsigned short ushorts[2] = {1, 2};
static unsigned long ulongs[2] = {1, 2};
static int c_pkbyte(void)
{
    return pvm_pkbyte(bytes, 3, 1);
}
static int c_pkcplx(void)
{
    return pvm_pkcplx(floats, 2, 1);
}
static int c_pkdcplx(void)
{
    return pvm_pkdcplx(doubles, 2, 1);
}
static int c_pkdouble(void)
{
    return pvm_pkdouble(doubles, 2, 1);
}
static int c_pkfloat(void)
{
    return pvm_pkfloat(floats, 2, 1);
}
static int c_pkint(void)
{
    return pvm_pkint(ibuf, 2, 1);
}
static int c_pklong(void)
{
    return pvm_pklong(longs, 2, 1);
}
static int c_pkshort(void)
{
    return pvm_pkshort(shorts, 2, 1);
}
static int c_pkstr(void)
{
    return pvm_pkstr("a string");
}
static int c_pkuint(void)
{
    return pvm_pkuint(uints, 2, 1);
}
static int c_pkulong(void)
{
    return pvm_pkulong(ulongs, 2, 1);
}
static int c_pkushort(void)
{
    return pvm_pkushort(ushorts, 2, 1);
}
static int c_pkmesg(void)
{
    int inner = pvm_mkbuf(PvmDataDefault);
    int old = pvm_setsbuf(inner);
    pvm_pkint(ibuf, 1, 1);
    pvm_setsbuf(old);
    int cc = pvm_pkmesg(inner);
    pvm_freebuf(inner);
    return cc;
}
static int c_pkmesgbody(void)
{
    int inner = pvm_mkbuf(PvmDataDefault);
    int old = pvm_setsbuf(inner);
    pvm_pkint(ibuf, 1, 1);
    pvm_setsbuf(old);
    int cc = pvm_pkmesgbody(inner);
    pvm_freebuf(inner);
    return cc;
}
static int c_getmwid(void)
{
    return pvm_getmwid(pvm_getsbuf());
}
static int c_setmwid(void)
{
    return pvm_setmwid(pvm_getsbuf(), 0);
}
static int c_tmpnam(void)
{
    char b[PVMTMPNAMLEN];
    return pvmtmpnam(b) == b ? 0 : -1;
}
static int c_packf(void)
{
    return pvm_packf("%d %s", 5, "packf");
}

/* The buffer the upk* calls read: one of each, in the order they run. */
static void make_rbuf(void)
{
    int old = pvm_setsbuf(pvm_mkbuf(PvmDataDefault));
    pvm_pkbyte(bytes, 3, 1);
    pvm_pkcplx(floats, 2, 1);
    pvm_pkdcplx(doubles, 2, 1);
    pvm_pkdouble(doubles, 2, 1);
    pvm_pkfloat(floats, 2, 1);
    pvm_pkint(ibuf, 2, 1);
    pvm_pklong(longs, 2, 1);
    pvm_pkshort(shorts, 2, 1);
    pvm_pkstr("a string");
    pvm_pkuint(uints, 2, 1);
    pvm_pkulong(ulongs, 2, 1);
    pvm_pkushort(ushorts, 2, 1);
    int inner = pvm_mkbuf(PvmDataDefault);
    int o2 = pvm_setsbuf(inner);
    pvm_pkint(ibuf, 1, 1);
    pvm_setsbuf(o2);
    pvm_pkmesg(inner);
    pvm_freebuf(inner);
    pvm_packf("%d %s", 5, "packf");
    rbuf = pvm_setsbuf(old);
    pvm_setrbuf(rbuf);
}
static int c_upkbyte(void)
{
    make_rbuf();
    char b[3];
    return pvm_upkbyte(b, 3, 1);
}
static int c_upkcplx(void)
{
    float f[4];
    return pvm_upkcplx(f, 2, 1);
}
static int c_upkdcplx(void)
{
    double d[4];
    return pvm_upkdcplx(d, 2, 1);
}
static int c_upkdouble(void)
{
    double d[2];
    return pvm_upkdouble(d, 2, 1);
}
static int c_upkfloat(void)
{
    float f[2];
    return pvm_upkfloat(f, 2, 1);
}
static int c_upkint(void)
{
    int i[2];
    return pvm_upkint(i, 2, 1);
}
static int c_upklong(void)
{
    long l[2];
    return pvm_upklong(l, 2, 1);
}
static int c_upkshort(void)
{
    short s[2];
    return pvm_upkshort(s, 2, 1);
}
static int c_upkstr(void)
{
    char s[32];
    return pvm_upkstr(s);
}
static int c_upkuint(void)
{
    unsigned u[2];
    return pvm_upkuint(u, 2, 1);
}
static int c_upkulong(void)
{
    unsigned long u[2];
    return pvm_upkulong(u, 2, 1);
}
static int c_upkushort(void)
{
    unsigned short u[2];
    return pvm_upkushort(u, 2, 1);
}
static int c_upkmesg(void)
{
    int b = pvm_upkmesg();
    return b < 0 ? b : pvm_freebuf(b);
}
static int c_unpackf(void)
{
    int i;
    char s[16];
    int cc = pvm_unpackf("%d %s", &i, s);
    pvm_freebuf(rbuf);
    return cc;
}

/* Messages, to ourselves. */
static int c_send(void)
{
    pvm_initsend(PvmDataDefault);
    pvm_pkint(ibuf, 1, 1);
    return pvm_send(me, TAG);
}
static int c_mcast(void)
{
    return pvm_mcast(&me, 1, TAG + 1);
}
static int c_psend(void)
{
    return pvm_psend(me, TAG + 2, ibuf, 4, PVM_INT);
}
static int c_recv(void)
{
    return pvm_recv(me, TAG);
}
static int c_nrecv(void)
{
    int b = 0;
    for (int i = 0; i < 2000 && b == 0; i++) /* it is on its way */
        b = pvm_nrecv(-1, TAG + 1);
    return b > 0 ? 0 : (b < 0 ? b : -1);
}
static int c_trecv(void)
{
    struct timeval tv = {0, 0};
    return pvm_trecv(-1, TAG + 9, &tv); /* nothing: 0 */
}
static int c_probe(void)
{
    return pvm_probe(-1, TAG + 9);
}
static int c_precv(void)
{
    int got[4], rtid, rtag, rlen;
    return pvm_precv(me, TAG + 2, got, 4, PVM_INT, &rtid, &rtag, &rlen);
}
static int c_recvf(void)
{
    pvm_recvf(match_fn);
    pvm_recvf(NULL);
    return 0;
}
static int c_notify(void)
{
    int gone = me + 0xffe;
    return pvm_notify(PvmTaskExit, TAG + 3, 1, &gone); /* told at once */
}

/* Contexts and handlers. */
static int c_newcontext(void)
{
    return pvm_newcontext();
}
static int c_setcontext(void)
{
    return pvm_setcontext(pvm_getcontext());
}
static int c_getcontext(void)
{
    return pvm_getcontext();
}
static int c_freecontext(void)
{
    int ctx = pvm_newcontext();
    return ctx < 0 ? ctx : pvm_freecontext(ctx);
}
static int c_addmhf(void)
{
    int id = pvm_addmhf(-1, TAG + 4, -1, mhf_fn);
    return id < 0 ? id : pvm_delmhf(id);
}
static int c_delmhf(void)
{
    return pvm_delmhf(pvm_addmhf(-1, TAG + 5, -1, mhf_fn));
}

/* Mailbox. */
static int c_putinfo(void)
{
    int b = pvm_initsend(PvmDataDefault);
    pvm_pkint(ibuf, 1, 1);
    return pvm_putinfo("test_api_complete", b, PvmMboxDefault);
}
static int c_recvinfo(void)
{
    int b = pvm_recvinfo("test_api_complete", 0, PvmMboxDefault);
    return b < 0 ? b : 0;
}
static int c_delinfo(void)
{
    return pvm_delinfo("test_api_complete", 0, PvmMboxDefault);
}
static int c_getmboxinfo(void)
{
    int n;
    struct pvmmboxinfo *mi;
    return pvm_getmboxinfo("*", &n, &mi);
}
static int c_insert(void)
{
    return pvm_insert("test_api_complete_db", -1, 42);
}
static int c_lookup(void)
{
    int data;
    return pvm_lookup("test_api_complete_db", -1, &data);
}
static int c_delete(void)
{
    return pvm_delete("test_api_complete_db", 0);
}

/* Groups. */
static int c_joingroup(void)
{
    return pvm_joingroup(GROUP);
}
static int c_getinst(void)
{
    return pvm_getinst(GROUP, me);
}
static int c_gettid(void)
{
    return pvm_gettid(GROUP, 0);
}
static int c_gsize(void)
{
    return pvm_gsize(GROUP);
}
static int c_barrier(void)
{
    return pvm_barrier(GROUP, 1);
}
static int c_bcast(void)
{
    pvm_initsend(PvmDataDefault);
    int cc = pvm_bcast(GROUP, TAG + 6);
    return cc == PvmNoInst ? 0 : cc; /* nobody else to send to */
}
static int c_reduce(void)
{
    int v[2] = {3, 4};
    return pvm_reduce(PvmSum, v, 2, PVM_INT, TAG + 7, GROUP, 0);
}
static int c_gather(void)
{
    int v = 5, all[1];
    return pvm_gather(all, &v, 1, PVM_INT, TAG + 8, GROUP, 0);
}
static int c_scatter(void)
{
    int v, all[1] = {6};
    return pvm_scatter(&v, all, 1, PVM_INT, TAG + 10, GROUP, 0);
}
static int c_freezegroup(void)
{
    return pvm_freezegroup(GROUP, 1);
}
static int c_lvgroup(void)
{
    return pvm_lvgroup(GROUP);
}
static int reduce_op(void (*op)(int *, void *, void *, int *, int *))
{
    int dt = PVM_INT, n = 2, info = 0, x[2] = {1, 2}, y[2] = {3, 4};
    op(&dt, x, y, &n, &info);
    return info;
}
static int c_max(void)
{
    return reduce_op(PvmMax);
}
static int c_min(void)
{
    return reduce_op(PvmMin);
}
static int c_sum(void)
{
    return reduce_op(PvmSum);
}
static int c_product(void)
{
    return reduce_op(PvmProduct);
}

/* Registrations: last but pvm_exit and pvm_halt (a tasker gets every
 * later spawn; pvm_exit ends them all). */
static int c_reg_hoster(void)
{
    return pvm_reg_hoster();
}
static int c_reg_tasker(void)
{
    return pvm_reg_tasker();
}
static int c_reg_rm(void)
{
    struct pvmhostinfo *hi;
    return pvm_reg_rm(&hi);
}
static int c_reg_tracer(void)
{
    char mask[256] = "";
    return pvm_reg_tracer(-1, -1, -1, -1, mask, 0, 0);
}
static int c_exit(void)
{
    return pvm_exit();
}
static int c_halt(void)
{
    pvm_mytid(); /* enrolled again after pvm_exit */
    return pvm_halt();
}

#define C(name, fn)                                                                                \
    {                                                                                              \
#name, fn, false                                                                           \
    }
#define TRACING(name, fn)                                                                          \
    {                                                                                              \
#name, fn, true                                                                            \
    }
static const struct call {
    const char *name;
    call_fn fn;
    bool tracing; /* PvmNotImpl until the tracing issue */
} calls[] = {
    C(pvm_mytid, c_mytid),
    C(pvm_parent, c_parent),
    C(pvm_spawn, c_spawn),
    C(pvm_kill, c_kill),
    C(pvm_sendsig, c_sendsig),
    C(pvm_siblings, c_siblings),
    C(pvm_tidtohost, c_tidtohost),
    C(pvm_tasks, c_tasks),
    C(pvm_config, c_config),
    C(pvm_pstat, c_pstat),
    C(pvm_mstat, c_mstat),
    C(pvm_addhosts, c_addhosts),
    C(pvm_delhosts, c_delhosts),
    C(pvm_start_pvmd, c_start_pvmd),
    C(pvm_archcode, c_archcode),
    C(pvm_version, c_version),
    C(pvm_hostsync, c_hostsync),
    C(pvm_getnoresets, c_getnoresets),
    C(pvm_tickle, c_tickle),
    C(pvm_catchout, c_catchout),
    C(pvm_export, c_export),
    C(pvm_unexport, c_unexport),
    C(pvm_setopt, c_setopt),
    C(pvm_getopt, c_getopt),
    C(pvm_perror, c_perror),
    C(pvm_serror, c_serror),
    C(pvm_strerror, c_strerror),
    C(pvm_getfds, c_getfds),
    C(pvm_advise, c_advise),
    TRACING(pvm_settmask, c_settmask),
    TRACING(pvm_gettmask, c_gettmask),
    C(pvmgetrsh, c_getrsh),
    C(pvmtmpnam, c_tmpnam),
    C(pvm_getmwid, c_getmwid),
    C(pvm_setmwid, c_setmwid),
    C(pvmgettmp, c_gettmp),
    C(pvm_mkbuf, c_mkbuf),
    C(pvm_freebuf, c_freebuf),
    C(pvm_getsbuf, c_getsbuf),
    C(pvm_getrbuf, c_getrbuf),
    C(pvm_setsbuf, c_setsbuf),
    C(pvm_setrbuf, c_setrbuf),
    C(pvm_initsend, c_initsend),
    C(pvm_bufinfo, c_bufinfo),
    C(pvm_getminfo, c_getminfo),
    C(pvm_setminfo, c_setminfo),
    C(pvm_pkbyte, c_pkbyte),
    C(pvm_pkcplx, c_pkcplx),
    C(pvm_pkdcplx, c_pkdcplx),
    C(pvm_pkdouble, c_pkdouble),
    C(pvm_pkfloat, c_pkfloat),
    C(pvm_pkint, c_pkint),
    C(pvm_pklong, c_pklong),
    C(pvm_pkshort, c_pkshort),
    C(pvm_pkstr, c_pkstr),
    C(pvm_pkuint, c_pkuint),
    C(pvm_pkulong, c_pkulong),
    C(pvm_pkushort, c_pkushort),
    C(pvm_pkmesg, c_pkmesg),
    C(pvm_pkmesgbody, c_pkmesgbody),
    C(pvm_packf, c_packf),
    C(pvm_upkbyte, c_upkbyte),
    C(pvm_upkcplx, c_upkcplx),
    C(pvm_upkdcplx, c_upkdcplx),
    C(pvm_upkdouble, c_upkdouble),
    C(pvm_upkfloat, c_upkfloat),
    C(pvm_upkint, c_upkint),
    C(pvm_upklong, c_upklong),
    C(pvm_upkshort, c_upkshort),
    C(pvm_upkstr, c_upkstr),
    C(pvm_upkuint, c_upkuint),
    C(pvm_upkulong, c_upkulong),
    C(pvm_upkushort, c_upkushort),
    C(pvm_upkmesg, c_upkmesg),
    C(pvm_unpackf, c_unpackf),
    C(pvm_send, c_send),
    C(pvm_mcast, c_mcast),
    C(pvm_psend, c_psend),
    C(pvm_recv, c_recv),
    C(pvm_nrecv, c_nrecv),
    C(pvm_trecv, c_trecv),
    C(pvm_probe, c_probe),
    C(pvm_precv, c_precv),
    C(pvm_recvf, c_recvf),
    C(pvm_notify, c_notify),
    C(pvm_newcontext, c_newcontext),
    C(pvm_setcontext, c_setcontext),
    C(pvm_getcontext, c_getcontext),
    C(pvm_freecontext, c_freecontext),
    C(pvm_addmhf, c_addmhf),
    C(pvm_delmhf, c_delmhf),
    C(pvm_putinfo, c_putinfo),
    C(pvm_recvinfo, c_recvinfo),
    C(pvm_delinfo, c_delinfo),
    C(pvm_getmboxinfo, c_getmboxinfo),
    C(pvm_insert, c_insert),
    C(pvm_lookup, c_lookup),
    C(pvm_delete, c_delete),
    C(pvm_joingroup, c_joingroup),
    C(pvm_getinst, c_getinst),
    C(pvm_gettid, c_gettid),
    C(pvm_gsize, c_gsize),
    C(pvm_barrier, c_barrier),
    C(pvm_bcast, c_bcast),
    C(pvm_reduce, c_reduce),
    C(pvm_gather, c_gather),
    C(pvm_scatter, c_scatter),
    C(pvm_freezegroup, c_freezegroup),
    C(pvm_lvgroup, c_lvgroup),
    C(PvmMax, c_max),
    C(PvmMin, c_min),
    C(PvmSum, c_sum),
    C(PvmProduct, c_product),
    C(pvm_reg_hoster, c_reg_hoster),
    C(pvm_reg_tasker, c_reg_tasker),
    C(pvm_reg_rm, c_reg_rm),
    TRACING(pvm_reg_tracer, c_reg_tracer),
    C(pvm_exit, c_exit),
    C(pvm_halt, c_halt),
};
#define NCALLS (sizeof calls / sizeof calls[0])

static const struct call *find_call(const char *name)
{
    for (size_t i = 0; i < NCALLS; i++)
        if (!strcmp(calls[i].name, name))
            return &calls[i];
    return NULL;
}

/* Every function pvm3.h declares (a name starting pvm or Pvm followed by
 * an opening parenthesis, outside comments and macros) has a call here. */
static void test_header_covered(void **state)
{
    (void)state;
    FILE *f = fopen(PVM3_H_PATH, "r");
    assert_non_null(f);
    char line[1024];
    int found = 0, missing = 0;
    bool comment = false;
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        if (comment) {
            char *e = strstr(p, "*/");
            if (!e)
                continue;
            p = e + 2;
            comment = false;
        }
        char *c = strstr(p, "/*");
        if (c) {
            comment = !strstr(c, "*/");
            *c = '\0';
        }
        if (strncmp(p, "#", 1) == 0)
            continue;
        /* A declaration: "type name(" or "type (*name(" at the start. */
        for (char *q = p; (q = strstr(q, "(")) != NULL; q++) {
            char *e = q;
            while (e > p && e[-1] == ' ')
                e--;
            char *b = e;
            while (b > p && (b[-1] == '_' || (b[-1] >= 'a' && b[-1] <= 'z') ||
                             (b[-1] >= 'A' && b[-1] <= 'Z') || (b[-1] >= '0' && b[-1] <= '9')))
                b--;
            size_t n = (size_t)(e - b);
            if (n < 4 || n > 63 || (strncmp(b, "pvm", 3) && strncmp(b, "Pvm", 3)))
                continue;
            if (b == p) /* a call inside a macro or a continuation, not a declaration */
                continue;
            char name[64];
            memcpy(name, b, n);
            name[n] = '\0';
            found++;
            if (!find_call(name)) {
                print_error("pvm3.h declares %s: give it a call in test_api_complete.c\n", name);
                missing++;
            }
            break;
        }
    }
    fclose(f);
    assert_true(found >= 100);
    assert_int_equal(missing, 0);
}

static void test_nothing_unimplemented(void **state)
{
    (void)state;
    me = pvm_mytid();
    assert_true(me > 0);
    int bad = 0;
    for (size_t i = 0; i < NCALLS; i++) {
        pvm_errno = 0;
        int rc = calls[i].fn();
        bool notimpl = rc == PvmNotImpl || pvm_errno == PvmNotImpl;
        if (notimpl != calls[i].tracing) {
            print_error("%s: returned %d, pvm_errno %d%s\n", calls[i].name, rc, pvm_errno,
                        calls[i].tracing ? " (a tracing call: PvmNotImpl expected)" : "");
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_covered),
        cmocka_unit_test(test_nothing_unimplemented),
    };
    return cmocka_run_group_tests(tests, vm_up, vm_down);
}
