/*
 * The work of benches/record.rs, done with OpenSSL's libcrypto, for comparison:
 * sealing and opening TLS 1.2 CBC-HMAC-SHA1 records with 16 KiB of plaintext,
 * MAC-then-encrypt and encrypt-then-MAC, AES-128 and AES-256.
 *
 * Two OpenSSL variants:
 *   evp       EVP AES-CBC (no padding) + EVP_MAC HMAC-SHA1 keyed once, the straightforward
 *             composition. Its MtE open is NOT constant time (it trusts the padding
 *             byte), so it is a lower bound on the work, not what libssl does.
 *   stitched  EVP_aes_{128,256}_cbc_hmac_sha1 with EVP_CTRL_AEAD_TLS1_AAD, the cipher
 *             libssl uses for these suites when the CPU has AES-NI: one pass for
 *             encryption, constant-time (Lucky13) MAC check for decryption. MtE only.
 *
 * Output: one line per case, "<case> <variant> <MB/s>" (MB = 10^6 bytes of plaintext),
 * the median of 5 timed slices. Argument: total seconds per case (default 1).
 * Build: cc -O2 -o record_bench record_bench.c -lcrypto
 */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LEN 16384
#define MAC_LEN 20
#define MAX_REC (16 + LEN + 256 + MAC_LEN + 16)

static double min_seconds = 1.0;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what) {
    fprintf(stderr, "record_bench: %s failed\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

/* seq_num (8) || type (1) || version (2) || length (2) */
static void mac_header(uint8_t h[13], uint64_t seq, size_t len) {
    for (int i = 0; i < 8; i++)
        h[i] = (uint8_t)(seq >> (56 - 8 * i));
    h[8] = 23;
    h[9] = 3;
    h[10] = 3;
    h[11] = (uint8_t)(len >> 8);
    h[12] = (uint8_t)len;
}

typedef struct {
    EVP_MAC_CTX *mac;
    EVP_CIPHER_CTX *enc, *dec;
} evp_keys;

static void hmac2(EVP_MAC_CTX *mac, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                  const uint8_t *c, size_t clen, uint8_t out[MAC_LEN]) {
    size_t outl;
    /* A NULL key re-initialises with the key already set (the precomputed pads). */
    if (!EVP_MAC_init(mac, NULL, 0, NULL) || !EVP_MAC_update(mac, a, alen) ||
        !EVP_MAC_update(mac, b, blen) || (clen && !EVP_MAC_update(mac, c, clen)) ||
        !EVP_MAC_final(mac, out, &outl, MAC_LEN))
        die("HMAC");
}

static void cbc(EVP_CIPHER_CTX *ctx, const uint8_t *iv, const uint8_t *in, uint8_t *out, size_t len) {
    int outl;
    if (!EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, -1) || !EVP_CipherUpdate(ctx, out, &outl, in, (int)len))
        die("AES-CBC");
}

static size_t pad_to_block(uint8_t *buf, size_t body) {
    uint8_t p = (uint8_t)(15 - body % 16);
    memset(buf + body, p, (size_t)p + 1);
    return body + p + 1;
}

/* --- evp: MAC-then-encrypt --- */
static size_t evp_mte_seal(evp_keys *k, uint64_t seq, const uint8_t *pt, uint8_t *rec, uint8_t *scratch) {
    uint8_t h[13];
    if (RAND_bytes(rec, 16) != 1)
        die("RAND_bytes");
    mac_header(h, seq, LEN);
    memcpy(scratch, pt, LEN);
    hmac2(k->mac, h, 13, pt, LEN, NULL, 0, scratch + LEN);
    size_t n = pad_to_block(scratch, LEN + MAC_LEN);
    cbc(k->enc, rec, scratch, rec + 16, n);
    return 16 + n;
}

static int evp_mte_open(evp_keys *k, uint64_t seq, const uint8_t *rec, size_t n, uint8_t *pt) {
    uint8_t h[13], mac[MAC_LEN];
    size_t d = n - 16;
    cbc(k->dec, rec, rec + 16, pt, d);
    size_t p = pt[d - 1];
    if (p + 1 + MAC_LEN > d)
        return 0;
    for (size_t i = 0; i <= p; i++)
        if (pt[d - 1 - i] != p)
            return 0;
    size_t len = d - p - 1 - MAC_LEN;
    mac_header(h, seq, len);
    hmac2(k->mac, h, 13, pt, len, NULL, 0, mac);
    return CRYPTO_memcmp(mac, pt + len, MAC_LEN) == 0;
}

/* --- evp: encrypt-then-MAC --- */
static size_t evp_etm_seal(evp_keys *k, uint64_t seq, const uint8_t *pt, uint8_t *rec, uint8_t *scratch) {
    uint8_t h[13];
    if (RAND_bytes(rec, 16) != 1)
        die("RAND_bytes");
    memcpy(scratch, pt, LEN);
    size_t n = pad_to_block(scratch, LEN);
    cbc(k->enc, rec, scratch, rec + 16, n);
    mac_header(h, seq, 16 + n);
    hmac2(k->mac, h, 13, rec, 16 + n, NULL, 0, rec + 16 + n);
    return 16 + n + MAC_LEN;
}

static int evp_etm_open(evp_keys *k, uint64_t seq, const uint8_t *rec, size_t n, uint8_t *pt) {
    uint8_t h[13], mac[MAC_LEN];
    size_t body = n - MAC_LEN;
    mac_header(h, seq, body);
    hmac2(k->mac, h, 13, rec, body, NULL, 0, mac);
    if (CRYPTO_memcmp(mac, rec + body, MAC_LEN) != 0)
        return 0;
    size_t d = body - 16;
    cbc(k->dec, rec, rec + 16, pt, d);
    size_t p = pt[d - 1];
    if (p + 1 > d)
        return 0;
    for (size_t i = 0; i <= p; i++)
        if (pt[d - 1 - i] != p)
            return 0;
    return 1;
}

/* --- stitched: EVP_aes_*_cbc_hmac_sha1, TLS mode --- */
static size_t stitched_seal(EVP_CIPHER_CTX *ctx, uint64_t seq, const uint8_t *pt, uint8_t *rec, uint8_t *scratch) {
    uint8_t aad[13];
    /* As libssl does: the explicit IV is a random first block, encrypted with the rest. */
    if (RAND_bytes(scratch, 16) != 1)
        die("RAND_bytes");
    memcpy(scratch + 16, pt, LEN);
    mac_header(aad, seq, 16 + LEN);
    int pad = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_TLS1_AAD, 13, aad);
    if (pad <= 0)
        die("EVP_CTRL_AEAD_TLS1_AAD (encrypt)");
    size_t n = 16 + LEN + (size_t)pad;
    if (EVP_Cipher(ctx, rec, scratch, (unsigned int)n) <= 0)
        die("stitched seal");
    return n;
}

static int stitched_open(EVP_CIPHER_CTX *ctx, uint64_t seq, const uint8_t *rec, size_t n, uint8_t *out) {
    uint8_t aad[13];
    mac_header(aad, seq, n);
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_TLS1_AAD, 13, aad) <= 0)
        die("EVP_CTRL_AEAD_TLS1_AAD (decrypt)");
    return EVP_Cipher(ctx, out, rec, (unsigned int)n) > 0;
}


static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Runs BODY in batches of 64 for TRIALS slices of min_seconds / TRIALS each and prints
 * the median rate (robust against other processes on a shared machine). */
#define TRIALS 5
#define MEASURE(NAME, VARIANT, BODY)                                                 \
    do {                                                                             \
        double rates[TRIALS];                                                        \
        for (int t = 0; t < TRIALS; t++) {                                           \
            double t0 = now(), secs;                                                 \
            long iters = 0;                                                          \
            do {                                                                     \
                for (int i_ = 0; i_ < 64; i_++, iters++) {                           \
                    BODY;                                                            \
                }                                                                    \
            } while ((secs = now() - t0) < min_seconds / TRIALS);                    \
            rates[t] = (double)LEN * iters / secs / 1e6;                             \
        }                                                                            \
        qsort(rates, TRIALS, sizeof rates[0], cmp_double);                           \
        printf("%s %s %.1f\n", NAME, VARIANT, rates[TRIALS / 2]);                     \
        fflush(stdout);                                                              \
    } while (0)

static void run_suite(const char *sname, const EVP_CIPHER *aes, const char *stitched_name, size_t keylen) {
    uint8_t key[32], mac_key[MAC_LEN], iv0[16] = {0};
    memset(key, 0x24, sizeof key);
    memset(mac_key, 0x42, sizeof mac_key);
    static uint8_t pt[LEN], rec[MAX_REC], scratch[MAX_REC], out[MAX_REC];
    for (size_t i = 0; i < LEN; i++)
        pt[i] = (uint8_t)i;
    char name[64];
    size_t n = 0;

    /* evp */
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!hmac)
        die("EVP_MAC_fetch");
    evp_keys k;
    k.mac = EVP_MAC_CTX_new(hmac);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA1", 0), OSSL_PARAM_construct_end()};
    if (!k.mac || !EVP_MAC_init(k.mac, mac_key, MAC_LEN, params))
        die("HMAC key");
    k.enc = EVP_CIPHER_CTX_new();
    k.dec = EVP_CIPHER_CTX_new();
    if (!EVP_CipherInit_ex(k.enc, aes, NULL, key, iv0, 1) || !EVP_CipherInit_ex(k.dec, aes, NULL, key, iv0, 0))
        die("AES key");
    EVP_CIPHER_CTX_set_padding(k.enc, 0);
    EVP_CIPHER_CTX_set_padding(k.dec, 0);

    for (int etm = 0; etm <= 1; etm++) {
        const char *mode = etm ? "etm" : "mte";
        snprintf(name, sizeof name, "%s_%s_seal_16k", sname, mode);
        MEASURE(name, "evp", n = etm ? evp_etm_seal(&k, 7, pt, rec, scratch) : evp_mte_seal(&k, 7, pt, rec, scratch));

        n = etm ? evp_etm_seal(&k, 7, pt, rec, scratch) : evp_mte_seal(&k, 7, pt, rec, scratch);
        if (!(etm ? evp_etm_open(&k, 7, rec, n, out) : evp_mte_open(&k, 7, rec, n, out)) || memcmp(out, pt, LEN))
            die("evp round trip");
        snprintf(name, sizeof name, "%s_%s_open_16k", sname, mode);
        MEASURE(name, "evp", if (!(etm ? evp_etm_open(&k, 7, rec, n, out) : evp_mte_open(&k, 7, rec, n, out))) die("evp open"));
    }

    /* stitched */
    EVP_CIPHER *st = EVP_CIPHER_fetch(NULL, stitched_name, NULL);
    if (!st) {
        ERR_clear_error();
        printf("%s_mte_seal_16k stitched unavailable\n%s_mte_open_16k stitched unavailable\n", sname, sname);
    } else {
        EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new(), *d = EVP_CIPHER_CTX_new();
        if (!EVP_CipherInit_ex(e, st, NULL, key, iv0, 1) || !EVP_CipherInit_ex(d, st, NULL, key, iv0, 0) ||
            EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_AEAD_SET_MAC_KEY, MAC_LEN, mac_key) <= 0 ||
            EVP_CIPHER_CTX_ctrl(d, EVP_CTRL_AEAD_SET_MAC_KEY, MAC_LEN, mac_key) <= 0)
            die("stitched keys");
        snprintf(name, sizeof name, "%s_mte_seal_16k", sname);
        MEASURE(name, "stitched", n = stitched_seal(e, 7, pt, rec, scratch));

        n = stitched_seal(e, 7, pt, rec, scratch);
        /* Cross-check the stitched record against the plain composition. */
        if (!evp_mte_open(&k, 7, rec, n, out) || memcmp(out, pt, LEN))
            die("stitched record does not open with EVP AES-CBC + HMAC");
        if (!stitched_open(d, 7, rec, n, out) || memcmp(out + 16, pt, LEN))
            die("stitched round trip");
        uint8_t bad[MAX_REC];
        memcpy(bad, rec, n);
        bad[n - 1] ^= 1;
        if (stitched_open(d, 7, bad, n, out))
            die("stitched open accepted a corrupted record");
        ERR_clear_error();
        snprintf(name, sizeof name, "%s_mte_open_16k", sname);
        MEASURE(name, "stitched", if (!stitched_open(d, 7, rec, n, out)) die("stitched open"));
        EVP_CIPHER_CTX_free(e);
        EVP_CIPHER_CTX_free(d);
        EVP_CIPHER_free(st);
    }
    (void)keylen;
    EVP_MAC_CTX_free(k.mac);
    EVP_MAC_free(hmac);
    EVP_CIPHER_CTX_free(k.enc);
    EVP_CIPHER_CTX_free(k.dec);
}

int main(int argc, char **argv) {
    if (argc > 1)
        min_seconds = atof(argv[1]);
    printf("# %s\n", OpenSSL_version(OPENSSL_VERSION));
    run_suite("aes128", EVP_aes_128_cbc(), "AES-128-CBC-HMAC-SHA1", 16);
    run_suite("aes256", EVP_aes_256_cbc(), "AES-256-CBC-HMAC-SHA1", 32);
    return 0;
}
