/*
 * cmd_vm.c - commands about the virtual machine: conf, mstat, add,
 * delete, halt, quit, id, version.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "../common/hostfile.h"
#include "lpvm.h"
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
    /* PVM's columns, then the address each pvmd announces for the mesh. */
    printf("%24s %8s %8s %7s %10s %s\n", "HOST", "DTID", "ARCH", "SPEED", "DSIG", "ADDRESS");
    for (int i = 0; i < nhost; i++) {
        char ip[64] = "";
        const char *a = lpvm_host_addr(i);
        if (!strncmp(a, "tcp://", 6)) {
            snprintf(ip, sizeof ip, "%s", a + 6);
            char *colon = strrchr(ip, ':');
            if (colon)
                *colon = 0;
        }
        printf("%24s %8x %8s %7d 0x%08x %s\n", hosts[i].hi_name ? hosts[i].hi_name : "",
               (unsigned)hosts[i].hi_tid, hosts[i].hi_arch ? hosts[i].hi_arch : "",
               hosts[i].hi_speed, (unsigned)hosts[i].hi_dsig, ip);
    }
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

/* ===================================================================== */
/* add and delete                                                        */
/* ===================================================================== */

/* The text pvm_addhosts gets for what the user typed: a host of the
 * hostfile (an `&' one, typically) with its options, else the words with
 * the defaults of the hostfile's last `*' line, as PVM's pvmd applies
 * them to hosts added later.  NULL: send the words as they are (the
 * library refuses what does not parse).  The caller frees the result. */
static char *add_text(const struct console *c, const char *words)
{
    const struct hostfile *hf = c->hostfile;
    if (!hf)
        return NULL;
    struct hostfile_entry e;
    const struct hostfile_entry *known = hostfile_find(hf, words);
    if (known ? hostfile_entry_copy(&e, known) < 0
              : hostfile_parse_host(words, &hf->defaults, &e, NULL, 0) < 0)
        return NULL;
    int len = hostfile_format(&e, NULL, 0);
    char *s = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (s)
        hostfile_format(&e, s, (size_t)len + 1);
    hostfile_entry_fini(&e);
    return s;
}

/* PVM 3.4.6's console, to the character:
 *
 *   1 successful
 *                       HOST     DTID
 *                  127.0.0.2    80000
 *                  127.0.0.3 Duplicate host
 */
static void add_report(int ok, char **names, int n, const int *infos)
{
    printf("%d successful\n", ok);
    printf("                    HOST     DTID\n");
    bool said = false;
    for (int i = 0; i < n; i++) {
        if (infos[i] < 0)
            printf("%24s %s\n", names[i], cmds_errtext(infos[i]));
        else
            printf("%24s %8x\n", names[i], (unsigned)infos[i]);
        said |= infos[i] < 0 && *lpvm_host_why(i);
    }
    if (!said)
        return;
    /* As PVM's console: what went wrong, host by host. */
    printf("\nAuto-Diagnosing Failed Hosts...\n");
    for (int i = 0; i < n; i++)
        if (infos[i] < 0 && *lpvm_host_why(i))
            printf("%s...\n%s\n", names[i], lpvm_host_why(i));
}

/* Adds names[0..n-1] (shown as given) with texts sent[] (NULL: the name). */
static int add_hosts(const char *cmd, char **names, char **sent, int n, bool quiet_if_ok)
{
    int *infos = calloc((size_t)n, sizeof *infos);
    char **args = calloc((size_t)n, sizeof *args);
    if (!infos || !args) {
        free(infos);
        free(args);
        printf("%s: out of memory\n", cmd);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        infos[i] = PvmSysErr;
        args[i] = sent[i] ? sent[i] : names[i];
    }
    int r = pvm_addhosts(args, n, infos);
    free(args);
    if (r < 0) {
        printf("%s: %s\n", cmd, cmds_errtext(r));
        free(infos);
        return -1;
    }
    if (!quiet_if_ok || r != n)
        add_report(r, names, n, infos);
    free(infos);
    return r == n ? 0 : -1;
}

int cmd_add(struct console *c, int argc, char **argv)
{
    int n = argc - 1;
    char **sent = calloc((size_t)n, sizeof *sent);
    if (!sent) {
        printf("add: out of memory\n");
        return -1;
    }
    for (int i = 0; i < n; i++)
        sent[i] = add_text(c, argv[i + 1]);
    int rc = add_hosts("add", argv + 1, sent, n, false);
    for (int i = 0; i < n; i++)
        free(sent[i]);
    free(sent);
    return rc;
}

/* True when the virtual machine has a host of that name. */
static bool in_vm(const struct pvmhostinfo *hosts, int nhost, const char *name)
{
    for (int i = 0; i < nhost; i++)
        if (hosts[i].hi_name && strcmp(hosts[i].hi_name, name) == 0)
            return true;
    return false;
}

int cmd_vm_add_hostfile(struct console *c)
{
    const struct hostfile *hf = c->hostfile;
    int nhost = 0, narch;
    struct pvmhostinfo *hosts = NULL;
    if (!hf || hf->n == 0 || pvm_config(&nhost, &narch, &hosts) < 0)
        return 0;
    char **names = calloc(hf->n, sizeof *names);
    char **sent = calloc(hf->n, sizeof *sent);
    int n = 0, rc = 0;
    for (size_t i = 0; names && sent && i < hf->n; i++) {
        const struct hostfile_entry *e = &hf->hosts[i];
        /* The host the pvmd runs on may be listed too (pvmd3(1PVM)). */
        if (e->no_start || in_vm(hosts, nhost, e->name))
            continue;
        int len = hostfile_format(e, NULL, 0);
        if (len < 0 || !(sent[n] = malloc((size_t)len + 1)))
            break;
        hostfile_format(e, sent[n], (size_t)len + 1);
        names[n++] = e->name;
    }
    if (!names || !sent)
        printf("pvm: out of memory\n");
    else if (n > 0)
        rc = add_hosts("add", names, sent, n, true);
    for (int i = 0; sent && i < n; i++)
        free(sent[i]);
    free(sent);
    free(names);
    return rc;
}

/* PVM 3.4.6's console, to the character:
 *
 *   1 successful
 *                       HOST  STATUS
 *                  127.0.0.2  deleted
 *             nohost.invalid  No such host
 */
int cmd_delete(struct console *c, int argc, char **argv)
{
    (void)c;
    int n = argc - 1;
    int *infos = calloc((size_t)n, sizeof *infos);
    if (!infos) {
        printf("delete: out of memory\n");
        return -1;
    }
    for (int i = 0; i < n; i++)
        infos[i] = PvmSysErr;
    int r = pvm_delhosts(argv + 1, n, infos);
    if (r < 0) {
        printf("delete: %s\n", cmds_errtext(r));
        free(infos);
        return -1;
    }
    printf("%d successful\n", r);
    printf("                    HOST  STATUS\n");
    for (int i = 0; i < n; i++)
        printf("%24s  %s\n", argv[i + 1], infos[i] < 0 ? cmds_errtext(infos[i]) : "deleted");
    free(infos);
    return r == n ? 0 : -1;
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
