/*
 * conn_collect.h - for the tests of libpvm's connections (test_conn.c,
 * test_conn_tcp.c): a frame callback that keeps what conn_read delivers,
 * and a non-blocking socketpair.
 */
#ifndef TEST_CONN_COLLECT_H
#define TEST_CONN_COLLECT_H

#include <sys/socket.h>

#include "conn.h"

struct got {
    int n;
    struct pmsg *m[64];
    struct wire_hdr h[64];
};

static int collect(void *arg, struct conn *c, const struct wire_hdr *h, struct pmsg *m)
{
    (void)c;
    struct got *g = arg;
    assert_true(g->n < 64);
    g->h[g->n] = *h;
    g->m[g->n++] = m;
    return 0;
}

static void got_free(struct got *g)
{
    for (int i = 0; i < g->n; i++)
        pmsg_destroy(&g->m[i]);
    g->n = 0;
}

static void pair(int sv[2])
{
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
}

#endif
