/*
 * output.h - stdout and stderr of spawned tasks, delivered line by line.
 *
 * Each spawned task has two pipes to the pvmd.  Their bytes are cut into
 * lines per task and per stream; each line goes to the task's output tid
 * as a message (common/defs.h: int tid, int count, bytes; the bytes are
 * one line with its '\n', or a final partial line at EOF, or a piece of a
 * line longer than OUTPUT_LINE_MAX) or, when the output tid is 0, to
 * pvmd.log as "[t40001] line".
 */
#ifndef PVMD_OUTPUT_H
#define PVMD_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#define OUTPUT_LINE_MAX 4096 /* longer lines are delivered in pieces */

struct pvmd;
struct task;

struct output_stream {
    uv_pipe_t pipe;
    struct task *t;
    bool open; /* handle initialised and not yet closed */
    bool eof;  /* no more bytes will come */
    size_t n;  /* bytes of an unfinished line in buf */
    char buf[OUTPUT_LINE_MAX];
};

/* Initialises t's two pipe handles for uv_spawn's stdio (UV_CREATE_PIPE).
 * Returns 0 or PvmSysErr. */
int output_init(struct pvmd *d, struct task *t);

/* Starts reading both pipes after a successful uv_spawn. */
void output_start(struct pvmd *d, struct task *t);

/* Closes the pipes without reading (uv_spawn failed, or halting). */
void output_abort(struct pvmd *d, struct task *t);

/* Sends OUTPUT_BEGIN for t to its output tid (nothing when it is 0). */
void output_begin(struct pvmd *d, struct task *t);

/* Called when t's process has exited: sends OUTPUT_END once both pipes
 * are at EOF too. */
void output_check_end(struct pvmd *d, struct task *t);

#endif
