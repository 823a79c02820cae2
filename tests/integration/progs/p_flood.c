/*
 * p_flood BYTES [LINE [PROGRESS]] - a program that never calls PVM: prints
 * BYTES bytes of output as fast as it can, in lines of LINE bytes
 * (default 100, newline included), then "p_flood done".  With PROGRESS, a
 * file it keeps the count of bytes written so far in (rewritten after
 * every line), so that a test can see where a writer got stuck.  For the
 * pvmd's abuse tests (test_pvmd_abuse.c).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t r = write(fd, p, n);
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long long bytes = argc > 1 ? atoll(argv[1]) : 1000;
    size_t line = argc > 2 ? (size_t)atol(argv[2]) : 100;
    int prog = argc > 3 ? open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0600) : -1;
    if (line < 2 || line > 1 << 20)
        line = 100;
    char *buf = malloc(line);
    if (!buf)
        return 1;
    memset(buf, 'x', line - 1);
    buf[line - 1] = '\n';
    long long done = 0;
    for (long long i = 0; done < bytes; i++) {
        size_t n = bytes - done < (long long)line ? (size_t)(bytes - done) : line;
        int k = snprintf(buf, line, "%lld ", i);
        if (k > 0 && (size_t)k < line)
            buf[k] = 'x';
        buf[n - 1] = '\n';
        if (write_all(1, buf, n) < 0)
            return 2;
        buf[n - 1] = 'x';
        done += (long long)n;
        if (prog >= 0) {
            char num[32];
            int m = snprintf(num, sizeof num, "%lld\n", done);
            if (pwrite(prog, num, (size_t)m, 0) != m)
                return 3;
        }
    }
    free(buf); /* nothing for a leak checker to print into the output */
    if (prog >= 0)
        close(prog);
    if (write_all(1, "p_flood done\n", 13) < 0)
        return 2;
    return 0;
}
