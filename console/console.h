/*
 * console.h - the console `pvm': one state object and the interfaces
 * between its parts.
 *
 *   console.c main: arguments, start or attach to the pvmd, the event loop
 *   cmds.c    the command table, the line parser (quotes, `;', aliases)
 *   cmd_*.c   command handlers, one group per file
 *   jobs.c    output jobs of `spawn ->': tags, task lists, printing
 *   lineio.c  reading commands: readline on a terminal, plain lines otherwise
 *
 * The console is an ordinary PVM task: it uses pvm3.h, and libpvm's private
 * lpvm.h for what PVM's API does not give (decoding output messages, the
 * task flag bits), nothing else of libpvm/ or common/.
 */
#ifndef PVM_CONSOLE_H
#define PVM_CONSOLE_H

#include <stdbool.h>
#include <stdio.h>

#define CONSOLE_PROMPT "pvm> "

struct jobs;
struct alias;
struct hostfile;

/* How commands reach the console. */
enum console_mode {
    CONSOLE_TTY,     /* stdin is a terminal: readline, prompt */
    CONSOLE_PIPE,    /* stdin is not a terminal: each command echoed after the prompt */
    CONSOLE_ONESHOT, /* -e commands: no prompt, no echo */
};

struct console {
    enum console_mode mode;
    int mytid;         /* the console's own tid */
    bool done;         /* quit, halt or end of input: leave the loop */
    bool halted;       /* the virtual machine was halted (no pvm_exit then) */
    bool lost;         /* the connection to the pvmd is gone */
    int failed;        /* number of commands that failed (exit status of -e) */
    struct jobs *jobs; /* output jobs of spawn -> */
    struct alias *aliases;
    struct hostfile *hostfile; /* the hostfile given on the command line, or NULL */
};

/* ---- cmds.c ---------------------------------------------------------- */

/* Runs one input line: splits it at `;' into commands, expands aliases and
 * runs each.  Returns 0, or -1 when a command failed. */
int cmds_run_line(struct console *c, const char *line);

/* Frees the alias list. */
void cmds_fini(struct console *c);

/* ---- output helpers shared by the handlers (cmds.c) ------------------ */

/* The text of a Pvm* error code, as pvm_perror prints it. */
const char *cmds_errtext(int code);

/* Parses a task id written as PVM prints it ("t40001" or "40001", hex).
 * Returns 0 and sets *tid, or -1 when s is not such a number. */
int cmds_parse_tid(const char *s, int *tid);

/* ---- jobs.c ---------------------------------------------------------- */

/* Creates the job table; NULL when out of memory. */
struct jobs *jobs_new(void);

/* Destroys the table and everything in it, closing output files; NULLs *jp. */
void jobs_destroy(struct jobs **jp);

/* Opens a new job whose output goes to file (NULL: the console).  The
 * job takes ownership of file.  Returns the job number (1, 2, ...) and
 * its message tag through *tag, or -1 when out of memory. */
int jobs_open(struct jobs *js, FILE *file, int *tag);

/* Records the tasks that pvm_spawn started for job `job' (tids < 0 are
 * skipped).  A job with no task is dropped at once. */
void jobs_add_tasks(struct jobs *js, int job, const int *tids, int n);

/* True while some job has a task whose output has not ended. */
bool jobs_active(const struct jobs *js);

/* Handles one received message (the active receive buffer, id bufid):
 * output of a job's task is printed or written to its file, a job whose
 * tasks have all ended prints "[N] finished".  before_print (may be NULL)
 * is called before anything is printed on stdout.  Returns 1 when the
 * message belonged to a job, 0 when it did not (the caller discards it). */
int jobs_handle(struct jobs *js, int bufid, void (*before_print)(void));

/* Prints the job list as `jobs' does; long: with ps lines per task
 * (ps_line prints one task given its tid). */
void jobs_list(const struct jobs *js, bool lng, void (*ps_line)(int tid, void *arg), void *arg);

/* ---- console.c ------------------------------------------------------- */

/* Receives and handles every message that has arrived, without blocking.
 * Sets c->lost when the pvmd connection is gone. */
void console_drain(struct console *c);

/* Waits until no job has a running task (or the user interrupts with ^C,
 * or the pvmd is gone), handling output meanwhile. */
void console_wait_jobs(struct console *c);

/* ---- lineio.c -------------------------------------------------------- */

/* Called by lineio with each complete command line (without its newline). */
typedef void (*lineio_handler)(struct console *c, const char *line);

/* Starts reading commands from stdin in mode c->mode, delivering lines to h. */
void lineio_init(struct console *c, lineio_handler h);

/* Restores the terminal. */
void lineio_fini(void);

/* Reads what is available on stdin (call when it polls readable) and
 * delivers each complete line.  Returns 0, or -1 at end of input. */
int lineio_read(void);

/* Brackets output printed while the user may be typing: hides the
 * prompt and partial line first, and shows them again afterwards. */
void lineio_async_begin(void);
void lineio_async_end(void);

/* Called after ^C: discards the partial line and shows a fresh prompt. */
void lineio_interrupt(void);

#endif
