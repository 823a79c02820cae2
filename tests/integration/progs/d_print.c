/*
 * d_print - a program that never calls PVM: prints N numbered lines to
 * stdout, one line to stderr, and a last line without a newline; exits 0.
 * Used by the pvmd tests for output capture.
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 3;
    for (int i = 1; i <= n; i++) {
        printf("line %d\n", i);
        fflush(stdout);
    }
    fprintf(stderr, "to stderr\n");
    printf("partial");
    return 0;
}
