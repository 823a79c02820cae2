/*
 * d_echo - a task that speaks the pvmd protocol by hand (no libpvm): waits
 * for SIGUSR1, then enrols with the tid in PVM_TASK_TID and sends every
 * user message it gets back to its sender (same tag and body).  A message
 * with tag 999 is echoed and ends it.  The pvmd tests use it to see that
 * messages to a spawned task that has not connected yet are queued.
 *
 * Frame header: common/wire.h (48 bytes, little endian).  The Hello is
 * encoded by hand (proto/pvm.proto field numbers) to stay free of libpvm.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
    (void)sig;
    go = 1;
}

static void put(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void header(uint8_t *h, int flags, int src, int dst, int tag, int wid, uint64_t len)
{
    memset(h, 0, 48);
    put(h, 0x334d5650u, 4); /* WIRE_MAGIC */
    h[4] = 3;               /* WIRE_VERSION */
    h[5] = 48;
    put(h + 6, (uint64_t)flags, 2);
    put(h + 8, (uint32_t)src, 4);
    put(h + 12, (uint32_t)dst, 4);
    put(h + 16, (uint32_t)tag, 4);
    put(h + 28, (uint32_t)wid, 4);
    put(h + 40, len, 8);
}

static size_t varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    do {
        p[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            p[n] |= 0x80;
        n++;
    } while (v);
    return n;
}

static int full(int fd, void *b, size_t n, int wr)
{
    uint8_t *p = b;
    while (n) {
        ssize_t r = wr ? write(fd, p, n) : read(fd, p, n);
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

int main(void)
{
    signal(SIGUSR1, on_usr1);
    const char *dir = getenv("PVM_SOCKDIR");
    const char *tids = getenv("PVM_TASK_TID");
    if (!dir || !tids)
        return 2;
    int mytid = atoi(tids);
    printf("waiting\n");
    fflush(stdout);
    while (!go)
        pause();

    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s/pvmd.sock", dir);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        return 3;

    uint8_t body[64];
    size_t n = 0;
    body[n++] = 0x08; /* proto_version: CTL_PROTO_VERSION of common/ctl.h (the build says) */
    n += varint(body + n, CTL_PROTO);
    body[n++] = 0x10; /* pid */
    n += varint(body + n, (uint64_t)getpid());
    body[n++] = 0x18; /* claimed_tid */
    n += varint(body + n, (uint64_t)mytid);
    body[n++] = 0x22; /* name */
    body[n++] = 6;
    memcpy(body + n, "d_echo", 6);
    n += 6;
    uint8_t h[48];
    header(h, 1 /* CTL */, 0, 0, 2 /* CTL_HELLO */, 1, n);
    if (full(fd, h, 48, 1) < 0 || full(fd, body, n, 1) < 0)
        return 4;

    for (;;) {
        if (full(fd, h, 48, 0) < 0)
            return 0;
        int flags = (int)get(h + 6, 2);
        int src = (int)(uint32_t)get(h + 8, 4);
        int tag = (int)(uint32_t)get(h + 16, 4);
        uint64_t len = get(h + 40, 8);
        uint8_t *p = malloc(len ? len : 1);
        if (!p || (len && full(fd, p, len, 0) < 0))
            return 5;
        if (!(flags & 1)) {
            uint8_t o[48];
            header(o, 0, mytid, src, tag, 0, len);
            if (full(fd, o, 48, 1) < 0 || (len && full(fd, p, len, 1) < 0))
                return 6;
            if (tag == 999) {
                free(p);
                return 0;
            }
        }
        free(p);
    }
}
