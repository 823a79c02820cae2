/*
 * cmd_groups.c - groups: the virtual machine's groups, their sizes and
 * members, as the first host's pvmd keeps them (lpvm_grp_list).
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "lpvm.h"
#include "pvm3.h"

/* True when name is one of the n names, or n is 0. */
static bool wanted(const char *name, int n, char **names)
{
    if (n == 0)
        return true;
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

int cmd_groups(struct console *c, int argc, char **argv)
{
    (void)c;
    const struct lpvm_group *g;
    int n = lpvm_grp_list(&g);
    if (n < 0) {
        printf("groups: %s\n", cmds_errtext(n));
        return -1;
    }
    int shown = 0;
    for (int i = 0; i < n; i++) {
        if (!wanted(g[i].name, argc - 1, argv + 1))
            continue;
        if (shown++ == 0)
            printf("%20s %5s %6s %7s  %s\n", "GROUP", "SIZE", "FROZEN", "BARRIER",
                   "MEMBERS (instance:tid)");
        printf("%20s %5d %6s %7d ", g[i].name, g[i].size, g[i].frozen ? "yes" : "no",
               g[i].barrier_waiting);
        for (int k = 0; k < g[i].ninst; k++)
            if (g[i].tids[k])
                printf(" %d:t%x", k, (unsigned)g[i].tids[k]);
        printf("\n");
    }
    for (int i = 1; i < argc; i++) {
        bool found = false;
        for (int k = 0; k < n && !found; k++)
            found = strcmp(g[k].name, argv[i]) == 0;
        if (!found)
            printf("%20s %s\n", argv[i], cmds_errtext(PvmNoGroup));
    }
    if (argc == 1 && shown == 0)
        printf("no groups\n");
    return 0;
}
