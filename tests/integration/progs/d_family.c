/*
 * d_family - a task that starts a process of its own: it forks a child
 * that sleeps (a minute at most) and prints "family <child pid>".  With
 * argument "leave" the task then exits at once, leaving the child holding
 * its output pipe; otherwise it sleeps too.  With "escape" the child also
 * leaves the task's process group (setsid), so no signal to the group
 * reaches it and its pipe outlives a halt's SIGKILL.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    pid_t child = fork();
    if (child < 0)
        return 1;
    if (child == 0) {
        if (argc > 1 && !strcmp(argv[1], "escape"))
            setsid();
        sleep(60);
        return 0;
    }
    printf("family %d\n", (int)child);
    fflush(stdout);
    if (argc > 1 && (!strcmp(argv[1], "leave") || !strcmp(argv[1], "escape")))
        return 0;
    sleep(60);
    return 0;
}
