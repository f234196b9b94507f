/*
 * gnutls_handshake_bench: CPU cost of TLS-SRP handshakes in GnuTLS (libgnutls), client and
 * server measured separately: the GnuTLS counterpart of
 * interop/openssl/bench/ossl_handshake_bench.c, with the same options and output.
 *
 *   gnutls_handshake_bench [--groups 2048,3072] [-n N] [--cipher aes128|aes256] [--resume]
 *                          [--no-full] [--users U]
 *
 * Everything runs in one thread with no sockets: each session's push function appends to
 * the other side's in-memory buffer, its pull function reads its own buffer (EAGAIN when
 * empty), and we alternate gnutls_handshake calls until both are done. The CPU time of each
 * side is the sum of CLOCK_THREAD_CPUTIME_ID deltas around that side's calls (gnutls_init,
 * setting credentials and priorities, gnutls_handshake; not gnutls_deinit). One JSON line
 * per group and mode, medians in microseconds per handshake:
 *   {"impl":"gnutls","mode":"full","group":2048,"cipher":"aes128","users":1,
 *    "client_cpu_us":..,"server_cpu_us":..,"client_p10_us":..,"client_p90_us":..,
 *    "server_p10_us":..,"server_p90_us":..,"handshakes":N}
 * --resume adds "mode":"resumed" lines: the client offers the session data of a first full
 * handshake (a session ticket) and every handshake must be reported as resumed.
 *
 * --users U: U distinct users (each with its own salt and verifier); handshake i logs in
 * as user i mod U, so a per-user cache would show. The verifiers are computed once, before
 * the measurements (a server reads them from its password file).
 *
 * Build: gcc -O2 -Wall -o gnutls_handshake_bench gnutls_handshake_bench.c -lgnutls
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#define PASS "bench-password"

struct user {
    char name[16];
    gnutls_datum_t salt, verifier;
};

static struct {
    struct user *users;
    int n_users;
    const gnutls_datum_t *prime, *generator;
} db;

struct pipe {
    unsigned char *buf;
    size_t len, cap;
};

/* What a session reads from (in) and writes to (out). */
struct ends {
    struct pipe *in, *out;
    gnutls_session_t session;
};

static void die(const char *what, int err)
{
    fprintf(stderr, "gnutls_handshake_bench: %s%s%s\n", what, err ? ": " : "",
            err ? gnutls_strerror(err) : "");
    exit(1);
}

static double cpu_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static ssize_t push(gnutls_transport_ptr_t p, const void *data, size_t len)
{
    struct ends *e = p;
    struct pipe *o = e->out;

    if (o->len + len > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + len)
            cap *= 2;
        o->buf = realloc(o->buf, cap);
        if (o->buf == NULL)
            die("out of memory", 0);
        o->cap = cap;
    }
    memcpy(o->buf + o->len, data, len);
    o->len += len;
    return (ssize_t)len;
}

static ssize_t pull(gnutls_transport_ptr_t p, void *data, size_t len)
{
    struct ends *e = p;
    struct pipe *i = e->in;

    if (i->len == 0) {
        gnutls_transport_set_errno(e->session, EAGAIN);
        return -1;
    }
    if (len > i->len)
        len = i->len;
    memcpy(data, i->buf, len);
    memmove(i->buf, i->buf + len, i->len - len);
    i->len -= len;
    return (ssize_t)len;
}

static int copy_datum(gnutls_datum_t *out, const gnutls_datum_t *in)
{
    out->data = gnutls_malloc(in->size);
    if (out->data == NULL)
        return -1;
    memcpy(out->data, in->data, in->size);
    out->size = in->size;
    return 0;
}

/* The server's user lookup: "u<index>" names an entry of db.users. GnuTLS frees what we
 * hand it, so every call copies (as a password-file lookup would). */
static int srp_server_cb(gnutls_session_t s, const char *username, gnutls_datum_t *salt,
                         gnutls_datum_t *verifier, gnutls_datum_t *g, gnutls_datum_t *n)
{
    char *end;
    long i;

    (void)s;
    if (username[0] != 'u')
        return -1;
    i = strtol(username + 1, &end, 10);
    if (*end != '\0' || i < 0 || i >= db.n_users || strcmp(db.users[i].name, username) != 0)
        return -1;
    if (copy_datum(salt, &db.users[i].salt) || copy_datum(verifier, &db.users[i].verifier) ||
        copy_datum(g, db.generator) || copy_datum(n, db.prime))
        return -1;
    return 0;
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

struct ctx {
    gnutls_srp_server_credentials_t scred;
    gnutls_priority_t prio;
    gnutls_datum_t ticket_key;
    int tickets;
};

/* One handshake as user `uid`, resuming `resume` if given. Adds each side's CPU time to
 * *c_us / *s_us. Returns the client's session data (for resumption) if `want_data`. */
static void handshake(struct ctx *x, int uid, const gnutls_datum_t *resume, double *c_us,
                      double *s_us, int *resumed, gnutls_datum_t *want_data)
{
    struct pipe c2s = {0}, s2c = {0};
    struct ends ce = {&s2c, &c2s, NULL}, se = {&c2s, &s2c, NULL};
    gnutls_session_t c, s;
    gnutls_srp_client_credentials_t ccred;
    double t;
    int cdone = 0, sdone = 0, rounds = 0, r;

    t = cpu_us();
    if ((r = gnutls_init(&c, GNUTLS_CLIENT | GNUTLS_NONBLOCK)) < 0)
        die("gnutls_init (client)", r);
    if ((r = gnutls_srp_allocate_client_credentials(&ccred)) < 0 ||
        (r = gnutls_srp_set_client_credentials(ccred, db.users[uid].name, PASS)) < 0 ||
        (r = gnutls_credentials_set(c, GNUTLS_CRD_SRP, ccred)) < 0 ||
        (r = gnutls_priority_set(c, x->prio)) < 0)
        die("client set-up", r);
    if (resume != NULL && (r = gnutls_session_set_data(c, resume->data, resume->size)) < 0)
        die("gnutls_session_set_data", r);
    ce.session = c;
    gnutls_transport_set_ptr(c, &ce);
    gnutls_transport_set_push_function(c, push);
    gnutls_transport_set_pull_function(c, pull);
    *c_us += cpu_us() - t;

    t = cpu_us();
    if ((r = gnutls_init(&s, GNUTLS_SERVER | GNUTLS_NONBLOCK)) < 0)
        die("gnutls_init (server)", r);
    if ((r = gnutls_credentials_set(s, GNUTLS_CRD_SRP, x->scred)) < 0 ||
        (r = gnutls_priority_set(s, x->prio)) < 0)
        die("server set-up", r);
    if (x->tickets && (r = gnutls_session_ticket_enable_server(s, &x->ticket_key)) < 0)
        die("gnutls_session_ticket_enable_server", r);
    se.session = s;
    gnutls_transport_set_ptr(s, &se);
    gnutls_transport_set_push_function(s, push);
    gnutls_transport_set_pull_function(s, pull);
    *s_us += cpu_us() - t;

    while (!cdone || !sdone) {
        if (++rounds > 50)
            die("handshake does not progress", 0);
        if (!cdone) {
            t = cpu_us();
            r = gnutls_handshake(c);
            *c_us += cpu_us() - t;
            if (r == 0)
                cdone = 1;
            else if (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED)
                die("client handshake", r);
        }
        if (!sdone) {
            t = cpu_us();
            r = gnutls_handshake(s);
            *s_us += cpu_us() - t;
            if (r == 0)
                sdone = 1;
            else if (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED)
                die("server handshake", r);
        }
    }
    *resumed = gnutls_session_is_resumed(c) && gnutls_session_is_resumed(s);
    if (want_data != NULL && (r = gnutls_session_get_data2(c, want_data)) < 0)
        die("gnutls_session_get_data2", r);
    gnutls_deinit(c);
    gnutls_deinit(s);
    gnutls_srp_free_client_credentials(ccred);
    free(c2s.buf);
    free(s2c.buf);
}

static void groups_for(int bits, const gnutls_datum_t **p, const gnutls_datum_t **g)
{
    switch (bits) {
    case 1024: *p = &gnutls_srp_1024_group_prime; *g = &gnutls_srp_1024_group_generator; break;
    case 1536: *p = &gnutls_srp_1536_group_prime; *g = &gnutls_srp_1536_group_generator; break;
    case 2048: *p = &gnutls_srp_2048_group_prime; *g = &gnutls_srp_2048_group_generator; break;
    case 3072: *p = &gnutls_srp_3072_group_prime; *g = &gnutls_srp_3072_group_generator; break;
    case 4096: *p = &gnutls_srp_4096_group_prime; *g = &gnutls_srp_4096_group_generator; break;
    default:
        fprintf(stderr, "gnutls_handshake_bench: no %d-bit group\n", bits);
        exit(2);
    }
}

static void run(int bits, int n, const char *cipher, int full, int resume, int n_users)
{
    struct ctx x;
    double *cv, *sv;
    char prio[256];
    int i, mode, r;

    groups_for(bits, &db.prime, &db.generator);
    db.n_users = n_users;
    db.users = calloc((size_t)n_users, sizeof(*db.users));
    if (db.users == NULL)
        die("out of memory", 0);
    for (i = 0; i < n_users; i++) {
        struct user *u = &db.users[i];
        unsigned char salt[16];
        gnutls_datum_t sd = {salt, sizeof(salt)};

        snprintf(u->name, sizeof(u->name), "u%d", i);
        if ((r = gnutls_rnd(GNUTLS_RND_NONCE, salt, sizeof(salt))) < 0)
            die("gnutls_rnd", r);
        salt[0] |= 1; /* no leading zero byte, as our salts */
        if ((r = gnutls_srp_verifier(u->name, PASS, &sd, db.generator, db.prime,
                                     &u->verifier)) < 0)
            die("gnutls_srp_verifier", r);
        u->salt.data = gnutls_malloc(sizeof(salt));
        memcpy(u->salt.data, salt, sizeof(salt));
        u->salt.size = sizeof(salt);
    }

    if ((r = gnutls_srp_allocate_server_credentials(&x.scred)) < 0)
        die("gnutls_srp_allocate_server_credentials", r);
    gnutls_srp_set_server_credentials_function(x.scred, srp_server_cb);
    snprintf(prio, sizeof(prio),
             "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+SRP:-CIPHER-ALL:+%s:-MAC-ALL:+SHA1",
             strcmp(cipher, "aes256") == 0 ? "AES-256-CBC" : "AES-128-CBC");
    if ((r = gnutls_priority_init(&x.prio, prio, NULL)) < 0)
        die("gnutls_priority_init", r);
    if ((r = gnutls_session_ticket_key_generate(&x.ticket_key)) < 0)
        die("gnutls_session_ticket_key_generate", r);

    cv = calloc((size_t)n, sizeof(double));
    sv = calloc((size_t)n, sizeof(double));
    if (cv == NULL || sv == NULL)
        die("out of memory", 0);

    for (mode = 0; mode < 2; mode++) {
        gnutls_datum_t sess = {NULL, 0};
        const char *name = mode ? "resumed" : "full";

        if ((mode == 0 && !full) || (mode == 1 && !resume))
            continue;
        /* Tickets only when resuming, as the OpenSSL harness's full handshakes are plain. */
        x.tickets = mode == 1;
        if (mode == 1) {
            double dc = 0, ds = 0;
            int resumed;

            handshake(&x, 0, NULL, &dc, &ds, &resumed, &sess);
        }
        /* Warm-up (first-use costs). */
        for (i = 0; i < 3; i++) {
            double dc = 0, ds = 0;
            int resumed;

            handshake(&x, i % n_users, mode ? &sess : NULL, &dc, &ds, &resumed, NULL);
        }
        for (i = 0; i < n; i++) {
            double dc = 0, ds = 0;
            int resumed;

            handshake(&x, mode ? 0 : i % n_users, mode ? &sess : NULL, &dc, &ds, &resumed,
                      NULL);
            if (resumed != (mode == 1))
                die(mode ? "session was not resumed" : "unexpected resumption", 0);
            cv[i] = dc;
            sv[i] = ds;
        }
        gnutls_free(sess.data);
        qsort(cv, (size_t)n, sizeof(double), cmp_double);
        qsort(sv, (size_t)n, sizeof(double), cmp_double);
        printf("{\"impl\":\"gnutls\",\"mode\":\"%s\",\"group\":%d,\"cipher\":\"%s\","
               "\"users\":%d,\"client_cpu_us\":%.1f,\"server_cpu_us\":%.1f,"
               "\"client_p10_us\":%.1f,\"client_p90_us\":%.1f,"
               "\"server_p10_us\":%.1f,\"server_p90_us\":%.1f,\"handshakes\":%d}\n",
               name, bits, cipher, mode ? 1 : n_users, pct(cv, n, 50), pct(sv, n, 50),
               pct(cv, n, 10), pct(cv, n, 90), pct(sv, n, 10), pct(sv, n, 90), n);
        fflush(stdout);
    }
    free(cv);
    free(sv);
    gnutls_free(x.ticket_key.data);
    gnutls_priority_deinit(x.prio);
    gnutls_srp_free_server_credentials(x.scred);
    for (i = 0; i < n_users; i++) {
        gnutls_free(db.users[i].salt.data);
        gnutls_free(db.users[i].verifier.data);
    }
    free(db.users);
}

int main(int argc, char **argv)
{
    const char *groups = "2048,3072", *cipher = "aes128";
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
            fprintf(stderr, "usage: gnutls_handshake_bench [--groups 1024,2048,3072,4096] [-n N]"
                            " [--cipher aes128|aes256] [--resume] [--no-full] [--users U]\n");
            return 2;
        }
    }
    if (n < 1)
        n = 1;
    if (users < 1)
        users = 1;
    if (strcmp(cipher, "aes128") != 0 && strcmp(cipher, "aes256") != 0) {
        fprintf(stderr, "gnutls_handshake_bench: --cipher aes128 or aes256\n");
        return 2;
    }
    if ((i = gnutls_global_init()) < 0)
        die("gnutls_global_init", i);
    snprintf(buf, sizeof(buf), "%s", groups);
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        run(atoi(tok), n, cipher, full, resume, users);
    gnutls_global_deinit();
    return 0;
}
