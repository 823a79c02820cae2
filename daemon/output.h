/*
 * output.h - stdout and stderr of spawned tasks, delivered line by line.
 *
 * Each spawned task has two pipes to the pvmd.  Their bytes are cut into
 * lines per task and per stream; each line goes to the task's output tid
 * as a message (common/defs.h: int tid, int count, bytes; the bytes are
 * one line with its '\n', or a final partial line at EOF, or a piece of a
 * line longer than OUTPUT_LINE_MAX) or, when the output tid is 0, to
 * pvmd.log as "[t40001] line".
 *
 * Output is held back as messages are (route.c): when the pvmd holds too
 * much for the destination, it stops reading the task's pipes, so the
 * task waits in its writes, until the destination drains.
 *
 * While the task lives, its output goes where its task record says
 * (CTL_SET_OUTPUT changes that); once it has ended (EVENT_TASK_EXIT), what
 * its descendants still print goes where it went last.
 */
#ifndef PVMD_OUTPUT_H
#define PVMD_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#define OUTPUT_LINE_MAX 4096 /* longer lines are delivered in pieces */

struct event;
struct proc;
struct pvmd;

struct output_stream {
    uv_pipe_t pipe;
    struct proc *p;
    bool open; /* handle initialised and not yet closed */
    bool eof;  /* no more bytes will come */
    size_t n;  /* bytes of an unfinished line in buf */
    char buf[OUTPUT_LINE_MAX];
};

/* Where output messages go. */
struct output_dest {
    int tid, code, ctx;
};

/* Initialises p's two pipe handles.  Returns 0 or PvmSysErr (the pipes
 * are then closed). */
int output_init(struct pvmd *d, struct proc *p);

/* Starts reading both pipes once the process runs. */
void output_start(struct pvmd *d, struct proc *p);

/* Closes the pipes without reading (the start failed). */
void output_abort(struct pvmd *d, struct proc *p);

/* Sends OUTPUT_BEGIN for task tid to its output tid (nothing when it is
 * 0 or the task is not here). */
void output_begin(struct pvmd *d, int tid);

/* Sends OUTPUT_END for task tid to its output tid (nothing when it is 0
 * or the task is not here): for a task whose process the pvmd does not
 * watch (a tasker's, regs.c). */
void output_end(struct pvmd *d, int tid);

/* Called when p's process has exited: sends OUTPUT_END once both pipes
 * are at EOF too. */
void output_check_end(struct pvmd *d, struct proc *p);

/* Back-pressure (route.c): the output pipes of tasks whose output waited
 * for tid to drain are read again. */
void output_release(struct pvmd *d, int tid);

/* Event subscriber (event.c): an ended task's output keeps its last
 * destination. */
void output_on_event(struct pvmd *d, const struct event *ev);

#endif
