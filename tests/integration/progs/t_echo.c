/*
 * t_echo - a task for the libpvm API tests.
 *
 *   t_echo            sends tag 1 "ready" to its parent, then returns every
 *                     message from it (same tag, same body, no copy) until
 *                     tag 999.
 *   t_echo order FIFO waits for a line on FIFO before enrolling (so that its
 *                     parent's first messages go through the pvmd), says
 *                     so (tag 3), receives messages tagged 1, 2, ... until tag 0 and
 *                     reports to its parent (tag 2) how many arrived in order.
 *   t_echo swap N [dontroute]
 *                     sends "ready", waits for "go", then sends N bytes to its
 *                     parent while the parent sends N bytes to it; checks the
 *                     bytes and reports (tag 3) 1 if all were right, and how
 *                     many TCP connections (direct routes across hosts) it
 *                     has.  With dontroute, through the pvmd (PvmDontRoute).
 *   t_echo siblings   sends its parent (tag 4) pvm_siblings' count and
 *                     tids, then exits.
 *   t_echo suicide    sends "ready", waits for a message, then kills itself
 *                     with SIGKILL.
 *   t_echo lastword N sends "ready", then 20 pings (tag 10, each answered
 *                     with tag 11: its own direct route is made meanwhile),
 *                     waits for "go" (tag 2), sends N bytes (tag 5) and
 *                     leaves at once, reading nothing of what its parent
 *                     keeps sending it.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pvm3.h"

static int echo(int parent)
{
    pvm_initsend(PvmDataDefault);
    pvm_send(parent, 1);
    for (;;) {
        int b = pvm_recv(parent, -1);
        if (b < 0)
            return 1;
        int len, tag, src;
        pvm_bufinfo(b, &len, &tag, &src);
        if (tag == 999)
            return 0;
        /* The received buffer is sent as it is. */
        int old = pvm_setsbuf(b);
        pvm_send(parent, tag);
        pvm_setsbuf(old);
    }
}

static int order(int parent_unknown, const char *fifo)
{
    (void)parent_unknown;
    char c;
    int fd = open(fifo, O_RDONLY);
    if (fd < 0 || read(fd, &c, 1) != 1)
        return 1;
    close(fd);
    int parent = pvm_parent();
    pvm_initsend(PvmDataDefault);
    pvm_send(parent, 3); /* enrolled */
    int expect = 1, good = 0;
    for (;;) {
        int b = pvm_recv(parent, -1);
        int len, tag, src;
        pvm_bufinfo(b, &len, &tag, &src);
        if (tag == 0)
            break;
        int v = -1;
        pvm_upkint(&v, 1, 1);
        if (tag == expect && v == expect)
            good++;
        expect++;
    }
    pvm_initsend(PvmDataDefault);
    pvm_pkint(&good, 1, 1);
    pvm_send(parent, 2);
    return 0;
}

static unsigned char pattern(size_t i, int who)
{
    return (unsigned char)(i * 31 + (i >> 12) + who);
}

static int swap(int parent, size_t n)
{
    pvm_initsend(PvmDataDefault);
    pvm_send(parent, 1);
    pvm_recv(parent, 2); /* go */
    unsigned char *out = malloc(n), *in = malloc(n);
    if (!out || !in)
        return 1;
    for (size_t i = 0; i < n; i++)
        out[i] = pattern(i, 1);
    pvm_initsend(PvmDataInPlace);
    pvm_pkbyte((char *)out, (int)n, 1);
    pvm_send(parent, 5);
    pvm_recv(parent, 5);
    int ok = pvm_upkbyte((char *)in, (int)n, 1) == 0;
    for (size_t i = 0; ok && i < n; i++)
        ok = in[i] == pattern(i, 2);
    int *fds = NULL, nfd = pvm_getfds(&fds), tcp = 0;
    for (int i = 0; i < nfd; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        if (getpeername(fds[i], (struct sockaddr *)&ss, &len) == 0 &&
            (ss.ss_family == AF_INET || ss.ss_family == AF_INET6))
            tcp++;
    }
    pvm_initsend(PvmDataDefault);
    pvm_pkint(&ok, 1, 1);
    pvm_pkint(&tcp, 1, 1);
    pvm_send(parent, 3);
    return 0;
}

int main(int argc, char **argv)
{
    int rc;
    if (argc > 2 && !strcmp(argv[1], "order"))
        rc = order(0, argv[2]);
    else if (argc > 1 && !strcmp(argv[1], "siblings")) {
        int *sib = NULL;
        int n = pvm_siblings(&sib);
        pvm_initsend(PvmDataDefault);
        pvm_pkint(&n, 1, 1);
        if (n > 0)
            pvm_pkint(sib, n, 1);
        pvm_send(pvm_parent(), 4);
        rc = 0;
    } else if (argc > 2 && !strcmp(argv[1], "lastword")) {
        int parent = pvm_parent();
        size_t n = (size_t)atol(argv[2]);
        pvm_initsend(PvmDataDefault);
        pvm_send(parent, 1);
        for (int i = 0; i < 20; i++) {
            pvm_initsend(PvmDataDefault);
            pvm_send(parent, 10);
            pvm_recv(parent, 11);
        }
        pvm_recv(parent, 2);
        unsigned char *out = malloc(n);
        for (size_t i = 0; out && i < n; i++)
            out[i] = pattern(i, 1);
        pvm_initsend(PvmDataRaw);
        pvm_pkbyte((char *)out, (int)n, 1);
        pvm_send(parent, 5);
        free(out);
        rc = 0;
    } else if (argc > 1 && !strcmp(argv[1], "suicide")) {
        int parent = pvm_parent();
        pvm_initsend(PvmDataDefault);
        pvm_send(parent, 1);
        pvm_recv(parent, -1);
        raise(SIGKILL);
        rc = 1;
    } else if (argc > 2 && !strcmp(argv[1], "swap")) {
        if (argc > 3 && !strcmp(argv[3], "dontroute"))
            pvm_setopt(PvmRoute, PvmDontRoute);
        rc = swap(pvm_parent(), (size_t)atol(argv[2]));
    } else
        rc = echo(pvm_parent());
    pvm_exit();
    return rc;
}
