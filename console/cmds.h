/*
 * cmds.h - console commands: the table entry and the handlers.
 *
 * One line of the table in cmds.c registers a command.  A handler gets the
 * words of the command (argv[0] is the command's name), the argument count
 * already checked against the table, and returns 0 or -1 when it failed
 * (it has printed why).
 */
#ifndef PVM_CONSOLE_CMDS_H
#define PVM_CONSOLE_CMDS_H

#include "console.h"

typedef int (*cmd_fn)(struct console *c, int argc, char **argv);

struct cmd {
    const char *name;
    int min_args; /* words after the name, at least */
    int max_args; /* at most; -1: any number */
    cmd_fn run;
    const char *brief; /* one line for `help' */
    const char *usage; /* the rest of `help name': syntax, options */
};

/* Looks a command up by its full name; NULL if there is none. */
const struct cmd *cmds_find(const char *name);

/* Returns the name of the i-th command (from 0), NULL past the last. */
const char *cmds_name(int i);

/* Calls fn for every command, in table order. */
void cmds_each(void (*fn)(const struct cmd *cmd, void *arg), void *arg);

/* Prints the ps heading and one task line; used by ps and jobs -l.
 * (cmd_tasks.c) */
void cmd_tasks_ps_head(bool lng);

/* cmd_tasks.c: spawn and the task commands */
int cmd_spawn(struct console *c, int argc, char **argv);
int cmd_ps(struct console *c, int argc, char **argv);
int cmd_jobs(struct console *c, int argc, char **argv);
int cmd_kill(struct console *c, int argc, char **argv);
int cmd_sig(struct console *c, int argc, char **argv);
int cmd_pstat(struct console *c, int argc, char **argv);
int cmd_reset(struct console *c, int argc, char **argv);

/* cmd_vm.c: the virtual machine */
int cmd_conf(struct console *c, int argc, char **argv);
int cmd_mstat(struct console *c, int argc, char **argv);
int cmd_add(struct console *c, int argc, char **argv);
int cmd_delete(struct console *c, int argc, char **argv);
int cmd_halt(struct console *c, int argc, char **argv);
int cmd_quit(struct console *c, int argc, char **argv);
int cmd_id(struct console *c, int argc, char **argv);
int cmd_version(struct console *c, int argc, char **argv);

/* cmd_tickle.c: the pvmd's debugging hook */
int cmd_tickle(struct console *c, int argc, char **argv);

/* Adds the hosts of c->hostfile that are not `&' hosts and not in the
 * virtual machine already, printing the add table when one fails (all
 * added: nothing, as PVM's console).  Returns 0, or -1 when one failed. */
int cmd_vm_add_hostfile(struct console *c);

/* cmd_groups.c: the virtual machine's groups */
int cmd_groups(struct console *c, int argc, char **argv);

/* cmd_env.c: the console's own settings */
int cmd_help(struct console *c, int argc, char **argv);
int cmd_echo(struct console *c, int argc, char **argv);
int cmd_alias(struct console *c, int argc, char **argv);
int cmd_unalias(struct console *c, int argc, char **argv);
int cmd_setenv(struct console *c, int argc, char **argv);
int cmd_export(struct console *c, int argc, char **argv);
int cmd_unexport(struct console *c, int argc, char **argv);
int cmd_getopt(struct console *c, int argc, char **argv);
int cmd_setopt(struct console *c, int argc, char **argv);

/* cmds.c: aliases (the list lives in struct console) */

/* Returns the text of alias name, or NULL. */
const char *cmds_alias_get(const struct console *c, const char *name);

/* Defines (or redefines) alias name as text.  Returns 0 or -1 (memory). */
int cmds_alias_set(struct console *c, const char *name, const char *text);

/* Removes alias name.  Returns 0, or -1 if there was none. */
int cmds_alias_del(struct console *c, const char *name);

/* Prints every alias as "name<TAB>text". */
void cmds_alias_list(const struct console *c);

#endif
