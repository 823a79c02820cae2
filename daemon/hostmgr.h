/*
 * hostmgr.h - hosts joining and leaving the virtual machine.
 *
 * The first host (number 1) keeps the host table.  To add a host it starts
 * that host's pvmd -- directly for an address in 127.0.0.0/8 other than its
 * own (several hosts on one machine), else through the remote shell
 * (`$PVM_RSH host pvmd -s`) -- and writes it a JoinTicket on stdin (who it
 * is, where the first host listens).  The new pvmd binds its mesh socket,
 * prints one line on stdout,
 *
 *     pvmd ready <sockdir> <mesh endpoint> <arch> <dsig>
 *
 * and runs on as a daemon.  The first host then enters it in the table and
 * sends the whole table (CTL_HOST_TABLE) to every pvmd; each pvmd updates
 * its copy, links are dialled when first needed.  A host that does not
 * start gets PvmCantStart, and what the remote shell or the pvmd printed
 * on stderr goes to the log and back to the requester.
 *
 * Deleting a host, or halting the machine, tells the pvmds concerned to
 * halt (CTL_HALT from the first host), then the table goes out again.
 */
#ifndef PVMD_HOSTMGR_H
#define PVMD_HOSTMGR_H

#include <protobuf-c/protobuf-c.h>

#include "request.h"

struct hostfile;
struct event;
struct pvmd;

/* The first host's number and pvmd tid. */
#define HOSTMGR_MASTER 1

/* How long a new host's pvmd may take to say it is ready, ms. */
#define HOSTMGR_START_MS 20000

/* CTL_ADDHOSTS: on the first host, starts every named host and answers
 * once all have started or failed; elsewhere, forwards to the first
 * host. */
void hostmgr_add(struct pvmd *d, const struct req *r, const ProtobufCMessage *m);

/* Adds the hosts of hostfile hf (read from path; not its `&' hosts, nor
 * this host), as pvmd's hostfile argument asks; the outcome goes to the
 * log.  Returns 0 or PvmNoMem. */
int hostmgr_add_hostfile(struct pvmd *d, const struct hostfile *hf, const char *path);

/* CTL_DELHOSTS: likewise; each named host's pvmd is told to halt. */
void hostmgr_delete(struct pvmd *d, const struct req *r, const ProtobufCMessage *m);

/* CTL_HOST_TABLE from the first host: takes the table as it is (hosts
 * new to it are added, hosts gone from it are lost). */
void hostmgr_table(struct pvmd *d, const struct req *r, const ProtobufCMessage *m);

/* pvm_halt: the first host halts every other pvmd, then itself; another
 * host asks the first host to. */
void hostmgr_halt(struct pvmd *d, const struct req *r);

/* Sends the host table to every other pvmd (the first host, after a
 * change). */
void hostmgr_broadcast(struct pvmd *d);

/* Event subscriber (event.c): on the first host, a host whose link was
 * lost leaves the table (every pvmd is told); a pvmd that was only cut
 * off halts itself when it finds the first host gone. */
void hostmgr_on_event(struct pvmd *d, const struct event *ev);

/* How long a new host's pvmd waits for the first host's table after it
 * said ready, ms: a start the first host gave up on (time-out, halt) must
 * not leave a pvmd running outside the machine. */
#define HOSTMGR_TABLE_MS 10000

/* A new host's pvmd said ready: it halts unless a host table comes within
 * HOSTMGR_TABLE_MS. */
void hostmgr_joined(struct pvmd *d);

/* SM_STHOSTACK from the registered hoster (regs_take; ownership of f
 * passes): each {int tid, string status} finishes the start of that host,
 * with the new pvmd's ready line, or failed with the pvm_errno name or text
 * the hoster gave. */
struct frame;
void hostmgr_hoster_ack(struct pvmd *d, struct frame *f);

/* The hoster `tid' has ended: the hosts it was starting fail
 * (PvmCantStart) now, not at their time-out. */
void hostmgr_hoster_gone(struct pvmd *d, int tid);

/* Halt: hosts still starting fail (their processes are killed). */
void hostmgr_fini(struct pvmd *d);

/* Frees hostmgr's state once the loop has ended. */
void hostmgr_free(struct pvmd *d);

#endif
