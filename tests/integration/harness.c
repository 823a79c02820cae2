#define _GNU_SOURCE /* nftw */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "paths.h"

static struct harness *active; /* for the watchdog */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void kill_group(pid_t pgid)
{
    if (pgid > 0)
        kill(-pgid, SIGKILL);
}

/* Kills every process whose environment says it belongs to the VM with
 * socket directory sockdir: the pvmd puts PVM_SOCKDIR in each task's
 * environment and what a task starts inherits it.  Tasks lead process
 * groups of their own, so this, not the pvmd's group, reaches them if the
 * pvmd itself failed to stop them. */
static void kill_vm_processes(const char *sockdir)
{
    char want[300];
    int wn = snprintf(want, sizeof want, "PVM_SOCKDIR=%s", sockdir);
    DIR *proc = opendir("/proc");
    if (!proc || wn <= 0 || (size_t)wn >= sizeof want) {
        if (proc)
            closedir(proc);
        return;
    }
    struct dirent *e;
    while ((e = readdir(proc))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 1 || pid == getpid())
            continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/environ", pid);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        char var[4096];
        size_t n = 0;
        int c;
        bool hit = false;
        while (!hit && (c = fgetc(f)) != EOF) {
            if (c == 0) {
                var[n] = 0;
                hit = !strcmp(var, want);
                n = 0;
            } else if (n < sizeof var - 1) {
                var[n++] = (char)c;
            }
        }
        fclose(f);
        if (hit)
            kill((pid_t)pid, SIGKILL);
    }
    closedir(proc);
}

static void watchdog(int sig)
{
    (void)sig;
    static const char msg[] = "harness: watchdog fired, killing the test's virtual machine\n";
    if (write(2, msg, sizeof msg - 1) < 0) {
        /* nothing more to do */
    }
    if (active) {
        kill_group(active->pvmd);
        kill_vm_processes(active->sockdir);
    }
    _exit(99);
}

int harness_start(struct harness *h, const char *const *argv, unsigned timeout)
{
    memset(h, 0, sizeof *h);
    snprintf(h->tmp, sizeof h->tmp, "/tmp/pvmtest.XXXXXX");
    if (!mkdtemp(h->tmp)) {
        perror("harness: mkdtemp");
        return -1;
    }
    setenv("PVM_TMP", h->tmp, 1);
    unsetenv("PVM_SOCKDIR");
    unsetenv("PVM_TASK_TID");
    unsetenv("PVM_VMID");
    paths_sockdir(h->sockdir, sizeof h->sockdir);

    active = h;
    signal(SIGALRM, watchdog);
    alarm(timeout ? timeout : 60);

    int pfd[2];
    if (pipe(pfd) < 0) {
        perror("harness: pipe");
        return -1;
    }
    pid_t test = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        perror("harness: fork");
        return -1;
    }
    if (pid == 0) {
        /* If the test dies without harness_stop (a crash, a sanitizer
         * abort, a kill), its pvmd gets SIGTERM, which halts it and its
         * tasks: nothing is left behind. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != test)
            _exit(1);
        setpgid(0, 0);
        dup2(pfd[1], 1);
        close(pfd[0]);
        close(pfd[1]);
        const char *args[32] = {PVMD_PATH, "-f"};
        int n = 2;
        for (int i = 0; argv && argv[i] && n < 31; i++)
            args[n++] = argv[i];
        args[n] = NULL;
        execv(PVMD_PATH, (char **)args);
        perror("harness: exec pvmd");
        _exit(127);
    }
    setpgid(pid, pid);
    h->pvmd = pid;
    close(pfd[1]);
    /* The pvmd prints one line when it is ready to accept tasks. */
    char line[512];
    size_t got = 0;
    while (got < sizeof line - 1) {
        ssize_t r = read(pfd[0], line + got, sizeof line - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
        if (memchr(line, '\n', got))
            break;
    }
    close(pfd[0]);
    line[got] = 0;
    if (!strstr(line, "ready")) {
        fprintf(stderr, "harness: pvmd did not get ready (said: '%s')\n", line);
        harness_stop(h);
        return -1;
    }
    return 0;
}

void harness_stop(struct harness *h)
{
    if (h->pvmd > 0) {
        kill(h->pvmd, SIGTERM);
        /* Give it a moment to stop its tasks, then take the whole group. */
        for (int i = 0; i < 500; i++) {
            if (waitpid(h->pvmd, NULL, WNOHANG) == h->pvmd)
                break;
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        kill_group(h->pvmd);
        waitpid(h->pvmd, NULL, WNOHANG);
        h->pvmd = 0;
    }
    if (h->sockdir[0])
        kill_vm_processes(h->sockdir);
    if (h->tmp[0]) {
        nftw(h->tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        h->tmp[0] = 0;
    }
    alarm(0);
    active = NULL;
}

const char *harness_prog(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", PROGS_DIR, name);
    return path;
}

int harness_console(struct harness *h, const char *args, const char *input, char *out, size_t cap)
{
    (void)h;
    char cmd[1024];
    char inpath[300];
    snprintf(inpath, sizeof inpath, "%s/console-input", h->tmp);
    FILE *f = fopen(inpath, "w");
    if (!f)
        return -1;
    fputs(input ? input : "", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s %s < %s 2>&1", CONSOLE_PATH, args ? args : "", inpath);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
