/*
 * heat - a 2-D heat-equation solver, checked against a serial run.
 *
 * Explicit finite differences on an N x N grid with fixed (Dirichlet)
 * edges: each step replaces every interior point by
 *
 *     u + r * ((up + down) + (left + right) - 4u)
 *
 * The master spawns W workers.  Each worker owns a strip of rows and,
 * every step, sends its first and last rows to the neighbours above and
 * below and receives their edge rows into its halo rows.  At the end the
 * master gathers the strips and compares them with the same computation
 * done serially by itself.  Both evaluate each point with the same
 * operations in the same order, and PvmDataDefault carries doubles exactly,
 * so the answers must be bit-identical.
 *
 *   heat [-w workers (4)] [-n grid size (200)] [-s steps (500)]
 *
 * Exits 0 only when the parallel result matches the serial one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pvm3.h"

/* Set below to report a per-task spawn error; declared here too because
 * PVM 3.4.6's own pvm3.h does not declare it (the library defines it). */
extern int pvm_errno;

#define TAG_INIT 1   /* master -> worker: parameters and initial strip */
#define TAG_DOWN 2   /* worker -> worker below: my last owned row */
#define TAG_UP 3     /* worker -> worker above: my first owned row */
#define TAG_RESULT 4 /* worker -> master: index and owned rows */
#define MAX_WORKERS 64
#define RATE 0.2 /* r = alpha dt / dx^2; stable below 0.25 */

static void die(char *what)
{
    pvm_perror(what);
    pvm_exit();
    exit(1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (p == NULL) {
        fprintf(stderr, "heat: out of memory\n");
        pvm_exit();
        exit(1);
    }
    return p;
}

/* The starting temperatures: a hot top edge and a smooth bump inside. */
static void initial(double *u, int n)
{
    const double pi = 3.14159265358979323846;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double v = 10.0 * sin(pi * i / (n - 1)) * sin(pi * j / (n - 1));
            if (i == 0)
                v = 100.0;
            if (i == n - 1 || j == 0 || j == n - 1)
                v = i == 0 ? 100.0 : 0.0;
            u[(size_t)i * n + j] = v;
        }
}

/*
 * One step over rows [lo, hi) of a block of n-wide rows: reads u, writes v.
 * Shared by the serial run and the workers so both do identical arithmetic.
 */
static void step_rows(const double *u, double *v, int n, int lo, int hi, double r)
{
    for (int i = lo; i < hi; i++) {
        const double *up = u + (size_t)(i - 1) * n;
        const double *mid = u + (size_t)i * n;
        const double *down = u + (size_t)(i + 1) * n;
        double *out = v + (size_t)i * n;
        out[0] = mid[0];
        for (int j = 1; j < n - 1; j++)
            out[j] = mid[j] + r * ((up[j] + down[j]) + (mid[j - 1] + mid[j + 1]) - 4.0 * mid[j]);
        out[n - 1] = mid[n - 1];
    }
}

/* Rows [*lo, *hi) of the interior rows 1 .. n-2 belong to worker w of nw. */
static void strip(int n, int nw, int w, int *lo, int *hi)
{
    int rows = n - 2;
    *lo = 1 + (int)((long)rows * w / nw);
    *hi = 1 + (int)((long)rows * (w + 1) / nw);
}

/* ---------------------------------------------------------------- */
/* Worker                                                           */
/* ---------------------------------------------------------------- */

static void send_row(int tid, int tag, double *row, int n)
{
    if (pvm_initsend(PvmDataDefault) < 0)
        die("heat: pvm_initsend");
    if (pvm_pkdouble(row, n, 1) < 0)
        die("heat: pvm_pkdouble");
    if (pvm_send(tid, tag) < 0)
        die("heat: pvm_send");
}

static void recv_row(int tid, int tag, double *row, int n)
{
    if (pvm_recv(tid, tag) < 0)
        die("heat: pvm_recv");
    if (pvm_upkdouble(row, n, 1) < 0)
        die("heat: pvm_upkdouble");
}

static int worker(int master)
{
    int hdr[6]; /* index, n, steps, rows, tid above, tid below */
    double r;

    if (pvm_recv(master, TAG_INIT) < 0)
        die("heat: pvm_recv");
    if (pvm_upkint(hdr, 6, 1) < 0 || pvm_upkdouble(&r, 1, 1) < 0)
        die("heat: pvm_upkint");
    int index = hdr[0], n = hdr[1], steps = hdr[2], rows = hdr[3];
    int above = hdr[4], below = hdr[5];
    if (n < 3 || rows < 1 || steps < 0) {
        fprintf(stderr, "heat: bad parameters from master\n");
        return 1;
    }
    /* Local rows 0 and rows+1 are halos (or the fixed edges of the grid). */
    size_t cells = (size_t)(rows + 2) * n;
    double *u = xcalloc(cells, sizeof *u);
    double *v = xcalloc(cells, sizeof *v);
    if (pvm_upkdouble(u, (int)cells, 1) < 0)
        die("heat: pvm_upkdouble");
    /* The halo rows of v are never computed: keep the fixed edges there. */
    memcpy(v, u, (size_t)n * sizeof *v);
    memcpy(v + (size_t)(rows + 1) * n, u + (size_t)(rows + 1) * n, (size_t)n * sizeof *v);

    for (int s = 0; s < steps; s++) {
        if (above >= 0)
            send_row(above, TAG_UP, u + n, n);
        if (below >= 0)
            send_row(below, TAG_DOWN, u + (size_t)rows * n, n);
        if (above >= 0)
            recv_row(above, TAG_DOWN, u, n);
        if (below >= 0)
            recv_row(below, TAG_UP, u + (size_t)(rows + 1) * n, n);
        step_rows(u, v, n, 1, rows + 1, r);
        double *t = u;
        u = v;
        v = t;
    }

    if (pvm_initsend(PvmDataDefault) < 0)
        die("heat: pvm_initsend");
    if (pvm_pkint(&index, 1, 1) < 0 || pvm_pkdouble(u + n, rows * n, 1) < 0)
        die("heat: pvm_pack");
    if (pvm_send(master, TAG_RESULT) < 0)
        die("heat: pvm_send");
    free(u);
    free(v);
    return 0;
}

/* ---------------------------------------------------------------- */
/* Master                                                           */
/* ---------------------------------------------------------------- */

static void serial(double *u, int n, int steps, double r)
{
    double *v = xcalloc((size_t)n * n, sizeof *v);
    memcpy(v, u, (size_t)n * n * sizeof *v);
    double *a = u, *b = v;
    for (int s = 0; s < steps; s++) {
        step_rows(a, b, n, 1, n - 1, r);
        double *t = a;
        a = b;
        b = t;
    }
    if (a != u)
        memcpy(u, a, (size_t)n * n * sizeof *u);
    free(v);
}

static int master(int nw, int n, int steps)
{
    int tids[MAX_WORKERS];
    char *args[] = {"-worker", NULL};
    double r = RATE;
    size_t cells = (size_t)n * n;
    double *grid = xcalloc(cells, sizeof *grid);
    double *par = xcalloc(cells, sizeof *par);

    initial(grid, n);
    memcpy(par, grid, cells * sizeof *par);

    double t0 = now();
    int got = pvm_spawn("heat", args, PvmTaskDefault, "", nw, tids);
    if (got < 0)
        die("heat: pvm_spawn");
    if (got < nw) {
        for (int i = 0; i < nw; i++)
            if (tids[i] < 0) {
                pvm_errno = tids[i];
                pvm_perror("heat: pvm_spawn of heat");
            } else {
                pvm_kill(tids[i]);
            }
        pvm_exit();
        return 1;
    }
    for (int w = 0; w < nw; w++) {
        int lo, hi;
        strip(n, nw, w, &lo, &hi);
        int hdr[6] = {
            w, n, steps, hi - lo, w > 0 ? tids[w - 1] : -1, w < nw - 1 ? tids[w + 1] : -1};
        if (pvm_initsend(PvmDataDefault) < 0)
            die("heat: pvm_initsend");
        /* The strip with one row of context above and below. */
        if (pvm_pkint(hdr, 6, 1) < 0 || pvm_pkdouble(&r, 1, 1) < 0 ||
            pvm_pkdouble(grid + (size_t)(lo - 1) * n, (hi - lo + 2) * n, 1) < 0)
            die("heat: pvm_pack");
        if (pvm_send(tids[w], TAG_INIT) < 0)
            die("heat: pvm_send");
    }
    for (int k = 0; k < nw; k++) {
        int index, lo, hi;
        if (pvm_recv(-1, TAG_RESULT) < 0)
            die("heat: pvm_recv");
        if (pvm_upkint(&index, 1, 1) < 0)
            die("heat: pvm_upkint");
        if (index < 0 || index >= nw) {
            fprintf(stderr, "heat: result with bad index %d\n", index);
            pvm_exit();
            return 1;
        }
        strip(n, nw, index, &lo, &hi);
        if (pvm_upkdouble(par + (size_t)lo * n, (hi - lo) * n, 1) < 0)
            die("heat: pvm_upkdouble");
    }
    double tpar = now() - t0;

    t0 = now();
    serial(grid, n, steps, r);
    double tser = now() - t0;

    double maxdiff = 0.0;
    for (size_t k = 0; k < cells; k++) {
        double d = fabs(par[k] - grid[k]);
        if (d > maxdiff || d != d)
            maxdiff = d;
    }
    int ok = maxdiff <= 1e-12;
    printf("heat: parallel %.3f s (spawn included), serial %.3f s, centre temperature %.6f\n", tpar,
           tser, grid[(size_t)(n / 2) * n + n / 2]);
    printf("heat: %d workers, %dx%d grid, %d steps, max |parallel - serial| = %.3e: %s\n", nw, n, n,
           steps, maxdiff, ok ? "OK" : "FAILED");
    free(grid);
    free(par);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    int nw = 4, n = 200, steps = 500, is_worker = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-worker") == 0)
            is_worker = 1;
        else if (strcmp(argv[i], "-w") == 0 && i + 1 < argc)
            nw = atoi(argv[++i]);
        else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            n = atoi(argv[++i]);
        else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
            steps = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: heat [-w workers] [-n grid size] [-s steps]\n");
            return 2;
        }
    }
    if (pvm_mytid() < 0)
        die("heat: pvm_mytid");
    int parent = pvm_parent();
    int rc;
    if (is_worker && parent < 0) {
        /* Never fall back to master here: that would spawn workers of its own. */
        fprintf(stderr, "heat: started as a worker but pvm_parent() = %d; giving up\n", parent);
        pvm_exit();
        return 1;
    }
    if (parent >= 0 && is_worker) {
        rc = worker(parent);
    } else {
        if (nw < 1 || nw > MAX_WORKERS || n < 3 || n - 2 < nw || steps < 0) {
            fprintf(stderr, "heat: need 1..%d workers, each with at least one row of the grid\n",
                    MAX_WORKERS);
            pvm_exit();
            return 2;
        }
        rc = master(nw, n, steps);
    }
    if (pvm_exit() < 0) {
        pvm_perror("heat: pvm_exit");
        return 1;
    }
    return rc;
}
