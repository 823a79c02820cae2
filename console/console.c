/*
 * console.c - the console `pvm': arguments, start of (or attach to) the
 * local pvmd, and the event loop.
 *
 *   pvm [-e command]... [pvmd options] [hostfile]
 *
 * On a terminal the console reads commands with readline; otherwise from
 * stdin line by line, printing each after the prompt as PVM's console
 * does.  With -e it runs the given commands (each may hold several,
 * separated by `;') and exits, printing no prompt.  Either way, when the
 * commands end while `spawn ->' jobs still run, it waits for their output
 * before it exits.  The virtual machine stays up unless `halt' was run.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "../common/hostfile.h"
#include "cmds.h"
#include "console.h"
#include "pvm3.h"

#define MAX_POLL 64

static volatile sig_atomic_t got_int; /* ^C on a terminal */

static void on_sigint(int sig)
{
    (void)sig;
    got_int = 1;
}

/* ===================================================================== */
/* Messages                                                              */
/* ===================================================================== */

static void lost(struct console *c, int code)
{
    if (c->lost)
        return;
    c->lost = true;
    printf("pvm: lost the connection to the pvmd (%s)\n", cmds_errtext(code));
    fflush(stdout);
}

/* Set while draining in the idle loop: the prompt is hidden before the
 * first output and shown again at the end. */
static bool async_pending, async_shown;

static void before_print(void)
{
    if (async_pending && !async_shown) {
        lineio_async_begin();
        async_shown = true;
    }
}

static void handle(struct console *c, int bufid)
{
    jobs_handle(c->jobs, bufid, before_print); /* anything else is not for us: dropped */
    pvm_freebuf(bufid);
}

/* async: the user may be typing, hide the partial line around output. */
static void drain(struct console *c, bool async)
{
    async_pending = async;
    async_shown = false;
    while (!c->lost) {
        int bufid = pvm_nrecv(-1, -1);
        if (bufid == 0)
            break;
        if (bufid < 0) {
            before_print();
            lost(c, bufid);
            break;
        }
        handle(c, bufid);
    }
    if (async_shown)
        lineio_async_end();
    async_pending = async_shown = false;
}

void console_drain(struct console *c)
{
    drain(c, false);
}

void console_wait_jobs(struct console *c)
{
    drain(c, false);
    while (jobs_active(c->jobs) && !c->lost && !got_int) {
        /* A timeout, so that ^C is seen even if libpvm retries on EINTR. */
        struct timeval tv = {0, 250000};
        int bufid = pvm_trecv(-1, -1, &tv);
        if (bufid < 0)
            lost(c, bufid);
        else if (bufid > 0)
            handle(c, bufid);
    }
    got_int = 0;
}

/* ===================================================================== */
/* Reading commands                                                      */
/* ===================================================================== */

static void on_line(struct console *c, const char *line)
{
    if (c->mode == CONSOLE_PIPE) {
        printf(CONSOLE_PROMPT "%s\n", line);
        fflush(stdout);
    }
    if (cmds_run_line(c, line) < 0)
        c->failed++;
    fflush(stdout);
}

/* Commands of $HOME/.pvmrc run first, quietly (aliases, setenv, ...). */
static void run_pvmrc(struct console *c)
{
    const char *home = getenv("HOME");
    if (!home)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/.pvmrc", home);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[4096];
    while (!c->done && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        cmds_run_line(c, line);
    }
    fclose(f);
}

/* Polls stdin and the pvmd's sockets; commands and output interleave. */
static void interactive_loop(struct console *c)
{
    bool eof = false;
    lineio_init(c, on_line);
    while (!c->done && !c->lost && !eof) {
        drain(c, true);
        if (c->done || c->lost)
            break;
        struct pollfd pf[MAX_POLL];
        int n = 0;
        pf[n++] = (struct pollfd){.fd = 0, .events = POLLIN};
        int *fds = NULL;
        int nfd = pvm_getfds(&fds);
        for (int k = 0; k < nfd && n < MAX_POLL; k++)
            pf[n++] = (struct pollfd){.fd = fds[k], .events = POLLIN};
        /* Without the pvmd's fds, look for output now and then. */
        int r = poll(pf, (nfds_t)n, nfd > 0 ? -1 : 200);
        if (got_int) {
            got_int = 0;
            lineio_interrupt();
            continue;
        }
        if (r < 0) {
            if (errno == EINTR)
                continue;
            perror("pvm: poll");
            break;
        }
        if (pf[0].revents & (POLLIN | POLLHUP | POLLERR))
            if (lineio_read() < 0)
                eof = true;
    }
    lineio_fini();
    if (eof && !c->done && !c->lost)
        console_wait_jobs(c);
}

static void oneshot(struct console *c, char **cmds, int ncmd)
{
    for (int i = 0; i < ncmd && !c->done && !c->lost; i++)
        if (cmds_run_line(c, cmds[i]) < 0)
            c->failed++;
    if (!c->done && !c->lost)
        console_wait_jobs(c);
}

/* ===================================================================== */
/* Start                                                                 */
/* ===================================================================== */

static void usage(FILE *f)
{
    fprintf(f, "usage: pvm [-e command]... [pvmd options] [hostfile]\n"
               "  -e command  run command (several may be separated by ';') and exit;\n"
               "              may be repeated; waits for spawn -> output first\n"
               "Without -e, commands are read from stdin (readline on a terminal).\n"
               "Other options are passed to pvmd when it is started.  The hosts of the\n"
               "hostfile (PVM's format, see pvmd3(1PVM)) are added when the pvmd is\n"
               "started here, except `&' hosts, which `add' starts with their options.\n");
}

/* Enrolls, starting the pvmd first if this user has none for PVM_VMID
 * (*started says whether it did). */
static int attach(int npvmd, char **pvmd_args, bool hostfile, bool *started)
{
    *started = false;
    int tid = pvm_mytid();
    if (tid > 0) {
        /* As PVM's console: the hostfile is for a new virtual machine. */
        if (hostfile)
            printf("pvmd already running.\n");
        return tid;
    }
    int r = pvm_start_pvmd(npvmd, pvmd_args, 1);
    if (r < 0 && r != PvmDupHost) {
        fprintf(stderr, "pvm: can't start pvmd: %s\n", cmds_errtext(r));
        return r;
    }
    *started = r >= 0;
    tid = pvm_mytid();
    if (tid < 0)
        fprintf(stderr, "pvm: can't contact the pvmd: %s\n", cmds_errtext(tid));
    return tid;
}

int main(int argc, char **argv)
{
    char **cmds = calloc((size_t)argc + 1, sizeof *cmds);
    char **pvmd_args = calloc((size_t)argc + 1, sizeof *pvmd_args);
    int ncmd = 0, npvmd = 0;
    const char *hostfile = NULL;
    if (!cmds || !pvmd_args)
        return 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-e") == 0) {
            if (i + 1 >= argc) {
                usage(stderr);
                return 2;
            }
            cmds[ncmd++] = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] != '-') {
            if (hostfile) {
                usage(stderr);
                return 2;
            }
            hostfile = argv[i];
        } else {
            pvmd_args[npvmd++] = argv[i];
        }
    }

    /* The console reads the hostfile itself (the pvmd is not given it):
     * a mistake is reported before anything starts. */
    struct hostfile hf = {0};
    if (hostfile) {
        char err[HOSTFILE_ERR_MAX];
        if (hostfile_read(hostfile, &hf, err, sizeof err) < 0) {
            fprintf(stderr, "pvm: %s\n", err);
            return 1;
        }
    }

    struct console con = {0};
    struct console *c = &con;
    c->mode = ncmd > 0 ? CONSOLE_ONESHOT : isatty(0) ? CONSOLE_TTY : CONSOLE_PIPE;
    setvbuf(stdout, NULL, _IOLBF, 0); /* output and errors interleave in order */

    pvm_setopt(PvmAutoErr, 0); /* the console says what went wrong itself */
    bool started;
    c->mytid = attach(npvmd, pvmd_args, hostfile != NULL, &started);
    if (c->mytid < 0) {
        hostfile_fini(&hf);
        return 1;
    }
    if (hostfile)
        c->hostfile = &hf;
    pvm_setopt(PvmNoReset, 1); /* another console's reset spares this one */
    c->jobs = jobs_new();
    if (!c->jobs) {
        pvm_exit();
        hostfile_fini(&hf);
        return 1;
    }

    if (c->mode == CONSOLE_TTY) {
        struct sigaction sa = {.sa_handler = on_sigint}; /* no SA_RESTART: poll wakes */
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
    }

    if (started && cmd_vm_add_hostfile(c) < 0)
        c->failed++;
    fflush(stdout);

    if (c->mode == CONSOLE_ONESHOT) {
        oneshot(c, cmds, ncmd);
    } else {
        run_pvmrc(c);
        if (!c->done)
            interactive_loop(c);
    }

    if (!c->halted && !c->lost) {
        if (c->mode != CONSOLE_ONESHOT)
            printf("pvmd still running.\n");
        pvm_exit();
    }
    fflush(stdout);
    jobs_destroy(&c->jobs);
    cmds_fini(c);
    hostfile_fini(&hf);
    free(cmds);
    free(pvmd_args);
    if (c->lost)
        return 1;
    return c->mode == CONSOLE_ONESHOT && c->failed ? 1 : 0;
}
