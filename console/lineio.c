/*
 * lineio.c - reading command lines.
 *
 * On a terminal, readline's callback interface: the main loop polls stdin
 * together with the pvmd's sockets and hands readline one character at a
 * time, so job output can be printed while the user types (the partial
 * line is hidden and redrawn around it).  Otherwise stdin is read in
 * chunks and split into lines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "console.h"

#ifdef HAVE_READLINE
#include <readline/history.h>
#include <readline/readline.h>
#endif

static struct console *con;
static lineio_handler handler;
static bool at_eof;

/* Pending bytes of a line not yet complete (plain mode). */
static char *pend;
static size_t npend, cappend;

#ifdef HAVE_READLINE
static bool rl_on;       /* the callback handler is installed */
static char *saved_line; /* the user's partial line during async output */
static int saved_point;

static void rl_got_line(char *line)
{
    if (!line) {
        /* ^D on an empty line means quit, as in a shell. */
        printf("quit\n");
        at_eof = true;
        rl_callback_handler_remove();
        rl_on = false;
        return;
    }
    if (*line)
        add_history(line);
    handler(con, line);
    free(line);
    if (con->done && rl_on) {
        rl_callback_handler_remove();
        rl_on = false;
    }
}

/* Tab completes a command name in the first word, a file name elsewhere
 * (readline's default). */
static char *complete_command(const char *text, int state)
{
    static int next;
    static size_t len;
    if (state == 0) {
        next = 0;
        len = strlen(text);
    }
    for (const char *name; (name = cmds_name(next)) != NULL;) {
        next++;
        if (strncmp(name, text, len) == 0)
            return strdup(name);
    }
    return NULL;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    int i = 0;
    while (i < start && (rl_line_buffer[i] == ' ' || rl_line_buffer[i] == '\t'))
        i++;
    if (i == start)
        return rl_completion_matches(text, complete_command);
    return NULL;
}
#endif

static bool use_readline(void)
{
#ifdef HAVE_READLINE
    return con->mode == CONSOLE_TTY;
#else
    return false;
#endif
}

void lineio_init(struct console *c, lineio_handler h)
{
    con = c;
    handler = h;
    at_eof = false;
#ifdef HAVE_READLINE
    if (use_readline()) {
        rl_catch_signals = 0; /* console.c handles ^C itself */
        rl_readline_name = "pvm";
        rl_attempted_completion_function = complete;
        rl_callback_handler_install(CONSOLE_PROMPT, rl_got_line);
        rl_on = true;
        return;
    }
#endif
    if (c->mode == CONSOLE_TTY) {
        fputs(CONSOLE_PROMPT, stdout);
        fflush(stdout);
    }
}

void lineio_fini(void)
{
#ifdef HAVE_READLINE
    if (rl_on) {
        rl_callback_handler_remove();
        rl_on = false;
    }
#endif
    free(pend);
    pend = NULL;
    npend = cappend = 0;
}

/* Delivers the complete lines in pend and keeps the rest. */
static void deliver_lines(void)
{
    size_t start = 0;
    for (size_t i = 0; i < npend && !con->done; i++) {
        if (pend[i] != '\n')
            continue;
        pend[i] = 0;
        handler(con, pend + start);
        start = i + 1;
        if (con->mode == CONSOLE_TTY && !con->done) {
            fputs(CONSOLE_PROMPT, stdout);
            fflush(stdout);
        }
    }
    if (con->done)
        start = npend;
    memmove(pend, pend + start, npend - start);
    npend -= start;
}

int lineio_read(void)
{
    if (at_eof)
        return -1;
#ifdef HAVE_READLINE
    if (use_readline()) {
        if (rl_on)
            rl_callback_read_char();
        return at_eof ? -1 : 0;
    }
#endif
    if (cappend - npend < 4096) {
        size_t cap = cappend ? 2 * cappend : 8192;
        char *n = realloc(pend, cap);
        if (!n) {
            at_eof = true;
            return -1;
        }
        pend = n;
        cappend = cap;
    }
    ssize_t r = read(0, pend + npend, cappend - npend - 1);
    if (r < 0)
        return (errno == EINTR || errno == EAGAIN) ? 0 : (at_eof = true, -1);
    if (r == 0) {
        /* A last line without its newline still counts. */
        if (npend > 0 && !con->done) {
            pend[npend++] = '\n';
            deliver_lines();
        }
        if (con->mode == CONSOLE_TTY)
            printf("quit\n");
        at_eof = true;
        return -1;
    }
    npend += (size_t)r;
    deliver_lines();
    return 0;
}

void lineio_async_begin(void)
{
#ifdef HAVE_READLINE
    if (use_readline() && rl_on) {
        saved_point = rl_point;
        saved_line = rl_copy_text(0, rl_end);
        rl_save_prompt();
        rl_replace_line("", 0);
        rl_redisplay();
        return;
    }
#endif
    if (con && con->mode == CONSOLE_TTY)
        fputs("\r", stdout);
}

void lineio_async_end(void)
{
    fflush(stdout);
#ifdef HAVE_READLINE
    if (use_readline() && rl_on) {
        rl_restore_prompt();
        rl_replace_line(saved_line ? saved_line : "", 0);
        rl_point = saved_point;
        rl_redisplay();
        free(saved_line);
        saved_line = NULL;
        return;
    }
#endif
    if (con && con->mode == CONSOLE_TTY && !con->done) {
        fputs(CONSOLE_PROMPT, stdout);
        fflush(stdout);
    }
}

void lineio_interrupt(void)
{
#ifdef HAVE_READLINE
    if (use_readline() && rl_on) {
        rl_free_line_state();
        rl_callback_sigcleanup();
        rl_crlf();
        rl_on_new_line();
        rl_replace_line("", 0);
        rl_redisplay();
        return;
    }
#endif
    if (con && con->mode == CONSOLE_TTY) {
        npend = 0;
        fputs("\n" CONSOLE_PROMPT, stdout);
        fflush(stdout);
    }
}
