/*
 * pvmerr.h - texts of PVM's error codes, as pvm_perror prints them.
 */
#ifndef PVM_PVMERR_H
#define PVM_PVMERR_H

/* Number of entries of the text table (codes 0 .. -(PVMERR_COUNT-1)). */
#define PVMERR_COUNT 37

/* Returns the text of error code `code' (PvmOk or a negative Pvm* code);
 * "Unknown error" for codes outside the table.  Static storage. */
const char *pvmerr_text(int code);

/* The table itself, indexed by -code (for pvm_errlist). */
extern const char *const pvmerr_table[PVMERR_COUNT];

#endif
