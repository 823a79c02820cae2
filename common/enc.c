/*
 * enc.c - the table of data encodings.
 */
#include "enc.h"

#include <string.h>

#include "arch.h"
#include "pvm3.h"

/* Default's layout is big endian, which this host may or may not be. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ENC_HOST_BIG false
#else
#define ENC_HOST_BIG true
#endif

_Static_assert(PvmDataDefault == 0 && PvmDataRaw == 1 && PvmDataInPlace == 2,
               "enc_table is indexed by PVM's encoding numbers");

const struct enc_info enc_table[3] = {
    [PvmDataDefault] = {.enc = PvmDataDefault,
                        .name = "Default",
                        .big_endian = true,
                        .xdr = true,
                        .by_ref = false,
                        .wire = PvmDataDefault,
                        .minfo = ENC_MINFO_XDR},
    [PvmDataRaw] = {.enc = PvmDataRaw,
                    .name = "Raw",
                    .big_endian = ENC_HOST_BIG,
                    .by_ref = false,
                    .wire = PvmDataRaw,
                    .minfo = 0},
    [PvmDataInPlace] = {.enc = PvmDataInPlace,
                        .name = "InPlace",
                        .big_endian = ENC_HOST_BIG,
                        .by_ref = true,
                        .wire = PvmDataRaw,
                        .minfo = ENC_MINFO_INPLACE},
};

bool enc_same_layout(int a, int b)
{
    const struct enc_info *x = enc_get(a), *y = enc_get(b);
    return x && y && x->big_endian == y->big_endian && x->xdr == y->xdr;
}

size_t enc_put_xdr_str(uint8_t *p, const char *s, size_t n)
{
    size_t size = enc_xdr_str_size(n);
    enc_put_int(p, (int32_t)(n + 1));
    memcpy(p + 4, s, n);
    memset(p + 4 + n, 0, size - 4 - n); /* the NUL and the padding */
    return size;
}

int enc_wire(int enc)
{
    const struct enc_info *e = enc_get(enc);
    return e ? e->wire : enc;
}

int enc_received(int wire_enc)
{
    const struct enc_info *e = enc_get(wire_enc);
    return e && e->wire == wire_enc ? wire_enc : PvmDataRaw;
}

int enc_minfo(int enc)
{
    const struct enc_info *e = enc_get(enc);
    if (!e)
        return enc;
    return e->minfo ? e->minfo : arch_this_dsig();
}
