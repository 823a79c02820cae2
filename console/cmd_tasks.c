/*
 * cmd_tasks.c - commands about tasks: spawn, ps, jobs, kill, sig, pstat,
 * reset.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "lpvm.h"
#include "pvm3.h"

/* ===================================================================== */
/* Hosts, for names in ps and for telling -host from -ARCH in spawn      */
/* ===================================================================== */

struct hosts {
    int n;
    struct pvmhostinfo *v; /* libpvm's storage, valid until the next pvm_config */
};

static void hosts_get(struct hosts *h)
{
    int narch;
    if (pvm_config(&h->n, &narch, &h->v) < 0) {
        h->n = 0;
        h->v = NULL;
    }
}

static const char *hosts_name(const struct hosts *h, int dtid)
{
    for (int i = 0; i < h->n; i++)
        if (h->v[i].hi_tid == dtid && h->v[i].hi_name)
            return h->v[i].hi_name;
    return "-";
}

/* ===================================================================== */
/* ps                                                                    */
/* ===================================================================== */

struct ps_ctx {
    struct console *c;
    struct hosts hosts;
    bool lng;
};

void cmd_tasks_ps_head(bool lng)
{
    if (lng)
        printf("%24s %8s %8s %6s %9s %s\n", "HOST", "TID", "PTID", "PID", "FLAG 0x", "COMMAND");
    else
        printf("%24s %8s %9s %s\n", "HOST", "TID", "FLAG 0x", "COMMAND");
}

/* The flag column: the value in hex, then its letters ("6/c,f"). */
static void flag_text(int flag, char *buf, size_t cap)
{
    static const struct {
        int bit;
        const char *letter;
    } letters[] = {
        {LPVM_TF_CLOSE, "o"}, /* PVM's letter for "connection being closed" */
        {LPVM_TF_CONN, "c"},
        {LPVM_TF_SPAWNED, "f"},
    };
    int len = snprintf(buf, cap, "%x", (unsigned)flag);
    const char *sep = "/";
    for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++) {
        if (!(flag & letters[i].bit) || len < 0 || (size_t)len >= cap)
            continue;
        len += snprintf(buf + len, cap - (size_t)len, "%s%s", sep, letters[i].letter);
        sep = ",";
    }
}

static void ps_print(const struct ps_ctx *p, const struct pvmtaskinfo *t)
{
    char tid[16], flag[32];
    if (t->ti_tid == p->c->mytid)
        snprintf(tid, sizeof tid, "(cons)");
    else
        snprintf(tid, sizeof tid, "%x", (unsigned)t->ti_tid);
    flag_text(t->ti_flag, flag, sizeof flag);
    const char *cmd = t->ti_a_out && *t->ti_a_out ? t->ti_a_out : "-";
    const char *host = hosts_name(&p->hosts, t->ti_host);
    if (p->lng)
        printf("%24s %8s %8x %6d %9s %-12s\n", host, tid, (unsigned)t->ti_ptid, t->ti_pid, flag,
               cmd);
    else
        printf("%24s %8s %9s %-12s\n", host, tid, flag, cmd);
}

/* One task by tid (for jobs -l). */
static void ps_line_tid(int tid, void *arg)
{
    const struct ps_ctx *p = arg;
    int n;
    struct pvmtaskinfo *ti;
    if (pvm_tasks(tid, &n, &ti) < 0)
        return;
    for (int i = 0; i < n; i++)
        if (ti[i].ti_tid == tid)
            ps_print(p, &ti[i]);
}

int cmd_ps(struct console *c, int argc, char **argv)
{
    struct ps_ctx p = {.c = c};
    bool all = false, everything = false;
    int which = pvm_tidtohost(c->mytid);
    const char *hostname = NULL;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') {
            printf("ps: unknown argument %s\n", argv[i]);
            return -1;
        }
        for (const char *o = argv[i] + 1; *o; o++) {
            if (*o == 'a') {
                all = true;
            } else if (*o == 'x') {
                everything = true;
            } else if (*o == 'l') {
                p.lng = true;
            } else if (*o == 'h') {
                if (cmds_parse_tid(o + 1, &which) < 0) {
                    printf("ps: bad host tid %s\n", o + 1);
                    return -1;
                }
                break;
            } else if (*o == 'n') {
                hostname = o + 1;
                break;
            } else {
                printf("ps: unknown option -%c\n", *o);
                return -1;
            }
        }
    }
    hosts_get(&p.hosts);
    if (hostname) {
        which = -1;
        for (int i = 0; i < p.hosts.n; i++)
            if (p.hosts.v[i].hi_name && strcmp(p.hosts.v[i].hi_name, hostname) == 0)
                which = p.hosts.v[i].hi_tid;
        if (which < 0) {
            printf("ps: %s: %s\n", hostname, cmds_errtext(PvmNoHost));
            return -1;
        }
    }
    if (all)
        which = 0;
    int n;
    struct pvmtaskinfo *ti;
    int r = pvm_tasks(which, &n, &ti);
    if (r < 0) {
        printf("ps: %s\n", cmds_errtext(r));
        return -1;
    }
    /* pvm_tasks' storage lasts until its next call; the host table is
     * libpvm's too, so take it before the tasks. */
    cmd_tasks_ps_head(p.lng);
    for (int i = 0; i < n; i++) {
        if (ti[i].ti_tid == c->mytid && !everything)
            continue;
        ps_print(&p, &ti[i]);
    }
    return 0;
}

/* ===================================================================== */
/* jobs                                                                  */
/* ===================================================================== */

int cmd_jobs(struct console *c, int argc, char **argv)
{
    bool lng = false;
    if (argc > 1) {
        if (strcmp(argv[1], "-l") != 0) {
            printf("jobs: unknown option %s\n", argv[1]);
            return -1;
        }
        lng = true;
    }
    struct ps_ctx p = {.c = c};
    if (lng) {
        hosts_get(&p.hosts);
        cmd_tasks_ps_head(false);
    }
    jobs_list(c->jobs, lng, ps_line_tid, &p);
    return 0;
}

/* ===================================================================== */
/* spawn                                                                 */
/* ===================================================================== */

struct spawn_opts {
    int count;
    int flags;
    char *where;
    bool out;         /* -> or ->file or ->>file */
    const char *file; /* NULL: the console */
    bool append;
};

static bool is_arch(const char *name)
{
    struct hosts h;
    hosts_get(&h);
    for (int i = 0; i < h.n; i++)
        if (h.v[i].hi_arch && strcmp(h.v[i].hi_arch, name) == 0)
            return true;
    return false;
}

/* Parses one option word (without its '-').  Returns 0 or -1. */
static int spawn_option(struct spawn_opts *o, char *w)
{
    if (w[0] == '>') {
        o->out = true;
        o->append = w[1] == '>';
        const char *f = w + (o->append ? 2 : 1);
        o->file = *f ? f : NULL;
        if (o->append && !o->file) {
            printf("spawn: ->> needs a file name\n");
            return -1;
        }
        return 0;
    }
    if (strcmp(w, "?") == 0) {
        o->flags |= PvmTaskDebug;
        return 0;
    }
    if (w[0] == '@') {
        printf("spawn: tracing (-@) is not supported; ignored\n");
        return 0;
    }
    /* A count is all digits: -127.0.0.2 is a host (PVM's console took
     * it as 127 tasks anywhere). */
    if (w[0] && w[strspn(w, "0123456789")] == 0) {
        char *end;
        errno = 0;
        long n = strtol(w, &end, 10);
        if (*end || errno || n < 1 || n > 1000000) {
            printf("spawn: bad count -%s\n", w);
            return -1;
        }
        o->count = (int)n;
        return 0;
    }
    if (strncmp(w, "-host=", 6) == 0)
        w += 6;
    if (!*w) {
        printf("spawn: empty option\n");
        return -1;
    }
    if (strchr(w, ':')) {
        printf("spawn: a working directory (host:wd) is not supported\n");
        return -1;
    }
    o->where = w;
    o->flags &= ~(PvmTaskHost | PvmTaskArch);
    o->flags |= is_arch(w) ? PvmTaskArch : PvmTaskHost;
    return 0;
}

int cmd_spawn(struct console *c, int argc, char **argv)
{
    /* As PVM's console: the tasks are not the console's children, so a
     * program started here sees pvm_parent() < 0 (PvmParentNotSet) and acts as
     * the master. */
    struct spawn_opts o = {.count = 1, .flags = PvmNoSpawnParent};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++)
        if (spawn_option(&o, argv[i] + 1) < 0)
            return -1;
    if (i >= argc) {
        printf("spawn: wrong #args\n");
        return -1;
    }
    char *prog = argv[i];
    char **args = argv + i + 1; /* NULL-terminated: argv is */

    int job = 0, tag = 0;
    if (o.out) {
        FILE *f = NULL;
        if (o.file && !(f = fopen(o.file, o.append ? "a" : "w"))) {
            printf("spawn: can't open %s: %s\n", o.file, strerror(errno));
            return -1;
        }
        job = jobs_open(c->jobs, f, &tag);
        if (job < 0) {
            if (f)
                fclose(f);
            printf("spawn: out of memory\n");
            return -1;
        }
        printf("[%d]\n", job);
        int ctx = pvm_getcontext();
        if (ctx >= 0)
            pvm_setopt(PvmOutputContext, ctx);
        pvm_setopt(PvmOutputTid, c->mytid);
        pvm_setopt(PvmOutputCode, tag);
    } else {
        pvm_setopt(PvmOutputTid, 0); /* the pvmd's log */
        pvm_setopt(PvmOutputCode, 0);
    }

    int *tids = calloc((size_t)o.count, sizeof *tids);
    if (!tids) {
        printf("spawn: out of memory\n");
        return -1;
    }
    for (int k = 0; k < o.count; k++)
        tids[k] = PvmSysErr;
    fflush(stdout);
    int r = pvm_spawn(prog, args, o.flags, o.where, o.count, tids);
    if (r < 0) {
        printf("spawn: %s\n", cmds_errtext(r));
        if (job > 0)
            jobs_add_tasks(c->jobs, job, tids, 0);
        free(tids);
        return -1;
    }
    printf("%d successful\n", r);
    for (int k = 0; k < o.count; k++) {
        if (tids[k] > 0)
            printf("t%x\n", (unsigned)tids[k]);
        else
            printf("%s\n", cmds_errtext(tids[k]));
    }
    if (job > 0)
        jobs_add_tasks(c->jobs, job, tids, o.count);
    free(tids);
    return r == o.count ? 0 : -1;
}

/* ===================================================================== */
/* kill, sig, pstat, reset                                               */
/* ===================================================================== */

int cmd_kill(struct console *c, int argc, char **argv)
{
    bool children = false;
    int i = 1;
    if (strcmp(argv[1], "-c") == 0) {
        children = true;
        i++;
    }
    if (i >= argc) {
        printf("kill: wrong #args\n");
        return -1;
    }
    int rc = 0;
    for (; i < argc; i++) {
        int tid;
        if (cmds_parse_tid(argv[i], &tid) < 0) {
            printf("kill: bad tid %s\n", argv[i]);
            rc = -1;
            continue;
        }
        if (tid == c->mytid) {
            printf("t%x: that's me.\n", (unsigned)tid);
            rc = -1;
            continue;
        }
        if (children) {
            int n;
            struct pvmtaskinfo *ti;
            if (pvm_tasks(0, &n, &ti) < 0)
                continue;
            int *kids = malloc(((size_t)n + 1) * sizeof *kids);
            int nk = 0;
            for (int k = 0; kids && k < n; k++)
                if (ti[k].ti_ptid == tid && ti[k].ti_tid != c->mytid)
                    kids[nk++] = ti[k].ti_tid;
            for (int k = 0; k < nk; k++)
                pvm_kill(kids[k]);
            free(kids);
            continue;
        }
        int r = pvm_kill(tid);
        if (r < 0) {
            printf("kill: t%x: %s\n", (unsigned)tid, cmds_errtext(r));
            rc = -1;
        }
    }
    return rc;
}

int cmd_sig(struct console *c, int argc, char **argv)
{
    (void)c;
    char *end;
    long sig = strtol(argv[1], &end, 10);
    if (!*argv[1] || *end || sig < 1 || sig > 64) {
        printf("sig: bad signal number %s\n", argv[1]);
        return -1;
    }
    int rc = 0;
    for (int i = 2; i < argc; i++) {
        int tid;
        if (cmds_parse_tid(argv[i], &tid) < 0) {
            printf("sig: bad tid %s\n", argv[i]);
            rc = -1;
            continue;
        }
        int r = pvm_sendsig(tid, (int)sig);
        if (r < 0) {
            printf("sig: t%x: %s\n", (unsigned)tid, cmds_errtext(r));
            rc = -1;
        }
    }
    return rc;
}

int cmd_pstat(struct console *c, int argc, char **argv)
{
    (void)c;
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        int tid;
        if (cmds_parse_tid(argv[i], &tid) < 0) {
            printf("pstat: bad tid %s\n", argv[i]);
            rc = -1;
            continue;
        }
        int r = pvm_pstat(tid);
        printf("t%8x  %s\n", (unsigned)tid, r == PvmOk ? "run" : cmds_errtext(r));
        if (r < 0)
            rc = -1;
    }
    return rc;
}

int cmd_reset(struct console *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    int n;
    struct pvmtaskinfo *ti;
    int r = pvm_tasks(0, &n, &ti);
    if (r < 0) {
        printf("reset: %s\n", cmds_errtext(r));
        return -1;
    }
    /* Take what we need first: pvm_getnoresets and pvm_kill may reuse
     * libpvm's storage of pvm_tasks. */
    int *tids = malloc(((size_t)n + 1) * sizeof *tids);
    if (!tids)
        return -1;
    int nt = 0;
    for (int i = 0; i < n; i++)
        if (ti[i].ti_tid != c->mytid)
            tids[nt++] = ti[i].ti_tid;
    /* The tasks that set PvmNoReset (other consoles: each sets it) are
     * spared, and so are their mailbox entries; every other entry goes,
     * persistent ones too, as PVM's reset does. */
    int *keep = NULL, nkeep = 0;
    if (pvm_getnoresets(&keep, &nkeep) < 0)
        nkeep = 0;
    int *spared = malloc(((size_t)nkeep + 1) * sizeof *spared);
    if (!spared) {
        free(tids);
        return -1;
    }
    memcpy(spared, keep, (size_t)nkeep * sizeof *spared);
    for (int i = 0; i < nt; i++) {
        bool spare = false;
        for (int k = 0; k < nkeep && !spare; k++)
            spare = spared[k] == tids[i];
        if (!spare)
            pvm_kill(tids[i]);
    }
    free(tids);
    r = lpvm_mbox_reset(spared, nkeep);
    free(spared);
    if (r < 0) {
        printf("reset: %s\n", cmds_errtext(r));
        return -1;
    }
    return 0;
}
