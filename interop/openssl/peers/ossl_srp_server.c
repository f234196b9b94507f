/*
 * ossl_srp_server: a TLS-SRP server on OpenSSL's libssl, for interop tests.
 *
 *   ossl_srp_server (--users FILE | --vfile FILE) [--port N] [--group BITS]
 *                   [--cipher NAME] [--no-ems] [--no-etm] [--no-tickets]
 *                   [--fake-seed SEED] [--max-conns N] [--timeout SECS]
 *                   [--export LABEL,LEN[,CONTEXT]]... [--finished] [--alpn PROTO] [--info]
 *                   [--cert CHAIN.pem --key KEY.pem]
 *
 * Listens on 127.0.0.1 (port 0: the kernel picks one) and prints "PORT <n>" first.
 * Users come from a file of "user<TAB>password" lines, whose verifiers we compute here
 * with SRP_create_verifier_BN (random salt, the RFC 5054 group of --group bits, default
 * 2048), or from an OpenSSL srpvfile (`openssl srp -srpvfile F -add ...`) with --vfile.
 *
 * TLS 1.2 only. Connections are served one at a time. For each: handshake; read one line;
 * answer "OK <user> <cipher> ems=<0|1> etm=<0|1> <the line>\n"; send close_notify and wait
 * (bounded) for the peer's; close. One stdout line per connection:
 *   CONN ok user=<u> cipher=<c> ems=<0|1> etm=<0|1> close_notify=<0|1>
 *   CONN fail user=<u|-> stage=<handshake|read|write> alert_sent=<name> alert_received=<name> reason=<openssl reason>
 * After --max-conns connections it exits 0.
 *
 * Before a connection's CONN ok line: with --export, "EXPORT ..." lines, with --finished a
 * "FINISHED client=<hex> server=<hex> reused=<0|1>" line (see peer_common.h); with --info
 * or --alpn, "INFO sni=<name|-> alpn=<proto|->" (the SNI the client sent, the protocol
 * selected). --alpn PROTO: select PROTO if the client offers it, else no ALPN (no alert).
 *
 * --cert/--key: a certificate chain (end-entity first) and its key, which turns on the
 * SRP-RSA suites (RFC 5054 2.7) of --cipher (the default "SRP" has them; without a
 * certificate libssl skips them). When a ServerKeyExchange is signed, a
 * "SIGALG 0x<scheme> <name>" line (the scheme on the wire) comes before the CONN line.
 *
 * Unknown users: like `openssl s_server`, the username callback returns SSL3_AL_FATAL and
 * libssl sends unknown_psk_identity; with --fake-seed SEED, SRP_VBASE_get1_by_user makes up
 * a simulated user instead (RFC 5054 2.5.1.3), and the handshake fails at the Finished.
 *
 * SRP is deprecated in OpenSSL 3 with no replacement: build with
 *   gcc -O2 -Wall -Wno-deprecated-declarations -o ossl_srp_server ossl_srp_server.c -lssl -lcrypto
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/srp.h>

#include "peer_common.h"

static void usage(void)
{
    fprintf(stderr,
            "usage: ossl_srp_server (--users FILE | --vfile FILE) [--port N] [--group BITS]\n"
            "       [--cipher NAME] [--no-ems] [--no-etm] [--no-tickets] [--fake-seed SEED]\n"
            "       [--max-conns N] [--timeout SECS] [--export LABEL,LEN[,CONTEXT]]...\n"
            "       [--finished] [--alpn PROTO] [--info] [--cert CHAIN.pem --key KEY.pem]\n");
    exit(2);
}

static void die(const char *what)
{
    fprintf(stderr, "ossl_srp_server: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

/* Adds the users of a "user<TAB>password" file to vb, with verifiers made here. */
static int load_users(SRP_VBASE *vb, const char *path, const SRP_gN *gn)
{
    FILE *f = fopen(path, "r");
    char line[2048];
    int n = 0;

    if (f == NULL) {
        perror(path);
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char *tab, *end;
        BIGNUM *s = NULL, *v = NULL;
        SRP_user_pwd *u;

        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        tab = strchr(line, '\t');
        if (tab == NULL) {
            fprintf(stderr, "ossl_srp_server: %s: line without a TAB\n", path);
            fclose(f);
            return -1;
        }
        *tab = '\0';
        end = tab + 1;
        /* Salt NULL on input: OpenSSL draws a random one (SRP_RANDOM_SALT_LEN bytes). */
        if (!SRP_create_verifier_BN(line, end, &s, &v, gn->N, gn->g))
            die("SRP_create_verifier_BN failed");
        u = SRP_user_pwd_new();
        if (u == NULL || !SRP_user_pwd_set1_ids(u, line, NULL))
            die("SRP_user_pwd_new failed");
        SRP_user_pwd_set_gN(u, gn->g, gn->N);
        if (!SRP_user_pwd_set0_sv(u, s, v) || !SRP_VBASE_add0_user(vb, u))
            die("SRP_VBASE_add0_user failed");
        n++;
    }
    fclose(f);
    return n;
}

/*
 * libssl calls this after the ClientHello with *ad preset to unknown_psk_identity.
 * SSL_ERROR_NONE: go on; SSL3_AL_FATAL: abort with alert *ad.
 */
static int srp_user_cb(SSL *ssl, int *ad, void *arg)
{
    SRP_VBASE *vb = arg;
    char *login = SSL_get_srp_username(ssl);
    SRP_user_pwd *u;
    int ret = SSL3_AL_FATAL;

    if (login == NULL)
        return SSL3_AL_FATAL;
    u = SRP_VBASE_get1_by_user(vb, login);
    if (u == NULL)
        return SSL3_AL_FATAL; /* unknown user, no simulation: unknown_psk_identity */
    if (SSL_set_srp_server_param(ssl, u->N, u->g, u->s, u->v, u->info) < 0)
        *ad = SSL_AD_INTERNAL_ERROR;
    else
        ret = SSL_ERROR_NONE;
    SRP_user_pwd_free(u);
    return ret;
}

static const char *alpn_proto;
static int show_info;

/* Selects --alpn's protocol when the client offers it; otherwise no ALPN, no alert. */
static int alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                   const unsigned char *in, unsigned int inlen, void *arg)
{
    size_t want = strlen(alpn_proto);
    unsigned int off = 0;

    (void)ssl;
    (void)arg;
    while (off < inlen) {
        unsigned int l = in[off];

        if (off + 1 + l > inlen)
            break;
        if (l == want && memcmp(in + off + 1, alpn_proto, want) == 0) {
            *out = in + off + 1;
            *outlen = (unsigned char)l;
            return SSL_TLSEXT_ERR_OK;
        }
        off += 1 + l;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

static void serve_one(SSL_CTX *ctx, int fd)
{
    struct conn_watch w;
    SSL *ssl = SSL_new(ctx);
    char line[4096], reply[4300], why[256];
    const char *stage = "handshake";
    const char *user;
    int r;

    if (ssl == NULL)
        die("SSL_new failed");
    watch_attach(ssl, &w);
    SSL_set_fd(ssl, fd);
    r = SSL_accept(ssl);
    if (r == 1) {
        const char *cipher = SSL_get_cipher_name(ssl);
        int ems = SSL_get_extms_support(ssl) == 1;
        int etm = w.sh_etm;

        user = SSL_get_srp_username(ssl);
        print_exports(ssl, 1);
        if (show_info) {
            const unsigned char *ap = NULL;
            unsigned int al = 0;
            const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

            SSL_get0_alpn_selected(ssl, &ap, &al);
            printf("INFO sni=%s alpn=%.*s\n", sni ? sni : "-", al ? (int)al : 1,
                   al ? (const char *)ap : "-");
            fflush(stdout);
        }
        if (ems != w.sh_ems)
            fprintf(stderr, "ossl_srp_server: EMS disagreement (extms=%d hello=%d)\n", ems,
                    w.sh_ems);
        print_sigalg(&w);
        stage = "read";
        if (ssl_read_line(ssl, line, sizeof(line)) >= 0) {
            int n = snprintf(reply, sizeof(reply), "OK %s %s ems=%d etm=%d %s\n", user, cipher,
                             ems, etm, line);

            stage = "write";
            if (n > 0 && n < (int)sizeof(reply) && ssl_write_all(ssl, reply, n) == 0) {
                int cn = ssl_close(ssl);

                printf("CONN ok user=%s cipher=%s ems=%d etm=%d close_notify=%d\n", user,
                       cipher, ems, etm, cn || w.close_notify_received);
                fflush(stdout);
                SSL_free(ssl);
                return;
            }
        }
    }
    user = SSL_get_srp_username(ssl);
    printf("CONN fail user=%s stage=%s alert_sent=%s alert_received=%s reason=%s\n",
           user ? user : "-", stage, alert_name(w.alert_sent), alert_name(w.alert_received),
           ossl_reason(why, sizeof(why), "connection_closed"));
    fflush(stdout);
    SSL_free(ssl);
}

int main(int argc, char **argv)
{
    const char *users = NULL, *vfile = NULL, *cipher = "SRP", *group = "2048";
    const char *cert = NULL, *key = NULL;
    char *seed = NULL;
    int port = 0, max_conns = -1, no_ems = 0, no_etm = 0, no_tickets = 0, timeout = 10;
    int i, lfd, one = 1, served = 0;
    struct sockaddr_in sa;
    socklen_t salen = sizeof(sa);
    SRP_VBASE *vb;
    SSL_CTX *ctx;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp(a, "--users") && v) users = argv[++i];
        else if (!strcmp(a, "--vfile") && v) vfile = argv[++i];
        else if (!strcmp(a, "--port") && v) port = atoi(argv[++i]);
        else if (!strcmp(a, "--group") && v) group = argv[++i];
        else if (!strcmp(a, "--cipher") && v) cipher = argv[++i];
        else if (!strcmp(a, "--fake-seed") && v) seed = argv[++i];
        else if (!strcmp(a, "--max-conns") && v) max_conns = atoi(argv[++i]);
        else if (!strcmp(a, "--timeout") && v) timeout = atoi(argv[++i]);
        else if (!strcmp(a, "--no-ems")) no_ems = 1;
        else if (!strcmp(a, "--no-etm")) no_etm = 1;
        else if (!strcmp(a, "--no-tickets")) no_tickets = 1;
        else if (!strcmp(a, "--export") && v) {
            if (add_export(argv[++i]) < 0)
                usage();
        } else if (!strcmp(a, "--finished")) print_finished = 1;
        else if (!strcmp(a, "--alpn") && v) alpn_proto = argv[++i], show_info = 1;
        else if (!strcmp(a, "--info")) show_info = 1;
        else if (!strcmp(a, "--cert") && v) cert = argv[++i];
        else if (!strcmp(a, "--key") && v) key = argv[++i];
        else usage();
    }
    if ((users == NULL) == (vfile == NULL) || (cert == NULL) != (key == NULL))
        usage();
    signal(SIGPIPE, SIG_IGN);
    watch_init();

    vb = SRP_VBASE_new(seed);
    if (vb == NULL)
        die("SRP_VBASE_new failed");
    if (vfile != NULL) {
        int err = SRP_VBASE_init(vb, (char *)vfile);

        if (err != SRP_NO_ERROR) {
            fprintf(stderr, "ossl_srp_server: cannot load %s (SRP error %d)\n", vfile, err);
            return 1;
        }
    } else {
        const SRP_gN *gn = SRP_get_default_gN(group);

        if (gn == NULL || strcmp(gn->id, group) != 0) {
            fprintf(stderr, "ossl_srp_server: no RFC 5054 group of %s bits\n", group);
            return 2;
        }
        /* The group of simulated users (SRP_VBASE_init sets it from the file otherwise). */
        vb->default_g = gn->g;
        vb->default_N = gn->N;
        if (load_users(vb, users, gn) < 0)
            return 1;
    }

    ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL)
        die("SSL_CTX_new failed");
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)
        || !SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION))
        die("cannot limit to TLS 1.2");
    if (!SSL_CTX_set_cipher_list(ctx, cipher))
        die("unknown cipher");
    if (cert != NULL
        && (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1
            || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1
            || SSL_CTX_check_private_key(ctx) != 1))
        die("cannot load --cert/--key");
    if (no_ems)
        SSL_CTX_set_options(ctx, SSL_OP_NO_EXTENDED_MASTER_SECRET);
    if (no_etm)
        SSL_CTX_set_options(ctx, SSL_OP_NO_ENCRYPT_THEN_MAC);
    if (no_tickets)
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    if (alpn_proto != NULL)
        SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, NULL);
    SSL_CTX_set_srp_username_callback(ctx, srp_user_cb);
    SSL_CTX_set_srp_cb_arg(ctx, vb);

    lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0)
        die("socket failed");
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 64) < 0)
        die("bind/listen on 127.0.0.1 failed");
    if (getsockname(lfd, (struct sockaddr *)&sa, &salen) < 0)
        die("getsockname failed");
    printf("PORT %d\n", ntohs(sa.sin_port));
    fflush(stdout);

    while (max_conns < 0 || served < max_conns) {
        int fd = accept(lfd, NULL, NULL);

        if (fd < 0) {
            if (errno == EINTR)
                continue;
            die("accept failed");
        }
        set_socket_timeouts(fd, timeout);
        serve_one(ctx, fd);
        close(fd);
        served++;
    }
    close(lfd);
    SSL_CTX_free(ctx);
    SRP_VBASE_free(vb);
    return 0;
}
