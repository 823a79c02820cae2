/*
 * errors.c - pvm_errno, error texts and automatic error reports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core.h"
#include "pvmerr.h"

int pvm_errno;
int pvm_nerr = PVMERR_COUNT;
/* PVM declares the table writable; its strings are never written. */
char *pvm_errlist[PVMERR_COUNT + 1];

__attribute__((constructor)) static void errors_init(void)
{
    for (int i = 0; i < PVMERR_COUNT; i++)
        pvm_errlist[i] = (char *)pvmerr_table[i];
}

/* Messages name the task, or the process before it has enrolled. */
static void print_who(FILE *f)
{
    if (lpvm_state.mytid > 0)
        fprintf(f, "libpvm [t%x]: ", (unsigned)lpvm_state.mytid);
    else
        fprintf(f, "libpvm [pid%d]: ", (int)getpid());
}

void lpvm_report(const char *fn, int code)
{
    pvm_errno = code;
    /* PVM 3.4.6 reports for any value but 0, not only 1..3. */
    int how = lpvm_state.opt[PvmAutoErr];
    if (how != 0) {
        print_who(stderr);
        fprintf(stderr, "%s(): %s\n", fn, pvmerr_text(code));
        if (how == 2)
            exit(1);
        if (how == 3)
            abort();
    }
}

int lpvm_err(const char *fn, int code)
{
    if (code < 0)
        lpvm_report(fn, code);
    return code;
}

int pvm_perror(char *msg)
{
    print_who(stderr);
    fprintf(stderr, "%s: %s\n", msg ? msg : "", pvmerr_text(pvm_errno));
    return PvmOk;
}

char *pvm_strerror(void)
{
    return (char *)pvmerr_text(pvm_errno);
}

int pvm_serror(int how)
{
    int old = lpvm_state.opt[PvmAutoErr];
    lpvm_state.opt[PvmAutoErr] = how;
    return old;
}
