/*
 * ossl_handshake_bench: CPU cost of TLS-SRP handshakes in OpenSSL's libssl, client and
 * server measured separately, as a baseline for the Rust crate's benchmarks.
 *
 *   ossl_handshake_bench [--groups 2048,3072] [-n N] [--cipher NAME] [--resume] [--no-full]
 *                        [--users U]
 *
 * Everything runs in one thread with no sockets: the client and the server SSL objects are
 * joined by a BIO pair, and we alternate SSL_do_handshake calls until both are done. The
 * CPU time of each side is the sum of CLOCK_THREAD_CPUTIME_ID deltas around that side's
 * calls (SSL_new, SSL_set_bio, SSL_do_handshake; not SSL_free). One JSON line per group
 * and mode, with medians in microseconds per handshake:
 *   {"impl":"openssl","mode":"full","group":2048,"cipher":"SRP-AES-128-CBC-SHA","users":1,
 *    "client_cpu_us":..,"server_cpu_us":..,"client_p10_us":..,"client_p90_us":..,
 *    "server_p10_us":..,"server_p90_us":..,"handshakes":N}
 * --resume adds "mode":"resumed" lines: the client offers the session of a first full
 * handshake (a session ticket, as OpenSSL does by default) and every handshake must be
 * reported as reused.
 *
 * The verifier is computed once per group (a server reads it from its database). The
 * client's x = H(s | H(I ":" P)) is part of every client handshake, as in real use.
 *
 * --users U: U distinct users (each with its own salt and verifier, all computed before the
 * measurements); full handshake i logs in as user i mod U, so a per-user cache would show.
 *
 * Build: gcc -O2 -Wall -Wno-deprecated-declarations -o ossl_handshake_bench ossl_handshake_bench.c -lssl -lcrypto
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/srp.h>
#include <openssl/ssl.h>

#define PASS "bench-password"

struct srv_user {
    char name[16];
    BIGNUM *s, *v;
};

struct srv_db {
    const SRP_gN *gn;
    struct srv_user *users;
    int n_users;
};

static void die(const char *what)
{
    fprintf(stderr, "ossl_handshake_bench: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static double cpu_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* The user lookup: "u<index>" names an entry of the table. */
static int srp_user_cb(SSL *ssl, int *ad, void *arg)
{
    struct srv_db *db = arg;
    const char *login = SSL_get_srp_username(ssl);
    struct srv_user *u;
    char *end;
    long i;

    if (login == NULL || login[0] != 'u')
        return SSL3_AL_FATAL;
    i = strtol(login + 1, &end, 10);
    if (*end != '\0' || i < 0 || i >= db->n_users || strcmp(db->users[i].name, login) != 0)
        return SSL3_AL_FATAL;
    u = &db->users[i];
    if (SSL_set_srp_server_param(ssl, db->gn->N, db->gn->g, u->s, u->v, NULL) < 0) {
        *ad = SSL_AD_INTERNAL_ERROR;
        return SSL3_AL_FATAL;
    }
    return SSL_ERROR_NONE;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double pct(double *v, int n, int p)
{
    int i = (int)((long)p * (n - 1) / 100);

    return v[i];
}

/* One handshake. Adds each side's CPU time to *c_us / *s_us. Returns the client SSL
 * (still alive, for its session) or exits on failure. */
static SSL *handshake(SSL_CTX *cctx, SSL_CTX *sctx, const char *user, SSL_SESSION *resume,
                      double *c_us, double *s_us, int *reused)
{
    SSL *c, *s;
    BIO *cb, *sb;
    double t;
    int cdone = 0, sdone = 0, rounds = 0;

    if (!BIO_new_bio_pair(&cb, 0, &sb, 0))
        die("BIO_new_bio_pair failed");
    t = cpu_us();
    /* SSL_new copies the context's SRP username into the connection. */
    if (!SSL_CTX_set_srp_username(cctx, (char *)user))
        die("cannot set the SRP username");
    c = SSL_new(cctx);
    if (c == NULL)
        die("SSL_new (client) failed");
    SSL_set_bio(c, cb, cb);
    if (resume != NULL && !SSL_set_session(c, resume))
        die("SSL_set_session failed");
    SSL_set_connect_state(c);
    *c_us += cpu_us() - t;

    t = cpu_us();
    s = SSL_new(sctx);
    if (s == NULL)
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
    *reused = SSL_session_reused(c) && SSL_session_reused(s);
    /* Mark both as cleanly closed: SSL_free of a connection that was not shut down
     * makes its session non-resumable (ssl_clear_bad_session). */
    SSL_set_shutdown(c, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_set_shutdown(s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(s);
    return c;
}

static void run(int bits, int n, const char *cipher, int full, int resume, int n_users)
{
    char id[16];
    struct srv_db db;
    SSL_CTX *cctx, *sctx;
    double *cv, *sv;
    int i, mode;

    snprintf(id, sizeof(id), "%d", bits);
    db.gn = SRP_get_default_gN(id);
    if (db.gn == NULL || strcmp(db.gn->id, id) != 0) {
        fprintf(stderr, "ossl_handshake_bench: no %d-bit group\n", bits);
        exit(2);
    }
    db.n_users = n_users;
    db.users = calloc((size_t)n_users, sizeof(*db.users));
    if (db.users == NULL)
        die("out of memory");
    for (i = 0; i < n_users; i++) {
        struct srv_user *u = &db.users[i];

        snprintf(u->name, sizeof(u->name), "u%d", i);
        if (!SRP_create_verifier_BN(u->name, PASS, &u->s, &u->v, db.gn->N, db.gn->g))
            die("SRP_create_verifier_BN failed");
    }

    sctx = SSL_CTX_new(TLS_server_method());
    cctx = SSL_CTX_new(TLS_client_method());
    if (sctx == NULL || cctx == NULL)
        die("SSL_CTX_new failed");
    SSL_CTX_set_min_proto_version(sctx, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(sctx, TLS1_2_VERSION);
    SSL_CTX_set_min_proto_version(cctx, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
    if (!SSL_CTX_set_cipher_list(sctx, cipher) || !SSL_CTX_set_cipher_list(cctx, cipher))
        die("unknown cipher");
    SSL_CTX_set_srp_username_callback(sctx, srp_user_cb);
    SSL_CTX_set_srp_cb_arg(sctx, &db);
    if (!SSL_CTX_set_srp_password(cctx, PASS))
        die("cannot set SRP credentials");
    /* Accept every RFC 5054 group, as the Rust bench may go down to 1024 bits. */
    SSL_CTX_set_srp_strength(cctx, 1024);

    cv = calloc((size_t)n, sizeof(double));
    sv = calloc((size_t)n, sizeof(double));
    if (cv == NULL || sv == NULL)
        die("out of memory");

    for (mode = 0; mode < 2; mode++) {
        SSL_SESSION *sess = NULL;
        const char *name = mode ? "resumed" : "full";

        if ((mode == 0 && !full) || (mode == 1 && !resume))
            continue;
        if (mode == 1) {
            double dc = 0, ds = 0;
            int reused;
            SSL *c = handshake(cctx, sctx, db.users[0].name, NULL, &dc, &ds, &reused);

            sess = SSL_get1_session(c);
            SSL_free(c);
            if (sess == NULL)
                die("no session to resume");
        }
        /* Warm-up (first-use costs: tables, lazy provider loading). */
        for (i = 0; i < 3; i++) {
            double dc = 0, ds = 0;
            int reused;

            SSL_free(handshake(cctx, sctx, db.users[i % n_users].name, sess, &dc, &ds,
                               &reused));
        }
        for (i = 0; i < n; i++) {
            double dc = 0, ds = 0;
            int reused;
            const char *user = db.users[mode ? 0 : i % n_users].name;
            SSL *c = handshake(cctx, sctx, user, sess, &dc, &ds, &reused);

            if (reused != (mode == 1))
                die(mode ? "session was not resumed" : "unexpected resumption");
            SSL_free(c);
            cv[i] = dc;
            sv[i] = ds;
        }
        SSL_SESSION_free(sess);
        qsort(cv, (size_t)n, sizeof(double), cmp_double);
        qsort(sv, (size_t)n, sizeof(double), cmp_double);
        printf("{\"impl\":\"openssl\",\"mode\":\"%s\",\"group\":%d,\"cipher\":\"%s\","
               "\"users\":%d,\"client_cpu_us\":%.1f,\"server_cpu_us\":%.1f,"
               "\"client_p10_us\":%.1f,\"client_p90_us\":%.1f,"
               "\"server_p10_us\":%.1f,\"server_p90_us\":%.1f,\"handshakes\":%d}\n",
               name, bits, cipher, mode ? 1 : n_users, pct(cv, n, 50), pct(sv, n, 50), pct(cv, n, 10),
               pct(cv, n, 90), pct(sv, n, 10), pct(sv, n, 90), n);
        fflush(stdout);
    }
    free(cv);
    free(sv);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    for (i = 0; i < n_users; i++) {
        BN_free(db.users[i].s);
        BN_clear_free(db.users[i].v);
    }
    free(db.users);
}

int main(int argc, char **argv)
{
    const char *groups = "2048,3072", *cipher = "SRP-AES-128-CBC-SHA";
    int n = 200, resume = 0, full = 1, users = 1, i;
    char buf[128], *tok, *save;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--groups") && i + 1 < argc) groups = argv[++i];
        else if (!strcmp(argv[i], "-n") && i + 1 < argc) n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--cipher") && i + 1 < argc) cipher = argv[++i];
        else if (!strcmp(argv[i], "--users") && i + 1 < argc) users = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--resume")) resume = 1;
        else if (!strcmp(argv[i], "--no-full")) full = 0;
        else {
            fprintf(stderr, "usage: ossl_handshake_bench [--groups 1024,2048,3072,4096] [-n N]"
                            " [--cipher NAME] [--resume] [--no-full] [--users U]\n");
            return 2;
        }
    }
    if (n < 1)
        n = 1;
    if (users < 1)
        users = 1;
    snprintf(buf, sizeof(buf), "%s", groups);
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        run(atoi(tok), n, cipher, full, resume, users);
    return 0;
}
