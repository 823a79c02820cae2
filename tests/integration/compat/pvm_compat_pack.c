/*
 * pvm_compat_pack.c - packed sizes and values, printed the same way under
 * PVM 3.4.6 and under ours (test_pvm_compat.sh runs it against both):
 * pvm_bufinfo after each pack in the three encodings, what a receiver's
 * pvm_bufinfo and pvm_precv say, pvm_pkmesg's size, and longs and shorts
 * through PvmDataDefault's 4 bytes.  The program spawns one copy of itself
 * as the receiver, which sends back what it saw as one string (so the
 * output's order does not depend on timing).
 */
#include <stdio.h>
#include <string.h>

#include "pvm3.h"

static int len(int b)
{
    int n = -1;
    pvm_bufinfo(b, &n, NULL, NULL);
    return n;
}

/* Running sizes of a mix of packs in encoding enc. */
static void sizes(int enc)
{
    int b = pvm_mkbuf(enc), one = 1;
    short sh[3] = {1, 2, 3};
    long l[2] = {1, 2};
    double d[2] = {1, 2};
    pvm_setsbuf(b);
    printf("enc %d:", enc);
    int c1 = pvm_pkstr("hello world");
    printf(" str11 %d %d", c1, len(b));
    int c2 = pvm_pkstr("");
    printf(" str0 %d %d", c2, len(b));
    printf(" byte3 %d", (pvm_pkbyte("abcde", 3, 1), len(b)));
    printf(" byte1 %d", (pvm_pkbyte("abcde", 1, 1), len(b)));
    printf(" short3 %d", (pvm_pkshort(sh, 3, 1), len(b)));
    printf(" ushort1 %d", (pvm_pkushort((unsigned short *)sh, 1, 1), len(b)));
    printf(" int1 %d", (pvm_pkint(&one, 1, 1), len(b)));
    printf(" long2 %d", (pvm_pklong(l, 2, 1), len(b)));
    printf(" ulong1 %d", (pvm_pkulong((unsigned long *)l, 1, 1), len(b)));
    printf(" double2 %d", (pvm_pkdouble(d, 2, 1), len(b)));
    printf(" cplx1 %d", (pvm_pkcplx((float *)d, 1, 1), len(b)));
    printf(" dcplx1 %d\n", (pvm_pkdcplx(d, 1, 1), len(b)));
    pvm_freebuf(b);
}

/* Longs and shorts through Default's 4 bytes, and back. */
static void narrow(void)
{
    long lv[4] = {-1, 0x123456789L, -5000000000L, 0x80000000L}, lo[4] = {0};
    unsigned long uo[4] = {0};
    short sv[2] = {-2, 30000}, so[2] = {0};
    unsigned short us = 65535, uso = 0;
    int b = pvm_mkbuf(PvmDataDefault);
    pvm_setsbuf(b);
    int c1 = pvm_pklong(lv, 4, 1), c2 = pvm_pkulong((unsigned long *)lv, 4, 1);
    pvm_pkshort(sv, 2, 1);
    pvm_pkushort(&us, 1, 1);
    pvm_setrbuf(b);
    int c3 = pvm_upklong(lo, 4, 1), c4 = pvm_upkulong(uo, 4, 1);
    pvm_upkshort(so, 2, 1);
    pvm_upkushort(&uso, 1, 1);
    printf("long pack %d %d unpack %d %d: %ld %ld %ld %ld / %lu %lu %lu %lu\n", c1, c2, c3, c4,
           lo[0], lo[1], lo[2], lo[3], uo[0], uo[1], uo[2], uo[3]);
    printf("short: %d %d %u\n", so[0], so[1], uso);
    pvm_setrbuf(0);
    pvm_freebuf(b);
}

/* Negative and zero strides: bytes are padded once per call. */
static void strides(void)
{
    for (int enc = PvmDataDefault; enc <= PvmDataRaw; enc++) {
        int b = pvm_mkbuf(enc);
        char s[6] = "abcde";
        short h[3] = {1, 2, 3};
        pvm_setsbuf(b);
        printf("strides %d: byte3 s-1 %d", enc, (pvm_pkbyte(s + 4, 3, -1), len(b)));
        printf(" short3 s-1 %d", (pvm_pkshort(h + 2, 3, -1), len(b)));
        printf(" byte3 s0 %d\n", (pvm_pkbyte(s, 3, 0), len(b)));
        pvm_freebuf(b);
    }
}

/* pvm_pkmesg of a 1-byte Raw message into each encoding. */
static void pkmesg(void)
{
    for (int enc = PvmDataDefault; enc <= PvmDataRaw; enc++) {
        int in = pvm_mkbuf(PvmDataRaw), b = pvm_mkbuf(enc), x = 9;
        pvm_setsbuf(in);
        pvm_pkbyte("x", 1, 1);
        pvm_setsbuf(b);
        int cc = pvm_pkmesg(in);
        pvm_pkint(&x, 1, 1);
        printf("pkmesg into %d: %d len %d\n", enc, cc, len(b));
        pvm_setsbuf(0);
        pvm_freebuf(b);
        pvm_freebuf(in);
    }
}

static void child(int parent)
{
    char out[512];
    int o = 0;
    for (int tag = 0; tag < 4; tag++)
        o += snprintf(out + o, sizeof out - (size_t)o, "recv %d: len %d\n", tag,
                      len(pvm_recv(parent, tag)));
    short sh[8];
    long lo[4];
    int rt, rg, rc;
    int cc = pvm_precv(parent, 4, sh, 8, PVM_SHORT, &rt, &rg, &rc);
    o += snprintf(out + o, sizeof out - (size_t)o, "precv Default shorts: %d count %d\n", cc, rc);
    cc = pvm_precv(parent, 5, lo, 4, PVM_LONG, &rt, &rg, &rc);
    snprintf(out + o, sizeof out - (size_t)o, "precv psend longs: %d count %d %ld %ld", cc, rc,
             lo[0], lo[1]);
    pvm_initsend(PvmDataDefault);
    pvm_pkstr(out);
    pvm_send(parent, 99);
}

int main(int argc, char **argv)
{
    (void)argc;
    int parent = (pvm_mytid(), pvm_parent());
    if (parent > 0) {
        child(parent);
        pvm_exit();
        return 0;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    pvm_setopt(PvmAutoErr, 0);
    for (int enc = PvmDataDefault; enc <= PvmDataInPlace; enc++)
        sizes(enc);
    narrow();
    strides();
    pkmesg();

    int tid = 0, iv[5] = {1, 2, 3, 4, 5};
    double dv[2] = {1, 2};
    short sh[3] = {-1, 2, 3};
    long lv[2] = {-1, 5};
    const char *name = strrchr(argv[0], '/');
    if (pvm_spawn((char *)(name ? name + 1 : argv[0]), NULL, 0, NULL, 1, &tid) != 1) {
        printf("spawn failed: %d\n", tid);
        pvm_exit();
        return 1;
    }
    int b = pvm_initsend(PvmDataDefault);
    pvm_pkstr("hello world");
    pvm_pkint(iv, 1, 1);
    printf("send 0 Default: len %d\n", len(b));
    pvm_send(tid, 0);
    b = pvm_initsend(PvmDataRaw);
    pvm_pkstr("hello world");
    pvm_pkint(iv, 1, 1);
    printf("send 1 Raw: len %d\n", len(b));
    pvm_send(tid, 1);
    b = pvm_initsend(PvmDataInPlace);
    pvm_pkint(iv, 5, 1);
    pvm_pkdouble(dv, 2, 1);
    printf("send 2 InPlace: len %d\n", len(b));
    pvm_send(tid, 2);
    printf("send 2 after the send: len %d\n", len(b));
    b = pvm_initsend(PvmDataDefault);
    pvm_pkshort(sh, 3, 1);
    pvm_pkbyte("abc", 3, 1);
    printf("send 3 Default: len %d\n", len(b));
    pvm_send(tid, 3);
    pvm_initsend(PvmDataDefault);
    pvm_pkshort(sh, 3, 1);
    pvm_send(tid, 4);
    pvm_psend(tid, 5, lv, 2, PVM_LONG);
    char report[512];
    pvm_recv(tid, 99);
    pvm_upkstr(report);
    printf("%s\n", report);
    printf("pvm_exit: %d\n", pvm_exit());
    return 0;
}
