/*
 * h_tasker - a tasker as pvm_reg_tasker(3PVM) describes one: registers,
 * tells its parent (tag 1, int cc), then starts each task an SM_STTASK
 * asks for (fork, its own process group, execve with the given argv and
 * environment), tells its parent (tag 2, int tid, int pid), and reports
 * SM_TASKX to its pvmd when one of them exits.  It checks for exited
 * children between short receives (a helper program: there is no event
 * libpvm would wake it for).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pvm3.h"

#define SM_TASKX ((int)0x80040001 + 10)
#define SM_STTASK ((int)0x80040001 + 16)
#define MAXT 64
#define MAXS 4096

static struct {
    pid_t pid;
    int tid;
} kids[MAXT];

static char *upk_str(void)
{
    static char buf[65536];
    buf[0] = 0;
    pvm_upkstr(buf);
    return strdup(buf);
}

static void start(int parent)
{
    int tid, flags, argc, nenv;
    pvm_upkint(&tid, 1, 1);
    pvm_upkint(&flags, 1, 1);
    char *path = upk_str();
    pvm_upkint(&argc, 1, 1);
    if (argc < 0 || argc > MAXS)
        return;
    char **argv = calloc((size_t)argc + 1, sizeof *argv);
    for (int i = 0; i < argc; i++)
        argv[i] = upk_str();
    pvm_upkint(&nenv, 1, 1);
    if (nenv < 0 || nenv > MAXS)
        return;
    char **env = calloc((size_t)nenv + 1, sizeof *env);
    for (int i = 0; i < nenv; i++)
        env[i] = upk_str();
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        execve(path, argv, env);
        _exit(127);
    }
    for (int i = 0; pid > 0 && i < MAXT; i++)
        if (!kids[i].pid) {
            kids[i].pid = pid;
            kids[i].tid = tid;
            break;
        }
    pvm_initsend(PvmDataDefault);
    pvm_pkint(&tid, 1, 1);
    int p = (int)pid;
    pvm_pkint(&p, 1, 1);
    pvm_send(parent, 2);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    for (int i = 0; i < nenv; i++)
        free(env[i]);
    free(argv);
    free(env);
    free(path);
}

static void send_dropped(int parent)
{
    int tid = 0;
    pvm_upkint(&tid, 1, 1);
    pvm_initsend(PvmDataDefault);
    pvm_pkint(&tid, 1, 1);
    pvm_send(parent, 3);
}

static void reap(void)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
        for (int i = 0; i < MAXT; i++)
            if (kids[i].pid == pid) {
                int x[6] = {kids[i].tid, status, 0, 0, 0, 0};
                kids[i].pid = 0;
                pvm_initsend(PvmDataDefault);
                pvm_pkint(x, 6, 1);
                pvm_send(pvm_tidtohost(pvm_mytid()), SM_TASKX);
            }
}

int main(int argc, char **argv)
{
    /* "drop": takes each task and starts nothing (a tasker that fails). */
    int drop = argc > 1 && !strcmp(argv[1], "drop");
    int parent = pvm_parent();
    pvm_setopt(PvmResvTids, 1);
    int cc = pvm_reg_tasker();
    pvm_initsend(PvmDataDefault);
    pvm_pkint(&cc, 1, 1);
    pvm_send(parent, 1);
    for (;;) {
        struct timeval tv = {0, 20000};
        int b = pvm_trecv(-1, SM_STTASK, &tv);
        if (b < 0)
            break;
        if (b > 0 && drop)
            send_dropped(parent);
        else if (b > 0)
            start(parent);
        reap();
    }
    pvm_exit();
    return 0;
}
