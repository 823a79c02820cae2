/*
 * h_hoster - a hoster as pvm_reg_hoster(3PVM) describes one: registers,
 * tells its parent (tag 1, int cc), then for each SM_STHOST runs every
 * host's command itself (sh -c, on this machine: the tests' hosts are
 * 127.0.0.x), writes the host's JoinTicket (the hex string after the
 * documented fields) on its stdin, and answers SM_STHOSTACK with the
 * first line the command printed.  Each host it handles is reported to
 * the parent (tag 2: string login, string command) before the answer.
 *
 * With argument "refuse" it answers every host "PvmDupHost" instead; with
 * "die" it exits at the first SM_STHOST without answering.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pvm3.h"

#define SM_STHOST ((int)0x80040001 + 14)
#define SM_STHOSTACK ((int)0x80040001 + 15)
#define MAXH 16

struct host {
    int tid;
    char opts[256], login[256], cmd[4200], line[1024];
    char *ticket; /* hex */
};

static int unhex(const char *hex, unsigned char *out)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (unsigned char)v;
    }
    return (int)n;
}

/* Runs h->cmd with the ticket on its stdin; its first stdout line goes to
 * h->line, "PvmCantStart" when there is none. */
static void start(struct host *h)
{
    strcpy(h->line, "PvmCantStart");
    unsigned char *t = malloc(strlen(h->ticket) / 2 + 1);
    int tn = t ? unhex(h->ticket, t) : -1;
    int in[2], out[2];
    if (tn < 0 || pipe(in) < 0 || pipe(out) < 0) {
        free(t);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execl("/bin/sh", "sh", "-c", h->cmd, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    if (pid > 0 && write(in[1], t, (size_t)tn) != tn)
        fprintf(stderr, "h_hoster: ticket not written\n");
    close(in[1]);
    free(t);
    FILE *f = fdopen(out[0], "r");
    if (f && fgets(h->line, sizeof h->line, f)) {
        h->line[strcspn(h->line, "\n")] = 0;
    }
    if (f)
        fclose(f);
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

int main(int argc, char **argv)
{
    int refuse = argc > 1 && !strcmp(argv[1], "refuse");
    int die = argc > 1 && !strcmp(argv[1], "die");
    int parent = pvm_parent();
    pvm_setopt(PvmResvTids, 1);
    int cc = pvm_reg_hoster();
    pvm_initsend(PvmDataDefault);
    pvm_pkint(&cc, 1, 1);
    pvm_send(parent, 1);
    for (;;) {
        int b = pvm_recv(-1, SM_STHOST);
        if (b < 0)
            break;
        if (die)
            exit(3);
        int src, n;
        pvm_bufinfo(b, NULL, NULL, &src);
        pvm_upkint(&n, 1, 1);
        if (n < 1 || n > MAXH)
            continue;
        struct host h[MAXH];
        for (int i = 0; i < n; i++) {
            pvm_upkint(&h[i].tid, 1, 1);
            pvm_upkstr(h[i].opts);
            pvm_upkstr(h[i].login);
            pvm_upkstr(h[i].cmd);
        }
        for (int i = 0; i < n; i++) {
            static char hex[65536];
            hex[0] = 0;
            pvm_upkstr(hex);
            h[i].ticket = strdup(hex);
        }
        for (int i = 0; i < n; i++) {
            if (refuse)
                strcpy(h[i].line, "PvmDupHost");
            else
                start(&h[i]);
            free(h[i].ticket);
            pvm_initsend(PvmDataDefault);
            pvm_pkstr(h[i].login);
            pvm_pkstr(h[i].cmd);
            pvm_send(parent, 2);
        }
        pvm_initsend(PvmDataDefault);
        for (int i = 0; i < n; i++) {
            pvm_pkint(&h[i].tid, 1, 1);
            pvm_pkstr(h[i].line);
        }
        pvm_send(src, SM_STHOSTACK);
    }
    pvm_exit();
    return 0;
}
