/*
 * fpvm.h - what the files of libfpvm3 share: Fortran string conversion
 * and the macros that write the routines alike.
 *
 * gfortran's calling convention: the C name is the Fortran name in lower
 * case with a trailing underscore; every argument is passed by reference;
 * each CHARACTER argument adds a hidden length (size_t since gfortran 8)
 * after all the other arguments, in order.  Fortran strings are padded
 * with blanks and carry no NUL.
 */
#ifndef FPVM_H
#define FPVM_H

#include <stddef.h>

#include "pvm3.h"

/* Every pvmf* routine (and pvmsum_ ...) is exported; the helpers below
 * are not (the library is compiled with hidden visibility). */
#define FPVM_API __attribute__((visibility("default")))

/* PVM 3.4's sizes of the C copies of Fortran strings, terminating NUL
 * included: a group name, and a host, program or class name.  A longer
 * name (trailing blanks aside) gets PvmBadParam, as in PVM 3.4.6. */
#define FPVM_GROUP_MAX 32
#define FPVM_NAME_MAX 257

/* Copies Fortran string f (length flen) into buf (size bufsz, >= 1)
 * without its trailing blanks, NUL-terminated.  Returns 0, or
 * PvmBadParam if it does not fit (buf is then "").  flen may be 0. */
int fpvm_str_in(char *buf, size_t bufsz, const char *f, size_t flen);

/* Copies C string c into Fortran string f (length flen): truncated if
 * longer, padded with blanks if shorter; NULL reads as "". */
void fpvm_str_out(char *f, size_t flen, const char *c);

/* Returns a malloc'd NUL-terminated copy of the whole Fortran string
 * (blanks kept), or NULL when out of memory.  The caller frees it. */
char *fpvm_str_dup(const char *f, size_t flen);

/* ---- routines that differ only in their argument lists ---------------
 * R: one integer result; I: one integer argument; S: one string. */

/* call pvmfX(r) */
#define FPVM_R(fname, expr)                                                                        \
    FPVM_API void fname(int *r)                                                                    \
    {                                                                                              \
        *r = (expr);                                                                               \
    }
/* call pvmfX(a, r) */
#define FPVM_I_R(fname, cfunc)                                                                     \
    FPVM_API void fname(int *a, int *r)                                                            \
    {                                                                                              \
        *r = cfunc(*a);                                                                            \
    }
/* call pvmfX(a, b, r) */
#define FPVM_II_R(fname, cfunc)                                                                    \
    FPVM_API void fname(int *a, int *b, int *r)                                                    \
    {                                                                                              \
        *r = cfunc(*a, *b);                                                                        \
    }
/* call pvmfX(s, r): s converted into a buffer of size bufsz */
#define FPVM_S_R(fname, cfunc, bufsz)                                                              \
    FPVM_API void fname(char *s, int *r, size_t slen)                                              \
    {                                                                                              \
        char buf[bufsz];                                                                           \
        *r = fpvm_str_in(buf, sizeof buf, s, slen) ? PvmBadParam : cfunc(buf);                     \
    }
/* call pvmfX(s, a, r) */
#define FPVM_SI_R(fname, cfunc, bufsz)                                                             \
    FPVM_API void fname(char *s, int *a, int *r, size_t slen)                                      \
    {                                                                                              \
        char buf[bufsz];                                                                           \
        *r = fpvm_str_in(buf, sizeof buf, s, slen) ? PvmBadParam : cfunc(buf, *a);                 \
    }

#endif
