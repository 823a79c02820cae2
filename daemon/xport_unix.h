/*
 * xport_unix.h - the "unix" transport: local tasks on pvmd.sock.
 *
 * Links are Unix stream sockets accepted on pvmd.sock (or dialled): each
 * peer is checked with SO_PEERCRED, read by an incremental frame reader
 * (header, then the payload straight into one allocation that grows as
 * its bytes arrive) and written through a queue of uv_write requests, so
 * a task that does not read never blocks the daemon.
 */
#ifndef PVMD_XPORT_UNIX_H
#define PVMD_XPORT_UNIX_H

#include "xport.h"

extern const struct xport_tran xport_unix;

#endif
