/*
 * log.h - the pvmd's log file (pvmd.log in the socket directory).
 *
 * One line per event, prefixed with a timestamp.  Detail lines (-d) are
 * dropped unless debugging; with -f and -d every line goes to stderr too.
 * The file never grows far past `max' bytes: it then becomes pvmd.log.1
 * (replacing the one before) and a new pvmd.log begins, so the log takes
 * at most about twice `max' on disk, however much tasks print to it.
 */
#ifndef PVMD_LOG_H
#define PVMD_LOG_H

#include <stdbool.h>
#include <stdio.h>

#include "paths.h"

struct pvmd_log {
    FILE *f;        /* NULL until log_open: lines then go to stderr */
    bool debug;     /* keep detail lines */
    bool to_stderr; /* copy every line to stderr */
    size_t max;     /* past this many bytes the file moves to <path>.1 (0: never) */
    size_t size;    /* bytes in the file now */
    char path[PATHS_MAX];
};

struct pvmd;

/* Opens (truncates) the log at path (l->max is kept).  Returns 0 or PvmSysErr (errno set);
 * on failure lines keep going to stderr. */
int log_open(struct pvmd_log *l, const char *path, bool debug, bool to_stderr);

/* Flushes and closes the log; later lines go to stderr. */
void log_close(struct pvmd_log *l);

/* Writes one line (no trailing newline needed). */
void log_info(struct pvmd *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes one line only when debugging (-d). */
void log_debug(struct pvmd *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes one line prefixed "error: ". */
void log_error(struct pvmd *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
