#include "paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "defs.h"
#include "pvm3.h"

/* snprintf into buf, reporting truncation as PvmBadParam: a path that does
 * not fit a sockaddr_un must fail loudly, not connect somewhere else. */
static int fit(int n, size_t cap)
{
    return (n < 0 || (size_t)n >= cap) ? PvmBadParam : 0;
}

int paths_sockdir(char *buf, size_t cap)
{
    const char *dir = getenv(ENV_TASK_SOCKDIR);
    if (dir && *dir)
        return fit(snprintf(buf, cap, "%s", dir), cap);
    const char *tmp = getenv(ENV_PVM_TMP);
    if (!tmp || !*tmp)
        tmp = "/tmp";
    const char *vmid = getenv(ENV_PVM_VMID);
    if (vmid && *vmid)
        return fit(
            snprintf(buf, cap, "%s/%s%u.%s", tmp, PVM_SOCKDIR_PREFIX, (unsigned)getuid(), vmid),
            cap);
    return fit(snprintf(buf, cap, "%s/%s%u", tmp, PVM_SOCKDIR_PREFIX, (unsigned)getuid()), cap);
}

int paths_join(char *buf, size_t cap, const char *dir, const char *name)
{
    return fit(snprintf(buf, cap, "%s/%s", dir, name), cap);
}

int paths_task_sock(char *buf, size_t cap, const char *dir, int tid)
{
    char name[32];
    snprintf(name, sizeof name, TASK_SOCK_FMT, (unsigned)tid);
    return paths_join(buf, cap, dir, name);
}

bool paths_list_next(const char **p, const char **item, size_t *len)
{
    if (!*p || !**p)
        return false;
    const char *e = strchr(*p, ':');
    *item = *p;
    *len = e ? (size_t)(e - *p) : strlen(*p);
    *p = e ? e + 1 : NULL;
    return true;
}
