/*
 * fuzz_unpack.c - libFuzzer target for every unpack path: a received body
 * of arbitrary bytes in any encoding, unpacked by a script taken from the
 * input through pmsg_unpack*, pvm_upk*, pvm_unpackf and pvm_upkmesg (and,
 * recursively, the messages that unpacks).  Input layout:
 *
 *   byte 0      encoding (mod 4: Default, Raw, InPlace, unknown)
 *   byte 1      script length k (mod 32)
 *   bytes 2..   k script bytes, then the body
 *
 * Nothing may crash, leak or read out of bounds; every failure must leave
 * the cursor where it was.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "pmsg.h"
#include "pvm3.h"

static const int types[] = {PVM_BYTE,  PVM_SHORT, PVM_USHORT, PVM_INT,  PVM_UINT, PVM_LONG,
                            PVM_ULONG, PVM_FLOAT, PVM_DOUBLE, PVM_CPLX, PVM_DCPLX};
#define NTYPES (int)(sizeof types / sizeof types[0])

static void run(struct pmsg *m, const uint8_t *script, size_t k, int depth)
{
    static uint8_t sink[8 * 4 * 16];
    char *str = malloc(pmsg_payload_len(m) + 1);
    if (!str)
        return;
    for (size_t i = 0; i < k; i++) {
        uint8_t op = script[i];
        size_t before = m->rpos;
        int n = op >> 5, stride = 1 + (op >> 3) % 3, cc;
        switch (op % 16) { /* the op kinds: types, strings, messages */
        case 11:
            cc = pmsg_unpack_str(m, str);
            break;
        case 12: {
            char small[8];
            cc = pmsg_unpack_strn(m, small, sizeof small);
            break;
        }
        case 13:
        case 14: {
            struct pmsg *in = NULL;
            cc = pmsg_unpack_msg(m, &in);
            if (cc == PvmOk && depth < 4) {
                struct pmsg *c = pmsg_copy(in);
                if (c)
                    run(c, script + i + 1, k - i - 1, depth + 1);
                pmsg_destroy(&c);
            }
            pmsg_destroy(&in);
            break;
        }
        case 15: {
            /* The public calls, on the same message as the receive buffer. */
            int id = pmsg_register(m);
            int old = pvm_setrbuf(id), x[4];
            char s[8];
            cc = (op & 0x10) ? pvm_unpackf("%2d %hd", x, (short *)x) : pvm_upkint(x, 1, 1);
            if (op & 0x20) {
                int nb = pvm_upkmesg();
                if (nb > 0)
                    pvm_freebuf(nb);
            }
            if (op & 0x40)
                (void)pvm_unpackf("%*.*c", 2, 2, s);
            pvm_setrbuf(old);
            before = m->rpos;
            cc = PvmOk;
            break;
        }
        default:
            cc = pmsg_unpack(m, types[op % 16], sink, n, stride);
            break;
        }
        if (cc < 0 && m->rpos != before)
            abort(); /* an error consumed bytes */
        if (m->rpos > pmsg_payload_len(m))
            abort();
    }
    free(str);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int encs[] = {PvmDataDefault, PvmDataRaw, PvmDataInPlace, 4};
    lpvm_state.opt[PvmAutoErr] = 0;
    if (size < 2)
        return 0;
    int enc = encs[data[0] % 4];
    size_t k = data[1] % 32;
    if (size - 2 < k)
        k = size - 2;
    const uint8_t *script = data + 2, *body = data + 2 + k;
    size_t len = size - 2 - k;

    struct pmsg *m = pmsg_new_recv(enc, len);
    if (!m)
        return 0;
    memcpy(pmsg_body(m), body, len);
    run(m, script, k, 0);
    pmsg_destroy(&m);

    /* The same bytes as an InPlace reference, read without flattening. */
    struct pmsg *ip = pmsg_new(PvmDataInPlace);
    if (ip && pmsg_pack(ip, PVM_BYTE, body, (int)len, 1) == PvmOk)
        run(ip, script, k, 0);
    pmsg_destroy(&ip);
    pmsg_free_all();
    return 0;
}
