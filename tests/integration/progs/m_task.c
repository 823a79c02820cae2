/*
 * m_task.c - a mailbox user for test_mbox.c, driven by its parent.
 *
 * Reads commands (tag M_CMD, a string) from its parent and answers each
 * with tag M_ANS: int result, int value (the int an entry holds, -1 when
 * none was read).  Commands:
 *   put NAME VALUE FLAGS     pvm_putinfo of a message holding VALUE
 *   get NAME INDEX FLAGS     pvm_recvinfo, then the int it holds
 *   del NAME INDEX           pvm_delinfo
 *   noreset V                pvm_setopt(PvmNoReset, V)
 *   leave                    answers, calls pvm_exit and lives on until killed
 *   exit                     answers and ends (pvm_exit)
 *   die                      ends without pvm_exit, without answering
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvm3.h"

#define M_CMD 30
#define M_ANS 31

static void answer(int parent, int result, int value)
{
    pvm_initsend(PvmDataDefault);
    pvm_pkint(&result, 1, 1);
    pvm_pkint(&value, 1, 1);
    pvm_send(parent, M_ANS);
}

int main(void)
{
    pvm_setopt(PvmAutoErr, 0);
    int parent = pvm_parent();
    if (parent < 0)
        return 1;
    for (;;) {
        char line[512], name[256];
        int a = 0, b = 0, value = -1, r;
        if (pvm_recv(parent, M_CMD) <= 0 || pvm_upkstr(line) < 0)
            return 1;
        if (sscanf(line, "put %255s %d %d", name, &a, &b) == 3) {
            pvm_initsend(PvmDataDefault);
            pvm_pkint(&a, 1, 1);
            r = pvm_putinfo(name, pvm_getsbuf(), b);
        } else if (sscanf(line, "get %255s %d %d", name, &a, &b) == 3) {
            r = pvm_recvinfo(name, a, b);
            if (r > 0)
                pvm_upkint(&value, 1, 1);
        } else if (sscanf(line, "del %255s %d", name, &a) == 2) {
            r = pvm_delinfo(name, a, 0);
        } else if (sscanf(line, "noreset %d", &a) == 1) {
            r = pvm_setopt(PvmNoReset, a);
        } else if (strcmp(line, "leave") == 0) {
            answer(parent, 0, -1);
            pvm_exit();
            for (;;)
                pause();
        } else if (strcmp(line, "exit") == 0) {
            answer(parent, 0, -1);
            pvm_exit();
            return 0;
        } else if (strcmp(line, "die") == 0) {
            _exit(0);
        } else {
            r = PvmBadParam;
        }
        answer(parent, r, value);
    }
}
