/*
 * conn_tcp.c - TCP with a credential handshake and optional sealing
 * (conn_tcp.h).
 */
#include "conn_tcp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "enc.h"
#include "pvm3.h"
#include "tid.h"

#define BODY_LEN 64 /* the preamble's fields; its MAC follows */
#define NONCE_R 24  /* the responder's nonce, in the acknowledgement */
#define MAGIC_PRE "PVD1"
#define MAGIC_ACK "PVA1"
#define VERSION 1
#define F_SEALED 1u
#define F_AES 2u /* sealed with AES-256-GCM rather than ChaCha20-Poly1305 */

#define REC_HDR 4
#define REC_TAG crypto_aead_chacha20poly1305_ietf_ABYTES /* = crypto_aead_aes256gcm_ABYTES */
#define REC_NONCE crypto_aead_chacha20poly1305_ietf_NPUBBYTES /* = ..._aes256gcm_NPUBBYTES */
#define REC_WIRE (REC_HDR + CONN_TCP_REC_MAX + REC_TAG)
/* Plaintext sealed per write call: a few records, so a large frame is
 * written while the next part is sealed rather than all sealed first. */
#define OUT_BATCH (2 * CONN_TCP_REC_MAX)

struct tcp_tp {
    /* AES-256-GCM's expanded keys (libsodium wants them 16-aligned: the
     * type says so, and calloc's blocks are) */
    crypto_aead_aes256gcm_state aes_tx, aes_rx;
    const struct conn_tcp_policy *pol; /* accepting side; NULL when dialling */

    /* handshake bytes still to read: the preamble (accepting) or the
     * acknowledgement (dialling) */
    uint8_t hs[CONN_TCP_PREAMBLE];
    size_t hs_need, hs_got;
    bool ready; /* the handshake checked out */
    /* dialling: until the acknowledgement, what checks it and makes the keys */
    uint8_t cred[CONN_TCP_KEY];
    uint8_t body[BODY_LEN];
    int64_t born; /* monotonic ns */

    bool sealed, aes;
    uint8_t ktx[CONN_TCP_KEY], krx[CONN_TCP_KEY];
    uint64_t ntx, nrx; /* records sealed / opened so far */

    /* bytes of our own to write before anything else: the handshake,
     * sealed records */
    uint8_t *obuf;
    size_t ocap, ooff, olen;

    /* sealed input: raw bytes [ioff, ilen) of ibuf; opened bytes
     * [poff, plen) of pbuf not yet taken */
    uint8_t *ibuf;
    size_t ioff, ilen;
    uint8_t *pbuf;
    size_t poff, plen;
};

/* ======================================================================== */
/* Keys and handshake                                                       */
/* ======================================================================== */

/* A key or MAC for one purpose (`label', 3 letters) of one connection:
 * BLAKE2b keyed with the credential over the label, the preamble and,
 * once there is one, the responder's nonce. */
static void derive(uint8_t out[CONN_TCP_KEY], const uint8_t cred[CONN_TCP_KEY], const char *label,
                   const uint8_t body[BODY_LEN], const uint8_t *nonce_r)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, cred, CONN_TCP_KEY, CONN_TCP_KEY);
    crypto_generichash_update(&st, (const uint8_t *)label, 3);
    crypto_generichash_update(&st, body, BODY_LEN);
    if (nonce_r)
        crypto_generichash_update(&st, nonce_r, NONCE_R);
    crypto_generichash_final(&st, out, CONN_TCP_KEY);
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int out_reserve(struct tcp_tp *t, size_t more)
{
    if (t->olen + more <= t->ocap)
        return 0;
    size_t ncap = t->olen + more;
    uint8_t *n = realloc(t->obuf, ncap);
    if (!n)
        return PvmNoMem;
    t->obuf = n;
    t->ocap = ncap;
    return 0;
}

static int out_append(struct tcp_tp *t, const void *p, size_t n)
{
    if (out_reserve(t, n) < 0)
        return PvmNoMem;
    memcpy(t->obuf + t->olen, p, n);
    t->olen += n;
    return 0;
}

/* Writes what the socket takes of our own bytes: 1 when none are left,
 * 0 when the socket is full, PvmSysErr. */
static int out_flush(struct conn *c)
{
    struct tcp_tp *t = c->tp;
    while (t->ooff < t->olen) {
        ssize_t w = send(c->fd, t->obuf + t->ooff, t->olen - t->ooff, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            /* ENOTCONN: not connected yet (a plain socket says EAGAIN). */
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == ENOTCONN)
                return 0;
            return PvmSysErr;
        }
        t->ooff += (size_t)w;
    }
    t->ooff = t->olen = 0;
    return 1;
}

static void set_keys(struct tcp_tp *t, const uint8_t cred[CONN_TCP_KEY], const uint8_t *body,
                     const uint8_t *nonce_r, bool dialling)
{
    derive(dialling ? t->ktx : t->krx, cred, "i2r", body, nonce_r);
    derive(dialling ? t->krx : t->ktx, cred, "r2i", body, nonce_r);
    if (t->aes) {
        crypto_aead_aes256gcm_beforenm(&t->aes_tx, t->ktx);
        crypto_aead_aes256gcm_beforenm(&t->aes_rx, t->krx);
    }
}

bool conn_tcp_aes(void)
{
    return sodium_init() >= 0 && crypto_aead_aes256gcm_is_available();
}

static void nonce_of(uint8_t nonce[REC_NONCE], uint64_t n)
{
    memset(nonce, 0, 4);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] = (uint8_t)(n >> (56 - 8 * i));
}

/* The accepting side has the whole preamble: check it, then answer. */
static int accept_preamble(struct conn *c)
{
    struct tcp_tp *t = c->tp;
    const uint8_t *b = t->hs;
    if (memcmp(b, MAGIC_PRE, 4) != 0 || (uint32_t)enc_get_int(b + 4) != VERSION)
        return PvmBadVersion;
    uint32_t flags = (uint32_t)enc_get_int(b + 8);
    int from = enc_get_int(b + 12), to = enc_get_int(b + 16);
    uint64_t gen = (uint64_t)(uint32_t)enc_get_int(b + 20) << 32 | (uint32_t)enc_get_int(b + 24);
    if ((flags & ~(F_SEALED | F_AES)) || ((flags & F_AES) && !(flags & F_SEALED)) ||
        !tid_is_task(from) || !tid_is_task(to) || gen == 0)
        return PvmBadMsg;
    if ((flags & F_AES) && !conn_tcp_aes())
        return PvmBadMsg; /* the dialler was told this host has it */
    uint8_t cred[CONN_TCP_KEY], mac[CONN_TCP_KEY];
    int cc = t->pol->cred(t->pol->arg, from, to, flags & F_SEALED, cred);
    if (cc < 0)
        return cc;
    derive(mac, cred, "mac", b, NULL);
    if (sodium_memcmp(mac, b + BODY_LEN, CONN_TCP_KEY) != 0)
        cc = PvmDenied;
    if (cc == 0 && (cc = t->pol->admit(t->pol->arg, c, from, gen)) == 0) {
        c->peer_tid = from;
        t->sealed = flags & F_SEALED;
        t->aes = flags & F_AES;
        uint8_t ack[CONN_TCP_ACK] = {0};
        memcpy(ack, MAGIC_ACK, 4);
        randombytes_buf(ack + 4, NONCE_R);
        if (t->sealed)
            set_keys(t, cred, b, ack + 4, false);
        derive(ack + CONN_TCP_ACK - CONN_TCP_KEY, cred, "ack", b, ack + 4);
        cc = out_append(t, ack, sizeof ack);
        if (cc == 0 && out_flush(c) < 0)
            cc = PvmSysErr;
    }
    sodium_memzero(cred, sizeof cred);
    return cc;
}

/* The dialling side has the whole acknowledgement: check it, make the
 * keys, forget the credential. */
static int check_ack(struct conn *c)
{
    struct tcp_tp *t = c->tp;
    static const uint8_t zero[CONN_TCP_ACK - 4 - NONCE_R - CONN_TCP_KEY];
    const uint8_t *nonce_r = t->hs + 4;
    uint8_t mac[CONN_TCP_KEY];
    derive(mac, t->cred, "ack", t->body, nonce_r);
    int cc = 0;
    if (memcmp(t->hs, MAGIC_ACK, 4) != 0 || memcmp(nonce_r + NONCE_R, zero, sizeof zero) != 0 ||
        sodium_memcmp(t->hs + CONN_TCP_ACK - CONN_TCP_KEY, mac, CONN_TCP_KEY) != 0)
        cc = PvmDenied;
    else if (t->sealed)
        set_keys(t, t->cred, t->body, nonce_r, true);
    sodium_memzero(t->cred, sizeof t->cred);
    return cc;
}

/* ======================================================================== */
/* Reading                                                                  */
/* ======================================================================== */

/* Opens the record at rec (its length L checked) into dst. */
static int open_rec(struct tcp_tp *t, const uint8_t *rec, uint32_t len, uint8_t *dst)
{
    uint8_t nonce[REC_NONCE];
    nonce_of(nonce, t->nrx);
    unsigned long long mlen, clen = (unsigned long long)len + REC_TAG;
    int cc = t->aes ? crypto_aead_aes256gcm_decrypt_afternm(dst, &mlen, NULL, rec + REC_HDR, clen,
                                                            rec, REC_HDR, nonce, &t->aes_rx)
                    : crypto_aead_chacha20poly1305_ietf_decrypt(dst, &mlen, NULL, rec + REC_HDR,
                                                                clen, rec, REC_HDR, nonce, t->krx);
    if (cc != 0)
        return PvmBadMsg; /* forged, altered, replayed or out of order */
    t->nrx++;
    return 0;
}

static ssize_t tcp_read(struct conn *c, void *buf, size_t len)
{
    struct tcp_tp *t = c->tp;
    while (t->hs_got < t->hs_need) {
        ssize_t n = conn_fd_read(c, t->hs + t->hs_got, t->hs_need - t->hs_got);
        if (n <= 0)
            return n;
        t->hs_got += (size_t)n;
        if (t->hs_got == t->hs_need) {
            if ((t->pol ? accept_preamble(c) : check_ack(c)) < 0)
                return PvmSysErr;
            t->ready = true;
        }
    }
    if (!t->ready)
        return PvmSysErr; /* refused before: nothing more is taken from it */
    if (!t->sealed)
        return conn_fd_read(c, buf, len);
    if (!t->ibuf) {
        t->ibuf = malloc(2 * REC_WIRE);
        t->pbuf = malloc(CONN_TCP_REC_MAX);
        if (!t->ibuf || !t->pbuf)
            return PvmSysErr;
    }
    uint8_t *out = buf;
    size_t got = 0;
    /* Returns short only when the socket is empty: the caller polls next,
     * so nothing may stay here that a complete record could give. */
    for (;;) {
        if (t->poff < t->plen) {
            size_t n = t->plen - t->poff < len - got ? t->plen - t->poff : len - got;
            memcpy(out + got, t->pbuf + t->poff, n);
            t->poff += n;
            got += n;
            if (got == len)
                return (ssize_t)got;
            continue;
        }
        size_t avail = t->ilen - t->ioff;
        if (avail >= REC_HDR) {
            const uint8_t *rec = t->ibuf + t->ioff;
            uint32_t rlen = (uint32_t)enc_get_int(rec);
            if (rlen == 0 || rlen > CONN_TCP_REC_MAX)
                return PvmSysErr;
            if (avail >= REC_HDR + rlen + REC_TAG) {
                /* Straight into the caller's buffer when it all fits. */
                bool direct = len - got >= rlen;
                if (open_rec(t, rec, rlen, direct ? out + got : t->pbuf) < 0)
                    return PvmSysErr;
                t->ioff += REC_HDR + rlen + REC_TAG;
                if (direct) {
                    got += rlen;
                    if (got == len)
                        return (ssize_t)got;
                } else {
                    t->poff = 0;
                    t->plen = rlen;
                }
                continue;
            }
        }
        /* Room for at least the rest of a whole record. */
        if (t->ioff == t->ilen) {
            t->ioff = t->ilen = 0;
        } else if (2 * REC_WIRE - t->ilen < REC_WIRE) {
            memmove(t->ibuf, t->ibuf + t->ioff, t->ilen - t->ioff);
            t->ilen -= t->ioff;
            t->ioff = 0;
        }
        ssize_t n = conn_fd_read(c, t->ibuf + t->ilen, 2 * REC_WIRE - t->ilen);
        if (n == 0)
            return (ssize_t)got;
        if (n < 0)
            return got ? (ssize_t)got : n; /* the end again on the next call */
        t->ilen += (size_t)n;
    }
}

/* ======================================================================== */
/* Writing                                                                  */
/* ======================================================================== */

static ssize_t tcp_writev(struct conn *c, const struct iovec *iov, int n)
{
    struct tcp_tp *t = c->tp;
    if (!t->ready)
        return PvmSysErr; /* no frame before the handshake (conn_tcp.h) */
    int cc = out_flush(c);
    if (cc <= 0)
        return cc;
    if (!t->sealed)
        return conn_fd_writev(c, iov, n);
    size_t total = 0;
    for (int i = 0; i < n && total < OUT_BATCH; i++)
        total += iov[i].iov_len;
    if (total > OUT_BATCH)
        total = OUT_BATCH;
    size_t nrec = (total + CONN_TCP_REC_MAX - 1) / CONN_TCP_REC_MAX;
    if (out_reserve(t, total + nrec * (REC_HDR + REC_TAG)) < 0)
        return PvmSysErr;
    int i = 0;
    size_t off = 0, done = 0;
    while (done < total) {
        size_t r = total - done < CONN_TCP_REC_MAX ? total - done : CONN_TCP_REC_MAX;
        uint8_t *rec = t->obuf + t->olen;
        enc_put_int(rec, (int32_t)r);
        /* Gather the record's bytes, then seal them where they are. */
        for (size_t k = 0; k < r;) {
            size_t take = iov[i].iov_len - off < r - k ? iov[i].iov_len - off : r - k;
            memcpy(rec + REC_HDR + k, (const uint8_t *)iov[i].iov_base + off, take);
            k += take;
            off += take;
            if (off == iov[i].iov_len) {
                i++;
                off = 0;
            }
        }
        uint8_t nonce[REC_NONCE];
        nonce_of(nonce, t->ntx);
        unsigned long long clen;
        if (t->aes)
            crypto_aead_aes256gcm_encrypt_afternm(rec + REC_HDR, &clen, rec + REC_HDR, r, rec,
                                                  REC_HDR, NULL, nonce, &t->aes_tx);
        else
            crypto_aead_chacha20poly1305_ietf_encrypt(rec + REC_HDR, &clen, rec + REC_HDR, r, rec,
                                                      REC_HDR, NULL, nonce, t->ktx);
        t->ntx++;
        t->olen += REC_HDR + r + REC_TAG;
        done += r;
    }
    /* Accepted whatever the socket takes now: the rest is ours to write
     * (tcp_flush), and conn_pending says so meanwhile. */
    if (out_flush(c) < 0)
        return PvmSysErr;
    return (ssize_t)total;
}

static int tcp_flush(struct conn *c)
{
    return out_flush(c);
}

static bool tcp_pending(const struct conn *c)
{
    const struct tcp_tp *t = c->tp;
    return t->ooff < t->olen;
}

static void tcp_close(struct conn *c)
{
    struct tcp_tp *t = c->tp;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    if (!t)
        return;
    sodium_memzero(t->ktx, sizeof t->ktx);
    sodium_memzero(t->krx, sizeof t->krx);
    sodium_memzero(&t->aes_tx, sizeof t->aes_tx);
    sodium_memzero(&t->aes_rx, sizeof t->aes_rx);
    sodium_memzero(t->cred, sizeof t->cred);
    free(t->obuf);
    free(t->ibuf);
    free(t->pbuf);
    free(t);
    c->tp = NULL;
}

static const struct conn_ops conn_tcp_ops = {
    .name = "tcp",
    .read = tcp_read,
    .writev = tcp_writev,
    .close = tcp_close,
    .flush = tcp_flush,
    .pending = tcp_pending,
};

/* ======================================================================== */
/* Life cycle                                                               */
/* ======================================================================== */

static struct conn *make(int fd, enum conn_kind kind, struct tcp_tp *t)
{
    if (!t) {
        close(fd);
        return NULL;
    }
    t->born = mono_ns();
    struct conn *c = conn_new(fd, kind, &conn_tcp_ops);
    if (!c) {
        free(t->obuf);
        sodium_memzero(t, sizeof *t);
        free(t);
        return NULL;
    }
    c->tp = t;
    return c;
}

struct conn *conn_tcp_dial(int fd, int me, int peer, const uint8_t cred[CONN_TCP_KEY],
                           enum conn_tcp_seal seal, uint64_t gen)
{
    bool sealed = seal != CONN_TCP_PLAIN, aes = seal == CONN_TCP_AES;
    /* Once per process; cheap after the first call. */
    struct tcp_tp *t = sodium_init() < 0 ? NULL : calloc(1, sizeof *t);
    uint8_t pre[CONN_TCP_PREAMBLE] = {0};
    if (t) {
        memcpy(pre, MAGIC_PRE, 4);
        enc_put_int(pre + 4, VERSION);
        enc_put_int(pre + 8, (sealed ? F_SEALED : 0) | (aes ? F_AES : 0));
        enc_put_int(pre + 12, me);
        enc_put_int(pre + 16, peer);
        enc_put_int(pre + 20, (uint32_t)(gen >> 32));
        enc_put_int(pre + 24, (uint32_t)gen);
        randombytes_buf(pre + 28, 24);
        derive(pre + BODY_LEN, cred, "mac", pre, NULL);
        memcpy(t->cred, cred, CONN_TCP_KEY);
        memcpy(t->body, pre, BODY_LEN);
        t->sealed = sealed;
        t->aes = aes;
        t->hs_need = CONN_TCP_ACK;
        if (out_append(t, pre, sizeof pre) < 0) {
            free(t);
            t = NULL;
        }
    }
    sodium_memzero(pre, sizeof pre);
    /* The preamble goes out as soon as the socket is connected (io.c
     * writes a connection's own bytes whenever it can). */
    struct conn *c = make(fd, CONN_OUT, t);
    if (c)
        c->peer_tid = peer;
    return c;
}

struct conn *conn_tcp_accept(int fd, const struct conn_tcp_policy *pol)
{
    struct tcp_tp *t = sodium_init() < 0 ? NULL : calloc(1, sizeof *t);
    if (t) {
        t->pol = pol;
        t->hs_need = CONN_TCP_PREAMBLE;
    }
    return make(fd, CONN_IN, t);
}

bool conn_is_tcp(const struct conn *c)
{
    return c->ops == &conn_tcp_ops;
}

bool conn_tcp_ready(const struct conn *c)
{
    const struct tcp_tp *t = c->tp;
    return t && t->ready;
}

int64_t conn_tcp_born(const struct conn *c)
{
    const struct tcp_tp *t = c->tp;
    return t ? t->born : 0;
}

void conn_tcp_shutdown(struct conn *c)
{
    if (c->fd < 0 || !c->tp)
        return;
    out_flush(c); /* our own bytes (an acknowledgement), if the socket takes them */
    shutdown(c->fd, SHUT_WR);
}

bool conn_tcp_drained(struct conn *c)
{
    if (c->fd < 0)
        return true;
    int queued = 0, err = 0;
    socklen_t len = sizeof err;
    if (ioctl(c->fd, SIOCOUTQ, &queued) < 0 || queued == 0 ||
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0)
        return true; /* all taken, or the connection is gone (a reset) */
    /* Read (and drop) what came, so that our close will not reset it. */
    uint8_t sink[4096];
    ssize_t r;
    while ((r = read(c->fd, sink, sizeof sink)) > 0 || (r < 0 && errno == EINTR))
        ;
    return false;
}

bool conn_tcp_sealed(const struct conn *c)
{
    const struct tcp_tp *t = c->tp;
    return t && t->sealed;
}
