/*
 * fuzz_wire_ctl.c - libFuzzer target for the decoders that face the
 * network: wire_decode and ctl_unpack of every CtlType.
 *
 * Byte 0 picks the control type (including unknown ones); the rest is the
 * payload.  Besides "no crash, no leak" (ASan/LSan/UBSan), it checks the
 * decoders' promises: only documented error codes, *out NULL on failure,
 * and whatever is accepted is valid and survives pack + unpack unchanged.
 *
 * Build: CC=clang cmake -DPVM_FUZZ=ON -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link
 * (the flag instruments common/ for coverage), then run
 * ./fuzz_wire_ctl -max_total_time=60.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "pvm3.h"
#include "wire.h"

#define NTYPES 25

static void check_wire(const uint8_t *data, size_t size)
{
    struct wire_hdr h;
    int rc = wire_decode(data, size, &h);
    if (size < WIRE_HDR_LEN) {
        if (rc != PvmNoData)
            abort();
        return;
    }
    if (rc != 0) {
        if (rc != PvmBadMsg && rc != PvmBadVersion)
            abort();
        return;
    }
    /* Accepted headers re-encode to the very same bytes. */
    uint8_t again[WIRE_HDR_LEN];
    wire_encode(&h, again);
    if (memcmp(again, data, WIRE_HDR_LEN) != 0)
        abort();
}

static void check_ctl(int type, const uint8_t *data, size_t size)
{
    ProtobufCMessage *m = (ProtobufCMessage *)1;
    int rc = ctl_unpack(type, data, size, &m);
    if (rc != 0) {
        if (rc != PvmBadMsg || m != NULL)
            abort();
        return;
    }
    if (!m || ctl_validate(type, m) != 0)
        abort();
    uint8_t *buf = NULL;
    size_t len = 0;
    if (ctl_pack(m, &buf, &len) != 0)
        abort();
    ProtobufCMessage *m2 = NULL;
    if (ctl_unpack(type, buf, len, &m2) != 0)
        abort();
    /* Canonical bytes are a fixed point. */
    uint8_t *buf2 = NULL;
    size_t len2 = 0;
    if (ctl_pack(m2, &buf2, &len2) != 0 || len2 != len || memcmp(buf, buf2, len) != 0)
        abort();
    free(buf2);
    free(buf);
    ctl_free(&m2);
    ctl_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_wire(data, size);
    if (size == 0)
        return 0;
    /* -1 .. NTYPES: every type and a few unknown ones. */
    int type = (int)(data[0] % (NTYPES + 2)) - 1;
    check_ctl(type, data + 1, size - 1);
    return 0;
}
