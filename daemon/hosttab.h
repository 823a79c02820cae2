/*
 * hosttab.h - the hosts of the virtual machine.
 *
 * Indexed by host number (the tid's bits 18-29).  This pvmd's own host is
 * number 1 while it is alone; the multi-host issue adds peers with a
 * transport link each (route.c sends there when a tid's host is not ours).
 */
#ifndef PVMD_HOSTTAB_H
#define PVMD_HOSTTAB_H

#include <stdbool.h>
#include <stdint.h>

struct xport;
struct Pvm__HostInfo;

struct host {
    int num;            /* host number, 1..TID_MAX_HOST */
    int tid;            /* its pvmd's tid */
    char *name;         /* host name as shown by pvm_config */
    char *arch;         /* PVM_ARCH */
    int speed;          /* relative speed (default 1000) */
    int dsig;           /* data signature */
    char *ep;           /* hostfile ep= search path, or NULL */
    char *addr;         /* its pvmd's mesh endpoint (tcp://ip:port), or NULL */
    uint64_t epoch;     /* its pvmd's start, 0 when not known yet */
    bool lost;          /* its link failed: not dialled again (frames for it are
                         * dropped) until it leaves the table or comes back as a
                         * new start */
    struct xport *link; /* the link this pvmd dialled to it (frames go there); NULL
                         * for this host, or until one is needed */
};

/* Creates an empty table.  Returns NULL when out of memory. */
struct hosttab *hosttab_new(void);

/* Frees the table and its records (links are their transport's). */
void hosttab_destroy(struct hosttab **ht);

/* Adds host number num (1..TID_MAX_HOST, free).  Strings are copied.
 * Returns the record (owned by the table), or NULL (PvmNoMem, or the
 * number is taken or out of range). */
struct host *hosttab_add(struct hosttab *ht, int num, const char *name, const char *arch, int speed,
                         int dsig);

/* Sets h's name and architecture (copied), speed and data signature, as
 * the first host's table says.  Returns 0 or PvmNoMem (h unchanged). */
int hosttab_update(struct host *h, const char *name, const char *arch, int speed, int dsig);

/* Sets h's mesh endpoint (copied; NULL clears it).  Returns 0 or
 * PvmNoMem. */
int hosttab_set_addr(struct host *h, const char *addr);

/* Removes host number num (its link is its transport's).  No-op when
 * there is none. */
void hosttab_remove(struct hosttab *ht, int num);

/* The lowest free host number above 1, or 0 when the table is full. */
int hosttab_free_num(struct hosttab *ht);

/* Returns host number num, or NULL. */
struct host *hosttab_get(struct hosttab *ht, int num);

/* Returns the host called `name', or NULL. */
struct host *hosttab_find_name(struct hosttab *ht, const char *name);

/* Returns the host after number `after' (0: the first), or NULL: for
 * walking the table in host-number order. */
struct host *hosttab_next(struct hosttab *ht, int after);

/* The table as control-message HostInfos, in host-number order: sets
 * *infos (the records) and *ptrs (pointers to them, for a repeated field),
 * both malloc'd for the caller to free, and returns how many; strings
 * point into the table (valid until it changes).  PvmNoMem. */
int hosttab_infos(struct hosttab *ht, struct Pvm__HostInfo **infos, struct Pvm__HostInfo ***ptrs);

/* Number of hosts and of distinct architectures. */
int hosttab_count(struct hosttab *ht);
int hosttab_narch(struct hosttab *ht);

#endif
