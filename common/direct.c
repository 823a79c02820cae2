/*
 * direct.c - the credential of a direct route (direct.h).
 */
#include "direct.h"

#include <sodium.h>

void direct_cred(uint8_t cred[CTL_DIRECT_KEY_LEN], const uint8_t key[CTL_DIRECT_KEY_LEN],
                 int from, int to)
{
    /* BLAKE2b keyed with the secret: a MAC of the pair, in a domain of its
     * own ("cred") so that no other use of the secret can produce it. */
    uint8_t in[4 + 8] = {'c', 'r', 'e', 'd'};
    for (int i = 0; i < 4; i++) {
        in[4 + i] = (uint8_t)((uint32_t)from >> (24 - 8 * i));
        in[8 + i] = (uint8_t)((uint32_t)to >> (24 - 8 * i));
    }
    crypto_generichash(cred, CTL_DIRECT_KEY_LEN, in, sizeof in, key, CTL_DIRECT_KEY_LEN);
}
