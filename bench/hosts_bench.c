/*
 * hosts_bench - how long a virtual machine of N hosts takes to come up,
 * for bench/hosts.sh.
 *
 * Enrolls in a running virtual machine of one host and adds the hosts
 * named on the command line (or, with -n N, the loopback hosts
 * 127.0.0.2 .. 127.0.0.N, which make an N-host machine with the first
 * host), in one pvm_addhosts call (or -b B names per call, in order), then
 * polls pvm_config until it lists them all.  Prints
 *
 *   hosts n=<hosts in conf> want=<N> added=<ok> failed=<k> addhosts_s=<t> conf_s=<t> calls=<c>
 *
 * addhosts_s runs from just before the first pvm_addhosts call until the
 * last one returned (the answer); conf_s until pvm_config first listed
 * every host that pvm_addhosts said it added (or -1 when it never did
 * within the limit); when some failed, n < want.  The first failure
 * is printed to stderr with its code.  Only PVM 3.4's public API: builds
 * against this project's libpvm3 and against PVM 3.4.6.
 *
 *   hosts_bench [-b batch] [-t limit_s] (-n N | host...)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pvm3.h"

#define MAX_HOSTS 4096

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int conf_hosts(void)
{
    int nhost = 0, narch = 0;
    struct pvmhostinfo *hi;
    if (pvm_config(&nhost, &narch, &hi) < 0)
        return -1;
    return nhost;
}

int main(int argc, char **argv)
{
    static char *names[MAX_HOSTS];
    static int infos[MAX_HOSTS];
    int n = 0, batch = 0, want = 0;
    double limit = 60;
    int opt;
    while ((opt = getopt(argc, argv, "b:n:t:")) != -1) {
        switch (opt) {
        case 'b':
            batch = atoi(optarg);
            break;
        case 'n':
            want = atoi(optarg);
            break;
        case 't':
            limit = atof(optarg);
            break;
        default:
            fprintf(stderr, "usage: hosts_bench [-b batch] [-t limit_s] (-n N | host...)\n");
            return 2;
        }
    }
    if (want > 0) {
        if (want > 255) {
            fprintf(stderr, "hosts_bench: -n up to 255 (127.0.0.2 .. 127.0.0.255)\n");
            return 2;
        }
        for (int i = 2; i <= want; i++) {
            char buf[32];
            snprintf(buf, sizeof buf, "127.0.0.%d", i);
            names[n++] = strdup(buf);
        }
    }
    for (int i = optind; i < argc && n < MAX_HOSTS; i++)
        names[n++] = argv[i];
    if (n == 0) {
        fprintf(stderr, "hosts_bench: no hosts to add\n");
        return 2;
    }
    if (batch <= 0 || batch > n)
        batch = n;

    if (pvm_mytid() < 0) {
        pvm_perror("hosts_bench: pvm_mytid");
        return 1;
    }
    int before = conf_hosts();
    want = before + n;

    int ok = 0, failed = 0, calls = 0;
    double t0 = now();
    for (int i = 0; i < n; i += batch) {
        int k = n - i < batch ? n - i : batch;
        int got = pvm_addhosts(names + i, k, infos + i);
        calls++;
        if (got < 0) {
            pvm_perror("hosts_bench: pvm_addhosts");
            failed += k;
            continue;
        }
        ok += got;
        for (int j = i; j < i + k; j++)
            if (infos[j] < 0 && failed++ == 0)
                fprintf(stderr, "hosts_bench: %s not added: %d\n", names[j], infos[j]);
    }
    double t1 = now();
    double t2 = -1;
    int have = 0;
    for (;;) {
        have = conf_hosts();
        double t = now();
        if (have >= before + ok) {
            t2 = t;
            break;
        }
        if (t - t0 > limit)
            break;
        usleep(1000);
    }
    printf("hosts n=%d want=%d added=%d failed=%d addhosts_s=%.4f conf_s=%.4f calls=%d\n", have,
           want, ok, failed, t1 - t0, t2 < 0 ? -1.0 : t2 - t0, calls);
    fflush(stdout);
    pvm_exit();
    return failed || t2 < 0 ? 1 : 0;
}
