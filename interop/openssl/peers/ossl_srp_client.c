/*
 * ossl_srp_client: a TLS-SRP client on OpenSSL's libssl, for interop tests.
 *
 *   ossl_srp_client --connect 127.0.0.1:PORT (--users FILE | --user U --password P [--count N])
 *                   [--cipher NAME] [--no-ems] [--no-etm] [--strength BITS]
 *                   [--timeout SECS] [--expect-fail] [--sni NAME] [--alpn P1,P2,...]
 *                   [--export LABEL,LEN[,CONTEXT]]... [--finished]
 *                   [--cafile CA.pem [--verify-host NAME]]
 *
 * --users FILE: one connection per "user<TAB>password" line, in order. Otherwise --count
 * connections (default 1) as U. TLS 1.2 only, SRP suites only (--cipher, default "SRP").
 *
 * Per connection: handshake; send "hello <user>\n"; read the reply line and check it is
 * "OK <user> <cipher> ems=<e> etm=<t> hello <user>" with the values this side negotiated
 * (the reply format of ossl_srp_server and of the Rust test servers); close_notify.
 * One stdout line per connection:
 *   CONN ok user=<u> cipher=<c> ems=<0|1> etm=<0|1>
 *   CONN fail user=<u> stage=<handshake|write|read|check> alert_sent=<name> alert_received=<name> reason=<...>
 * Before a connection's CONN ok line: "EXPORT ..." lines (--export), a "FINISHED ..." line
 * (--finished; see peer_common.h) and, with --sni or --alpn, "INFO alpn=<proto|->".
 * Then "DONE ok=<n> fail=<m>". Exit status 0 when every connection succeeded, or with
 * --expect-fail when every connection failed in the handshake; 1 otherwise.
 *
 * --cafile: the SRP-RSA suites' server certificate must chain to a root in CA.pem
 * (SSL_VERIFY_PEER; a failure aborts the handshake with libssl's alert for it), and with
 * --verify-host name NAME (SSL_set1_host: DNS name or IP address). Without --cafile
 * nothing is checked (SSL_VERIFY_NONE, as before). When a ServerKeyExchange is signed, a
 * "SIGALG 0x<scheme> <name>" line (the scheme on the wire) comes before the CONN line, and
 * a failed certificate check adds "VERIFY <code> <X509_verify_cert_error_string>".
 *
 * Build: gcc -O2 -Wall -Wno-deprecated-declarations -o ossl_srp_client ossl_srp_client.c -lssl -lcrypto
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <unistd.h>

#include "peer_common.h"

static void usage(void)
{
    fprintf(stderr,
            "usage: ossl_srp_client --connect 127.0.0.1:PORT (--users FILE | --user U --password P\n"
            "       [--count N]) [--cipher NAME] [--no-ems] [--no-etm] [--strength BITS]\n"
            "       [--timeout SECS] [--expect-fail] [--sni NAME] [--alpn P1,P2,...]\n"
            "       [--export LABEL,LEN[,CONTEXT]]... [--finished]\n"
            "       [--cafile CA.pem [--verify-host NAME]]\n");
    exit(2);
}

static void die(const char *what)
{
    fprintf(stderr, "ossl_srp_client: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(2);
}

static struct sockaddr_in target;
static const char *sni_name;
static const char *verify_host;
static int show_info;
static int timeout_secs = 10;

/* Returns 1 on success, 0 on failure (a CONN line is printed either way). */
static int run_one(SSL_CTX *ctx, const char *user, const char *pass, int *handshake_failed)
{
    struct conn_watch w;
    SSL *ssl;
    char msg[1200], expect[1400], line[4096], why[256];
    const char *stage = "connect";
    int fd, ok = 0;

    *handshake_failed = 0;
    /* libssl copies the SRP login and password from the SSL_CTX in SSL_new. */
    if (!SSL_CTX_set_srp_username(ctx, (char *)user) || !SSL_CTX_set_srp_password(ctx, (char *)pass))
        die("cannot set SRP credentials");
    ssl = SSL_new(ctx);
    if (ssl == NULL)
        die("SSL_new failed");
    watch_attach(ssl, &w);

    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        die("socket failed");
    set_socket_timeouts(fd, timeout_secs);
    if (connect(fd, (struct sockaddr *)&target, sizeof(target)) < 0) {
        printf("CONN fail user=%s stage=connect alert_sent=none alert_received=none reason=%s\n",
               user, strerror(errno));
        fflush(stdout);
        close(fd);
        SSL_free(ssl);
        return 0;
    }
    SSL_set_fd(ssl, fd);
    if (sni_name != NULL && !SSL_set_tlsext_host_name(ssl, sni_name))
        die("cannot set SNI");
    if (verify_host != NULL && !SSL_set1_host(ssl, verify_host))
        die("cannot set the host name to verify");
    stage = "handshake";
    if (SSL_connect(ssl) == 1) {
        const char *cipher = SSL_get_cipher_name(ssl);
        int ems = SSL_get_extms_support(ssl) == 1;
        int etm = w.sh_etm;
        int n = snprintf(msg, sizeof(msg), "hello %s\n", user);

        print_exports(ssl, 0);
        print_sigalg(&w);
        if (show_info) {
            const unsigned char *ap = NULL;
            unsigned int al = 0;

            SSL_get0_alpn_selected(ssl, &ap, &al);
            printf("INFO alpn=%.*s\n", al ? (int)al : 1, al ? (const char *)ap : "-");
        }
        if (ems != w.sh_ems)
            fprintf(stderr, "ossl_srp_client: EMS disagreement (extms=%d hello=%d)\n", ems,
                    w.sh_ems);
        snprintf(expect, sizeof(expect), "OK %s %s ems=%d etm=%d hello %s", user, cipher, ems,
                 etm, user);
        stage = "write";
        if (n > 0 && n < (int)sizeof(msg) && ssl_write_all(ssl, msg, n) == 0) {
            stage = "read";
            if (ssl_read_line(ssl, line, sizeof(line)) >= 0) {
                stage = "check";
                if (strcmp(line, expect) == 0) {
                    ok = 1;
                    ssl_close(ssl);
                    printf("CONN ok user=%s cipher=%s ems=%d etm=%d\n", user, cipher, ems, etm);
                } else {
                    fprintf(stderr, "ossl_srp_client: got \"%s\", expected \"%s\"\n", line,
                            expect);
                }
            }
        }
    } else {
        long vr = SSL_get_verify_result(ssl);

        *handshake_failed = 1;
        print_sigalg(&w);
        if (vr != X509_V_OK)
            printf("VERIFY %ld %s\n", vr, X509_verify_cert_error_string(vr));
    }
    if (!ok)
        printf("CONN fail user=%s stage=%s alert_sent=%s alert_received=%s reason=%s\n", user,
               stage, alert_name(w.alert_sent), alert_name(w.alert_received),
               ossl_reason(why, sizeof(why), strcmp(stage, "check") ? "connection_closed"
                                                                    : "reply_mismatch"));
    fflush(stdout);
    SSL_free(ssl);
    close(fd);
    return ok;
}

int main(int argc, char **argv)
{
    const char *alpn = NULL, *cafile = NULL;
    const char *connect_to = NULL, *users = NULL, *user = NULL, *pass = NULL, *cipher = "SRP";
    int count = 1, no_ems = 0, no_etm = 0, expect_fail = 0, strength = 0;
    int i, ok = 0, fail = 0, hs_fail = 0, hf;
    char host[64];
    const char *colon;
    SSL_CTX *ctx;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp(a, "--connect") && v) connect_to = argv[++i];
        else if (!strcmp(a, "--users") && v) users = argv[++i];
        else if (!strcmp(a, "--user") && v) user = argv[++i];
        else if (!strcmp(a, "--password") && v) pass = argv[++i];
        else if (!strcmp(a, "--count") && v) count = atoi(argv[++i]);
        else if (!strcmp(a, "--cipher") && v) cipher = argv[++i];
        else if (!strcmp(a, "--strength") && v) strength = atoi(argv[++i]);
        else if (!strcmp(a, "--timeout") && v) timeout_secs = atoi(argv[++i]);
        else if (!strcmp(a, "--no-ems")) no_ems = 1;
        else if (!strcmp(a, "--no-etm")) no_etm = 1;
        else if (!strcmp(a, "--expect-fail")) expect_fail = 1;
        else if (!strcmp(a, "--sni") && v) sni_name = argv[++i], show_info = 1;
        else if (!strcmp(a, "--alpn") && v) alpn = argv[++i], show_info = 1;
        else if (!strcmp(a, "--export") && v) {
            if (add_export(argv[++i]) < 0)
                usage();
        } else if (!strcmp(a, "--finished")) print_finished = 1;
        else if (!strcmp(a, "--cafile") && v) cafile = argv[++i];
        else if (!strcmp(a, "--verify-host") && v) verify_host = argv[++i];
        else usage();
    }
    if (connect_to == NULL || (users == NULL) == (user == NULL) || (user != NULL && pass == NULL)
        || (verify_host != NULL && cafile == NULL))
        usage();
    colon = strrchr(connect_to, ':');
    if (colon == NULL || (size_t)(colon - connect_to) >= sizeof(host))
        usage();
    memcpy(host, connect_to, (size_t)(colon - connect_to));
    host[colon - connect_to] = '\0';
    memset(&target, 0, sizeof(target));
    target.sin_family = AF_INET;
    target.sin_port = htons((unsigned short)atoi(colon + 1));
    if (inet_pton(AF_INET, host, &target.sin_addr) != 1)
        usage();
    signal(SIGPIPE, SIG_IGN);
    watch_init();

    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL)
        die("SSL_CTX_new failed");
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)
        || !SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION))
        die("cannot limit to TLS 1.2");
    if (!SSL_CTX_set_cipher_list(ctx, cipher))
        die("unknown cipher");
    if (no_ems)
        SSL_CTX_set_options(ctx, SSL_OP_NO_EXTENDED_MASTER_SECRET);
    if (no_etm)
        SSL_CTX_set_options(ctx, SSL_OP_NO_ENCRYPT_THEN_MAC);
    if (alpn != NULL) {
        /* "a,b" -> length-prefixed wire format */
        unsigned char wire[256];
        size_t wl = 0, pl;
        const char *p = alpn;

        while (*p) {
            pl = strcspn(p, ",");
            if (pl == 0 || pl > 255 || wl + 1 + pl > sizeof(wire))
                usage();
            wire[wl++] = (unsigned char)pl;
            memcpy(wire + wl, p, pl);
            wl += pl;
            p += pl;
            if (*p == ',')
                p++;
        }
        if (SSL_CTX_set_alpn_protos(ctx, wire, (unsigned int)wl) != 0)
            die("cannot set ALPN");
    }
    if (cafile != NULL) {
        if (SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1)
            die("cannot load --cafile");
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    if (strength > 0 && !SSL_CTX_set_srp_strength(ctx, strength))
        die("cannot set SRP strength");

    if (users != NULL) {
        FILE *f = fopen(users, "r");
        char line[2048];

        if (f == NULL) {
            perror(users);
            return 2;
        }
        while (fgets(line, sizeof(line), f) != NULL) {
            char *tab;

            line[strcspn(line, "\r\n")] = '\0';
            if (line[0] == '\0' || line[0] == '#')
                continue;
            tab = strchr(line, '\t');
            if (tab == NULL) {
                fprintf(stderr, "ossl_srp_client: %s: line without a TAB\n", users);
                return 2;
            }
            *tab = '\0';
            if (run_one(ctx, line, tab + 1, &hf))
                ok++;
            else
                fail++;
            hs_fail += hf;
        }
        fclose(f);
    } else {
        for (i = 0; i < count; i++) {
            if (run_one(ctx, user, pass, &hf))
                ok++;
            else
                fail++;
            hs_fail += hf;
        }
    }
    printf("DONE ok=%d fail=%d\n", ok, fail);
    fflush(stdout);
    SSL_CTX_free(ctx);
    if (expect_fail)
        return (ok == 0 && hs_fail == fail && fail > 0) ? 0 : 1;
    return (fail == 0 && ok > 0) ? 0 : 1;
}
