/*
 * arch.c - the table of architecture names and data signatures.
 */
#include "arch.h"

#include <string.h>

#include "pvm3.h"

/* The build passes PVM_ARCH_NAME (CMakeLists.txt, PVM_ARCH).  Code that
 * compiles this file on its own (the pvmd tests' raw client) gets the same
 * answer from the compiler's own idea of the target. */
#ifndef PVM_ARCH_NAME
#if defined(__x86_64__)
#define PVM_ARCH_NAME "LINUX64"
#elif defined(__aarch64__)
#define PVM_ARCH_NAME "LINUXARM64"
#else
#define PVM_ARCH_NAME "LINUX"
#endif
#endif

/* PVM 3.4's names (its conf/ directory) with their signatures. */
static const struct {
    const char *name;
    int dsig;
} archtab[] = {
    {"LINUX", ARCH_DSIG_LE32},      {"LINUX64", ARCH_DSIG_LE64},   {"LINUXARM64", ARCH_DSIG_LE64},
    {"LINUXALPHA", ARCH_DSIG_LE64}, {"LINUXIA64", ARCH_DSIG_LE64}, {"LINUXPPC", ARCH_DSIG_BE32},
    {"LINUXSPARC", ARCH_DSIG_BE32}, {"FREEBSD", ARCH_DSIG_LE32},   {"NETBSDI386", ARCH_DSIG_LE32},
    {"OPENBSD", ARCH_DSIG_LE32},    {"BSD386", ARCH_DSIG_LE32},    {"DARWIN", ARCH_DSIG_LE32},
    {"CYGWIN", ARCH_DSIG_LE32},     {"WIN32", ARCH_DSIG_LE32},     {"SUN4", ARCH_DSIG_BE32},
    {"SUN4SOL2", ARCH_DSIG_BE32},   {"SUNMP", ARCH_DSIG_BE32},     {"X86SOL2", ARCH_DSIG_LE32},
    {"SGI", ARCH_DSIG_BE32},        {"SGI5", ARCH_DSIG_BE32},      {"SGI64", ARCH_DSIG_BE64},
    {"SGIMP", ARCH_DSIG_BE32},      {"SGIMP64", ARCH_DSIG_BE64},   {"RS6K", ARCH_DSIG_BE32},
    {"AIX46K", ARCH_DSIG_BE32},     {"AIX5SP2", ARCH_DSIG_BE32},   {"HPPA", ARCH_DSIG_BE32},
    {"HPPA64", ARCH_DSIG_BE64},     {"ALPHA", ARCH_DSIG_LE64},     {"AMD64", ARCH_DSIG_LE64},
    {"X86_64", ARCH_DSIG_LE64},     {"CRAY", ARCH_DSIG_BE64},      {"T3E", ARCH_DSIG_BE64},
};

int arch_dsig(const char *name)
{
    if (!name)
        return PvmBadParam;
    for (size_t i = 0; i < sizeof archtab / sizeof archtab[0]; i++)
        if (!strcmp(archtab[i].name, name))
            return archtab[i].dsig;
    return PvmNotFound;
}

const char *arch_this(void)
{
    return PVM_ARCH_NAME;
}

int arch_this_dsig(void)
{
    /* A build for a name missing from the table still gets the signature
     * of the data layout it was compiled for. */
    int d = arch_dsig(PVM_ARCH_NAME);
    if (d > 0)
        return d;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return sizeof(long) == 8 ? ARCH_DSIG_LE64 : ARCH_DSIG_LE32;
#else
    return sizeof(long) == 8 ? ARCH_DSIG_BE64 : ARCH_DSIG_BE32;
#endif
}
