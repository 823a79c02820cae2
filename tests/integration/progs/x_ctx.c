/*
 * x_ctx - a task for the context and message-handler tests
 * (test_context.c, test_mhf.c).
 *
 *   x_ctx report      its very first PVM call is pvm_getcontext; sends that
 *                     context to its parent (tag 1, in that context).
 *   x_ctx spawn       takes a new context, spawns `x_ctx report' in it and
 *                     sends its parent (tag 2, in the context it started
 *                     in) three ints: its first context, the new one, and
 *                     what the child reported.
 *   x_ctx alloc N     takes up to N new contexts and sends its parent (tag
 *                     3, context 0) how many it got, the first, the last
 *                     and the first error (0: none); then waits for tag 4:
 *                     an int 1 makes it leave PVM (pvm_exit), enrol afresh
 *                     and send the parent tag 6 before it leaves again and
 *                     ends; 0 makes it end without pvm_exit.
 *   x_ctx relay [dontroute]
 *                     sends "ready" (tag 1, context 0), then obeys its
 *                     parent's commands (tag 1, context 0): int n, then n
 *                     triples (context, tag, value), each sent back to the
 *                     parent as one int in that context with that tag; n <
 *                     0 ends it.  With dontroute everything goes through
 *                     the pvmds.
 *   x_ctx ask T R     sends its parent tag T (int 1), waits for tag R and
 *                     sends back tag R+1 with the value received plus one.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvm3.h"

static void send_ints(int to, int tag, const int *v, int n)
{
    pvm_initsend(PvmDataDefault);
    pvm_pkint((int *)v, n, 1);
    pvm_send(to, tag);
}

static int report(void)
{
    int ctx = pvm_getcontext();
    send_ints(pvm_parent(), 1, &ctx, 1);
    return 0;
}

static int spawn(const char *self)
{
    int parent = pvm_parent();
    int first = pvm_getcontext();
    int mine = pvm_newcontext();
    pvm_setcontext(mine);
    int child = 0;
    int v[3] = {first, mine, 0};
    if (pvm_spawn((char *)self, (char *[]){"report", NULL}, PvmTaskDefault, "", 1, &child) == 1 &&
        pvm_recv(child, 1) > 0)
        pvm_upkint(&v[2], 1, 1);
    pvm_setcontext(first);
    send_ints(parent, 2, v, 3);
    return 0;
}

static int alloc(int n)
{
    int parent = pvm_parent();
    int v[4] = {0, 0, 0, 0};
    for (int i = 0; i < n; i++) {
        int c = pvm_newcontext();
        if (c < 0) {
            v[3] = c;
            break;
        }
        if (!v[0]++)
            v[1] = c;
        v[2] = c;
    }
    send_ints(parent, 3, v, 4);
    int how = 0;
    if (pvm_recv(parent, 4) > 0)
        pvm_upkint(&how, 1, 1);
    if (how == 1) {
        pvm_exit();
        /* A new task now: the parent knows the pvmd freed our contexts. */
        send_ints(parent, 6, &how, 1);
        pvm_exit();
        return 0;
    }
    exit(0); /* the process ends: the pvmd sees the task end */
}

static int relay(bool dontroute)
{
    int parent = pvm_parent();
    if (dontroute)
        pvm_setopt(PvmRoute, PvmDontRoute);
    pvm_setcontext(0); /* whatever it inherited */
    pvm_initsend(PvmDataDefault);
    pvm_send(parent, 1);
    for (;;) {
        if (pvm_recv(parent, 1) < 0)
            return 1;
        int n = -1;
        pvm_upkint(&n, 1, 1);
        if (n < 0)
            return 0;
        int *t = malloc((size_t)n * 3 * sizeof *t + 1);
        if (!t)
            return 1;
        pvm_upkint(t, 3 * n, 1);
        for (int i = 0; i < n; i++) {
            pvm_setcontext(t[3 * i]);
            send_ints(parent, t[3 * i + 1], &t[3 * i + 2], 1);
        }
        pvm_setcontext(0);
        free(t);
    }
}

static int ask(int tag, int rtag)
{
    int parent = pvm_parent();
    int one = 1, v = 0;
    send_ints(parent, tag, &one, 1);
    if (pvm_recv(parent, rtag) > 0)
        pvm_upkint(&v, 1, 1);
    v++;
    send_ints(parent, rtag + 1, &v, 1);
    return 0;
}

int main(int argc, char **argv)
{
    int rc = 2;
    if (argc > 1 && !strcmp(argv[1], "report"))
        rc = report();
    else if (argc > 1 && !strcmp(argv[1], "spawn"))
        rc = spawn(argv[0]);
    else if (argc > 2 && !strcmp(argv[1], "alloc"))
        rc = alloc(atoi(argv[2]));
    else if (argc > 1 && !strcmp(argv[1], "relay"))
        rc = relay(argc > 2 && !strcmp(argv[2], "dontroute"));
    else if (argc > 3 && !strcmp(argv[1], "ask"))
        rc = ask(atoi(argv[2]), atoi(argv[3]));
    pvm_exit();
    return rc;
}
