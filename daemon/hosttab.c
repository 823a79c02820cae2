/*
 * hosttab.c - host records.
 */
#include "hosttab.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "pvm3.h"
#include "tid.h"

struct hosttab {
    struct host *h[TID_MAX_HOST + 1];
    int count;
};

struct hosttab *hosttab_new(void)
{
    return calloc(1, sizeof(struct hosttab));
}

static void host_free(struct host *h)
{
    free(h->name);
    free(h->arch);
    free(h->ep);
    free(h->addr);
    free(h);
}

void hosttab_destroy(struct hosttab **htp)
{
    struct hosttab *ht = *htp;
    if (!ht)
        return;
    for (int i = 1; i <= TID_MAX_HOST; i++)
        if (ht->h[i])
            host_free(ht->h[i]);
    free(ht);
    *htp = NULL;
}

struct host *hosttab_add(struct hosttab *ht, int num, const char *name, const char *arch, int speed,
                         int dsig)
{
    if (num < 1 || num > TID_MAX_HOST || ht->h[num])
        return NULL;
    struct host *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->name = strdup(name);
    h->arch = strdup(arch);
    if (!h->name || !h->arch) {
        host_free(h);
        return NULL;
    }
    h->num = num;
    h->tid = tid_pvmd(num);
    h->speed = speed;
    h->dsig = dsig;
    ht->h[num] = h;
    ht->count++;
    return h;
}

int hosttab_update(struct host *h, const char *name, const char *arch, int speed, int dsig)
{
    char *n = strdup(name), *a = strdup(arch);
    if (!n || !a) {
        free(n);
        free(a);
        return PvmNoMem;
    }
    free(h->name);
    free(h->arch);
    h->name = n;
    h->arch = a;
    h->speed = speed;
    h->dsig = dsig;
    return 0;
}

int hosttab_set_addr(struct host *h, const char *addr)
{
    char *a = NULL;
    if (addr && !(a = strdup(addr)))
        return PvmNoMem;
    free(h->addr);
    h->addr = a;
    return 0;
}

void hosttab_remove(struct hosttab *ht, int num)
{
    if (num < 1 || num > TID_MAX_HOST || !ht->h[num])
        return;
    host_free(ht->h[num]);
    ht->h[num] = NULL;
    ht->count--;
}

int hosttab_free_num(struct hosttab *ht)
{
    for (int i = 2; i <= TID_MAX_HOST; i++)
        if (!ht->h[i])
            return i;
    return 0;
}

struct host *hosttab_get(struct hosttab *ht, int num)
{
    return num >= 1 && num <= TID_MAX_HOST ? ht->h[num] : NULL;
}

struct host *hosttab_find_name(struct hosttab *ht, const char *name)
{
    for (int i = 1; i <= TID_MAX_HOST; i++)
        if (ht->h[i] && strcmp(ht->h[i]->name, name) == 0)
            return ht->h[i];
    return NULL;
}

struct host *hosttab_next(struct hosttab *ht, int after)
{
    for (int i = after + 1; i <= TID_MAX_HOST; i++)
        if (ht->h[i])
            return ht->h[i];
    return NULL;
}

int hosttab_infos(struct hosttab *ht, Pvm__HostInfo **infos, Pvm__HostInfo ***ptrs)
{
    *infos = calloc((size_t)ht->count + 1, sizeof **infos);
    *ptrs = calloc((size_t)ht->count + 1, sizeof **ptrs);
    if (!*infos || !*ptrs) {
        free(*infos);
        free(*ptrs);
        *infos = NULL;
        *ptrs = NULL;
        return PvmNoMem;
    }
    int n = 0;
    for (struct host *h = hosttab_next(ht, 0); h; h = hosttab_next(ht, h->num)) {
        Pvm__HostInfo *hi = &(*infos)[n];
        pvm__host_info__init(hi);
        hi->tid = h->tid;
        hi->name = h->name;
        hi->arch = h->arch;
        hi->speed = h->speed;
        hi->dsig = h->dsig;
        hi->addr = h->addr ? h->addr : "";
        hi->epoch = h->epoch;
        (*ptrs)[n++] = hi;
    }
    return n;
}

int hosttab_count(struct hosttab *ht)
{
    return ht->count;
}

int hosttab_narch(struct hosttab *ht)
{
    int n = 0;
    for (int i = 1; i <= TID_MAX_HOST; i++) {
        if (!ht->h[i])
            continue;
        bool seen = false;
        for (int j = 1; j < i && !seen; j++)
            seen = ht->h[j] && strcmp(ht->h[j]->arch, ht->h[i]->arch) == 0;
        if (!seen)
            n++;
    }
    return n;
}
