/*
 * d_family - a task that starts a process of its own: it forks a child
 * that sleeps (a minute at most) and prints "family <child pid>".  With
 * argument "leave" the task then exits at once, leaving the child holding
 * its output pipe; otherwise it sleeps too.
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
        sleep(60);
        return 0;
    }
    printf("family %d\n", (int)child);
    fflush(stdout);
    if (argc > 1 && !strcmp(argv[1], "leave"))
        return 0;
    sleep(60);
    return 0;
}
