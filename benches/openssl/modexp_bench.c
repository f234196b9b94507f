/*
 * The SRP modular arithmetic of benches/modexp.rs, done with OpenSSL's libcrypto, for a
 * same-session comparison (see run_modexp_compare.sh). Prints one line per operation:
 *   <bits>/<name> <microseconds per operation>
 * Secret exponents use BN_mod_exp_mont_consttime; the public v^u uses BN_mod_exp_mont.
 * The srp_* lines time OpenSSL's own SRP_Calc_* functions, which is what libssl runs in a
 * handshake (whatever exponentiation they choose internally).
 *
 * Build: cc -O2 -o modexp_bench modexp_bench.c -lcrypto
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/bn.h>
#include <openssl/rand.h>
#include <openssl/srp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Runs `op` in batches for about `budget_us`; reports the best batch mean (least noise). */
#define TIME_OP(label, bits, stmt)                                                     \
    do {                                                                               \
        double best = 1e30, start_all = now_us();                                      \
        int batch = 1;                                                                 \
        for (;;) {                                                                     \
            double t0 = now_us();                                                      \
            for (int i_ = 0; i_ < batch; i_++) { stmt; }                               \
            double per = (now_us() - t0) / batch;                                      \
            if (per < best) best = per;                                                \
            if (now_us() - start_all > 1.5e6) break;                                   \
            if ((now_us() - t0) < 50000) batch *= 2;                                   \
        }                                                                              \
        printf("%d/%s %.2f\n", bits, label, best);                                     \
        fflush(stdout);                                                                \
    } while (0)

static BIGNUM *rand_bits(int bits) {
    BIGNUM *r = BN_new();
    BN_rand(r, bits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
    return r;
}

int main(void) {
    const int sizes[] = {2048, 3072};
    BN_CTX *ctx = BN_CTX_new();
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int bits = sizes[s];
        char id[16];
        snprintf(id, sizeof id, "%d", bits);
        SRP_gN *gn = SRP_get_default_gN(id);
        if (gn == NULL) { fprintf(stderr, "no group %s\n", id); return 1; }
        const BIGNUM *N = gn->N, *g = gn->g;
        BN_MONT_CTX *mont = BN_MONT_CTX_new();
        BN_MONT_CTX_set(mont, N, ctx);

        BIGNUM *b = rand_bits(256), *a = rand_bits(256), *u = rand_bits(160);
        BIGNUM *x = rand_bits(160), *k = rand_bits(160);
        BIGNUM *v = BN_new(), *A = BN_new(), *B = BN_new(), *r = BN_new(), *t = BN_new();
        BIGNUM *e = BN_new();
        BN_set_flags(a, BN_FLG_CONSTTIME);
        BN_set_flags(b, BN_FLG_CONSTTIME);
        BN_set_flags(x, BN_FLG_CONSTTIME);
        BN_mod_exp_mont_consttime(v, g, x, N, ctx, mont);
        BN_mod_exp_mont_consttime(A, g, a, N, ctx, mont);
        BN_mod_exp_mont_consttime(t, g, b, N, ctx, mont);
        BN_mod_mul(B, k, v, N, ctx);
        BN_mod_add(B, B, t, N, ctx);
        BIGNUM *avu = BN_new();
        BN_mod_exp_mont(t, v, u, N, ctx, mont);
        BN_mod_mul(avu, A, t, N, ctx);

        /* Single operations. */
        TIME_OP("gb_consttime", bits, BN_mod_exp_mont_consttime(r, g, b, N, ctx, mont));
        TIME_OP("vu_vartime", bits, BN_mod_exp_mont(r, v, u, N, ctx, mont));
        TIME_OP("avub_consttime", bits, BN_mod_exp_mont_consttime(r, avu, b, N, ctx, mont));
        /* Server: B = k*v + g^b; S = (A * v^u)^b. */
        TIME_OP("server_b", bits, {
            BN_mod_exp_mont_consttime(t, g, b, N, ctx, mont);
            BN_mod_mul(r, k, v, N, ctx);
            BN_mod_add(r, r, t, N, ctx);
        });
        TIME_OP("server_premaster", bits, {
            BN_mod_exp_mont(t, v, u, N, ctx, mont);
            BN_mod_mul(t, A, t, N, ctx);
            BN_mod_exp_mont_consttime(r, t, b, N, ctx, mont);
        });
        /* Client: A = g^a; S = (B - k*g^x)^(a + u*x). */
        TIME_OP("client_a", bits, BN_mod_exp_mont_consttime(r, g, a, N, ctx, mont));
        TIME_OP("client_premaster", bits, {
            BN_mod_exp_mont_consttime(t, g, x, N, ctx, mont);
            BN_mod_mul(t, k, t, N, ctx);
            BN_mod_sub(t, B, t, N, ctx);
            BN_mul(e, u, x, ctx);
            BN_add(e, e, a);
            BN_set_flags(e, BN_FLG_CONSTTIME);
            BN_mod_exp_mont_consttime(r, t, e, N, ctx, mont);
        });
        /* OpenSSL's SRP functions as libssl calls them (includes hashing for u). */
        TIME_OP("srp_server_b", bits, { BIGNUM *o = SRP_Calc_B(b, N, g, v); BN_free(o); });
        TIME_OP("srp_server_premaster", bits, {
            BIGNUM *uu = SRP_Calc_u(A, B, N);
            BIGNUM *o = SRP_Calc_server_key(A, v, uu, b, N);
            BN_free(o); BN_free(uu);
        });
        TIME_OP("srp_client_a", bits, { BIGNUM *o = SRP_Calc_A(a, N, g); BN_free(o); });
        TIME_OP("srp_client_premaster", bits, {
            BIGNUM *uu = SRP_Calc_u(A, B, N);
            BIGNUM *xx = SRP_Calc_x(x, "user", "password");
            BIGNUM *o = SRP_Calc_client_key(N, B, g, xx, a, uu);
            BN_free(o); BN_free(xx); BN_free(uu);
        });
        BN_MONT_CTX_free(mont);
        BN_free(b); BN_free(a); BN_free(u); BN_free(x); BN_free(k); BN_free(v); BN_free(A);
        BN_free(B); BN_free(r); BN_free(t); BN_free(e); BN_free(avu);
    }
    BN_CTX_free(ctx);
    return 0;
}
