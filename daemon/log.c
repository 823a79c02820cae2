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
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "pvm3.h"
#include "pvmd.h"

int log_open(struct pvmd_log *l, const char *path, bool debug, bool to_stderr)
{
    l->debug = debug;
    l->to_stderr = to_stderr;
    l->size = 0;
    snprintf(l->path, sizeof l->path, "%s", path);
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

/* The file is over its size: it becomes <path>.1 and a new one begins.
 * Only while the path still names our file (the directory may be another
 * pvmd's now: docs/design.md); else ours is emptied in place. */
static void rotate(struct pvmd_log *l)
{
    struct stat mine, there;
    char old[sizeof l->path + 2];
    snprintf(old, sizeof old, "%s.1", l->path);
    bool ours = fstat(fileno(l->f), &mine) == 0 && lstat(l->path, &there) == 0 &&
                mine.st_dev == there.st_dev && mine.st_ino == there.st_ino;
    int fd = -1;
    if (ours && rename(l->path, old) == 0)
        fd = open(l->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *nf = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (nf) {
        fclose(l->f);
        l->f = nf;
    } else {
        if (fd >= 0)
            close(fd);
        if (ftruncate(fileno(l->f), 0) == 0)
            rewind(l->f);
    }
    l->size = 0;
    int n = fprintf(l->f, "(pvmd.log was over %zu bytes: earlier lines are in %s)\n", l->max,
                    nf ? old : "no file");
    fflush(l->f);
    l->size += n > 0 ? (size_t)n : 0;
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
    int n = fprintf(out, "%s.%03ld %s%s\n", stamp, (long)(tv.tv_usec / 1000), prefix, text);
    fflush(out);
    if (l->f && n > 0 && (l->size += (size_t)n) > l->max && l->max)
        rotate(l);
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
