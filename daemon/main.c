/*
 * main.c - the daemon's entry point: options, start-up, signals.
 *
 * Start-up order matters: the lock is taken before anything in the socket
 * directory is touched, so only the one pvmd that holds it ever removes
 * stale files; the ready line (or the daemonizing parent's exit 0) comes
 * only once pvmd.sock accepts connections.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* struct ucred, pipe2 */
#endif
#include "pvmd.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netdb.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "ctl.h"
#include "defs.h"
#include "hostfile.h"
#include "group.h"
#include "guardian.h"
#include "hostmgr.h"
#include "hosttab.h"
#include "mesh_keys.h"
#include "pvm3.h"
#include "spawn.h"
#include "tasktab.h"
#include "xport_unix.h"
#include "xport_zmq.h"
#include "tid.h"

#define PVMD_SPEED 1000
#define PVMD_FIRST_HOST 1

/* ===================================================================== */
/* Start-up failures                                                      */
/* ===================================================================== */

/* The write end of the daemonizing parent's pipe, or -1 with -f.  Only
 * used before the loop runs. */
static int ready_fd = -1;

static void __attribute__((noreturn, format(printf, 2, 3)))
fail(struct pvmd *d, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (d->log.f)
        log_error(d, "%s", msg);
    char line[1100];
    int n = snprintf(line, sizeof line, "pvmd: %s\n", msg);
    if (n > (int)sizeof line - 1)
        n = (int)sizeof line - 1;
    if (write(ready_fd >= 0 ? ready_fd : 2, line, (size_t)n) < 0) {
        /* nobody is listening: the exit status still says it */
    }
    exit(1);
}

/* ===================================================================== */
/* Descriptors and daemonizing                                            */
/* ===================================================================== */

/* Descriptors inherited from whoever started us must not reach the tasks
 * (FACTS.md), and a daemon must not hold its starter's pipes open. */
static void tidy_inherited_fds(bool close_them)
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir)
        return;
    int self = dirfd(dir);
    struct dirent *e;
    int fds[1024];
    int n = 0;
    while ((e = readdir(dir)) && n < 1024) {
        int fd = atoi(e->d_name);
        if (fd >= 3 && fd != self && e->d_name[0] != '.')
            fds[n++] = fd;
    }
    closedir(dir);
    for (int i = 0; i < n; i++) {
        if (close_them)
            close(fds[i]);
        else
            fcntl(fds[i], F_SETFD, fcntl(fds[i], F_GETFD) | FD_CLOEXEC);
    }
}

/* Forks; the parent waits for the child's verdict on a pipe and exits with
 * it, the child returns in a new session. */
static void daemonize(void)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        perror("pvmd: pipe");
        exit(1);
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("pvmd: fork");
        exit(1);
    }
    if (pid > 0) {
        close(p[1]);
        char buf[1200];
        size_t got = 0;
        ssize_t r;
        while (got < sizeof buf - 1 && (r = read(p[0], buf + got, sizeof buf - 1 - got)) != 0) {
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                break;
            got += (size_t)r;
        }
        buf[got] = 0;
        /* "ok", or "ok <line>" for a line the starter reads on our stdout
         * (a new host's pvmd: docs/design.md). */
        if (!strncmp(buf, "ok", 2) && (buf[2] == 0 || buf[2] == ' ')) {
            if (buf[2] == ' ') {
                printf("%s\n", buf + 3);
                fflush(stdout);
            }
            _exit(0);
        }
        fputs(got ? buf : "pvmd: failed to start (see pvmd.log)\n", stderr);
        _exit(1);
    }
    close(p[0]);
    setsid();
    ready_fd = p[1];
}

/* ===================================================================== */
/* The socket directory                                                   */
/* ===================================================================== */

static void make_sockdir(struct pvmd *d, const char *suffix)
{
    if (paths_sockdir(d->sockdir, sizeof d->sockdir) < 0 ||
        strlen(d->sockdir) + strlen(suffix ? suffix : "") >= sizeof d->sockdir)
        fail(d, "socket directory path too long");
    /* Several hosts on one machine: each has its own directory. */
    strcat(d->sockdir, suffix ? suffix : "");
    if (mkdir(d->sockdir, 0700) < 0 && errno != EEXIST)
        fail(d, "cannot create %s: %s", d->sockdir, strerror(errno));
    struct stat st;
    if (lstat(d->sockdir, &st) < 0)
        fail(d, "cannot use %s: %s", d->sockdir, strerror(errno));
    /* Another user's directory (or a symlink planted there) would let
     * them see or replace our sockets. */
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
        fail(d, "%s is not a directory owned by this user: refusing to use it", d->sockdir);
    if ((st.st_mode & 0777) != 0700 && chmod(d->sockdir, 0700) < 0)
        fail(d, "cannot make %s private: %s", d->sockdir, strerror(errno));
    if (paths_join(d->sockpath, sizeof d->sockpath, d->sockdir, PVMD_SOCK_NAME) < 0 ||
        paths_join(d->pidpath, sizeof d->pidpath, d->sockdir, PVMD_PID_NAME) < 0)
        fail(d, "socket directory path too long");
}

static long read_pidfile(struct pvmd *d)
{
    FILE *f = fopen(d->pidpath, "r");
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return pid;
}

/* How long a starting pvmd waits for a halting one's lock, and how often
 * it looks. */
#define LOCK_WAIT_MS 5000
#define LOCK_WAIT_STEP_MS 20

static void take_lock(struct pvmd *d, bool may_wait)
{
    char path[PATHS_MAX];
    if (paths_join(path, sizeof path, d->sockdir, PVMD_LOCK_NAME) < 0)
        fail(d, "socket directory path too long");
    d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (d->lock_fd < 0)
        fail(d, "cannot open %s: %s", path, strerror(errno));
    /* A pvmd that is halting has removed its socket first: its lock goes
     * within moments (its tasks end, its files go), and a first host's
     * pvmd started right after pvm_halt waits for it rather than fail.  A
     * joining host does not: the old pvmd of its host number must be gone
     * before a new one speaks for it. */
    for (int waited = 0; flock(d->lock_fd, LOCK_EX | LOCK_NB) < 0; waited += LOCK_WAIT_STEP_MS) {
        if (may_wait && errno == EWOULDBLOCK && waited < LOCK_WAIT_MS &&
            access(d->sockpath, F_OK) != 0) {
            struct timespec ts = {0, LOCK_WAIT_STEP_MS * 1000000L};
            nanosleep(&ts, NULL);
            continue;
        }
        if (errno != EWOULDBLOCK)
            fail(d, "cannot lock %s: %s", path, strerror(errno));
        long pid = read_pidfile(d);
        if (pid > 0)
            fail(d, "already running for this user (pid %ld)", pid);
        fail(d, "already running for this user (%s is locked)", path);
    }
}

/* Task sockets (t*.sock): at start, stale ones of a pvmd that is gone
 * (we hold the lock); at exit, those of our tasks.  Returns how many. */
static int remove_task_socks(struct pvmd *d)
{
    int n = 0;
    DIR *dir = opendir(d->sockdir);
    if (!dir)
        return n;
    struct dirent *e;
    unsigned tid;
    char tail[8];
    while ((e = readdir(dir))) {
        if (sscanf(e->d_name, "t%x.soc%1s", &tid, tail) == 2 && !strcmp(tail, "k")) {
            char p[PATHS_MAX];
            if (paths_join(p, sizeof p, d->sockdir, e->d_name) == 0 && unlink(p) == 0)
                n++;
        }
    }
    closedir(dir);
    return n;
}

/* We hold the lock, so whatever is left in the directory belongs to a
 * pvmd that is gone. */
static int remove_stale(struct pvmd *d)
{
    int n = unlink(d->sockpath) == 0;
    return n + remove_task_socks(d);
}

static void write_pidfile(struct pvmd *d)
{
    char tmp[PATHS_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.new", d->pidpath);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0 ||
        rename(tmp, d->pidpath) < 0)
        fail(d, "cannot write %s: %s", d->pidpath, strerror(errno));
}

static void find_pvm_root(struct pvmd *d)
{
    const char *env = getenv(ENV_PVM_ROOT);
    if (env && *env) {
        snprintf(d->pvm_root, sizeof d->pvm_root, "%s", env);
        return;
    }
    /* Installed layout: P/bin/pvmd and P/lib/pvm3/bin/$PVM_ARCH/... */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(d->pvm_root, sizeof d->pvm_root, "/usr/local/lib/pvm3");
        return;
    }
    exe[n] = 0;
    snprintf(d->pvm_root, sizeof d->pvm_root, "%s/../lib/pvm3", dirname(exe));
}

static void on_signal(uv_signal_t *s, int signum)
{
    struct pvmd *d = s->data;
    if (signum == SIGHUP) {
        log_info(d, "SIGHUP ignored");
        return;
    }
    pvmd_halt(d, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

/* ===================================================================== */
/* main                                                                   */
/* ===================================================================== */

static void usage(void)
{
    fputs("usage: pvmd [-f] [-d] [-a address] [-p] [-s] [hostfile]\n"
          "  -f  stay in the foreground and print 'pvmd ready <sockdir> ...' when ready\n"
          "  -d  log in detail (to stderr too with -f)\n"
          "  -a  the address to bind the mesh to and announce (default: what the host name\n"
          "      resolves to)\n"
          "  -p  plain mesh: no CurveZMQ encryption or authentication between the hosts'\n"
          "      pvmds, for trusted networks only (also PVM_MESH_PLAIN=1; new hosts follow\n"
          "      the first host's choice)\n"
          "  -s  a new host of a virtual machine: read the join ticket on stdin\n",
          stderr);
    exit(1);
}

/* ===================================================================== */
/* Joining (-s)                                                           */
/* ===================================================================== */

/* Reads the JoinTicket a first host writes on a new host's stdin. */
static Pvm__JoinTicket *read_ticket(struct pvmd *d)
{
    uint8_t len4[4];
    size_t got = 0;
    while (got < 4) {
        ssize_t r = read(0, len4 + got, 4 - got);
        if (r <= 0)
            fail(d, "no join ticket on stdin (-s is for the first host's use)");
        got += (size_t)r;
    }
    size_t n = (size_t)len4[0] << 24 | (size_t)len4[1] << 16 | (size_t)len4[2] << 8 | len4[3];
    if (n == 0 || n > 65536)
        fail(d, "malformed join ticket");
    uint8_t *buf = malloc(n);
    if (!buf)
        fail(d, "out of memory");
    for (got = 0; got < n;) {
        ssize_t r = read(0, buf + got, n - got);
        if (r <= 0)
            fail(d, "join ticket cut short");
        got += (size_t)r;
    }
    Pvm__JoinTicket *t = pvm__join_ticket__unpack(NULL, n, buf);
    mesh_keys_wipe(buf, n); /* it carries the machine's secret key */
    free(buf);
    if (!t || t->proto_version != CTL_PROTO_VERSION || t->host < 2 || t->host > TID_MAX_HOST ||
        !t->name || !*t->name || !t->master_addr || !*t->master_addr ||
        !tid_is_pvmd(t->master_tid) || strchr(t->sockdir_suffix ? t->sockdir_suffix : "", '/'))
        fail(d, "%s join ticket",
             t && t->proto_version != CTL_PROTO_VERSION ? "another protocol version's"
                                                        : "malformed");
    return t;
}

/* The address the mesh binds to: -a, the ticket's, or what the host name
 * resolves to (IPv4), else loopback. */
static void pick_address(struct pvmd *d, const char *want, char *out, size_t cap)
{
    if (want && *want) {
        snprintf(out, cap, "%s", want);
        return;
    }
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(d->hostname, NULL, &hints, &ai) == 0 && ai) {
        inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, out, (socklen_t)cap);
        freeaddrinfo(ai);
        return;
    }
    snprintf(out, cap, "127.0.0.1");
}

static void start_signal(struct pvmd *d, uv_signal_t *s, int signum)
{
    uv_signal_init(d->loop, s);
    s->data = d;
    uv_signal_start(s, on_signal, signum);
}

/* Removes what this pvmd made, and nothing that has replaced it. */
static void cleanup_files(struct pvmd *d)
{
    if (!pvmd_dir_ours(d)) {
        log_info(d,
                 "%s is no longer this pvmd's (removed, or another pvmd's now): its files "
                 "are left alone",
                 d->sockdir);
        return;
    }
    pvmd_unlink_own(d, d->sockpath, &d->sock_id);
    remove_task_socks(d);
    pvmd_unlink_own(d, d->pidpath, &d->pid_id);
}

int main(int argc, char **argv)
{
    static struct pvmd pvmd; /* static only for its size; passed explicitly */
    struct pvmd *d = &pvmd;
    d->lock_fd = -1;
    d->arch = arch_this();
    d->myhost = PVMD_FIRST_HOST;
    d->mytid = tid_pvmd(d->myhost);
    d->loop = NULL;

    int opt;
    bool join = false;
    const char *bind_opt = NULL;
    bool plain_opt = false;
    while ((opt = getopt(argc, argv, "fdspa:h")) != -1) {
        if (opt == 'f')
            d->foreground = true;
        else if (opt == 'd')
            d->debug = true;
        else if (opt == 's')
            join = true;
        else if (opt == 'a')
            bind_opt = optarg;
        else if (opt == 'p')
            plain_opt = true;
        else
            usage();
    }
    const char *hostfile = optind < argc ? argv[optind] : NULL;
    if (optind + 1 < argc)
        usage();

    tidy_inherited_fds(!d->foreground);
    signal(SIGPIPE, SIG_IGN);
    /* One descriptor per task connection and three per spawned task: the
     * soft limit goes up to the hard one (spawn.c keeps a reserve below
     * it, docs/design.md "Limits"). */
    struct rlimit rl;
    unsigned long long fds_was = 0;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        fds_was = (unsigned long long)rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            fds_was = 0;
    }
    /* A hostfile that cannot be read stops the pvmd before it starts. */
    struct hostfile hf = {0};
    char hferr[600];
    if (hostfile && hostfile_read(hostfile, &hf, hferr, sizeof hferr) < 0) {
        fprintf(stderr, "pvmd: %s\n", hferr);
        exit(1);
    }

    /* A new host reads who it is before anything else (stdin is the first
     * host's pipe, or the remote shell's). */
    Pvm__JoinTicket *ticket = join ? read_ticket(d) : NULL;
    if (ticket) {
        d->myhost = ticket->host;
        d->mytid = tid_pvmd(d->myhost);
        /* Its tasks get this host's directory, not an inherited one; the
         * machine is the first host's (a remote shell passes no PVM_VMID). */
        unsetenv(ENV_TASK_SOCKDIR);
        if (ticket->vmid && *ticket->vmid)
            setenv(ENV_PVM_VMID, ticket->vmid, 1);
        else
            unsetenv(ENV_PVM_VMID);
    }
    if (!d->foreground)
        daemonize();

    if (gethostname(d->hostname, sizeof d->hostname - 1) < 0)
        snprintf(d->hostname, sizeof d->hostname, "localhost");
    ssize_t nexe = readlink("/proc/self/exe", d->exe, sizeof d->exe - 1);
    d->exe[nexe > 0 ? nexe : 0] = 0;
    make_sockdir(d, ticket ? ticket->sockdir_suffix : NULL);
    take_lock(d, ticket == NULL);
    long old = read_pidfile(d);
    int stale = remove_stale(d);
    write_pidfile(d);
    pvmd_file_id_take(d->pidpath, &d->pid_id);

    char logpath[PATHS_MAX];
    if (paths_join(logpath, sizeof logpath, d->sockdir, PVMD_LOG_NAME) < 0 ||
        log_open(&d->log, logpath, d->debug, d->foreground && d->debug) < 0)
        fail(d, "cannot open the log in %s: %s", d->sockdir, strerror(errno));
    log_info(d, "pvmd starting: pid %ld, host %s, arch %s, tid t%x, directory %s", (long)getpid(),
             d->hostname, d->arch, (unsigned)d->mytid, d->sockdir);
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        log_info(d, "descriptors: at most %llu%s", (unsigned long long)rl.rlim_cur,
                 fds_was ? " (soft limit raised to the hard one)" : "");
    /* Before any thread (libzmq's) exists: it forks. */
    guardian_start(d, ticket ? ticket->vm_key.data : NULL, ticket ? ticket->vm_key.len : 0);
    d->spawn_fast = spawn_fast_available();
    log_info(d, "spawning with %s", d->spawn_fast ? "posix_spawn and pidfds" : "uv_spawn");
    if (stale)
        log_info(d, "removed %d stale socket(s) of a pvmd that did not stop cleanly (pid %ld)",
                 stale, old);
    find_pvm_root(d);

    static uv_loop_t loop;
    if (uv_loop_init(&loop) < 0)
        fail(d, "cannot create the event loop");
    const char *myname = ticket ? ticket->name : d->hostname;
    struct host *me = NULL;
    if (pvmd_init(d, &loop, d->myhost) < 0 ||
        !(me = hosttab_add(d->hosts, d->myhost, myname, d->arch,
                           ticket && ticket->speed > 0 ? ticket->speed : PVMD_SPEED,
                           arch_this_dsig())))
        fail(d, "out of memory");
    me->epoch = d->epoch;
    pvmd_limits_from_env(d);
    group_page_open(d);
    if (xport_unix.listen(d, d->sockpath) < 0)
        fail(d, "cannot listen on %s", d->sockpath);
    pvmd_file_id_take(d->sockpath, &d->sock_id);
    /* The mesh: CurveZMQ with the virtual machine's key pair unless it runs
     * plain, and one address, bound and announced.  The first host reads
     * (or makes) the key file and chooses plain with -p or PVM_MESH_PLAIN=1;
     * a new host follows its ticket (no key: plain), as every pvmd of a
     * machine must, and keeps the key in memory only. */
    uint8_t vm_key[MESH_KEYS_LEN];
    const char *plain_env = getenv("PVM_MESH_PLAIN");
    bool plain = plain_opt || (plain_env && *plain_env && strcmp(plain_env, "0") != 0);
    if (ticket) {
        if (ticket->vm_key.len != 0 && ticket->vm_key.len != MESH_KEYS_LEN)
            fail(d, "malformed join ticket: a key of %zu bytes", ticket->vm_key.len);
        if (plain && ticket->vm_key.len)
            log_info(d, "mesh: -p / PVM_MESH_PLAIN ignored: the virtual machine is encrypted");
        plain = ticket->vm_key.len == 0;
        if (!plain) {
            memcpy(vm_key, ticket->vm_key.data, MESH_KEYS_LEN);
            mesh_keys_wipe(ticket->vm_key.data, ticket->vm_key.len);
        }
    } else if (!plain) {
        char keypath[4200], why[600];
        bool created = false;
        if (mesh_keys_load(vm_key, &created, keypath, sizeof keypath, why, sizeof why) < 0)
            fail(d, "%s", why);
        log_info(d, "mesh: %s the virtual machine's key %s", created ? "created" : "using",
                 keypath);
    }
    if (xport_zmq_secure(d, plain ? NULL : vm_key) < 0)
        fail(d, "cannot set up the mesh's security (see the log)");
    mesh_keys_wipe(vm_key, sizeof vm_key);
    char ip[INET6_ADDRSTRLEN + 1], ep[300];
    pick_address(d, bind_opt ? bind_opt : ticket ? ticket->bind : NULL, ip, sizeof ip);
    snprintf(ep, sizeof ep, "tcp://%s:0", ip);
    if (xport_zmq.listen(d, ep) < 0)
        fail(d, "cannot listen on %s for other hosts' pvmds", ep);
    snprintf(d->mesh_addr, sizeof d->mesh_addr, "%s", xport_zmq_endpoint(d));
    /* Tasks accept direct routes from other hosts on the same address,
     * under the same encryption setting (docs/design.md). */
    snprintf(d->direct_ip, sizeof d->direct_ip, "%s", ip);
    d->direct_sealed = !plain;
    d->mesh_tran = &xport_zmq;
    hosttab_set_addr(me, d->mesh_addr);
    if (ticket) {
        /* The first host, until its table says more. */
        struct host *m =
            hosttab_add(d->hosts, tid_host(ticket->master_tid), "(first host)", "", 0, 0);
        if (!m || hosttab_set_addr(m, ticket->master_addr) < 0)
            fail(d, "out of memory");
        m->epoch = ticket->master_epoch;
        log_info(d, "joining the virtual machine of %s as host %d (%s)", ticket->master_addr,
                 d->myhost, myname);
    }
    log_info(d, "mesh: %s", d->mesh_addr);
    start_signal(d, &d->sig_term, SIGTERM);
    start_signal(d, &d->sig_int, SIGINT);
    start_signal(d, &d->sig_hup, SIGHUP);

    /* Ready: tasks can connect from now on. */
    log_info(d, "ready");
    char ready[8192];
    snprintf(ready, sizeof ready, "pvmd ready %s %s %s 0x%x %llx", d->sockdir, d->mesh_addr,
             d->arch, (unsigned)arch_this_dsig(), (unsigned long long)d->epoch);
    if (ticket)
        pvm__join_ticket__free_unpacked(ticket, NULL);
    if (d->foreground) {
        printf("%s\n", ready);
        fflush(stdout);
    } else {
        char ok[sizeof ready + 4];
        int n = snprintf(ok, sizeof ok, join ? "ok %s" : "ok", ready);
        if (write(ready_fd, ok, (size_t)n) < 0) {
            /* the starter is gone; we run anyway */
        }
        close(ready_fd);
        ready_fd = -1;
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
            if (null > 2)
                close(null);
        }
        if (chdir("/") < 0) {
            /* harmless: only keeps a mount busy */
        }
    }

    if (join)
        hostmgr_joined(d);
    /* pvmd hostfile: its hosts join once this one is ready. */
    if (hostfile && !join && hostmgr_add_hostfile(d, &hf, hostfile) < 0)
        log_error(d, "hostfile %s: no host added", hostfile);
    hostfile_fini(&hf);

    uv_run(d->loop, UV_RUN_DEFAULT);

    guardian_stop(d);
    cleanup_files(d);
    log_info(d, "halted");
    uv_loop_close(d->loop);
    pvmd_fini(d);
    log_close(&d->log);
    /* The lock goes with the descriptor; the lock file itself stays (see
     * docs/design.md "pvmd notes"). */
    close(d->lock_fd);
    return 0;
}
