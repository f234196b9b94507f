/*
 * bssl_pake_bench: CPU cost of a full TLS 1.3 PAKE handshake (draft-ietf-tls-pake,
 * SPAKE2PLUS_V1) in BoringSSL's libssl, client and server measured separately: the baseline
 * for benches/pake_handshake.rs (benches/compare_pake.sh runs both).
 *
 *   bssl_pake_bench [-n N] [--users U]
 *
 * One thread, no sockets: the client and the server SSL objects are joined by a BIO pair and
 * we alternate SSL_do_handshake calls until both are done. The CPU time of each side is the
 * sum of CLOCK_THREAD_CPUTIME_ID deltas around that side's calls (SSL_new,
 * SSL_add1_credential, SSL_set_bio, SSL_do_handshake; not SSL_free), as in
 * interop/openssl/bench/ossl_handshake_bench.c. One JSON line, medians in microseconds per
 * handshake:
 *   {"impl":"boringssl","suite":"TLS_AES_128_GCM_SHA256","users":1,"client_cpu_us":..,
 *    "server_cpu_us":..,"client_p10_us":..,"client_p90_us":..,"server_p10_us":..,
 *    "server_p90_us":..,"handshakes":N}
 *
 * Users: U distinct client identities ("user00000", ...), each with its own w0, w1 and
 * registration record L = w1*P, and its own client and server SSL_CREDENTIAL, all made
 * before the measurements. Handshake i is user i mod U's. w0 and w1 are SHA-256 of a label
 * (top byte cleared, so below the group order) instead of SSL_spake2plusv1_register's scrypt
 * (about 100 ms a user, and no part of a handshake): the handshake cannot tell the
 * difference. benches/pake_handshake.rs derives the same values.
 *
 * The suite is TLS_AES_128_GCM_SHA256 on both sides, as in our bench. BoringSSL has no TLS
 * 1.3 cipher list: with AES in hardware its client offers AES-128-GCM first and its server
 * takes it. Without (EVP_has_aes_hardware), the client gets the FIPS compliance policy, which
 * leaves only the AES-GCM suites, AES-128 first (its other effects, on groups and signature
 * algorithms, do not touch a PAKE handshake). Every handshake checks the suite.
 *
 * Build: interop/pake/setup.sh (cc -O2 bssl_pake_bench.c -I$BSSL/include
 *        $BSSL/build/libssl.a $BSSL/build/libcrypto.a -lpthread -lstdc++)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/aead.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/nid.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>

/* The server identity, as in benches/pake_handshake.rs. */
#define SERVER_ID "bench.server"
/* Failed or unfinished handshakes a credential tolerates: none fail here. */
#define LIMIT 1000000

struct user {
    char name[16];
    SSL_CREDENTIAL *client, *server;
};

static void die(const char *what)
{
    fprintf(stderr, "bssl_pake_bench: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static double cpu_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double pct(double *v, int n, int p)
{
    return v[(int)((long)p * (n - 1) / 100)];
}

/* A scalar below the group order: SHA-256(label || "/" || name), top byte cleared (the
 * order of P-256 starts with 0xff, so the result is below it; zero has probability 2^-248). */
static void bench_scalar(uint8_t out[32], const char *label, const char *name)
{
    SHA256_CTX h;

    SHA256_Init(&h);
    SHA256_Update(&h, label, strlen(label));
    SHA256_Update(&h, "/", 1);
    SHA256_Update(&h, name, strlen(name));
    SHA256_Final(out, &h);
    out[0] = 0;
}

/* w0, w1 and L = w1*P (SEC1 uncompressed) of one user, then its two credentials. */
static void make_user(struct user *u, int i, const EC_GROUP *group)
{
    uint8_t w0[32], w1[32], rec[65];
    BIGNUM *k;
    EC_POINT *l;

    snprintf(u->name, sizeof(u->name), "user%05d", i);
    bench_scalar(w0, "tls-srp pake bench w0", u->name);
    bench_scalar(w1, "tls-srp pake bench w1", u->name);
    k = BN_bin2bn(w1, 32, NULL);
    l = EC_POINT_new(group);
    if (k == NULL || l == NULL || !EC_POINT_mul(group, l, k, NULL, NULL, NULL) ||
        EC_POINT_point2oct(group, l, POINT_CONVERSION_UNCOMPRESSED, rec, sizeof(rec), NULL) !=
            sizeof(rec))
        die("cannot compute L = w1*P");
    BN_free(k);
    EC_POINT_free(l);
    u->client = SSL_CREDENTIAL_new_spake2plusv1_client(
        NULL, 0, (const uint8_t *)u->name, strlen(u->name), (const uint8_t *)SERVER_ID,
        strlen(SERVER_ID), LIMIT, w0, sizeof(w0), w1, sizeof(w1));
    u->server = SSL_CREDENTIAL_new_spake2plusv1_server(
        NULL, 0, (const uint8_t *)u->name, strlen(u->name), (const uint8_t *)SERVER_ID,
        strlen(SERVER_ID), LIMIT, w0, sizeof(w0), rec, sizeof(rec));
    if (u->client == NULL || u->server == NULL)
        die("cannot make the SPAKE2+ credentials");
}

static SSL_CTX *make_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());

    if (ctx == NULL || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
        !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION))
        die("SSL_CTX_new failed");
    return ctx;
}

/* One handshake of user u. Adds each side's CPU time to *c_us / *s_us. */
static void handshake(SSL_CTX *cctx, SSL_CTX *sctx, const struct user *u, double *c_us,
                      double *s_us)
{
    SSL *c, *s;
    BIO *cb, *sb;
    const SSL_CIPHER *cipher;
    double t;
    int cdone = 0, sdone = 0, rounds = 0;

    if (!BIO_new_bio_pair(&cb, 0, &sb, 0))
        die("BIO_new_bio_pair failed");
    t = cpu_us();
    c = SSL_new(cctx);
    if (c == NULL || !SSL_add1_credential(c, u->client))
        die("SSL_new (client) failed");
    SSL_set_bio(c, cb, cb);
    SSL_set_connect_state(c);
    *c_us += cpu_us() - t;

    t = cpu_us();
    s = SSL_new(sctx);
    if (s == NULL || !SSL_add1_credential(s, u->server))
        die("SSL_new (server) failed");
    SSL_set_bio(s, sb, sb);
    SSL_set_accept_state(s);
    *s_us += cpu_us() - t;

    while (!cdone || !sdone) {
        int r;

        if (++rounds > 50)
            die("handshake does not progress");
        if (!cdone) {
            t = cpu_us();
            r = SSL_do_handshake(c);
            *c_us += cpu_us() - t;
            if (r == 1)
                cdone = 1;
            else if (SSL_get_error(c, r) != SSL_ERROR_WANT_READ)
                die("client handshake failed");
        }
        if (!sdone) {
            t = cpu_us();
            r = SSL_do_handshake(s);
            *s_us += cpu_us() - t;
            if (r == 1)
                sdone = 1;
            else if (SSL_get_error(s, r) != SSL_ERROR_WANT_READ)
                die("server handshake failed");
        }
    }
    cipher = SSL_get_current_cipher(c);
    if (SSL_version(c) != TLS1_3_VERSION || cipher == NULL ||
        SSL_CIPHER_get_protocol_id(cipher) != 0x1301)
        die("not TLS 1.3 with TLS_AES_128_GCM_SHA256");
    SSL_free(c);
    SSL_free(s);
}

int main(int argc, char **argv)
{
    int n = 300, n_users = 1, i;
    struct user *users;
    EC_GROUP *group;
    SSL_CTX *cctx, *sctx;
    double *cv, *sv;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--users") && i + 1 < argc)
            n_users = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bssl_pake_bench [-n N] [--users U]\n");
            return 2;
        }
    }
    if (n < 1)
        n = 1;
    if (n_users < 1)
        n_users = 1;

    group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    users = calloc((size_t)n_users, sizeof(*users));
    cv = calloc((size_t)n, sizeof(double));
    sv = calloc((size_t)n, sizeof(double));
    if (group == NULL || users == NULL || cv == NULL || sv == NULL)
        die("out of memory");
    for (i = 0; i < n_users; i++)
        make_user(&users[i], i, group);
    cctx = make_ctx();
    sctx = make_ctx();
    if (!EVP_has_aes_hardware() &&
        !SSL_CTX_set_compliance_policy(cctx, ssl_compliance_policy_fips_202205))
        die("cannot restrict the client to AES-GCM");

    /* Warm-up (first-use costs: tables, lazy initialisation), then one round over every
     * user, so that whatever is kept per credential is there before the measurements. */
    for (i = 0; i < (n_users > 3 ? n_users : 3); i++) {
        double dc = 0, ds = 0;

        handshake(cctx, sctx, &users[i % n_users], &dc, &ds);
    }
    for (i = 0; i < n; i++) {
        double dc = 0, ds = 0;

        handshake(cctx, sctx, &users[i % n_users], &dc, &ds);
        cv[i] = dc;
        sv[i] = ds;
    }
    qsort(cv, (size_t)n, sizeof(double), cmp_double);
    qsort(sv, (size_t)n, sizeof(double), cmp_double);
    printf("{\"impl\":\"boringssl\",\"suite\":\"TLS_AES_128_GCM_SHA256\",\"users\":%d,"
           "\"client_cpu_us\":%.1f,\"server_cpu_us\":%.1f,"
           "\"client_p10_us\":%.1f,\"client_p90_us\":%.1f,"
           "\"server_p10_us\":%.1f,\"server_p90_us\":%.1f,\"handshakes\":%d}\n",
           n_users, pct(cv, n, 50), pct(sv, n, 50), pct(cv, n, 10), pct(cv, n, 90),
           pct(sv, n, 10), pct(sv, n, 90), n);

    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    for (i = 0; i < n_users; i++) {
        SSL_CREDENTIAL_free(users[i].client);
        SSL_CREDENTIAL_free(users[i].server);
    }
    free(users);
    free(cv);
    free(sv);
    EC_GROUP_free(group);
    return 0;
}
