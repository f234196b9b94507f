/*
 * Shared helpers for the OpenSSL interop peers (ossl_srp_server.c, ossl_srp_client.c):
 * watching the handshake through the message callback (alerts sent and received, the
 * extensions of the ServerHello), socket timeouts, and line reading over SSL.
 *
 * OpenSSL 3.0 has no public getter for "encrypt_then_mac was negotiated", so we read it
 * where it is decided: the ServerHello (written by our server, read by our client) carries
 * extension 22 exactly when EtM is in use. extended_master_secret (23) is read the same
 * way and checked against SSL_get_extms_support().
 *
 * In the SRP-RSA suites the ServerKeyExchange carries a signature after the SRP params
 * (RFC 5054 2.8: N, g, s, B, then RFC 5246 digitally-signed): the watch records the
 * SignatureAndHashAlgorithm of that signature as it crossed the wire, and the peers print
 * it (`SIGALG 0x0804`) with the name OpenSSL would use.
 */
#ifndef PEER_COMMON_H
#define PEER_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

/* What the message callback saw on one connection. */
struct conn_watch {
    int alert_sent;      /* last fatal-or-non-close alert we sent, -1 if none */
    int alert_received;  /* last fatal-or-non-close alert we received, -1 if none */
    int close_notify_received;
    int sh_seen;         /* a ServerHello was parsed */
    int sh_etm;          /* it had encrypt_then_mac (22) */
    int sh_ems;          /* it had extended_master_secret (23) */
    int skx_sigalg;      /* SignatureAndHashAlgorithm of a signed SRP ServerKeyExchange, -1 */
};

static int conn_watch_idx = -1;

/* RFC names of the alerts a TLS 1.2 peer may send. */
static const char *alert_name(int desc)
{
    switch (desc) {
    case -1: return "none";
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 21: return "decryption_failed";
    case 22: return "record_overflow";
    case 30: return "decompression_failure";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 115: return "unknown_psk_identity";
    case 120: return "no_application_protocol";
    default: return "unknown_alert";
    }
}

/* Looks for extensions 22 and 23 in a ServerHello handshake message (with its header). */
static void parse_server_hello(struct conn_watch *w, const unsigned char *p, size_t len)
{
    size_t off = 4 + 2 + 32; /* header, version, random */
    size_t end, ext_end;

    if (len < off + 1)
        return;
    off += 1 + p[off]; /* session id */
    off += 2 + 1;      /* cipher suite, compression */
    w->sh_seen = 1;
    if (len < off + 2)
        return; /* no extensions */
    ext_end = off + 2 + (((size_t)p[off] << 8) | p[off + 1]);
    off += 2;
    end = ext_end < len ? ext_end : len;
    while (off + 4 <= end) {
        unsigned type = ((unsigned)p[off] << 8) | p[off + 1];
        size_t elen = ((size_t)p[off + 2] << 8) | p[off + 3];

        if (type == 22)
            w->sh_etm = 1;
        if (type == 23)
            w->sh_ems = 1;
        off += 4 + elen;
    }
}

/*
 * A ServerKeyExchange (with its header): skips srp_N<2>, srp_g<2>, srp_s<1>, srp_B<2>;
 * what follows, if anything, is the signature's scheme (2 bytes) and the signature.
 */
static void parse_server_key_exchange(struct conn_watch *w, const unsigned char *p, size_t len)
{
    size_t off = 4;
    int i;

    for (i = 0; i < 4; i++) {
        size_t l;

        if (i == 2) {
            if (off + 1 > len)
                return;
            l = p[off];
            off += 1;
        } else {
            if (off + 2 > len)
                return;
            l = ((size_t)p[off] << 8) | p[off + 1];
            off += 2;
        }
        off += l;
    }
    if (off + 2 <= len)
        w->skx_sigalg = (p[off] << 8) | p[off + 1];
}

/* The TLS 1.2 name of an RSA SignatureAndHashAlgorithm (RFC 5246, RFC 8446 4.2.3). */
static const char *sigalg_name(int s)
{
    switch (s) {
    case 0x0201: return "rsa_pkcs1_sha1";
    case 0x0401: return "rsa_pkcs1_sha256";
    case 0x0501: return "rsa_pkcs1_sha384";
    case 0x0601: return "rsa_pkcs1_sha512";
    case 0x0804: return "rsa_pss_rsae_sha256";
    case 0x0805: return "rsa_pss_rsae_sha384";
    case 0x0806: return "rsa_pss_rsae_sha512";
    default: return "other";
    }
}

/* "SIGALG 0x0804 rsa_pss_rsae_sha256" when the ServerKeyExchange was signed. */
static void print_sigalg(const struct conn_watch *w)
{
    if (w->skx_sigalg >= 0) {
        printf("SIGALG 0x%04x %s\n", w->skx_sigalg, sigalg_name(w->skx_sigalg));
        fflush(stdout);
    }
}

static void watch_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                     SSL *ssl, void *arg)
{
    struct conn_watch *w = SSL_get_ex_data(ssl, conn_watch_idx);
    const unsigned char *p = buf;

    (void)version;
    (void)arg;
    if (w == NULL)
        return;
    if (content_type == SSL3_RT_ALERT && len == 2) {
        if (p[1] == 0) {
            if (!write_p)
                w->close_notify_received = 1;
        } else if (write_p) {
            w->alert_sent = p[1];
        } else {
            w->alert_received = p[1];
        }
    } else if (content_type == SSL3_RT_HANDSHAKE && len >= 4 && p[0] == 2) {
        parse_server_hello(w, p, len);
    } else if (content_type == SSL3_RT_HANDSHAKE && len >= 4 && p[0] == 12) {
        parse_server_key_exchange(w, p, len);
    }
}

static void watch_init(void)
{
    if (conn_watch_idx < 0)
        conn_watch_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static void watch_attach(SSL *ssl, struct conn_watch *w)
{
    memset(w, 0, sizeof(*w));
    w->alert_sent = -1;
    w->alert_received = -1;
    w->skx_sigalg = -1;
    SSL_set_ex_data(ssl, conn_watch_idx, w);
    SSL_set_msg_callback(ssl, watch_cb);
}

/* The first queued OpenSSL error as a string without spaces, for CONN fail lines. */
static const char *ossl_reason(char *buf, size_t n, const char *fallback)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    size_t i;

    snprintf(buf, n, "%s", r ? r : fallback);
    for (i = 0; buf[i]; i++)
        if (buf[i] == ' ')
            buf[i] = '_';
    ERR_clear_error();
    return buf;
}

static void set_socket_timeouts(int fd, int seconds)
{
    struct timeval tv;

    tv.tv_sec = seconds;
    tv.tv_usec = 0;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Reads one line (without its '\n') into buf. Returns its length, or -1. */
static int ssl_read_line(SSL *ssl, char *buf, int cap)
{
    int n = 0;

    while (n < cap - 1) {
        int r = SSL_read(ssl, buf + n, 1);

        if (r <= 0)
            return -1;
        if (buf[n] == '\n') {
            buf[n] = '\0';
            if (n > 0 && buf[n - 1] == '\r')
                buf[--n] = '\0';
            return n;
        }
        n++;
    }
    return -1;
}

static int ssl_write_all(SSL *ssl, const char *buf, int len)
{
    int off = 0;

    while (off < len) {
        int r = SSL_write(ssl, buf + off, len - off);

        if (r <= 0)
            return -1;
        off += r;
    }
    return 0;
}

/* Sends close_notify, then waits (bounded by the socket timeout) for the peer's. */
static int ssl_close(SSL *ssl)
{
    int r = SSL_shutdown(ssl);

    if (r == 0)
        r = SSL_shutdown(ssl);
    ERR_clear_error();
    return r == 1;
}

/*
 * Keying material exports requested with --export LABEL,LEN[,CONTEXT] (repeatable). A
 * third field, even empty, means "with context" (RFC 5705 use_context = 1); without it no
 * context is used.
 */
#define MAX_EXPORTS 8
struct export_req {
    const char *label;
    size_t len;
    int use_context;
    const char *context;
};
static struct export_req exports[MAX_EXPORTS];
static int n_exports;
static int print_finished; /* --finished: print both Finished verify_data (tls-unique) */

/* Parses one --export argument (kept by pointer: argv outlives the program's work). */
static int add_export(char *spec)
{
    char *c1 = strchr(spec, ','), *c2, *end;
    unsigned long len;

    if (c1 == NULL || n_exports >= MAX_EXPORTS)
        return -1;
    *c1 = '\0';
    c2 = strchr(c1 + 1, ',');
    if (c2 != NULL)
        *c2 = '\0';
    len = strtoul(c1 + 1, &end, 10);
    if (*end != '\0' || len == 0 || len > 1024)
        return -1;
    exports[n_exports].label = spec;
    exports[n_exports].len = len;
    exports[n_exports].use_context = c2 != NULL;
    exports[n_exports].context = c2 != NULL ? c2 + 1 : "";
    n_exports++;
    return 0;
}

static void print_hex(const unsigned char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        printf("%02x", p[i]);
}

/*
 * After a handshake: one "EXPORT label=L len=N ctx=<hex|-> out=<hex>" line per --export
 * (SSL_export_keying_material), and with --finished one "FINISHED client=<hex>
 * server=<hex>" line (SSL_get_finished / SSL_get_peer_finished: this side's and the peer's
 * latest Finished; in a full handshake the client's is RFC 5929 tls-unique).
 */
static void print_exports(SSL *ssl, int is_server)
{
    unsigned char out[1024], own[64], peer[64];
    size_t on, pn;
    int i;

    for (i = 0; i < n_exports; i++) {
        const struct export_req *e = &exports[i];
        size_t cl = strlen(e->context);

        printf("EXPORT label=%s len=%zu ctx=", e->label, e->len);
        if (e->use_context)
            print_hex((const unsigned char *)e->context, cl);
        else
            printf("-");
        printf(" out=");
        if (SSL_export_keying_material(ssl, out, e->len, e->label, strlen(e->label),
                                       (const unsigned char *)e->context, cl,
                                       e->use_context) == 1)
            print_hex(out, e->len);
        else
            printf("error");
        printf("\n");
    }
    if (print_finished) {
        on = SSL_get_finished(ssl, own, sizeof(own));
        pn = SSL_get_peer_finished(ssl, peer, sizeof(peer));
        if (on > sizeof(own))
            on = 0;
        if (pn > sizeof(peer))
            pn = 0;
        printf("FINISHED client=");
        print_hex(is_server ? peer : own, is_server ? pn : on);
        printf(" server=");
        print_hex(is_server ? own : peer, is_server ? on : pn);
        printf(" reused=%d\n", SSL_session_reused(ssl));
    }
    fflush(stdout);
}

#endif
