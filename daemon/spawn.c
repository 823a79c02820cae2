#define _GNU_SOURCE /* pipe2, posix_spawn_file_actions_addchdir_np */
/*
 * spawn.c - starting and reaping tasks.
 */
#include "spawn.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "defs.h"
#include "guardian.h"
#include "hosttab.h"
#include "output.h"
#include "paths.h"
#include "pvm3.h"
#include "pvmd.h"
#include "regs.h"
#include "tasktab.h"
#include "tid.h"

extern char **environ;

/* ===================================================================== */
/* Where                                                                  */
/* ===================================================================== */

static bool is_local_address(const char *name)
{
    unsigned char want[sizeof(struct in6_addr)];
    int family;
    if (inet_pton(AF_INET, name, want) == 1)
        family = AF_INET;
    else if (inet_pton(AF_INET6, name, want) == 1)
        family = AF_INET6;
    else
        return false;
    struct ifaddrs *ifs;
    if (getifaddrs(&ifs) < 0)
        return false;
    bool found = false;
    for (struct ifaddrs *i = ifs; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != family)
            continue;
        if (family == AF_INET)
            found = !memcmp(&((struct sockaddr_in *)i->ifa_addr)->sin_addr, want, 4);
        else
            found = !memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, want, 16);
    }
    freeifaddrs(ifs);
    return found;
}

bool spawn_names_this_host(struct pvmd *d, const char *name)
{
    if (!strcmp(name, ".") || !strcmp(name, "localhost") || !strcmp(name, d->hostname))
        return true;
    struct host *me = hosttab_get(d->hosts, d->myhost);
    if (me && !strcmp(name, me->name))
        return true;
    /* The short form of a qualified host name. */
    size_t n = strlen(name);
    if (!strncmp(name, d->hostname, n) && d->hostname[n] == '.')
        return true;
    return is_local_address(name);
}

/* PvmNoHost unless this host may run the request. */
static int check_where(struct pvmd *d, const Pvm__SpawnRequest *req)
{
    const char *where = req->where ? req->where : "";
    bool mine = true;
    if (req->flags & PvmTaskHost) {
        mine = *where == 0 || spawn_names_this_host(d, where);
        if (req->flags & PvmHostCompl)
            mine = !mine || *where == 0;
    } else if (req->flags & PvmTaskArch) {
        mine = *where == 0 || !strcmp(where, d->arch);
    }
    return mine ? 0 : PvmNoHost;
}

/* ===================================================================== */
/* Program search                                                         */
/* ===================================================================== */

static bool executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Looks for `file' in each directory of the colon-separated list `dirs'. */
static bool search_dirs(const char *dirs, const char *file, char *out, size_t cap)
{
    size_t len;
    for (const char *p = dirs, *dir; paths_list_next(&p, &dir, &len);) {
        /* An empty PATH entry means the current directory. */
        int n = len ? snprintf(out, cap, "%.*s/%s", (int)len, dir, file)
                    : snprintf(out, cap, "./%s", file);
        if (n > 0 && (size_t)n < cap && executable(out))
            return true;
    }
    return false;
}

static bool find_program(struct pvmd *d, const char *file, const char *cwd, char *out, size_t cap)
{
    if (strchr(file, '/')) {
        int n = file[0] == '/' ? snprintf(out, cap, "%s", file)
                               : snprintf(out, cap, "%s/%s", cwd, file);
        return n > 0 && (size_t)n < cap && executable(out);
    }
    struct host *me = hosttab_get(d->hosts, d->myhost);
    if (me && me->ep && search_dirs(me->ep, file, out, cap))
        return true;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/bin/%s", d->pvm_root, d->arch);
    if (search_dirs(dir, file, out, cap))
        return true;
    const char *home = getenv("HOME");
    if (home) {
        snprintf(dir, sizeof dir, "%s/pvm3/bin/%s", home, d->arch);
        if (search_dirs(dir, file, out, cap))
            return true;
    }
    return search_dirs(getenv("PATH"), file, out, cap);
}

/* ===================================================================== */
/* Environment                                                            */
/* ===================================================================== */

/* Names the pvmd sets itself; inherited values of these are replaced. */
static const char *const own_vars[] = {ENV_TASK_TID, ENV_TASK_SOCKDIR, ENV_PVM_ARCH, ENV_PVM_ROOT};

static bool same_name(const char *a, const char *b)
{
    size_t n = strcspn(b, "=");
    return !strncmp(a, b, n) && (a[n] == '=' || a[n] == 0);
}

static bool overridden(const char *var, const Pvm__SpawnRequest *req)
{
    for (size_t i = 0; i < sizeof own_vars / sizeof own_vars[0]; i++)
        if (same_name(var, own_vars[i]))
            return true;
    for (size_t i = 0; i < req->n_env; i++)
        if (same_name(var, req->env[i]))
            return true;
    return false;
}

struct spawn_env {
    char **v;     /* NULL-terminated */
    size_t tid_i; /* index of the PVM_TASK_TID entry, rewritten per child */
    char *own[4]; /* strings we allocated */
};

static int env_build(struct pvmd *d, const Pvm__SpawnRequest *req, struct spawn_env *e)
{
    size_t n = 0;
    while (environ[n])
        n++;
    e->v = calloc(n + req->n_env + 8, sizeof *e->v);
    if (!e->v)
        return PvmNoMem;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!overridden(environ[i], req))
            e->v[k++] = environ[i];
    for (size_t i = 0; i < req->n_env; i++)
        e->v[k++] = req->env[i];
    char buf[4300];
    e->tid_i = k;
    e->own[0] = malloc(64);
    snprintf(buf, sizeof buf, "%s=%s", ENV_TASK_SOCKDIR, d->sockdir);
    e->own[1] = strdup(buf);
    snprintf(buf, sizeof buf, "%s=%s", ENV_PVM_ARCH, d->arch);
    e->own[2] = strdup(buf);
    snprintf(buf, sizeof buf, "%s=%s", ENV_PVM_ROOT, d->pvm_root);
    e->own[3] = strdup(buf);
    for (int i = 0; i < 4; i++) {
        if (!e->own[i])
            return PvmNoMem;
        e->v[k++] = e->own[i];
    }
    e->v[k] = NULL;
    return 0;
}

/* The child's PVM_TASK_TID. */
static void env_set_tid(struct spawn_env *e, int tid)
{
    snprintf(e->own[0], 64, "%s=%d", ENV_TASK_TID, tid);
    e->v[e->tid_i] = e->own[0];
}

static void env_free(struct spawn_env *e)
{
    for (int i = 0; i < 4; i++)
        free(e->own[i]);
    free(e->v);
}

/* ===================================================================== */
/* Processes                                                              */
/* ===================================================================== */

static void proc_unlink(struct pvmd *d, struct proc *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        d->procs = p->next;
    if (p->next)
        p->next->prev = p->prev;
}

void spawn_proc_release(struct proc *p)
{
    if (p->handle_open || p->out[0].open || p->out[1].open)
        return;
    struct pvmd *d = p->d;
    proc_unlink(d, p);
    free(p);
    pvmd_halt_check(d);
}

static void on_proc_closed(uv_handle_t *h)
{
    struct proc *p = h->data;
    if (p->pidfd >= 0) {
        close(p->pidfd);
        p->pidfd = -1;
    }
    p->handle_open = false;
    spawn_proc_release(p);
}

/* The process of p has ended with `status' (or signal `sig'): so has its
 * task. */
static void proc_ended(struct proc *p, int64_t status, int sig, uv_handle_t *h)
{
    struct pvmd *d = p->d;
    p->live = false;
    /* Reaped: its group may empty and its number go to someone else's
     * group, which a guardian must never signal. */
    guardian_remove(d, p->pid);
    char why[64];
    if (sig)
        snprintf(why, sizeof why, "process %d killed by signal %d", (int)p->pid, sig);
    else
        snprintf(why, sizeof why, "process %d exited with status %lld", (int)p->pid,
                 (long long)status);
    struct task *t = tasktab_find(d->tasks, p->tid);
    if (t)
        tasktab_end(d, t, why);
    output_check_end(d, p);
    uv_close(h, on_proc_closed);
}

static void on_proc_exit(uv_process_t *h, int64_t status, int sig)
{
    proc_ended(h->data, status, sig, (uv_handle_t *)h);
}

/* A pidfd turns readable when its process exits; only then is it reaped,
 * by pid, so libuv's own SIGCHLD handling (for uv_spawn's children) and
 * ours never take each other's children. */
static void on_pidfd(uv_poll_t *w, int status, int events)
{
    struct proc *p = w->data;
    (void)status;
    (void)events;
    int st;
    pid_t r = waitpid(p->pid, &st, WNOHANG);
    if (r == 0)
        return; /* not yet: a spurious wake-up */
    uv_poll_stop(w);
    if (r < 0)
        proc_ended(p, -1, 0, (uv_handle_t *)w);
    else if (WIFSIGNALED(st))
        proc_ended(p, 0, WTERMSIG(st), (uv_handle_t *)w);
    else
        proc_ended(p, WEXITSTATUS(st), 0, (uv_handle_t *)w);
}

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

bool spawn_fast_available(void)
{
    const char *force = getenv("PVMD_SPAWN");
    if (force && !strcmp(force, "uv"))
        return false;
    int fd = pidfd_open_(getpid());
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

static int errno_to_pvm(int e)
{
    return e == ENOENT || e == EACCES || e == ENOTDIR || e == ENOEXEC ? PvmNoFile
           : e == EAGAIN || e == ENOMEM || e == EMFILE || e == ENFILE ? PvmOutOfRes
                                                                      : PvmSysErr;
}

/* posix_spawn, with glibc's CLONE_VFORK underneath, does not copy the
 * pvmd's page tables as fork does: a third of the time of spawning 256
 * tasks went there.  The child gets default signal dispositions (the pvmd
 * ignores SIGPIPE) and an empty mask; every descriptor of the pvmd is
 * close-on-exec. */
static int start_fast(struct pvmd *d, struct proc *p, const char *path, char **argv,
                      struct spawn_env *e, const char *cwd)
{
    int pipes[2][2] = {{-1, -1}, {-1, -1}};
    for (int i = 0; i < 2; i++)
        if (pipe2(pipes[i], O_CLOEXEC) < 0)
            goto fail_pipes;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pipes[0][1], 1);
    posix_spawn_file_actions_adddup2(&fa, pipes[1][1], 2);
    posix_spawn_file_actions_addchdir_np(&fa, cwd);
    sigset_t def, none;
    sigemptyset(&def);
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            sigaddset(&def, s);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&at, &def);
    posix_spawnattr_setsigmask(&at, &none);
    /* Its own process group, so that kill and halt reach whatever it
     * starts in turn (a wrapper script's program, a forked helper). */
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETPGROUP);
    pid_t pid;
    int r = posix_spawn(&pid, path, &fa, &at, argv, e->v);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(pipes[0][1]);
    close(pipes[1][1]);
    pipes[0][1] = pipes[1][1] = -1;
    if (r != 0) {
        errno = r;
        goto fail_pipes;
    }
    p->pid = pid;
    p->live = true;
    guardian_add(d, pid);
    p->pidfd = pidfd_open_(pid);
    if (p->pidfd < 0 || uv_poll_init(d->loop, &p->exitw, p->pidfd) < 0) {
        /* Cannot watch it: do not leave an unwatched child behind. */
        int err = errno;
        log_error(d, "t%x: cannot watch process %d: %s", (unsigned)p->tid, (int)pid, strerror(err));
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        if (p->pidfd >= 0)
            close(p->pidfd);
        p->pidfd = -1;
        p->live = false;
        close(pipes[0][0]);
        close(pipes[1][0]);
        output_abort(d, p);
        return errno_to_pvm(err);
    }
    p->exitw.data = p;
    p->handle_open = true;
    uv_poll_start(&p->exitw, UV_READABLE, on_pidfd);
    for (int i = 0; i < 2; i++)
        if (uv_pipe_open(&p->out[i].pipe, pipes[i][0]) < 0) {
            close(pipes[i][0]);
            p->out[i].eof = true;
        }
    output_start(d, p);
    return 0;

fail_pipes:;
    int err = errno;
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 2; k++)
            if (pipes[i][k] >= 0)
                close(pipes[i][k]);
    output_abort(d, p);
    log_info(d, "cannot start %s: %s", path, strerror(err));
    return errno_to_pvm(err);
}

/* libuv's uv_spawn (fork and exec), where the kernel has no pidfds. */
static int start_uv(struct pvmd *d, struct proc *p, const char *path, char **argv,
                    struct spawn_env *e, const char *cwd)
{
    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE; /* /dev/null */
    for (int i = 0; i < 2; i++) {
        stdio[i + 1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
        stdio[i + 1].data.stream = (uv_stream_t *)&p->out[i].pipe;
    }
    uv_process_options_t o = {
        .exit_cb = on_proc_exit,
        .file = path,
        .args = argv,
        .env = e->v,
        .cwd = cwd,
        .stdio_count = 3,
        .stdio = stdio,
        .flags = UV_PROCESS_DETACHED, /* setsid: its own process group */
    };
    p->proc.data = p;
    int r = uv_spawn(d->loop, &p->proc, &o);
    if (r < 0) {
        /* uv_spawn leaves the handle initialised: it must be closed. */
        p->handle_open = true;
        uv_close((uv_handle_t *)&p->proc, on_proc_closed);
        output_abort(d, p);
        log_info(d, "cannot start %s: %s", path, uv_strerror(r));
        return errno_to_pvm(-r);
    }
    p->handle_open = true;
    p->live = true;
    p->pid = p->proc.pid;
    guardian_add(d, p->pid);
    output_start(d, p);
    return 0;
}

void spawn_kill(struct pvmd *d, struct task *t, int sig)
{
    (void)d;
    pid_t pid = tasktab_pid(t);
    if (pid <= 0)
        return;
    /* A spawned task leads its own process group: what it started goes
     * too.  ESRCH: gone, its exit not seen yet; it is ending anyway. */
    if (tasktab_flags(t) & TF_SPAWNED)
        kill(-pid, sig);
    else
        kill(pid, sig);
}

/* ===================================================================== */
/* Descriptors                                                            */
/* ===================================================================== */

/* What a spawned task costs the pvmd in descriptors: its two output
 * pipes, its pidfd, and its connection once it enrols. */
#define SPAWN_FDS_PER_TASK 4

/* Descriptors open in this process now. */
static int fds_open(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dir)))
        if (e->d_name[0] != '.')
            n++;
    closedir(dir);
    return n - 1; /* the directory's own */
}

/* How many more tasks may be spawned before the pvmd would eat into the
 * descriptors it keeps for connections (the console, control, tasks
 * enrolling): the limit (read afresh: it may be changed from outside),
 * less what is open, less one for each spawned task not yet connected,
 * less the reserve. */
static int spawn_room(struct pvmd *d)
{
    struct rlimit rl;
    int open = fds_open();
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || open < 0)
        return INT_MAX;
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > INT_MAX / 2)
        rl.rlim_cur = INT_MAX / 2;
    long spare = (long)rl.rlim_cur - open - d->limits.fd_reserve;
    for (struct proc *p = d->procs; p; p = p->next) {
        struct task *t = p->live && p->tid ? tasktab_find(d->tasks, p->tid) : NULL;
        if (t && !tasktab_link(t))
            spare--;
    }
    return spare < SPAWN_FDS_PER_TASK ? 0 : (int)(spare / SPAWN_FDS_PER_TASK);
}

/* Starts one child as task t.  Returns 0 or a negative Pvm error. */
static int start_one(struct pvmd *d, struct task *t, const char *path, char **argv,
                     struct spawn_env *e, const char *cwd)
{
    struct proc *p = calloc(1, sizeof *p);
    if (!p)
        return PvmNoMem;
    p->d = d;
    p->tid = tasktab_tid(t);
    p->pidfd = -1;
    p->next = d->procs;
    if (d->procs)
        d->procs->prev = p;
    d->procs = p;
    env_set_tid(e, p->tid);
    int r = output_init(d, p);
    if (r == 0)
        r = d->spawn_fast ? start_fast(d, p, path, argv, e, cwd)
                          : start_uv(d, p, path, argv, e, cwd);
    if (r < 0) {
        /* Handles still open are closed by now; the record goes with the
         * last of them (or at once if there were none). */
        p->tid = 0;
        spawn_proc_release(p);
        return r;
    }
    tasktab_set_pid(t, p->pid);
    return 0;
}

int spawn_run(struct pvmd *d, int parent, const Pvm__SpawnRequest *req, int *tids)
{
    int count = req->count;
    int err = d->halting ? PvmSysErr : check_where(d, req);
    const char *cwd = req->cwd && *req->cwd ? req->cwd : getenv("HOME");
    if (!cwd || !*cwd)
        cwd = "/";
    char path[4096];
    if (!err && !find_program(d, req->file, cwd, path, sizeof path))
        err = PvmNoFile;
    char **argv = NULL;
    struct spawn_env e = {0};
    if (!err) {
        argv = calloc(req->n_argv + 2, sizeof *argv);
        if (!argv || env_build(d, req, &e) < 0)
            err = PvmNoMem;
    }
    if (err) {
        for (int i = 0; i < count; i++)
            tids[i] = err;
        log_info(d, "spawn of %s refused: %s", req->file,
                 err == PvmNoFile   ? "not found or not executable"
                 : err == PvmNoHost ? "not this host or architecture"
                                    : "no resources");
        free(argv);
        env_free(&e);
        return 0;
    }
    argv[0] = req->file;
    for (size_t i = 0; i < req->n_argv; i++)
        argv[i + 1] = req->argv[i];

    /* PvmNoSpawnParent (the console's spawns): the child is told
     * PvmParentNotSet, as PVM's children are. */
    int ptid = (req->flags & PvmNoSpawnParent) ? PvmParentNotSet : parent ? parent : PvmNoParent;
    struct task_io io = {
        .out_tid = req->out_tid,
        .out_code = req->out_code,
        .out_ctx = req->out_ctx,
        .trace_tid = req->trace_tid,
        .trace_code = req->trace_code,
        .trace_ctx = req->trace_ctx,
        .ctx = req->ctx,
    };
    int started = 0, room = spawn_room(d), refused = 0;
    for (int i = 0; i < count; i++) {
        if (room-- <= 0) {
            /* Past the descriptors the pvmd can spare: refused before the
             * limit, so what runs can still enrol and the console still
             * connect. */
            tids[i] = PvmOutOfRes;
            refused++;
            continue;
        }
        struct task *t = tasktab_add(d, &tids[i]);
        if (!t)
            continue;
        int r = tasktab_set_spawned(t, ptid, req->file, &io);
        /* A registered tasker (pvm_reg_tasker) starts it instead: asked
         * for each task, as handing one over may end the tasker's link. */
        int tasker = regs_helper(d, REG_TASKER);
        if (r == 0 && tasker) {
            env_set_tid(&e, tasktab_tid(t));
            r = regs_start_task(d, tasker, tasktab_tid(t), req->flags, path, argv, e.v);
        } else if (r == 0) {
            r = start_one(d, t, path, argv, &e, cwd);
        }
        if (r < 0) {
            tids[i] = r;
            tasktab_end(d, t, "could not start");
            continue;
        }
        tids[i] = tasktab_tid(t);
        started++;
        log_info(d, "t%x spawned: %s (pid %d) for t%x", (unsigned)tids[i], path,
                 (int)tasktab_pid(t), (unsigned)parent);
    }
    free(argv);
    env_free(&e);
    if (refused)
        log_info(d,
                 "spawn of %s: %d of %d refused (PvmOutOfRes): too few descriptors left "
                 "(keeping %d for connections)",
                 req->file, refused, count, d->limits.fd_reserve);

    /* Every child learns its siblings at enrolment (pvm_siblings). */
    int *sib = started ? malloc((size_t)started * sizeof *sib) : NULL;
    size_t n = 0;
    for (int i = 0; sib && i < count; i++)
        if (tids[i] > 0)
            sib[n++] = tids[i];
    for (int i = 0; i < count; i++) {
        struct task *t = tids[i] > 0 ? tasktab_find(d->tasks, tids[i]) : NULL;
        if (!t)
            continue;
        if (sib)
            tasktab_set_siblings(t, sib, n);
        tasktab_set_siblings_later(t, req->siblings_later);
        tasktab_start(d, t);
    }
    free(sib);
    return started;
}

void spawn_signal_all(struct pvmd *d, int sig)
{
    /* Live processes, and ended ones whose output pipes are still open: a
     * leader that has exited may have left members of its group holding
     * them, and the group id is still theirs (a process group's id is not
     * reused while the group has a member). */
    for (struct proc *p = d->procs; p; p = p->next)
        if (p->pid > 0 && (p->live || p->out[0].open || p->out[1].open))
            kill(-p->pid, sig);
}

void spawn_abandon_all(struct pvmd *d)
{
    for (struct proc *p = d->procs, *n; p; p = n) {
        n = p->next; /* the closes below complete in the loop, not here */
        output_abort(d, p);
        uv_handle_t *h = p->pidfd >= 0 ? (uv_handle_t *)&p->exitw : (uv_handle_t *)&p->proc;
        if (p->handle_open && !uv_is_closing(h))
            uv_close(h, on_proc_closed);
    }
}
