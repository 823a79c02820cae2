/*
 * paths.h - where a host's sockets, lock and log live (docs/design.md).
 */
#ifndef PVM_PATHS_H
#define PVM_PATHS_H

#include <stdbool.h>
#include <stddef.h>

#define PATHS_MAX 108 /* sizeof(sockaddr_un.sun_path) */

/* Writes the socket directory of this user's VM into buf:
 * $PVM_SOCKDIR if set (a spawned task inherits its host's), else
 * $PVM_TMP (default /tmp) "/pvm.<uid>" [".<PVM_VMID>"].
 * Returns 0, or PvmBadParam when it does not fit in cap. */
int paths_sockdir(char *buf, size_t cap);

/* Writes dir "/" name into buf.  Returns 0, or PvmBadParam when the result
 * does not fit in cap (cap is usually PATHS_MAX for socket paths). */
int paths_join(char *buf, size_t cap, const char *dir, const char *name);

/* Writes the path of task tid's direct-route socket in dir into buf. */
int paths_task_sock(char *buf, size_t cap, const char *dir, int tid);

/* Steps through a colon-separated list (PATH, PVM_EXPORT): sets *item and
 * *len to the next entry, which may be empty, and advances *p; returns
 * false at the end.  Start with *p = the list (NULL is an empty list). */
bool paths_list_next(const char **p, const char **item, size_t *len);

#endif
