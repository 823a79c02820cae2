/*
 * cmd_env.c - commands about the console itself: help, echo, aliases,
 * environment, export list, options.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmds.h"
#include "pvm3.h"

extern char **environ;

/* ---- help ------------------------------------------------------------ */

static void help_list_one(const struct cmd *cmd, void *arg)
{
    (void)arg;
    printf("  %-12s%s\n", cmd->name, cmd->brief);
}

int cmd_help(struct console *c, int argc, char **argv)
{
    (void)c;
    const char *name = argc > 1 ? argv[1] : "help";
    const struct cmd *cmd = cmds_find(name);
    if (!cmd) {
        printf("help: %s: no such command\n", name);
        return -1;
    }
    printf("%-12s%s\n%s", cmd->name, cmd->brief, cmd->usage);
    if (argc == 1) {
        printf("Commands are:\n");
        cmds_each(help_list_one, NULL);
    }
    return 0;
}

/* ---- echo, alias ----------------------------------------------------- */

/* Joins argv[from..argc) with single blanks; the caller frees the result. */
static char *join(int argc, char **argv, int from)
{
    size_t len = 1;
    for (int i = from; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = 0;
    for (int i = from; i < argc; i++) {
        if (i > from)
            strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

int cmd_echo(struct console *c, int argc, char **argv)
{
    (void)c;
    for (int i = 1; i < argc; i++)
        printf(i > 1 ? " %s" : "%s", argv[i]);
    printf("\n");
    return 0;
}

int cmd_alias(struct console *c, int argc, char **argv)
{
    if (argc == 1) {
        cmds_alias_list(c);
        return 0;
    }
    if (argc == 2) {
        const char *text = cmds_alias_get(c, argv[1]);
        if (text)
            printf("%s\t%s\n", argv[1], text);
        return 0;
    }
    char *text = join(argc, argv, 2);
    int rc = text ? cmds_alias_set(c, argv[1], text) : -1;
    free(text);
    if (rc < 0)
        printf("alias: out of memory\n");
    return rc;
}

int cmd_unalias(struct console *c, int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        cmds_alias_del(c, argv[i]); /* as PVM: no complaint about unknown names */
    return 0;
}

/* ---- environment ----------------------------------------------------- */

int cmd_setenv(struct console *c, int argc, char **argv)
{
    (void)c;
    if (argc == 1) {
        for (char **e = environ; *e; e++)
            printf("%s\n", *e);
        return 0;
    }
    if (argc == 2) {
        const char *v = getenv(argv[1]);
        if (v)
            printf("%s\n", v);
        return 0;
    }
    char *value = join(argc, argv, 2);
    if (!value || setenv(argv[1], value, 1) < 0) {
        free(value);
        printf("setenv: can't set %s\n", argv[1]);
        return -1;
    }
    free(value);
    return 0;
}

static int export_list(int argc, char **argv, int (*fn)(char *), const char *what)
{
    if (argc == 1) {
        const char *v = getenv("PVM_EXPORT");
        printf("PVM_EXPORT=%s\n", v ? v : "");
        return 0;
    }
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        int r = fn(argv[i]);
        if (r < 0) {
            printf("%s: %s: %s\n", what, argv[i], cmds_errtext(r));
            rc = -1;
        }
    }
    return rc;
}

int cmd_export(struct console *c, int argc, char **argv)
{
    (void)c;
    return export_list(argc, argv, pvm_export, "export");
}

int cmd_unexport(struct console *c, int argc, char **argv)
{
    (void)c;
    return export_list(argc, argv, pvm_unexport, "unexport");
}

/* ---- options --------------------------------------------------------- */

static const struct {
    int what;
    const char *name;
} options[] = {
    {PvmRoute, "PvmRoute"},
    {PvmDebugMask, "PvmDebugMask"},
    {PvmAutoErr, "PvmAutoErr"},
    {PvmOutputTid, "PvmOutputTid"},
    {PvmOutputCode, "PvmOutputCode"},
    {PvmTraceTid, "PvmTraceTid"},
    {PvmTraceCode, "PvmTraceCode"},
    {PvmTraceBuffer, "PvmTraceBuffer"},
    {PvmTraceOptions, "PvmTraceOptions"},
    {PvmFragSize, "PvmFragSize"},
    {PvmResvTids, "PvmResvTids"},
    {PvmSelfOutputTid, "PvmSelfOutputTid"},
    {PvmSelfOutputCode, "PvmSelfOutputCode"},
    {PvmSelfTraceTid, "PvmSelfTraceTid"},
    {PvmSelfTraceCode, "PvmSelfTraceCode"},
    {PvmSelfTraceBuffer, "PvmSelfTraceBuffer"},
    {PvmSelfTraceOptions, "PvmSelfTraceOptions"},
    {PvmShowTids, "PvmShowTids"},
    {PvmPollType, "PvmPollType"},
    {PvmPollTime, "PvmPollTime"},
    {PvmOutputContext, "PvmOutputContext"},
    {PvmTraceContext, "PvmTraceContext"},
    {PvmSelfOutputContext, "PvmSelfOutputContext"},
    {PvmSelfTraceContext, "PvmSelfTraceContext"},
    {PvmNoReset, "PvmNoReset"},
};
#define NOPTIONS ((int)(sizeof options / sizeof options[0]))

/* Finds an option by name (with or without "Pvm", any case) or number. */
static int find_option(const char *s)
{
    char *end;
    long n = strtol(s, &end, 10);
    for (int i = 0; i < NOPTIONS; i++) {
        if (*s && !*end && options[i].what == n)
            return i;
        if (strcasecmp(options[i].name, s) == 0 || strcasecmp(options[i].name + 3, s) == 0)
            return i;
    }
    return -1;
}

static void show_option(int i)
{
    int v = pvm_getopt(options[i].what);
    printf("%s Currently Set to %d\n", options[i].name, v);
}

int cmd_getopt(struct console *c, int argc, char **argv)
{
    (void)c;
    if (argc == 1) {
        for (int i = 0; i < NOPTIONS; i++)
            show_option(i);
        return 0;
    }
    int i = find_option(argv[1]);
    if (i < 0) {
        printf("getopt: unknown option %s\n", argv[1]);
        return -1;
    }
    show_option(i);
    return 0;
}

int cmd_setopt(struct console *c, int argc, char **argv)
{
    (void)c;
    (void)argc;
    int i = find_option(argv[1]);
    if (i < 0) {
        printf("setopt: unknown option %s\n", argv[1]);
        return -1;
    }
    char *end;
    long v = strtol(argv[2], &end, 0);
    if (!*argv[2] || *end) {
        printf("setopt: bad value %s\n", argv[2]);
        return -1;
    }
    int r = pvm_setopt(options[i].what, (int)v);
    if (r < 0) {
        printf("setopt: %s\n", cmds_errtext(r));
        return -1;
    }
    show_option(i);
    return 0;
}
