/*
 * cmd_vm.c - commands about the virtual machine: conf, mstat, add,
 * delete, halt, quit, id, version.
 */
#include <stdlib.h>

#include "cmds.h"
#include "pvm3.h"

int cmd_conf(struct console *c, int argc, char **argv)
{
    (void)c;
    (void)argc;
    (void)argv;
    int nhost, narch;
    struct pvmhostinfo *hosts;
    int r = pvm_config(&nhost, &narch, &hosts);
    if (r < 0) {
        printf("conf: %s\n", cmds_errtext(r));
        return -1;
    }
    printf("%d host%s, %d data format%s\n", nhost, nhost == 1 ? "" : "s", narch,
           narch == 1 ? "" : "s");
    printf("%24s %8s %8s %7s %10s\n", "HOST", "DTID", "ARCH", "SPEED", "DSIG");
    for (int i = 0; i < nhost; i++)
        printf("%24s %8x %8s %7d 0x%08x\n", hosts[i].hi_name ? hosts[i].hi_name : "",
               (unsigned)hosts[i].hi_tid, hosts[i].hi_arch ? hosts[i].hi_arch : "",
               hosts[i].hi_speed, (unsigned)hosts[i].hi_dsig);
    return 0;
}

int cmd_mstat(struct console *c, int argc, char **argv)
{
    (void)c;
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        int r = pvm_mstat(argv[i]);
        printf("%24s  %s\n", argv[i], r == PvmOk ? "ok" : cmds_errtext(r));
        if (r < 0)
            rc = -1;
    }
    return rc;
}

/* Until the multi-host issue lands, libpvm answers PvmNotImpl. */
static int not_yet(const char *what)
{
    printf("%s: not available yet: adding and deleting hosts arrives with the multi-host "
           "issue\n",
           what);
    return -1;
}

/* Runs pvm_addhosts or pvm_delhosts on the hosts named in argv[1..] and
 * prints "N successful", the table heading and one row per host. */
static int host_cmd(const char *name, int (*op)(char **, int, int *), int argc, char **argv,
                    const char *heading, void (*row)(const char *host, int info))
{
    int n = argc - 1;
    int *infos = calloc((size_t)n, sizeof *infos);
    if (!infos)
        return -1;
    int r = op(argv + 1, n, infos);
    if (r == PvmNotImpl) {
        free(infos);
        return not_yet(name);
    }
    if (r < 0) {
        printf("%s: %s\n", name, cmds_errtext(r));
        free(infos);
        return -1;
    }
    printf("%d successful\n", r);
    puts(heading);
    for (int i = 0; i < n; i++)
        row(argv[i + 1], infos[i]);
    free(infos);
    return r == n ? 0 : -1;
}

static void add_row(const char *host, int info)
{
    if (info < 0)
        printf("%24s %s\n", host, cmds_errtext(info));
    else
        printf("%24s %8x\n", host, (unsigned)info);
}

static void delete_row(const char *host, int info)
{
    printf("%24s  %s\n", host, info < 0 ? cmds_errtext(info) : "deleted");
}

int cmd_add(struct console *c, int argc, char **argv)
{
    (void)c;
    return host_cmd("add", pvm_addhosts, argc, argv, "                    HOST     DTID", add_row);
}

int cmd_delete(struct console *c, int argc, char **argv)
{
    (void)c;
    return host_cmd("delete", pvm_delhosts, argc, argv, "                    HOST  STATUS",
                    delete_row);
}

int cmd_halt(struct console *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    /* A script that spawns with -> and then halts wants to see the output. */
    if (c->mode != CONSOLE_TTY)
        console_wait_jobs(c);
    int r = pvm_halt();
    if (r < 0) {
        printf("halt: %s\n", cmds_errtext(r));
        return -1;
    }
    c->halted = true;
    c->done = true;
    return 0;
}

int cmd_quit(struct console *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (c->mode != CONSOLE_TTY)
        console_wait_jobs(c);
    c->done = true;
    return 0;
}

int cmd_id(struct console *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("t%x\n", (unsigned)c->mytid);
    return 0;
}

int cmd_version(struct console *c, int argc, char **argv)
{
    (void)c;
    (void)argc;
    (void)argv;
    printf("%s\n", pvm_version());
    return 0;
}
