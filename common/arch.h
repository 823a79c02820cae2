/*
 * arch.h - PVM's architecture names and their data signatures.
 *
 * A data signature says how a host lays out raw data (byte order, sizes of
 * int and long, float format); hosts with the same one read each other's
 * PvmDataRaw messages.  pvm_archcode returns it, the pvmd reports it as
 * hi_dsig, and pvm_getminfo shows it as the encoding of native data.  The
 * one table is in arch.c.
 */
#ifndef PVM_ARCH_H
#define PVM_ARCH_H

/* Signatures PVM 3.4 uses: 32-bit little-endian IEEE hosts, the same with a
 * 64-bit long, and their big-endian counterparts. */
#define ARCH_DSIG_LE32 0x00408841
#define ARCH_DSIG_LE64 0x00408c41
#define ARCH_DSIG_BE32 0x00400843
#define ARCH_DSIG_BE64 0x00400c43

/* Returns the data signature (> 0) of the architecture called name (as
 * PVM spells it: "LINUX64", "SUN4", ...), PvmNotFound for a name PVM does
 * not know, PvmBadParam for NULL. */
int arch_dsig(const char *name);

/* Returns the name of this build's architecture (CMake's PVM_ARCH, e.g.
 * "LINUX64").  Static storage. */
const char *arch_this(void);

/* Returns the data signature of this build's architecture. */
int arch_this_dsig(void);

#endif
