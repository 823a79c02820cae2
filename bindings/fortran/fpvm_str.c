/*
 * fpvm_str.c - Fortran strings to C and back (fpvm.h).
 */
#include <stdlib.h>
#include <string.h>

#include "fpvm.h"

int fpvm_str_in(char *buf, size_t bufsz, const char *f, size_t flen)
{
    while (flen > 0 && f[flen - 1] == ' ')
        flen--;
    if (flen >= bufsz) {
        buf[0] = '\0';
        return PvmBadParam;
    }
    if (flen > 0)
        memcpy(buf, f, flen);
    buf[flen] = '\0';
    return 0;
}

void fpvm_str_out(char *f, size_t flen, const char *c)
{
    size_t n = c ? strlen(c) : 0;

    if (n > flen)
        n = flen;
    if (n > 0)
        memcpy(f, c, n);
    if (flen > n)
        memset(f + n, ' ', flen - n);
}

char *fpvm_str_dup(const char *f, size_t flen)
{
    char *s = malloc(flen + 1);

    if (s) {
        if (flen > 0)
            memcpy(s, f, flen);
        s[flen] = '\0';
    }
    return s;
}
