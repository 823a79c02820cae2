/*
 * cmds.c - the command table and the line parser.
 *
 * A line holds commands separated by `;'.  Words are split at blanks;
 * "double" and 'single' quotes keep blanks inside a word, a backslash
 * quotes the next character, and a command whose first word starts with
 * `#' is a comment up to the end of the line.  The first word may be an
 * alias, replaced by its text.
 */
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "pvm3.h"

/* ===================================================================== */
/* The table: one line registers a command                               */
/* ===================================================================== */

static const struct cmd table[] = {
    {"add", 1, -1, cmd_add, "Add hosts to virtual machine",
     "Syntax:  add hostname ...\n"
     "  or     add 'hostname <option>=<value>...' ...\n"
     "(See man page for 'pvmd3' for valid host (file) options.)\n"},
    {"alias", 0, -1, cmd_alias, "Define/list command aliases",
     "Syntax:  alias [ name [ command args ... ] ]\n"},
    {"conf", 0, 0, cmd_conf, "List virtual machine configuration",
     "Syntax:  conf\n"
     "Output fields:\n"
     "  HOST    host name\n"
     "  DTID    tid base of pvmd\n"
     "  ARCH    host architecture\n"
     "  SPEED   host relative speed\n"
     "  DSIG    data signature\n"},
    {"delete", 1, -1, cmd_delete, "Delete hosts from virtual machine",
     "Syntax:  delete hostname ...\n"},
    {"echo", 0, -1, cmd_echo, "Echo arguments", "Syntax:  echo [ arg ... ]\n"},
    {"export", 0, -1, cmd_export, "Add environment variables to spawn export list",
     "Syntax:  export [ varname ... ]\n"},
    {"getopt", 0, 1, cmd_getopt, "Display PVM options for the console task",
     "Syntax:  getopt [ what ]\n"},
    {"groups", 0, -1, cmd_groups, "List groups, their sizes and members",
     "Syntax:  groups [ name ... ]\n"
     "Lists every group of the virtual machine (or those named): its size,\n"
     "whether it is frozen (pvm_freezegroup), how many members wait at its\n"
     "barrier, and its members as instance:tid.\n"},
    {"halt", 0, 0, cmd_halt, "Stop pvmds",
     "Syntax:  halt\n"
     "Stops every pvmd and every task of the virtual machine.  When commands\n"
     "come from a pipe or -e, output jobs (spawn ->) are waited for first.\n"},
    {"help", 0, 1, cmd_help, "Print helpful information about a command",
     "Syntax:  help [ command ]\n"},
    {"id", 0, 0, cmd_id, "Print console task id", "Syntax:  id\n"},
    {"jobs", 0, 1, cmd_jobs, "Display list of running jobs",
     "Syntax:  jobs [ options ]\n"
     "Options:  -l   give long listing\n"},
    {"kill", 1, -1, cmd_kill, "Terminate tasks",
     "Syntax:  kill [ options ] tid ...\n"
     "Options:  -c   kill children of tid\n"},
    {"mstat", 1, -1, cmd_mstat, "Show status of hosts", "Syntax:  mstat name ...\n"},
    {"ps", 0, -1, cmd_ps, "List tasks",
     "Syntax:  ps [ -axl ] [ -hhost-tid ] [ -nhost-name ]\n"
     "Options:  -a       all hosts (default is local)\n"
     "          -hhost   specific host tid\n"
     "          -nhost   specific host name\n"
     "          -l       long (show parent tid and process id)\n"
     "          -x       show all tasks (including the console)\n"
     "Output fields:\n"
     "  HOST    host name\n"
     "  TID     task id\n"
     "  PTID    parent task id\n"
     "  PID     task process id\n"
     "  FLAG    status\n"
     "  COMMAND executable name\n"
     "FLAG values:\n"
     "  f   task process is child of pvmd\n"
     "  c   task connected to pvmd\n"
     "  o   task has left PVM (exited or pvm_exit), its process not yet ended\n"},
    {"pstat", 1, -1, cmd_pstat, "Show status of tasks", "Syntax:  pstat tid ...\n"},
    {"quit", 0, 0, cmd_quit, "Exit console",
     "Syntax:  quit\n"
     "Leaves the virtual machine running.  When commands come from a pipe or\n"
     "-e, output jobs (spawn ->) are waited for first.\n"},
    {"reset", 0, 0, cmd_reset, "Kill all tasks",
     "Syntax:  reset\n"
     "Kills every task on every host except those that set PvmNoReset (consoles\n"
     "do) and deletes every mailbox entry but theirs, persistent ones too;\n"
     "the hosts stay.\n"},
    {"setenv", 0, -1, cmd_setenv, "Display or set environment variables",
     "Syntax:  setenv [ name [ value ] ]\n"},
    {"setopt", 2, 2, cmd_setopt, "Set PVM options - for the console task *only*!",
     "Syntax:  setopt what value\n"},
    {"sig", 2, -1, cmd_sig, "Send signal to task", "Syntax:  sig signum tid ...\n"},
    {"spawn", 1, -1, cmd_spawn, "Spawn task",
     "Syntax:  spawn [ options ] file [ arg ... ]\n"
     "Options:  -(count)         number of tasks, default is 1\n"
     "          -(host)          spawn on host, default is any\n"
     "          --host=(host)    the same, for any host name\n"
     "          -(ARCH)          spawn on hosts of ARCH\n"
     "          -?               enable debugging\n"
     "          ->               redirect job output to console\n"
     "          ->(file)         redirect output of job to file\n"
     "          ->>(file)        append output of job to file\n"},
    {"tickle", 1, 10, cmd_tickle, "Tickle pvmd",
     "Syntax:  tickle how [ arg ... ]\n"
     "How:\n"
     "  0   heap statistics to the pvmd's log\n"
     "  1   host table to the log\n"
     "  2   this host's task table to the log\n"
     "  3   requests waiting on other pvmds to the log\n"
     "  4   (message mailbox: not dumped by this pvmd)\n"
     "  5   print the debug mask\n"
     "  6   (mask) set the debug mask (not 0: detailed log)\n"
     "  7   (num) set nopax (nothing to set here)\n"
     "  8   (dtid) make host dtid fail\n"
     "  9   pvmd statistics to the log\n"
     "  100 (shared memory: none here)\n"},
    {"unalias", 1, -1, cmd_unalias, "Undefine command alias", "Syntax:  unalias name ...\n"},
    {"unexport", 0, -1, cmd_unexport, "Remove environment variables from spawn export list",
     "Syntax:  unexport [ varname ... ]\n"},
    {"version", 0, 0, cmd_version, "Show libpvm version", "Syntax:  version\n"},
};

const struct cmd *cmds_find(const char *name)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

const char *cmds_name(int i)
{
    return i >= 0 && (size_t)i < sizeof table / sizeof table[0] ? table[i].name : NULL;
}

void cmds_each(void (*fn)(const struct cmd *cmd, void *arg), void *arg)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        fn(&table[i], arg);
}

/* ===================================================================== */
/* Errors and tids                                                       */
/* ===================================================================== */

const char *cmds_errtext(int code)
{
    if (code <= 0 && -code < pvm_nerr && pvm_errlist[-code])
        return pvm_errlist[-code];
    return "Unknown error";
}

int cmds_parse_tid(const char *s, int *tid)
{
    if (*s == 't' || *s == 'T')
        s++;
    if (!*s)
        return -1;
    char *end;
    unsigned long v = strtoul(s, &end, 16);
    if (*end || v > 0x7fffffffUL)
        return -1;
    *tid = (int)v;
    return 0;
}

/* ===================================================================== */
/* Words                                                                 */
/* ===================================================================== */

struct words {
    char **v;
    int n, cap;
};

static int words_push(struct words *w, char *s)
{
    if (w->n + 1 >= w->cap) {
        int cap = w->cap ? 2 * w->cap : 16;
        char **n = realloc(w->v, (size_t)cap * sizeof *n);
        if (!n) {
            free(s);
            return -1;
        }
        w->v = n;
        w->cap = cap;
    }
    w->v[w->n++] = s;
    w->v[w->n] = NULL;
    return 0;
}

static void words_free(struct words *w)
{
    for (int i = 0; i < w->n; i++)
        free(w->v[i]);
    free(w->v);
    w->v = NULL;
    w->n = w->cap = 0;
}

/* Splits one command of *sp into words, stopping after an unquoted `;' or
 * at the end; advances *sp.  with_semicolon false: `;' is an ordinary
 * character (alias texts).  Returns 0 or -1 (memory). */
static int split(const char **sp, struct words *w, bool with_semicolon)
{
    const char *s = *sp;
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
            s++;
        if (!*s)
            break;
        if (*s == ';' && with_semicolon) {
            s++;
            break;
        }
        size_t len = strlen(s);
        char *word = malloc(len + 1);
        if (!word)
            return -1;
        size_t k = 0;
        char quote = 0;
        while (*s) {
            char ch = *s;
            if (quote) {
                s++;
                if (ch == quote)
                    quote = 0;
                else if (ch == '\\' && quote == '"' && *s)
                    word[k++] = *s++;
                else
                    word[k++] = ch;
                continue;
            }
            if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
                (ch == ';' && with_semicolon))
                break;
            s++;
            if (ch == '"' || ch == '\'')
                quote = ch;
            else if (ch == '\\' && *s)
                word[k++] = *s++;
            else
                word[k++] = ch;
        }
        word[k] = 0;
        if (words_push(w, word) < 0)
            return -1;
    }
    *sp = s;
    return 0;
}

/* Replaces an alias in the first word by its text (aliases of aliases
 * too, up to a depth that stops loops). */
static int expand_alias(const struct console *c, struct words *w)
{
    for (int depth = 0; depth < 16 && w->n > 0; depth++) {
        const char *text = cmds_alias_get(c, w->v[0]);
        if (!text)
            return 0;
        struct words nw = {0};
        const char *t = text;
        if (split(&t, &nw, false) < 0)
            goto fail;
        for (int i = 1; i < w->n; i++) {
            if (words_push(&nw, w->v[i]) < 0)
                goto fail;
            w->v[i] = NULL;
        }
        words_free(w);
        *w = nw;
        continue;
    fail:
        words_free(&nw);
        return -1;
    }
    return 0;
}

/* Runs one command given as words. */
static int run_words(struct console *c, int argc, char **argv)
{
    const struct cmd *cmd = cmds_find(argv[0]);
    if (!cmd) {
        printf("%s: not found\n", argv[0]);
        return -1;
    }
    int nargs = argc - 1;
    if (nargs < cmd->min_args || (cmd->max_args >= 0 && nargs > cmd->max_args)) {
        printf("%s: wrong #args\n", cmd->name);
        return -1;
    }
    return cmd->run(c, argc, argv);
}

int cmds_run_line(struct console *c, const char *line)
{
    int rc = 0;
    const char *s = line;
    while (*s && !c->done && !c->lost) {
        struct words w = {0};
        if (split(&s, &w, true) < 0) {
            words_free(&w);
            printf("out of memory\n");
            return -1;
        }
        if (w.n > 0 && w.v[0][0] == '#') {
            words_free(&w);
            break; /* a comment runs to the end of the line */
        }
        if (w.n > 0 && expand_alias(c, &w) < 0) {
            words_free(&w);
            printf("out of memory\n");
            return -1;
        }
        if (w.n > 0 && run_words(c, w.n, w.v) < 0)
            rc = -1;
        words_free(&w);
        fflush(stdout);
        if (!c->halted)
            console_drain(c); /* after halt the pvmd is gone: nothing to read */
    }
    return rc;
}

/* ===================================================================== */
/* Aliases                                                               */
/* ===================================================================== */

struct alias {
    char *name;
    char *text;
    struct alias *next;
};

const char *cmds_alias_get(const struct console *c, const char *name)
{
    for (const struct alias *a = c->aliases; a; a = a->next)
        if (strcmp(a->name, name) == 0)
            return a->text;
    return NULL;
}

int cmds_alias_set(struct console *c, const char *name, const char *text)
{
    char *t = strdup(text);
    if (!t)
        return -1;
    struct alias **pp = &c->aliases;
    for (; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->name, name) == 0) {
            free((*pp)->text);
            (*pp)->text = t;
            return 0;
        }
    struct alias *a = calloc(1, sizeof *a);
    if (!a || !(a->name = strdup(name))) {
        free(a);
        free(t);
        return -1;
    }
    a->text = t;
    *pp = a; /* listed in the order defined */
    return 0;
}

int cmds_alias_del(struct console *c, const char *name)
{
    for (struct alias **pp = &c->aliases; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->name, name) == 0) {
            struct alias *a = *pp;
            *pp = a->next;
            free(a->name);
            free(a->text);
            free(a);
            return 0;
        }
    return -1;
}

void cmds_alias_list(const struct console *c)
{
    for (const struct alias *a = c->aliases; a; a = a->next)
        printf("%s\t%s\n", a->name, a->text);
}

void cmds_fini(struct console *c)
{
    while (c->aliases) {
        struct alias *a = c->aliases;
        c->aliases = a->next;
        free(a->name);
        free(a->text);
        free(a);
    }
}
