/*
 * packf.c - pvm_packf and pvm_unpackf: packing driven by a printf-like
 * format (pvm_packf(3PVM)).
 *
 *   format : { text | '%+' | '%' [count] ['.' stride] {h|l|u} fchar }
 *   count, stride : digits or '*' (taken from the next int argument)
 *   fchar : c byte, d int, f float, x complex float, s string
 *   h short, l long / double / double complex, u unsigned
 *
 * pvm_packf takes values (promoted as for printf: char, short and int as
 * int, float as double, a string as char *), except that a conversion with
 * an explicit count or stride takes the address of count*stride items (for
 * %s, of an array of char * pointers).  pvm_unpackf always takes addresses:
 * char * for a plain %s, char ** with an explicit count or stride.  `%+'
 * calls pvm_initsend with the next int argument; pvm_unpackf accepts it and
 * skips its argument, so one format can describe both directions.  Text
 * outside conversions (spaces) is ignored.
 */
#include <complex.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "core.h"
#include "enc.h"
#include "pmsg.h"
#include "pvm3.h"

enum { MOD_H = 1, MOD_L = 2, MOD_U = 4 };

/* Conversion character and modifiers -> PVM data type. */
static const struct {
    char fchar;
    unsigned mods;
    int type;
} convs[] = {
    {'c', 0, PVM_BYTE},
    {'c', MOD_U, PVM_BYTE},
    {'d', 0, PVM_INT},
    {'d', MOD_H, PVM_SHORT},
    {'d', MOD_L, PVM_LONG},
    {'d', MOD_U, PVM_UINT},
    {'d', MOD_H | MOD_U, PVM_USHORT},
    {'d', MOD_L | MOD_U, PVM_ULONG},
    {'f', 0, PVM_FLOAT},
    {'f', MOD_L, PVM_DOUBLE},
    {'x', 0, PVM_CPLX},
    {'x', MOD_L, PVM_DCPLX},
    {'s', 0, PVM_STR},
};

/* One item passed by value, converted to the type it is packed as. */
union val {
    char c;
    short h;
    unsigned short uh;
    int i;
    unsigned u;
    long l;
    unsigned long ul;
    float f;
    double d;
    float fx[2];
    double dx[2];
};

/* Fetchers of by-value arguments, following the default promotions. */
static void get_byte(va_list *ap, union val *v)
{
    v->c = (char)va_arg(*ap, int);
}
static void get_short(va_list *ap, union val *v)
{
    v->h = (short)va_arg(*ap, int);
}
static void get_ushort(va_list *ap, union val *v)
{
    v->uh = (unsigned short)va_arg(*ap, int);
}
static void get_int(va_list *ap, union val *v)
{
    v->i = va_arg(*ap, int);
}
static void get_uint(va_list *ap, union val *v)
{
    v->u = va_arg(*ap, unsigned);
}
static void get_long(va_list *ap, union val *v)
{
    v->l = va_arg(*ap, long);
}
static void get_ulong(va_list *ap, union val *v)
{
    v->ul = va_arg(*ap, unsigned long);
}
static void get_float(va_list *ap, union val *v)
{
    v->f = (float)va_arg(*ap, double);
}
static void get_double(va_list *ap, union val *v)
{
    v->d = va_arg(*ap, double);
}
/* Complex types are not promoted. */
static void get_cplx(va_list *ap, union val *v)
{
    float complex z = va_arg(*ap, float complex);
    v->fx[0] = crealf(z);
    v->fx[1] = cimagf(z);
}
static void get_dcplx(va_list *ap, union val *v)
{
    double complex z = va_arg(*ap, double complex);
    v->dx[0] = creal(z);
    v->dx[1] = cimag(z);
}

static void (*const getters[])(va_list *, union val *) = {
    [PVM_BYTE] = get_byte,   [PVM_SHORT] = get_short, [PVM_INT] = get_int,
    [PVM_FLOAT] = get_float, [PVM_CPLX] = get_cplx,   [PVM_DOUBLE] = get_double,
    [PVM_DCPLX] = get_dcplx, [PVM_LONG] = get_long,   [PVM_USHORT] = get_ushort,
    [PVM_UINT] = get_uint,   [PVM_ULONG] = get_ulong,
};

/* One parsed conversion. */
struct conv {
    bool init;     /* %+ */
    bool explicit; /* a count or stride was written: arguments are addresses */
    int count, stride;
    int type;
};

/* A count or stride: digits or '*'.  Returns false on overflow. */
static bool parse_num(const char **fp, va_list *ap, int *out)
{
    const char *f = *fp;
    if (*f == '*') {
        *out = va_arg(*ap, int);
        *fp = f + 1;
        return true;
    }
    long n = 0;
    for (; *f >= '0' && *f <= '9'; f++)
        if ((n = n * 10 + (*f - '0')) > INT_MAX)
            return false;
    *out = (int)n;
    *fp = f;
    return true;
}

/* Parses the conversion after a '%' at *fp, fetching '*' arguments. */
static int parse_conv(const char **fp, va_list *ap, struct conv *c)
{
    const char *f = *fp;
    *c = (struct conv){.count = 1, .stride = 1};
    if (*f == '+') {
        c->init = true;
        *fp = f + 1;
        return PvmOk;
    }
    if ((*f >= '0' && *f <= '9') || *f == '*') {
        c->explicit = true;
        if (!parse_num(&f, ap, &c->count))
            return PvmBadParam;
        /* A negative '*' count packs nothing, as PVM 3.4.6; a negative
         * '*' stride walks the array backwards (pmsg_pack). */
        if (c->count < 0)
            c->count = 0;
    }
    if (*f == '.') {
        c->explicit = true;
        f++;
        if (!((*f >= '0' && *f <= '9') || *f == '*') || !parse_num(&f, ap, &c->stride))
            return PvmBadParam;
    }
    unsigned mods = 0;
    for (;; f++) {
        if (*f == 'h')
            mods |= MOD_H;
        else if (*f == 'l')
            mods |= MOD_L;
        else if (*f == 'u')
            mods |= MOD_U;
        else
            break;
    }
    for (size_t i = 0; i < sizeof convs / sizeof convs[0]; i++)
        if (convs[i].fchar == *f && convs[i].mods == mods) {
            c->type = convs[i].type;
            *fp = f + 1;
            return PvmOk;
        }
    return PvmBadParam;
}

/* ======================================================================== */
/* The two directions                                                       */
/* ======================================================================== */

static int pack_one(const struct conv *c, va_list *ap)
{
    if (c->init)
        return pvm_initsend(va_arg(*ap, int));
    struct pmsg *m = pmsg_lookup(lpvm_state.sbuf);
    /* Arguments are consumed before any error so the mistake is local. */
    void *addr = c->explicit ? va_arg(*ap, void *) : NULL;
    union val v;
    const char *s = NULL;
    if (!c->explicit) {
        if (c->type == PVM_STR)
            s = va_arg(*ap, const char *);
        else
            getters[c->type](ap, &v);
    }
    if (!m)
        return PvmNoBuf;
    if (c->type == PVM_STR) {
        /* pvm_pack(3PVM): strings cannot be packed InPlace (by reference). */
        if (enc_valid(m->enc) && enc_get(m->enc)->by_ref)
            return PvmNotImpl;
        if (!c->explicit)
            return pmsg_pack_str(m, s);
        if (c->count > 0 && !addr)
            return PvmBadParam;
        char **arr = addr;
        for (int i = 0; i < c->count; i++) {
            int cc = pmsg_pack_str(m, arr[(ptrdiff_t)i * c->stride]);
            if (cc < 0)
                return cc;
        }
        return PvmOk;
    }
    if (c->explicit)
        return pmsg_pack(m, c->type, addr, c->count, c->stride);
    /* A value lives only during this call: copy it even InPlace. */
    return pmsg_pack_copy(m, c->type, &v, 1, 1);
}

static int unpack_one(const struct conv *c, va_list *ap)
{
    if (c->init) {
        (void)va_arg(*ap, int);
        return PvmOk;
    }
    void *addr = va_arg(*ap, void *);
    struct pmsg *m = pmsg_lookup(lpvm_state.rbuf);
    if (!m)
        return PvmNoBuf;
    if (c->type != PVM_STR)
        return pmsg_unpack(m, c->type, addr, c->count, c->stride);
    if (!c->explicit)
        return addr ? pmsg_unpack_str(m, addr) : PvmBadParam;
    if (c->count > 0 && !addr)
        return PvmBadParam;
    char **arr = addr;
    for (int i = 0; i < c->count; i++) {
        char *dst = arr[(ptrdiff_t)i * c->stride];
        int cc = dst ? pmsg_unpack_str(m, dst) : PvmBadParam;
        if (cc < 0)
            return cc;
    }
    return PvmOk;
}

/* Runs fmt, one conversion at a time; stops at the first error. */
static int run(const char *fmt, va_list *ap, int (*one)(const struct conv *, va_list *))
{
    if (!fmt)
        return PvmBadParam;
    for (const char *f = fmt; *f;) {
        if (*f++ != '%')
            continue;
        struct conv c;
        int cc = parse_conv(&f, ap, &c);
        if (cc == PvmOk)
            cc = one(&c, ap);
        if (cc < 0)
            return cc;
    }
    return PvmOk;
}

int pvm_packf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int cc = run(fmt, &ap, pack_one);
    va_end(ap);
    return lpvm_err("pvm_packf", cc);
}

int pvm_unpackf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int cc = run(fmt, &ap, unpack_one);
    va_end(ap);
    return lpvm_err("pvm_unpackf", cc);
}
