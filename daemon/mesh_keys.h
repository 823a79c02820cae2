/*
 * mesh_keys.h - the virtual machine's CurveZMQ key pair, on disk.
 *
 * One key pair per virtual machine (per user and PVM_VMID), shared by
 * every pvmd of the machine: each is CURVE server and client with it,
 * and the ZAP handler admits only its public key (xport_zmq.h).  The
 * first host's pvmd keeps it in a file and creates it on first use; a new
 * host's pvmd gets the secret key in its JoinTicket on stdin and never
 * writes it anywhere.
 *
 * Where.  The file is "vm.key", or "vm.<PVM_VMID>.key", in
 *   $PVMD_KEY_DIR                       when set (tests, unusual homes);
 *   $XDG_CONFIG_HOME/pvm3               when XDG_CONFIG_HOME is absolute;
 *   $HOME/.config/pvm3                  otherwise;
 *   $PVM_TMP (or /tmp)/pvm.<uid>.keys   when there is no usable home (HOME
 *                                       unset, or its config directory
 *                                       cannot be made: read-only, not ours)
 * The directory is made 0700 (and made private again if it is not); the
 * file is 0600.  A key file that is not a regular file owned by this user,
 * or that its group or others may read or write, is refused, never fixed:
 * someone may have read it.
 *
 * Format: text, "#" comment lines and one line of the secret key in Z85
 * (40 characters); the public key is derived from it.
 */
#ifndef PVMD_MESH_KEYS_H
#define PVMD_MESH_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MESH_KEYS_LEN 32 /* a CurveZMQ key, binary */

/* Writes the key file's path into path (cap bytes): what the comment above
 * says, for this user and PVM_VMID; the fallback directory is chosen only
 * when the preferred one cannot be made.  Makes the directory (0700) as a
 * side effect.  Returns 0, or PvmBadParam (a path too long, a PVM_VMID with
 * a '/') or PvmSysErr with why (a sentence for the log) filled in. */
int mesh_keys_path(char *path, size_t cap, char *why, size_t whycap);

/* Reads this virtual machine's secret key from its file, creating the file
 * with a new key pair (zmq_curve_keypair) when there is none; two pvmds
 * creating it at once agree on one key.  *created says which; path gets
 * the file's path either way (for the log).  Returns 0, or a negative Pvm
 * code with why filled in: PvmSysErr (cannot make or read it; not ours;
 * readable by others; malformed), PvmBadParam (see mesh_keys_path). */
int mesh_keys_load(uint8_t secret[MESH_KEYS_LEN], bool *created, char *path, size_t cap, char *why,
                   size_t whycap);

/* Computes the public key of a secret key.  Returns 0, or PvmSysErr when
 * libzmq has no CURVE. */
int mesh_keys_public(const uint8_t secret[MESH_KEYS_LEN], uint8_t pub[MESH_KEYS_LEN]);

/* Overwrites n bytes of key material (not optimised away). */
void mesh_keys_wipe(void *p, size_t n);

#endif
