/*
 * task_api.c - tasks, hosts and the virtual machine: spawn, kill, signals,
 * task and host tables, halt, siblings, export lists, starting a pvmd.
 *
 * Each call is one control request to the pvmd (lpvm_request); the rest
 * is argument checking and turning replies into PVM's structures.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch.h"
#include "core.h"
#include "ctl.h"
#include "defs.h"
#include "tid.h"

/* ======================================================================== */
/* Spawn                                                                    */
/* ======================================================================== */

/* The NAME=value pairs of the variables PVM_EXPORT names, and PVM_EXPORT
 * itself so that grandchildren export the same. */
static char **export_env(size_t *n)
{
    *n = 0;
    const char *list = getenv(ENV_PVM_EXPORT);
    if (!list || !*list)
        return NULL;
    size_t cap = 2;
    for (const char *p = list; *p; p++)
        cap += *p == ':';
    char **env = calloc(cap, sizeof *env);
    char *copy = strdup(list);
    if (!env || !copy) {
        free(env);
        free(copy);
        return NULL;
    }
    if (asprintf(&env[(*n)], "%s=%s", ENV_PVM_EXPORT, list) >= 0)
        (*n)++;
    char *save = NULL;
    for (char *name = strtok_r(copy, ":", &save); name; name = strtok_r(NULL, ":", &save)) {
        const char *v = getenv(name);
        if (v && *n < cap && asprintf(&env[*n], "%s=%s", name, v) >= 0)
            (*n)++;
    }
    free(copy);
    return env;
}

static void free_env(char **env, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(env[i]);
    free(env);
}

static int spawn_req(struct lpvm_core *core, char *task, char **argv, int flag, char *where,
                     int ntask, int *tids)
{
    Pvm__SpawnRequest r = PVM__SPAWN_REQUEST__INIT;
    r.file = task;
    size_t na = 0;
    while (argv && argv[na])
        na++;
    if (na > CTL_MAX_ARGS)
        return PvmBadParam;
    r.n_argv = na;
    r.argv = argv;
    r.flags = flag;
    r.where = (char *)((flag & (PvmTaskHost | PvmTaskArch)) && where ? where : "");
    r.count = ntask;
    size_t ne = 0;
    char **env = export_env(&ne);
    r.n_env = ne;
    r.env = env;
    const int *o = lpvm_state.opt;
    r.out_tid = opt_dest_tid(o[PvmOutputTid]);
    r.out_code = o[PvmOutputCode];
    r.out_ctx = o[PvmOutputContext];
    r.trace_tid = opt_dest_tid(o[PvmTraceTid]);
    r.trace_code = o[PvmTraceCode];
    r.trace_ctx = o[PvmTraceContext];
    r.ctx = lpvm_state.ctx; /* the children start in it */
    r.cwd = "";
    ProtobufCMessage *out = NULL;
    int cc =
        lpvm_request(core, PVM__CTL_TYPE__CTL_SPAWN, &r.base, PVM__CTL_TYPE__CTL_SPAWN_REPLY, &out);
    free_env(env, ne);
    if (cc < 0)
        return cc;
    Pvm__SpawnReply *sr = (Pvm__SpawnReply *)out;
    bool caught = o[PvmOutputTid] == lpvm_state.mytid && o[PvmOutputCode] == PVM_TAG_CATCHOUT &&
                  o[PvmOutputContext] == PVM_SYS_CTX;
    int started = 0;
    for (int i = 0; i < ntask; i++) {
        int t = (size_t)i < sr->n_tids ? sr->tids[i] : PvmSysErr;
        if (t > 0) {
            started++;
            if (caught)
                catchout_expect(core, t);
        }
        if (tids)
            tids[i] = t;
    }
    ctl_free(&out);
    return started;
}

int pvm_spawn(char *task, char **argv, int flag, char *where, int ntask, int *tids)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_spawn", cc);
    if (!task || ntask < 1 || ntask > CTL_MAX_SPAWN || strlen(task) >= CTL_MAX_STR)
        return lpvm_err("pvm_spawn", PvmBadParam);
    flag &= CTL_SPAWN_FLAGS; /* PVM 3.4.6 ignores bits it does not know */
    if (!*task) {
        /* PVM 3.4.6: no program has an empty name; nothing starts. */
        for (int i = 0; tids && i < ntask; i++)
            tids[i] = PvmNoFile;
        return 0;
    }
    if ((flag & (PvmTaskHost | PvmTaskArch)) && (!where || !*where)) {
        /* PVM 3.4.6: no host matches a missing name; nothing starts. */
        for (int i = 0; tids && i < ntask; i++)
            tids[i] = PvmNoHost;
        return 0;
    }
    cc = spawn_req(core, task, argv, flag, where, ntask, tids);
    /* Per-task failures are in tids[]; the count itself is not an error. */
    return cc < 0 ? lpvm_err("pvm_spawn", cc) : cc;
}

/* ======================================================================== */
/* Single-task requests                                                     */
/* ======================================================================== */

/* A task that has ended (or never was, or whose host is gone) is not an
 * error for pvm_kill and pvm_sendsig: PVM 3.4.6 returns 0 silently, and
 * masters rely on it when they kill workers that may have finished. */
static int signal_status(int cc)
{
    return cc == PvmNoTask || cc == PvmNoHost ? PvmOk : cc;
}

int pvm_sendsig(int tid, int signum)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_sendsig", cc);
    if (!tid_is_task(tid))
        return lpvm_err("pvm_sendsig", PvmBadParam);
    /* PVM 3.4.6 passes any number to kill(2), which refuses it unseen. */
    if (signum < 0 || signum >= NSIG)
        return PvmOk;
    Pvm__SignalRequest r = PVM__SIGNAL_REQUEST__INIT;
    r.tid = tid;
    r.signum = signum;
    cc = lpvm_request_status(core, PVM__CTL_TYPE__CTL_SIGNAL, &r.base);
    return lpvm_err("pvm_sendsig", signal_status(cc));
}

int pvm_kill(int tid)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_kill", cc);
    if (!tid_is_task(tid)) {
        /* PVM 3.4.6's pvm_kill is its pvm_sendsig, and a bad tid is
         * reported by both. */
        lpvm_err("pvm_sendsig", PvmBadParam);
        return lpvm_err("pvm_kill", PvmBadParam);
    }
    Pvm__TaskRef r = PVM__TASK_REF__INIT;
    r.tid = tid;
    cc = lpvm_request_status(core, PVM__CTL_TYPE__CTL_KILL, &r.base);
    return lpvm_err("pvm_kill", signal_status(cc));
}

int pvm_pstat(int tid)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_pstat", cc);
    if (!tid_is_task(tid)) /* a pvmd's tid too, as PVM 3.4.6 */
        return lpvm_err("pvm_pstat", PvmBadParam);
    if (tid == lpvm_state.mytid)
        return PvmOk;
    Pvm__TaskRef r = PVM__TASK_REF__INIT;
    r.tid = tid;
    cc = lpvm_request_status(core, PVM__CTL_TYPE__CTL_PSTAT, &r.base);
    /* PvmNoTask is the answer, not a failure: not reported. */
    if (cc == PvmNoTask) {
        pvm_errno = cc;
        return cc;
    }
    return lpvm_err("pvm_pstat", cc);
}

int pvm_mstat(char *host)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_mstat", cc);
    if (!host || !*host || strlen(host) >= CTL_MAX_STR)
        return lpvm_err("pvm_mstat", PvmBadParam);
    Pvm__HostRef r = PVM__HOST_REF__INIT;
    r.name = host;
    cc = lpvm_request_status(core, PVM__CTL_TYPE__CTL_MSTAT, &r.base);
    /* A host's status, not an error: PVM 3.4.6 leaves pvm_errno alone. */
    if (cc == PvmNoHost || cc == PvmHostFail)
        return cc;
    return lpvm_err("pvm_mstat", cc);
}

static bool pvmd_gone(struct lpvm_core *core, void *arg)
{
    (void)arg;
    return core->dead;
}

/* How long pvm_halt waits for the pvmd to end after it said yes. */
#define HALT_WAIT_NS (5 * 1000 * 1000 * 1000LL)

int pvm_halt(void)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_halt", cc);
    cc = lpvm_request_status(core, PVM__CTL_TYPE__CTL_HALT, NULL);
    /* The pvmd may close our connection before its reply is read. */
    if (cc == PvmSysErr && core->dead)
        cc = PvmOk;
    if (cc == PvmOk) {
        /* A message handler's caller still holds the core: it only goes
         * dead here (every call fails until pvm_exit frees it). */
        if (!lpvm_state.mhf_running) {
            /* Returns once the pvmd has gone (it closes every connection
             * as it ends), so that a pvm_start_pvmd right after finds no
             * pvmd still halting. */
            if (!core->dead)
                io_wait(core, pvmd_gone, NULL, io_now_ns() + HALT_WAIT_NS, NULL);
            lpvm_core_teardown();
        } else if (!core->dead) {
            io_close_conn(core, core->pvmd);
        }
    }
    return lpvm_err("pvm_halt", cc);
}

/* ======================================================================== */
/* Tables                                                                   */
/* ======================================================================== */

static void free_tasks(struct lpvm_core *core)
{
    for (int i = 0; i < core->ntasks; i++)
        free(core->tasks[i].ti_a_out);
    free(core->tasks);
    core->tasks = NULL;
    core->ntasks = 0;
}

int pvm_tasks(int which, int *ntask, struct pvmtaskinfo **taskp)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_tasks", cc);
    /* PVM 3.4.6 answers no tasks on error, and an empty list (not an
     * error) for a tid that is no task. */
    if (ntask)
        *ntask = 0;
    if (which != 0 && !tid_is_valid(which))
        return lpvm_err("pvm_tasks", PvmNoHost);
    Pvm__TaskRef r = PVM__TASK_REF__INIT;
    r.tid = which;
    ProtobufCMessage *out = NULL;
    cc =
        lpvm_request(core, PVM__CTL_TYPE__CTL_TASKS, &r.base, PVM__CTL_TYPE__CTL_TASKS_REPLY, &out);
    if (cc < 0)
        return lpvm_err("pvm_tasks", cc);
    Pvm__TasksReply *tr = (Pvm__TasksReply *)out;
    if (tr->status < 0 && tr->status != PvmNoTask) {
        cc = tr->status;
        ctl_free(&out);
        return lpvm_err("pvm_tasks", cc);
    }
    free_tasks(core);
    size_t n = tr->n_tasks;
    core->tasks = calloc(n ? n : 1, sizeof *core->tasks);
    if (!core->tasks) {
        ctl_free(&out);
        return lpvm_err("pvm_tasks", PvmNoMem);
    }
    bool short_of_memory = false;
    for (size_t i = 0; i < n; i++) {
        const Pvm__TaskInfo *t = tr->tasks[i];
        core->tasks[i] = (struct pvmtaskinfo){
            .ti_tid = t->tid,
            .ti_ptid = t->ptid,
            .ti_host = t->host,
            .ti_flag = t->flag,
            .ti_a_out = strdup(t->name ? t->name : ""),
            .ti_pid = t->pid,
        };
        short_of_memory |= !core->tasks[i].ti_a_out;
    }
    core->ntasks = (int)n;
    ctl_free(&out);
    if (short_of_memory) { /* no table with NULL names */
        free_tasks(core);
        return lpvm_err("pvm_tasks", PvmNoMem);
    }
    if (ntask)
        *ntask = core->ntasks;
    if (taskp)
        *taskp = core->tasks;
    return PvmOk;
}

static void free_hosts(struct lpvm_core *core)
{
    for (int i = 0; i < core->nhosts; i++) {
        free(core->hosts[i].hi_name);
        free(core->hosts[i].hi_arch);
        if (core->host_addrs)
            free(core->host_addrs[i]);
    }
    free(core->host_addrs);
    core->host_addrs = NULL;
    free(core->hosts);
    core->hosts = NULL;
    core->nhosts = 0;
}

void task_api_free_tables(struct lpvm_core *core)
{
    free_tasks(core);
    free_hosts(core);
}

int pvm_config(int *nhost, int *narch, struct pvmhostinfo **hostp)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_config", cc);
    ProtobufCMessage *out = NULL;
    cc = lpvm_request(core, PVM__CTL_TYPE__CTL_CONFIG, NULL, PVM__CTL_TYPE__CTL_CONFIG_REPLY, &out);
    if (cc < 0)
        return lpvm_err("pvm_config", cc);
    Pvm__ConfigReply *cr = (Pvm__ConfigReply *)out;
    if (cr->status < 0) {
        cc = cr->status;
        ctl_free(&out);
        return lpvm_err("pvm_config", cc);
    }
    free_hosts(core);
    size_t n = cr->n_hosts;
    core->hosts = calloc(n ? n : 1, sizeof *core->hosts);
    if (!core->hosts) {
        ctl_free(&out);
        return lpvm_err("pvm_config", PvmNoMem);
    }
    core->host_addrs = calloc(n ? n : 1, sizeof *core->host_addrs);
    bool short_of_memory = !core->host_addrs;
    for (size_t i = 0; i < n; i++) {
        const Pvm__HostInfo *h = cr->hosts[i];
        if (core->host_addrs)
            core->host_addrs[i] = strdup(h->addr ? h->addr : "");
        core->hosts[i] = (struct pvmhostinfo){
            .hi_tid = h->tid,
            .hi_name = strdup(h->name ? h->name : ""),
            .hi_arch = strdup(h->arch ? h->arch : ""),
            .hi_speed = h->speed,
            .hi_dsig = h->dsig,
        };
        short_of_memory |= !core->hosts[i].hi_name || !core->hosts[i].hi_arch ||
                           (core->host_addrs && !core->host_addrs[i]);
    }
    core->nhosts = (int)n;
    if (short_of_memory) { /* no table with NULL names */
        ctl_free(&out);
        free_hosts(core);
        return lpvm_err("pvm_config", PvmNoMem);
    }
    int na = cr->narch > 0 ? cr->narch : (n ? 1 : 0);
    ctl_free(&out);
    if (nhost)
        *nhost = core->nhosts;
    if (narch)
        *narch = na;
    if (hostp)
        *hostp = core->hosts;
    return PvmOk;
}

void task_api_siblings(struct lpvm_core *core, struct pmsg *m)
{
    int n = 0;
    m->rpos = 0;
    /* From our pvmd (whose tid the hello may not have told us yet). */
    bool mine = tid_is_pvmd(m->src) && (!lpvm_state.pvmd_tid || m->src == lpvm_state.pvmd_tid);
    if (mine && pmsg_unpack(m, PVM_INT, &n, 1, 1) == 0 && n > 0 &&
        (size_t)n <= pmsg_payload_len(m) / 4) {
        int *s = malloc((size_t)n * sizeof *s);
        if (s && pmsg_unpack(m, PVM_INT, s, n, 1) == 0) {
            free(core->siblings);
            core->siblings = s;
            core->nsiblings = n;
            core->sib_final = true;
            s = NULL;
        }
        free(s);
    }
    if (mine)
        core->sib_pending = false;
    pmsg_destroy(&m);
}

static bool siblings_known(struct lpvm_core *core, void *arg)
{
    (void)arg;
    return !core->sib_pending;
}

const char *lpvm_host_addr(int i)
{
    struct lpvm_core *core = lpvm_state.core;
    if (!core || !core->host_addrs || i < 0 || i >= core->nhosts || !core->host_addrs[i])
        return "";
    return core->host_addrs[i];
}

int pvm_siblings(int **tids)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_siblings", cc);
    /* Spawned over several hosts: the whole list follows the spawn. */
    if (core->sib_pending && (cc = io_wait(core, siblings_known, NULL, IO_FOREVER, NULL)) < 0)
        return lpvm_err("pvm_siblings", cc);
    if (!core->siblings) {
        /* Not started by pvm_spawn: its own only sibling (pvm_siblings(3PVM)). */
        core->siblings = malloc(sizeof(int));
        if (!core->siblings)
            return lpvm_err("pvm_siblings", PvmNoMem);
        core->siblings[0] = lpvm_state.mytid;
        core->nsiblings = 1;
    }
    if (tids)
        *tids = core->siblings;
    return core->nsiblings;
}

int pvm_tidtohost(int tid)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_tidtohost", cc);
    /* PVM 3.4.6 only masks: no tid is refused. */
    return tid & TID_HOST_MASK;
}

int pvm_getfds(int **fds)
{
    struct lpvm_core *core;
    int cc = lpvm_core_get(&core);
    if (cc < 0)
        return lpvm_err("pvm_getfds", cc);
    int *a = realloc(core->fds, (size_t)(core->nconns + 2) * sizeof *a);
    if (!a)
        return lpvm_err("pvm_getfds", PvmNoMem);
    core->fds = a;
    int n = 0;
    /* The pvmd's socket first (pvm_getfds(3PVM)), then direct routes and
     * the sockets new ones arrive on. */
    a[n++] = core->pvmd->fd;
    for (int i = 0; i < core->nconns; i++)
        if (core->conns[i] != core->pvmd && !core->conns[i]->closed)
            a[n++] = core->conns[i]->fd;
    if (core->lfd >= 0)
        a[n++] = core->lfd;
    if (core->tfd >= 0)
        a[n++] = core->tfd;
    if (fds)
        *fds = a;
    return n;
}

/* ======================================================================== */
/* Architectures and version                                                */
/* ======================================================================== */

int pvm_archcode(char *arch)
{
    /* An unknown name is reported too (PvmNotFound), as PVM 3.4.6. */
    return lpvm_err("pvm_archcode", arch_dsig(arch));
}

char *pvm_version(void)
{
    return PVM_VER;
}

/* ======================================================================== */
/* PVM_EXPORT                                                               */
/* ======================================================================== */

/* True when the colon-separated list has name as one of its entries. */
static bool list_has(const char *list, const char *name)
{
    size_t n = strlen(name), l;
    for (const char *p = list, *item; paths_list_next(&p, &item, &l);)
        if (l == n && !strncmp(item, name, n))
            return true;
    return false;
}

static bool bad_name(const char *name)
{
    return !name || !*name || strchr(name, ':') || strchr(name, '=');
}

int pvm_export(char *name)
{
    if (name && !*name)
        return PvmOk; /* nothing to add, as PVM 3.4.6 */
    if (bad_name(name))
        return lpvm_err("pvm_export", PvmBadParam);
    const char *list = getenv(ENV_PVM_EXPORT);
    if (list_has(list, name))
        return PvmOk;
    char *nl;
    if (asprintf(&nl, "%s%s%s", list && *list ? list : "", list && *list ? ":" : "", name) < 0)
        return lpvm_err("pvm_export", PvmNoMem);
    setenv(ENV_PVM_EXPORT, nl, 1);
    free(nl);
    return PvmOk;
}

int pvm_unexport(char *name)
{
    if (name && !*name)
        return PvmOk;
    if (bad_name(name))
        return lpvm_err("pvm_unexport", PvmBadParam);
    const char *list = getenv(ENV_PVM_EXPORT);
    if (!list_has(list, name))
        return PvmOk;
    char *nl = malloc(strlen(list) + 1);
    if (!nl)
        return lpvm_err("pvm_unexport", PvmNoMem);
    nl[0] = 0;
    size_t n = strlen(name), l;
    for (const char *p = list, *item; paths_list_next(&p, &item, &l);)
        if (l && !(l == n && !strncmp(item, name, n))) {
            if (nl[0])
                strcat(nl, ":");
            strncat(nl, item, l);
        }
    setenv(ENV_PVM_EXPORT, nl, 1);
    free(nl);
    return PvmOk;
}

/* ======================================================================== */
/* Starting a pvmd                                                          */
/* ======================================================================== */

/* True when a pvmd for this VM accepts connections. */
static bool pvmd_answers(void)
{
    char dir[PATHS_MAX];
    int fd;
    if (paths_sockdir(dir, sizeof dir) < 0 || lpvm_connect_pvmd(dir, &fd) < 0)
        return false;
    close(fd);
    return true;
}

/* Finds the pvmd executable: beside the installed library
 * (<libdir>/../bin/pvmd), in the build tree, then on PATH. */
static int find_pvmd(char *out, size_t cap)
{
    Dl_info di;
    if (dladdr((void *)pvm_start_pvmd, &di) && di.dli_fname) {
        char lib[PATH_MAX];
        if (realpath(di.dli_fname, lib)) {
            char *slash = strrchr(lib, '/');
            if (slash) {
                *slash = 0;
                if ((size_t)snprintf(out, cap, "%s/../bin/pvmd", lib) < cap &&
                    access(out, X_OK) == 0)
                    return 0;
            }
        }
    }
#ifdef PVMD_BUILD_PATH
    if (access(PVMD_BUILD_PATH, X_OK) == 0 && strlen(PVMD_BUILD_PATH) < cap) {
        strcpy(out, PVMD_BUILD_PATH);
        return 0;
    }
#endif
    size_t l;
    for (const char *p = getenv("PATH"), *item; paths_list_next(&p, &item, &l);)
        if ((size_t)snprintf(out, cap, "%.*s/pvmd", (int)l, item) < cap && access(out, X_OK) == 0)
            return 0;
    return PvmCantStart;
}

int pvm_start_pvmd(int argc, char **argv, int block)
{
    (void)block; /* the pvmd returns once ready; hosts of a hostfile are its job */
    if (argc < 0 || (argc > 0 && !argv) || argc > 64)
        return lpvm_err("pvm_start_pvmd", PvmBadParam);
    if (pvmd_answers())
        return lpvm_err("pvm_start_pvmd", PvmDupHost);
    char path[PATH_MAX];
    if (find_pvmd(path, sizeof path) < 0)
        return lpvm_err("pvm_start_pvmd", PvmCantStart);
    char *args[66];
    int n = 0;
    args[n++] = path;
    for (int i = 0; i < argc; i++)
        args[n++] = argv[i];
    args[n] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        return lpvm_err("pvm_start_pvmd", PvmSysErr);
    if (pid == 0) {
        /* Without -f the pvmd daemonizes and its parent exits once the
         * daemon is ready (docs/design.md, "pvmd command line"). */
        execv(path, args);
        _exit(127);
    }
    int st = 0;
    pid_t w;
    do
        w = waitpid(pid, &st, 0);
    while (w < 0 && errno == EINTR);
    bool ok = w == pid ? (WIFEXITED(st) && WEXITSTATUS(st) == 0) : pvmd_answers();
    if (!ok)
        return lpvm_err("pvm_start_pvmd", pvmd_answers() ? PvmDupHost : PvmCantStart);
    /* Like PVM's, the caller becomes a task of the new machine. */
    int cc = lpvm_enroll();
    return cc < 0 ? lpvm_err("pvm_start_pvmd", cc) : PvmOk;
}
