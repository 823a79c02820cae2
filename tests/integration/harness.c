/*
 * harness.c - private virtual machines for integration tests, and the
 * registry that makes sure none outlives its test (harness.h).
 */
#define _GNU_SOURCE /* nftw, pipe2 */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "defs.h"
#include "paths.h"

#define HARNESS_MAX 16 /* VMs of one test process at a time */

/* ======================================================================== */
/* Finding and ending a VM's processes                                      */
/* ======================================================================== */

static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static time_t now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* Reads /proc/<pid>/<what> into buf (NUL-terminated, truncated to cap-1
 * bytes).  Returns the byte count, or -1. */
static ssize_t proc_read(long pid, const char *what, char *buf, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/%s", pid, what);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t n = 0;
    ssize_t r;
    while (n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    close(fd);
    buf[n] = 0;
    return (ssize_t)n;
}

/* True while pid exists and is not a zombie. */
static bool alive(long pid)
{
    char st[512];
    if (pid <= 0 || proc_read(pid, "stat", st, sizeof st) <= 0)
        return false;
    const char *p = strrchr(st, ')');
    return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

bool harness_pid_alive(pid_t pid)
{
    return alive((long)pid);
}

pid_t harness_host_pvmd(const struct harness *h, const char *addr)
{
    char path[600];
    snprintf(path, sizeof path, "%s-%s/pvmd.pid", h->sockdir, addr);
    FILE *f = fopen(path, "r");
    int pid = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%d", &pid) != 1)
        pid = 0;
    fclose(f);
    return (pid_t)pid;
}

/* True when pid's environment places it in the VM of directory tmp:
 * PVM_TMP=tmp (the pvmd, a daemonized pvmd, a console the test ran) or
 * PVM_SOCKDIR inside tmp (what a pvmd spawned, and what that started). */
static bool in_vm(long pid, const char *tmp)
{
    static char env[256 * 1024];
    ssize_t n = proc_read(pid, "environ", env, sizeof env);
    if (n <= 0)
        return false;
    char want_tmp[300], want_sock[300];
    snprintf(want_tmp, sizeof want_tmp, "%s=%s", ENV_PVM_TMP, tmp);
    int ls = snprintf(want_sock, sizeof want_sock, "%s=%s/", ENV_TASK_SOCKDIR, tmp);
    for (const char *v = env; v < env + n; v += strlen(v) + 1)
        if (!strcmp(v, want_tmp) || !strncmp(v, want_sock, (size_t)ls))
            return true;
    return false;
}

/* Sends sig (0: none) to every live process of the VM in tmp but this one;
 * returns how many there were. */
static int scan_vm(const char *tmp, int sig)
{
    DIR *proc = opendir("/proc");
    if (!proc)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(proc))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 1 || pid == getpid() || !in_vm(pid, tmp) || !alive(pid))
            continue;
        n++;
        if (sig)
            kill((pid_t)pid, sig);
    }
    closedir(proc);
    return n;
}

int harness_vm_processes(const char *tmp)
{
    return scan_vm(tmp, 0);
}

/* Waits up to ms for pid to end without reaping it: while our child is a
 * zombie its pid (and process group id) cannot be given to anyone else,
 * so signalling them afterwards cannot hit an unrelated process.  Returns
 * true when it has ended (or is not ours and is gone). */
static bool wait_ended(pid_t pid, int ms)
{
    for (int t = 0;; t += 10) {
        siginfo_t si = {0};
        int r = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT);
        if (r == 0 && si.si_pid == pid)
            return true;
        if (r < 0 && !alive(pid))
            return true;
        if (t >= ms)
            return false;
        pause_ms(10);
    }
}

/* Waits up to ms for pid to end, reaping it if it is our child. */
static bool wait_gone(pid_t pid, int ms)
{
    for (int t = 0;; t += 10) {
        if (waitpid(pid, NULL, WNOHANG) == pid || !alive(pid))
            return true;
        if (t >= ms)
            return false;
        pause_ms(10);
    }
}

/* The pid in <sockdir>/pvmd.pid for each socket directory in tmp, if that
 * process is a pvmd: one started without the harness (pvm_start_pvmd).
 * Each gets sig; returns how many. */
static int signal_pidfile_pvmds(const char *tmp, int sig, pid_t *first)
{
    DIR *d = opendir(tmp);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, PVM_SOCKDIR_PREFIX, strlen(PVM_SOCKDIR_PREFIX)) != 0)
            continue;
        char path[600], buf[32], comm[64];
        snprintf(path, sizeof path, "%s/%s/%s", tmp, e->d_name, PVMD_PID_NAME);
        FILE *f = fopen(path, "re");
        long pid = 0;
        if (f) {
            if (!fgets(buf, sizeof buf, f) || (pid = strtol(buf, NULL, 10)) <= 1)
                pid = 0;
            fclose(f);
        }
        /* A stale file may name a recycled pid: only a pvmd is ended. */
        if (pid > 1 && alive(pid) && proc_read(pid, "comm", comm, sizeof comm) > 0 &&
            !strcmp(comm, "pvmd\n")) {
            kill((pid_t)pid, sig);
            if (first && !*first)
                *first = (pid_t)pid;
            n++;
        }
    }
    closedir(d);
    return n;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* Ends everything of the VM in tmp and removes tmp.  pvmd: the pvmd the
 * harness started (it leads its process group), 0 if none.  Graceful
 * first asks the pvmds to halt (SIGTERM), as a user would. */
static void vm_end(const char *tmp, pid_t pvmd, bool graceful)
{
    if (pvmd > 0) {
        if (graceful) {
            kill(pvmd, SIGTERM);
            wait_ended(pvmd, 5000);
        }
        /* Not reaped yet (or not ours and still there): its pid and group
         * are still its own. */
        siginfo_t si = {0};
        bool ours = waitid(P_PID, (id_t)pvmd, &si, WEXITED | WNOHANG | WNOWAIT) == 0;
        if (ours || alive(pvmd)) {
            kill(-pvmd, SIGKILL);
            kill(pvmd, SIGKILL);
        }
        wait_gone(pvmd, 2000);
    }
    if (graceful) {
        pid_t other = 0;
        if (signal_pidfile_pvmds(tmp, SIGTERM, &other) > 0)
            wait_gone(other, 3000);
    }
    signal_pidfile_pvmds(tmp, SIGKILL, NULL);
    /* A pvmd still alive could start tasks between two scans: repeat until
     * a scan finds nobody, then let the last ones die before the files
     * go. */
    for (int round = 0; round < 50 && scan_vm(tmp, SIGKILL) > 0; round++)
        pause_ms(20);
    nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ======================================================================== */
/* The registry, the guardian, the watchdog                                 */
/* ======================================================================== */

/* Copies, never pointers into a test's own variables: a failed assertion
 * leaves those behind on a stack that is gone. */
struct vm {
    bool used;
    char tmp[256];
    pid_t pvmd;
    time_t deadline; /* watchdog, CLOCK_MONOTONIC seconds */
};

static struct {
    pid_t owner; /* a forked child does not own its parent's VMs */
    struct vm vm[HARNESS_MAX];
    int guard_fd; /* write end of the guardian's pipe, or -1 */
} reg = {.guard_fd = -1};

/* The guardian: waits for its pipe to close (the test process has ended,
 * however) and then ends what is still registered.  Messages, one per
 * line: "A <pvmd pid> <dir>" (add or update), "D <dir>" (stopped). */
static void guardian_run(int rfd)
{
    /* Out of the test's process group, so that what kills the test's
     * group does not take its guardian too; no hold on the test's output
     * (whoever reads it would wait for us). */
    setpgid(0, 0);
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGALRM, SIG_DFL);
    if (rfd < 3)
        rfd = fcntl(rfd, F_DUPFD_CLOEXEC, 3);
    int null = open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3; fd++)
        dup2(null, fd);
    /* Nothing of the test's (its sockets to pvmds) may stay open here. */
    if (rfd > 3)
        close_range(3, (unsigned)rfd - 1, 0);
    close_range((unsigned)rfd + 1, ~0u, 0);
    struct vm vms[HARNESS_MAX * 4];
    memset(vms, 0, sizeof vms);
    char line[600];
    size_t n = 0;
    for (;;) {
        char c;
        ssize_t r = read(rfd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (c != '\n') {
            if (n < sizeof line - 1)
                line[n++] = c;
            continue;
        }
        line[n] = 0;
        n = 0;
        long pid = 0;
        int off = 0;
        if (line[0] == 'A' && sscanf(line, "A %ld %n", &pid, &off) == 1 && off > 0) {
            struct vm *free_slot = NULL, *v = NULL;
            for (size_t i = 0; i < sizeof vms / sizeof vms[0] && !v; i++) {
                if (vms[i].used && !strcmp(vms[i].tmp, line + off))
                    v = &vms[i];
                else if (!vms[i].used && !free_slot)
                    free_slot = &vms[i];
            }
            if (!v && (v = free_slot)) {
                v->used = true;
                snprintf(v->tmp, sizeof v->tmp, "%s", line + off);
            }
            if (v)
                v->pvmd = (pid_t)pid;
        } else if (line[0] == 'D' && line[1] == ' ') {
            for (size_t i = 0; i < sizeof vms / sizeof vms[0]; i++)
                if (vms[i].used && !strcmp(vms[i].tmp, line + 2))
                    vms[i].used = false;
        }
    }
    for (size_t i = 0; i < sizeof vms / sizeof vms[0]; i++)
        if (vms[i].used)
            vm_end(vms[i].tmp, vms[i].pvmd, false);
    _exit(0);
}

static void guardian_start(void)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return;
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return;
    }
    if (pid == 0) {
        close(p[1]);
        guardian_run(p[0]);
    }
    close(p[0]);
    reg.guard_fd = p[1];
}

static void guardian_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void guardian_say(const char *fmt, ...)
{
    if (reg.guard_fd < 0)
        return;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* One write of less than PIPE_BUF bytes: never interleaved. */
    if (n > 0 && (size_t)n < sizeof msg && write(reg.guard_fd, msg, (size_t)n) < 0) {
        /* the guardian is gone: nothing to tell */
    }
}

/* Ends every VM this process registered.  Graceful: see vm_end. */
static void end_all(bool graceful)
{
    if (reg.owner != getpid())
        return;
    for (int i = 0; i < HARNESS_MAX; i++) {
        struct vm *v = &reg.vm[i];
        if (!v->used)
            continue;
        vm_end(v->tmp, v->pvmd, graceful);
        guardian_say("D %s\n", v->tmp);
        v->used = false;
    }
    alarm(0);
}

static void at_exit(void)
{
    end_all(false);
}

static void watchdog(int sig)
{
    (void)sig;
    static const char msg[] = "harness: watchdog fired, killing the test's virtual machines\n";
    if (write(2, msg, sizeof msg - 1) < 0) {
        /* nothing more to do */
    }
    end_all(false);
    _exit(99);
}

/* The earliest deadline of the registered VMs, or none. */
static void arm_watchdog(void)
{
    time_t first = 0;
    for (int i = 0; i < HARNESS_MAX; i++)
        if (reg.vm[i].used && reg.vm[i].deadline && (!first || reg.vm[i].deadline < first))
            first = reg.vm[i].deadline;
    if (!first) {
        alarm(0);
        return;
    }
    time_t left = first - now_s();
    alarm(left > 0 ? (unsigned)left : 1);
}

/* The registry of this process, set up on first use; a forked child
 * forgets its parent's (they are the parent's to end). */
static void reg_own(void)
{
    static bool hooked;
    if (reg.owner == getpid())
        return;
    memset(reg.vm, 0, sizeof reg.vm);
    if (reg.guard_fd >= 0)
        close(reg.guard_fd);
    reg.guard_fd = -1;
    reg.owner = getpid();
    if (!hooked) {
        atexit(at_exit); /* inherited by a forked child, which checks owner */
        hooked = true;
    }
    signal(SIGALRM, watchdog);
    guardian_start();
}

static struct vm *reg_find(const char *tmp)
{
    for (int i = 0; i < HARNESS_MAX; i++)
        if (reg.vm[i].used && !strcmp(reg.vm[i].tmp, tmp))
            return &reg.vm[i];
    return NULL;
}

static struct vm *reg_add(const char *tmp, unsigned timeout)
{
    reg_own();
    for (int i = 0; i < HARNESS_MAX; i++) {
        struct vm *v = &reg.vm[i];
        if (v->used)
            continue;
        v->used = true;
        snprintf(v->tmp, sizeof v->tmp, "%s", tmp);
        v->pvmd = 0;
        v->deadline = now_s() + (timeout ? timeout : 60);
        guardian_say("A 0 %s\n", tmp);
        arm_watchdog();
        return v;
    }
    fprintf(stderr, "harness: more than %d virtual machines at once\n", HARNESS_MAX);
    return NULL;
}

/* ======================================================================== */
/* Starting and stopping                                                    */
/* ======================================================================== */

void harness_use(const struct harness *h)
{
    setenv(ENV_PVM_TMP, h->tmp, 1);
    /* The machine's mesh key in the VM's own directory, not the home of
     * whoever runs the tests (daemon/mesh_keys.h). */
    char keys[sizeof h->tmp + 8];
    snprintf(keys, sizeof keys, "%s/keys", h->tmp);
    setenv("PVMD_KEY_DIR", keys, 1);
    unsetenv(ENV_TASK_SOCKDIR);
    unsetenv(ENV_TASK_TID);
    unsetenv(ENV_PVM_VMID);
}

int harness_prepare(struct harness *h, unsigned timeout)
{
    memset(h, 0, sizeof *h);
    snprintf(h->tmp, sizeof h->tmp, "/tmp/pvmtest.XXXXXX");
    if (!mkdtemp(h->tmp)) {
        perror("harness: mkdtemp");
        h->tmp[0] = 0;
        return -1;
    }
    if (!reg_add(h->tmp, timeout)) {
        rmdir(h->tmp);
        h->tmp[0] = 0;
        return -1;
    }
    harness_use(h);
    paths_sockdir(h->sockdir, sizeof h->sockdir);
    return 0;
}

int harness_start(struct harness *h, const char *const *argv, unsigned timeout)
{
    if (harness_prepare(h, timeout) < 0)
        return -1;
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        perror("harness: pipe");
        harness_stop(h);
        return -1;
    }
    pid_t test = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        perror("harness: fork");
        close(pfd[0]);
        close(pfd[1]);
        harness_stop(h);
        return -1;
    }
    if (pid == 0) {
        /* If the test dies without harness_stop, its pvmd gets SIGTERM
         * (halt) at once; the guardian does the rest. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != test)
            _exit(1);
        setpgid(0, 0);
        dup2(pfd[1], 1);
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
    struct vm *v = reg_find(h->tmp);
    if (v)
        v->pvmd = pid;
    guardian_say("A %d %s\n", (int)pid, h->tmp);
    close(pfd[1]);
    /* The pvmd prints one line when it is ready to accept tasks. */
    char line[512];
    size_t got = 0;
    while (got < sizeof line - 1) {
        ssize_t r = read(pfd[0], line + got, sizeof line - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
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
    if (!h->tmp[0])
        return;
    /* The test may have ended and reaped its pvmd itself (h->pvmd = 0). */
    vm_end(h->tmp, h->pvmd, true);
    struct vm *v = reg.owner == getpid() ? reg_find(h->tmp) : NULL;
    if (v) {
        v->used = false;
        guardian_say("D %s\n", h->tmp);
        arm_watchdog();
    }
    h->pvmd = 0;
    h->tmp[0] = 0;
}

int harness_stop_all(void **state)
{
    (void)state;
    end_all(true);
    return 0;
}

const char *harness_prog(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", PROGS_DIR, name);
    return path;
}

int harness_console(struct harness *h, const char *args, const char *input, char *out, size_t cap)
{
    char cmd[1400];
    char inpath[300];
    snprintf(inpath, sizeof inpath, "%s/console-input", h->tmp);
    FILE *f = fopen(inpath, "w");
    if (!f)
        return -1;
    fputs(input ? input : "", f);
    fclose(f);
    /* In h's VM whichever VM PVM_TMP names now. */
    snprintf(cmd, sizeof cmd, "%s='%s' %s %s < %s 2>&1", ENV_PVM_TMP, h->tmp, CONSOLE_PATH,
             args ? args : "", inpath);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
