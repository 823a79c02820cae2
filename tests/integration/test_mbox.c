/*
 * test_mbox.c - the message mailbox (pvm_putinfo, pvm_recvinfo,
 * pvm_delinfo, pvm_getmboxinfo, pvm_insert/lookup/delete,
 * pvm_getnoresets) on one host and on three hosts of this machine
 * (127.0.0.1-3).
 *
 * Other tasks are m_task programs driven by commands from this test
 * (progs/m_task.c).  The answers expected are those PVM 3.4.6 gives (the
 * same calls were run against Debian's libpvm3; docs/design.md
 * "Mailbox"): every flag, every error, who may replace and delete, index
 * numbering, patterns, entries of a task that ends (or calls pvm_exit, or
 * whose host is lost), a recvinfo waiting for a put, and the console's
 * reset.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "pvm3.h"
#include "test_api_util.h"
#include "tid.h"

#define M_CMD 30
#define M_ANS 31
#define T_EXIT 40
#define T_HOST 41

static int up(void **state)
{
    setenv("PVMD_LINK_TIMEOUT_MS", "1500", 1);
    return vm_up(state);
}

/* ===================================================================== */
/* Helpers                                                                */
/* ===================================================================== */

static int put(const char *name, int v, int flags)
{
    pvm_initsend(PvmDataDefault);
    pvm_pkint(&v, 1, 1);
    return pvm_putinfo((char *)name, pvm_getsbuf(), flags);
}

/* pvm_recvinfo; *v gets the int the entry holds (-1 when none). */
static int get(const char *name, int index, int flags, int *v)
{
    *v = -1;
    int b = pvm_recvinfo((char *)name, index, flags);
    if (b > 0)
        assert_int_equal(pvm_upkint(v, 1, 1), 0);
    return b;
}

static int get_value(const char *name, int index)
{
    int v;
    assert_true(get(name, index, 0, &v) > 0);
    return v;
}

static int spawn_on(const char *host)
{
    int tid = 0;
    int n = pvm_spawn((char *)harness_prog("m_task"), NULL, host ? PvmTaskHost : PvmTaskDefault,
                      (char *)(host ? host : ""), 1, &tid);
    if (n != 1) /* seen once in a full parallel run: what did the pvmd say? */
        print_error("spawn on %s: %d, tid %d\n", host ? host : "any", n, tid);
    assert_int_equal(n, 1);
    return tid;
}

static void cmd(int tid, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pvm_initsend(PvmDataDefault);
    pvm_pkstr(buf);
    assert_int_equal(pvm_send(tid, M_CMD), 0);
}

/* The answer of task tid to its last command, within `secs'; returns
 * false when none came. */
static bool answer_within(int tid, int secs, int *result, int *value)
{
    struct timeval tv = {secs, 0};
    int b = pvm_trecv(tid, M_ANS, &tv);
    if (b <= 0)
        return false;
    int r, v;
    pvm_upkint(&r, 1, 1);
    pvm_upkint(&v, 1, 1);
    *result = r;
    if (value)
        *value = v;
    return true;
}

static int ask(int tid, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cmd(tid, "%s", buf);
    int r = 0;
    assert_true(answer_within(tid, 30, &r, NULL));
    return r;
}

/* Ends task tid with command c ("exit", "die") and waits for its end
 * (PvmTaskExit): its entries are gone by then (the pvmd's mailbox hears
 * of an end before pvm_notify does). */
static void end_task(int tid, const char *c)
{
    assert_int_equal(pvm_notify(PvmTaskExit, T_EXIT, 1, &tid), 0);
    cmd(tid, "%s", c);
    struct timeval tv = {30, 0};
    assert_true(pvm_trecv(-1, T_EXIT, &tv) > 0);
}

/* The entries of class `name' (exactly), from pvm_getmboxinfo: their
 * number (0: no such class), and the first max of each list. */
static int entries(const char *name, int *idx, int *owner, int *flags, int max)
{
    struct pvmmboxinfo *cl = NULL;
    int n = -1;
    assert_int_equal(pvm_getmboxinfo((char *)name, &n, &cl), 0);
    for (int i = 0; i < n; i++) {
        if (strcmp(cl[i].mi_name, name) != 0)
            continue;
        for (int k = 0; k < cl[i].mi_nentries && k < max; k++) {
            if (idx)
                idx[k] = cl[i].mi_indices[k];
            if (owner)
                owner[k] = cl[i].mi_owners[k];
            if (flags)
                flags[k] = cl[i].mi_flags[k];
        }
        return cl[i].mi_nentries;
    }
    return 0;
}

/* Waits (at most 10 s, asking every 10 ms) until class `name' has no
 * entry at index 0.  For a pvm_exit on another host: its pvmd tells the
 * first host's after answering the task, so a message the task sends
 * next may arrive first. */
static void wait_no_entry(const char *name)
{
    double end = now_s() + 10;
    int v;
    while (get(name, 0, 0, &v) != PvmNotFound) {
        assert_true(now_s() < end);
        usleep(10000);
    }
}

/* How many classes pattern finds. */
static int classes(const char *pattern)
{
    struct pvmmboxinfo *cl = NULL;
    int n = -1;
    assert_int_equal(pvm_getmboxinfo((char *)pattern, &n, &cl), 0);
    return n;
}

/* ===================================================================== */
/* One host                                                               */
/* ===================================================================== */

static void test_errors(void **state)
{
    (void)state;
    int v;
    assert_int_equal(put(NULL, 1, 0), PvmBadParam);
    assert_int_equal(put("", 1, 0), PvmBadParam);
    assert_int_equal(pvm_errno, PvmBadParam);
    assert_int_equal(pvm_putinfo("e", -1, 0), PvmBadParam);
    assert_int_equal(pvm_putinfo("e", 0, 0), PvmBadParam);
    assert_int_equal(pvm_putinfo("e", 9999, 0), PvmNoSuchBuf);
    assert_int_equal(pvm_recvinfo(NULL, 0, 0), PvmBadParam);
    assert_int_equal(pvm_recvinfo("", 0, 0), PvmBadParam);
    assert_int_equal(pvm_recvinfo("e", -1, 0), PvmBadParam);
    assert_int_equal(pvm_delinfo(NULL, 0, 0), PvmBadParam);
    assert_int_equal(pvm_delinfo("e", -1, 0), PvmBadParam);
    assert_int_equal(get("none", 0, 0, &v), PvmNotFound);
    assert_int_equal(pvm_errno, PvmNotFound);
    assert_int_equal(get("none", 0, PvmMboxFirstAvail, &v), PvmNotFound);
    assert_int_equal(pvm_delinfo("none", 0, 0), PvmNotFound);
    int n;
    struct pvmmboxinfo *cl;
    assert_int_equal(pvm_getmboxinfo("*", NULL, &cl), PvmBadParam);
    assert_int_equal(pvm_getmboxinfo("*", &n, NULL), PvmBadParam);
    assert_int_equal(pvm_insert(NULL, 0, 1), PvmBadParam);
    assert_int_equal(pvm_insert("e", -2, 1), PvmBadParam);
    assert_int_equal(pvm_lookup("none", 0, &v), PvmNoEntry);
    assert_int_equal(pvm_delete("none", 0), PvmNoEntry);
    assert_int_equal(pvm_delete("e", -1), PvmBadParam);

    /* A body past the bound is refused whole; the mailbox stays usable. */
    size_t big = (16u << 20) + 1;
    char *bytes = calloc(1, big);
    assert_non_null(bytes);
    pvm_initsend(PvmDataRaw);
    assert_int_equal(pvm_pkbyte(bytes, (int)big, 1), 0);
    assert_int_equal(pvm_putinfo("big", pvm_getsbuf(), 0), PvmOutOfRes);
    assert_int_equal(classes("big"), 0);
    /* The largest body there is room for travels whole. */
    for (size_t i = 0; i < big; i++)
        bytes[i] = (char)(i * 7 + 3);
    pvm_initsend(PvmDataRaw);
    assert_int_equal(pvm_pkbyte(bytes, (int)big - 1, 1), 0);
    assert_int_equal(pvm_putinfo("max", pvm_getsbuf(), 0), 0);
    int len;
    assert_true(pvm_recvinfo("max", 0, 0) > 0);
    assert_int_equal(pvm_bufinfo(pvm_getrbuf(), &len, NULL, NULL), 0);
    assert_int_equal(len, (int)big - 1);
    char *back = malloc(big);
    assert_non_null(back);
    assert_int_equal(pvm_upkbyte(back, (int)big - 1, 1), 0);
    assert_memory_equal(back, bytes, big - 1);
    free(back);
    free(bytes);
    assert_int_equal(pvm_delinfo("max", 0, 0), 0);
    assert_int_equal(put("small", 3, 0), 0);
    assert_int_equal(get_value("small", 0), 3);
    /* Unknown flag bits are kept and reported, as PVM 3.4.6 does. */
    int fl = 0;
    assert_int_equal(put("odd", 1, 64), 0);
    assert_int_equal(entries("odd", NULL, NULL, &fl, 1), 1);
    assert_int_equal(fl, 64);
}

static void test_default_and_owner(void **state)
{
    (void)state;
    int me = pvm_mytid(), v;
    /* The owner may put again over its own entry. */
    assert_int_equal(put("A", 1, PvmMboxDefault), 0);
    assert_int_equal(put("A", 2, PvmMboxDefault), 0);
    int b = get("A", 0, 0, &v);
    assert_true(b > 0);
    assert_int_equal(v, 2);
    assert_int_equal(pvm_getrbuf(), b);
    int bytes, tag, src;
    assert_int_equal(pvm_bufinfo(b, &bytes, &tag, &src), 0);
    assert_int_equal(bytes, 4);
    assert_int_equal(src, me);
    /* The send buffer stays the caller's: packing more into it later
     * does not change the entry. */
    int sb = pvm_initsend(PvmDataDefault);
    int x = 5;
    pvm_pkint(&x, 1, 1);
    assert_int_equal(pvm_putinfo("S", sb, 0), 0);
    assert_int_equal(pvm_getsbuf(), sb);
    x = 6;
    pvm_pkint(&x, 1, 1);
    assert_int_equal(get_value("S", 0), 5);
    /* InPlace data is read at the put (a send to the mailbox), and the
     * buffer still refers to the caller's memory afterwards. */
    int y = 7;
    sb = pvm_initsend(PvmDataInPlace);
    pvm_pkint(&y, 1, 1);
    assert_int_equal(pvm_putinfo("IP", sb, 0), 0);
    y = 8;
    assert_int_equal(pvm_putinfo("IP2", sb, 0), 0);
    assert_int_equal(get_value("IP", 0), 7);
    assert_int_equal(get_value("IP2", 0), 8);

    /* Another task may read a locked entry, not replace or delete it. */
    int t = spawn_on(NULL);
    assert_int_equal(ask(t, "put A 5 0"), PvmDenied);
    assert_int_equal(ask(t, "put A 5 %d", PvmMboxOverWritable), PvmDenied);
    assert_int_equal(ask(t, "del A 0"), PvmDenied);
    assert_int_equal(ask(t, "get A 0 %d", PvmMboxReadAndDelete), PvmDenied);
    assert_true(ask(t, "get A 0 0") > 0);
    /* ... but may add an instance of its own. */
    assert_int_equal(ask(t, "put A 6 %d", PvmMboxMultiInstance), 1);
    int idx[2], owner[2], flags[2];
    assert_int_equal(entries("A", idx, owner, flags, 2), 2);
    assert_int_equal(idx[0], 0);
    assert_int_equal(owner[0], me);
    assert_int_equal(flags[0], 0);
    assert_int_equal(idx[1], 1);
    assert_int_equal(owner[1], t);
    assert_int_equal(flags[1], PvmMboxMultiInstance);
    /* Its entry goes when it ends; ours stays. */
    end_task(t, "exit");
    assert_int_equal(entries("A", idx, NULL, NULL, 2), 1);
    assert_int_equal(idx[0], 0);
    assert_int_equal(get_value("A", 0), 2);
    assert_int_equal(get("A", 1, 0, &v), PvmNotFound);
    /* Deleting answers the index (PVM 3.4.6; its man page says PvmOk). */
    assert_int_equal(pvm_delinfo("A", 0, 0), 0);
    assert_int_equal(classes("A"), 0);
}

static void test_multi_instance(void **state)
{
    (void)state;
    int v;
    for (int i = 0; i < 3; i++)
        assert_int_equal(put("M", 10 + i, PvmMboxMultiInstance), i);
    assert_int_equal(pvm_delinfo("M", 1, 0), 1);
    /* The lowest free index is taken again. */
    assert_int_equal(put("M", 14, PvmMboxMultiInstance), 1);
    assert_int_equal(put("M", 15, PvmMboxMultiInstance), 3);
    assert_int_equal(get_value("M", 1), 14);
    assert_int_equal(get("M", 5, 0, &v), PvmNotFound);
    /* FirstAvail: the first index >= the one asked. */
    int b = get("M", 3, PvmMboxFirstAvail, &v);
    assert_true(b > 0);
    assert_int_equal(v, 15);
    assert_int_equal(get("M", 4, PvmMboxFirstAvail, &v), PvmNotFound);
    /* A put without MultiInstance is a put at index 0 (ours: replaced). */
    assert_int_equal(put("M", 13, PvmMboxDefault), 0);
    assert_int_equal(get_value("M", 0), 13);
    /* ReadAndDelete: read once, then gone. */
    assert_true(get("M", 0, PvmMboxFirstAvail | PvmMboxReadAndDelete, &v) > 0);
    assert_int_equal(v, 13);
    assert_int_equal(get("M", 0, 0, &v), PvmNotFound);
    assert_int_equal(get_value("M", 0 + 1), 14);
    /* PvmMboxDirectIndex: that index, its bits kept in the flags. */
    int idx[4], flags[4];
    assert_int_equal(put("D", 1, PvmMboxDirectIndex(5)), 5);
    assert_int_equal(put("D", 2, PvmMboxDefault), 0);
    /* ... but MultiInstance takes the lowest free index all the same. */
    assert_int_equal(put("D", 3, PvmMboxDirectIndex(5) | PvmMboxMultiInstance), 1);
    assert_int_equal(entries("D", idx, NULL, flags, 4), 3);
    assert_int_equal(idx[0], 0);
    assert_int_equal(idx[1], 1);
    assert_int_equal(idx[2], 5);
    assert_int_equal(flags[2], PvmMboxDirectIndex(5));
    assert_int_equal(flags[1], PvmMboxDirectIndex(5) | PvmMboxMultiInstance);
    /* pvm_delinfo takes no flags: any are accepted. */
    assert_int_equal(pvm_delinfo("D", 5, 99), 5);
}

static void test_overwritable_persistent(void **state)
{
    (void)state;
    int me = pvm_mytid(), v;
    assert_int_equal(put("O", 1, PvmMboxOverWritable), 0);
    assert_int_equal(put("O3", 1, PvmMboxOverWritable), 0);
    assert_int_equal(put("O4", 1, PvmMboxOverWritable), 0);
    int t = spawn_on(NULL);
    /* Another task replaces an overwritable entry and becomes its owner. */
    assert_int_equal(ask(t, "put O 6 0"), 0);
    assert_int_equal(get_value("O", 0), 6);
    int owner, flags;
    assert_int_equal(entries("O", NULL, &owner, &flags, 1), 1);
    assert_int_equal(owner, t);
    assert_int_equal(flags, 0);
    assert_int_equal(put("O", 7, 0), PvmDenied); /* now locked by t */
    assert_int_equal(ask(t, "del O3 0"), 0);
    assert_true(ask(t, "get O4 0 %d", PvmMboxReadAndDelete) > 0);
    assert_int_equal(classes("O3"), 0);
    assert_int_equal(classes("O4"), 0);
    /* Persistent entries outlive their owner, which becomes 0. */
    assert_int_equal(ask(t, "put P 8 %d", PvmMboxPersistent), 0);
    assert_int_equal(ask(t, "put PO 9 %d", PvmMboxPersistent | PvmMboxOverWritable), 0);
    assert_int_equal(ask(t, "put Q 9 0"), 0);
    end_task(t, "die"); /* without pvm_exit */
    assert_int_equal(get("O", 0, 0, &v), PvmNotFound);
    assert_int_equal(get("Q", 0, 0, &v), PvmNotFound);
    assert_int_equal(entries("P", NULL, &owner, &flags, 1), 1);
    assert_int_equal(owner, 0);
    assert_int_equal(flags, PvmMboxPersistent);
    int src;
    int b = get("P", 0, 0, &v);
    assert_true(b > 0);
    assert_int_equal(v, 8);
    assert_int_equal(pvm_bufinfo(b, NULL, NULL, &src), 0);
    assert_int_equal(src, t);
    /* Ownerless: locked to everyone, unless overwritable. */
    assert_int_equal(put("P", 1, 0), PvmDenied);
    assert_int_equal(pvm_delinfo("P", 0, 0), PvmDenied);
    assert_int_equal(pvm_delinfo("PO", 0, 0), 0);
    (void)me;
}

static void test_exit_without_end(void **state)
{
    (void)state;
    int v;
    /* pvm_exit ends a task's entries though its process lives on. */
    int t = spawn_on(NULL);
    assert_int_equal(ask(t, "put L 1 0"), 0);
    assert_int_equal(ask(t, "leave"), 0);
    /* pvm_exit's reply came before its answer: the entry is gone. */
    assert_int_equal(get("L", 0, 0, &v), PvmNotFound);
    assert_int_equal(pvm_kill(t), 0);
}

static void test_patterns(void **state)
{
    (void)state;
    const char *names[] = {"W", "W2", "W3", "AW", "a.b"};
    for (int i = 0; i < 5; i++)
        assert_int_equal(put(names[i], i, 0), 0);
    /* '*' is any run of characters, everything else itself, anywhere in
     * the name (PVM 3.4.6's matching). */
    assert_int_equal(classes("W"), 4);
    assert_int_equal(classes("W*"), 4);
    assert_int_equal(classes("*2"), 1);
    assert_int_equal(classes("W?"), 0);
    assert_int_equal(classes("*W*"), 4);
    assert_int_equal(classes("a.b"), 1);
    assert_int_equal(classes("a?b"), 0);
    assert_int_equal(classes("W.*"), 0);
    assert_int_equal(classes("W*3"), 1);
    assert_int_equal(classes("*"), 5);
    assert_int_equal(classes(""), 5);
    assert_int_equal(classes(NULL), 5);
    /* In the order the classes were made; the array is libpvm's, valid
     * until the next call. */
    struct pvmmboxinfo *cl;
    int n;
    assert_int_equal(pvm_getmboxinfo("*", &n, &cl), 0);
    assert_int_equal(n, 5);
    for (int i = 0; i < 5; i++) {
        assert_string_equal(cl[i].mi_name, names[i]);
        assert_int_equal(cl[i].mi_nentries, 1);
        assert_int_equal(cl[i].mi_owners[0], pvm_mytid());
    }
}

static void test_insert_lookup_delete(void **state)
{
    (void)state;
    int v;
    assert_int_equal(pvm_insert("X", -1, 7), 0);
    assert_int_equal(pvm_insert("X", -1, 8), 1);
    assert_int_equal(pvm_insert("X", 0, 9), PvmDupEntry); /* never replaces */
    assert_int_equal(pvm_insert("X", 5, 9), 5);
    v = -1;
    assert_int_equal(pvm_lookup("X", 1, &v), 1);
    assert_int_equal(v, 8);
    assert_int_equal(pvm_lookup("X", -1, &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(pvm_lookup("X", 3, &v), PvmNoEntry);
    assert_int_equal(pvm_delete("X", 0), 0);
    assert_int_equal(pvm_delete("X", 0), PvmNoEntry);
    assert_int_equal(pvm_lookup("X", -1, &v), 1);
    assert_int_equal(v, 8);
    /* They are mailbox entries: persistent, multi-instance, holding an int. */
    int idx[2], flags[2];
    assert_int_equal(entries("X", idx, NULL, flags, 2), 2);
    assert_int_equal(idx[1], 5);
    assert_int_equal(flags[0], PvmMboxPersistent | PvmMboxMultiInstance);
    assert_int_equal(get_value("X", 5), 9);
}

static void test_wait(void **state)
{
    (void)state;
    int t = spawn_on(NULL), r, v;
    cmd(t, "get W 0 %d", PvmMboxWaitForInfo);
    /* Nothing there: it waits. */
    assert_false(answer_within(t, 1, &r, &v));
    assert_int_equal(put("W", 42, 0), 0);
    assert_true(answer_within(t, 30, &r, &v));
    assert_true(r > 0);
    assert_int_equal(v, 42);
    /* FirstAvail from 3: the puts at 1 and 2 do not wake it, 3 does. */
    cmd(t, "get V 3 %d", PvmMboxWaitForInfo | PvmMboxFirstAvail);
    assert_int_equal(put("V", 1, PvmMboxMultiInstance), 0);
    assert_int_equal(put("V", 2, PvmMboxMultiInstance), 1);
    assert_int_equal(put("V", 3, PvmMboxMultiInstance), 2);
    assert_false(answer_within(t, 1, &r, &v));
    assert_int_equal(put("V", 4, PvmMboxDirectIndex(7)), 7);
    assert_true(answer_within(t, 30, &r, &v));
    assert_int_equal(v, 4);
    /* Two waiting ReadAndDelete: one put wakes one of them. */
    int u = spawn_on(NULL);
    cmd(t, "get R 0 %d", PvmMboxWaitForInfo | PvmMboxReadAndDelete);
    cmd(u, "get R 0 %d", PvmMboxWaitForInfo | PvmMboxReadAndDelete);
    assert_false(answer_within(-1, 1, &r, &v));
    assert_int_equal(put("R", 5, PvmMboxOverWritable), 0);
    assert_true(answer_within(-1, 30, &r, &v));
    assert_int_equal(v, 5);
    assert_false(answer_within(-1, 1, &r, &v));
    assert_int_equal(put("R", 6, PvmMboxOverWritable), 0);
    assert_true(answer_within(-1, 30, &r, &v));
    assert_int_equal(v, 6);
    assert_int_equal(classes("R"), 0);
    /* A waiter that ends is forgotten: the next put wakes nobody. */
    cmd(u, "get Z 0 %d", PvmMboxWaitForInfo);
    assert_false(answer_within(u, 1, &r, &v));
    assert_int_equal(pvm_kill(u), 0);
    wait_gone(u);
    assert_int_equal(put("Z", 1, 0), 0);
    assert_true(ask(t, "get Z 0 %d", PvmMboxWaitForInfo) > 0);
    end_task(t, "exit");
}

static void test_noreset(void **state)
{
    (void)state;
    int me = pvm_mytid(), *tids, n;
    assert_int_equal(pvm_getnoresets(&tids, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(pvm_getnoresets(NULL, &n), PvmBadParam);
    assert_int_equal(pvm_setopt(PvmNoReset, 1), 0);
    assert_int_equal(pvm_getnoresets(&tids, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(tids[0], me);
    /* PVM's class: multi-instance entries of the tasks, holding their tid. */
    int flags, owner;
    assert_int_equal(entries(PVMNORESETCLASS, NULL, &owner, &flags, 1), 1);
    assert_int_equal(flags, PvmMboxMultiInstance);
    assert_int_equal(owner, me);
    assert_int_equal(get_value(PVMNORESETCLASS, 0), me);
    assert_int_equal(pvm_setopt(PvmNoReset, 0), 1);
    assert_int_equal(pvm_getnoresets(&tids, &n), 0);
    assert_int_equal(n, 0);

    /* The console's reset: spares the PvmNoReset tasks (this one too) and
     * their entries, ends every other task, and clears every other entry,
     * persistent ones too. */
    assert_int_equal(pvm_setopt(PvmNoReset, 1), 0);
    int keep = spawn_on(NULL), victim = spawn_on(NULL), gone = spawn_on(NULL);
    assert_int_equal(ask(keep, "noreset 1"), 0);
    assert_int_equal(ask(keep, "put NR 1 0"), 0);
    assert_int_equal(ask(victim, "put VP 2 %d", PvmMboxPersistent), 0);
    assert_int_equal(ask(victim, "put VN 3 0"), 0);
    assert_int_equal(ask(gone, "put GP 4 %d", PvmMboxPersistent), 0);
    end_task(gone, "exit");
    assert_int_equal(put("MINE", 5, PvmMboxPersistent), 0);
    assert_int_equal(pvm_getnoresets(&tids, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(pvm_notify(PvmTaskExit, T_EXIT, 1, &victim), 0);
    char out[4096];
    assert_int_equal(harness_console(&vm, NULL, "reset\n", out, sizeof out), 0);
    struct timeval tv = {30, 0};
    assert_true(pvm_trecv(-1, T_EXIT, &tv) > 0);
    assert_int_equal(pvm_pstat(keep), PvmOk);
    assert_int_equal(classes("NR"), 1);
    assert_int_equal(classes("MINE"), 1);
    assert_int_equal(classes("VP"), 0);
    assert_int_equal(classes("VN"), 0);
    assert_int_equal(classes("GP"), 0);
    assert_int_equal(entries(PVMNORESETCLASS, NULL, NULL, NULL, 0), 2);
    end_task(keep, "exit");
    assert_int_equal(entries(PVMNORESETCLASS, NULL, NULL, NULL, 0), 1);
    assert_int_equal(pvm_setopt(PvmNoReset, 0), 1);
}

/* ===================================================================== */
/* Three hosts                                                            */
/* ===================================================================== */

static void test_hosts(void **state)
{
    (void)state;
    char *hosts[] = {"127.0.0.2", "127.0.0.3"};
    int infos[2] = {0, 0}, r, v;
    assert_int_equal(pvm_addhosts(hosts, 2, infos), 2);
    int t2 = spawn_on("127.0.0.2"), t3 = spawn_on("127.0.0.3");
    assert_int_equal(tid_host(t2), tid_host(infos[0]));
    assert_int_equal(tid_host(t3), tid_host(infos[1]));

    /* Put on one host, read on the others. */
    assert_int_equal(ask(t2, "put H 7 0"), 0);
    int b = get("H", 0, 0, &v);
    assert_true(b > 0);
    assert_int_equal(v, 7);
    int src, owner;
    assert_int_equal(pvm_bufinfo(b, NULL, NULL, &src), 0);
    assert_int_equal(src, t2);
    assert_int_equal(entries("H", NULL, &owner, NULL, 1), 1);
    assert_int_equal(owner, t2);
    cmd(t3, "get H 0 0");
    assert_true(answer_within(t3, 30, &r, &v));
    assert_true(r > 0);
    assert_int_equal(v, 7);
    assert_int_equal(ask(t3, "put H 8 0"), PvmDenied);
    assert_int_equal(ask(t3, "del H 0"), PvmDenied);
    /* Index numbers are the machine's: tasks of three hosts share them. */
    assert_int_equal(ask(t2, "put MI 1 %d", PvmMboxMultiInstance), 0);
    assert_int_equal(ask(t3, "put MI 2 %d", PvmMboxMultiInstance), 1);
    assert_int_equal(put("MI", 3, PvmMboxMultiInstance), 2);

    /* A wait on host 3, woken by a put on host 2. */
    cmd(t3, "get WH 0 %d", PvmMboxWaitForInfo);
    assert_false(answer_within(t3, 1, &r, &v));
    assert_int_equal(ask(t2, "put WH 9 0"), 0);
    assert_true(answer_within(t3, 30, &r, &v));
    assert_int_equal(v, 9);

    /* The owner's end on host 2 removes its entries; persistent ones stay
     * without an owner. */
    assert_int_equal(ask(t2, "put HP 1 %d", PvmMboxPersistent), 0);
    end_task(t2, "die");
    assert_int_equal(get("H", 0, 0, &v), PvmNotFound);
    assert_int_equal(entries("MI", NULL, NULL, NULL, 0), 2);
    assert_int_equal(entries("HP", NULL, &owner, NULL, 1), 1);
    assert_int_equal(owner, 0);
    /* pvm_exit on host 3. */
    assert_int_equal(ask(t3, "put L3 1 0"), 0);
    assert_int_equal(ask(t3, "leave"), 0);
    wait_no_entry("L3");
    assert_int_equal(pvm_kill(t3), 0);

    /* A lost host takes its tasks' entries: kill -9 of host 2's pvmd. */
    int t = spawn_on("127.0.0.2");
    assert_int_equal(ask(t, "put K 1 0"), 0);
    assert_int_equal(ask(t, "put KP 1 %d", PvmMboxPersistent), 0);
    pid_t pid = harness_host_pvmd(&vm, "127.0.0.2");
    assert_true(pid > 0);
    assert_int_equal(pvm_notify(PvmHostDelete, T_HOST, 1, &infos[0]), 0);
    kill(pid, SIGKILL);
    struct timeval tv = {30, 0};
    assert_true(pvm_trecv(-1, T_HOST, &tv) > 0);
    assert_int_equal(get("K", 0, 0, &v), PvmNotFound);
    assert_int_equal(entries("KP", NULL, &owner, NULL, 1), 1);
    assert_int_equal(owner, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_errors, up, vm_down),
        cmocka_unit_test_setup_teardown(test_default_and_owner, up, vm_down),
        cmocka_unit_test_setup_teardown(test_multi_instance, up, vm_down),
        cmocka_unit_test_setup_teardown(test_overwritable_persistent, up, vm_down),
        cmocka_unit_test_setup_teardown(test_exit_without_end, up, vm_down),
        cmocka_unit_test_setup_teardown(test_patterns, up, vm_down),
        cmocka_unit_test_setup_teardown(test_insert_lookup_delete, up, vm_down),
        cmocka_unit_test_setup_teardown(test_wait, up, vm_down),
        cmocka_unit_test_setup_teardown(test_noreset, up, vm_down),
        cmocka_unit_test_setup_teardown(test_hosts, up, vm_down),
    };
    return cmocka_run_group_tests(tests, NULL, harness_stop_all);
}
