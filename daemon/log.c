/*
 * log.c - the pvmd's log.
 *
 * Lines are written with one fprintf and flushed at once: the log is what
 * a user reads after a crash, so nothing may sit in a buffer.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "pvm3.h"
#include "pvmd.h"

int log_open(struct pvmd_log *l, const char *path, bool debug, bool to_stderr)
{
    l->debug = debug;
    l->to_stderr = to_stderr;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return PvmSysErr;
    l->f = fdopen(fd, "w");
    if (!l->f) {
        int e = errno;
        close(fd);
        errno = e;
        return PvmSysErr;
    }
    return 0;
}

void log_close(struct pvmd_log *l)
{
    if (l->f)
        fclose(l->f);
    l->f = NULL;
}

static void vline(struct pvmd_log *l, const char *prefix, const char *fmt, va_list ap)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);

    char text[4096];
    vsnprintf(text, sizeof text, fmt, ap);
    FILE *out = l->f ? l->f : stderr;
    fprintf(out, "%s.%03ld %s%s\n", stamp, (long)(tv.tv_usec / 1000), prefix, text);
    fflush(out);
    if (l->f && l->to_stderr) {
        fprintf(stderr, "pvmd: %s%s\n", prefix, text);
        fflush(stderr);
    }
}

void log_info(struct pvmd *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(&d->log, "", fmt, ap);
    va_end(ap);
}

void log_debug(struct pvmd *d, const char *fmt, ...)
{
    if (!d->log.debug)
        return;
    va_list ap;
    va_start(ap, fmt);
    vline(&d->log, "", fmt, ap);
    va_end(ap);
}

void log_error(struct pvmd *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(&d->log, "error: ", fmt, ap);
    va_end(ap);
}
