/*
 * srp_cb_arg_fix.c: an LD_PRELOAD shim that makes `openssl s_client -srpuser` and
 * `openssl s_server -srpvfile` of OpenSSL 3.0 work.
 *
 * The bug (openssl/openssl issues 32565 and 32566), in apps/lib/tlssrp_depr.c:
 *
 *     int set_up_srp_arg(SSL_CTX *ctx, SRP_ARG *srp_arg, ...)
 *         ...  SSL_CTX_set_srp_cb_arg(ctx, &srp_arg);
 *     int set_up_srp_verifier_file(SSL_CTX *ctx, srpsrvparm *srp_callback_parm, ...)
 *         ...  SSL_CTX_set_srp_cb_arg(ctx, &srp_callback_parm);
 *
 * Both parameters already are the pointers the callbacks want (to an SRP_ARG that lives
 * in s_client_main, to the file-static srpsrvparm of s_server). The stray `&` stores the
 * address of the parameter's own stack slot instead, which is dead as soon as the setter
 * returns. The `void *` signature hides the type error. Later the SRP callbacks read
 * whatever the stack holds there:
 *   - s_server's username callback sees garbage for `login`/`user`, and so answers every
 *     ClientHello with unknown_psk_identity (or crashes);
 *   - s_client's password and group callbacks read garbage for `srppassin`/`amp`, so the
 *     -srppass password is lost, and the client crashes or fails.
 *
 * The fix: while the buggy setter is still running, its parameter slot is alive and holds
 * the right pointer. This shim replaces SSL_CTX_set_srp_cb_arg, reads that pointer
 * (`*(void **)arg`) and passes it to the real libssl function, found with
 * dlsym(RTLD_NEXT, ...). That is exactly what the upstream fix (drop the `&`) does.
 *
 * Scope: libssl itself is fine and other programs (curl, our C peers) pass correct
 * pointers, which must not be dereferenced. So the shim only rewrites the argument when
 * the running program is the `openssl` command (program_invocation_short_name); in any
 * other process it forwards the argument unchanged. Set SRP_CB_ARG_FIX_FORCE=1 to apply it
 * anyway, SRP_CB_ARG_FIX_DISABLE=1 to turn it off, SRP_CB_ARG_FIX_DEBUG=1 to log each call.
 *
 * Build: gcc -shared -fPIC -O2 -o srp_cb_arg_fix.so srp_cb_arg_fix.c -ldl
 * Use:   LD_PRELOAD=/path/srp_cb_arg_fix.so openssl s_server -srpvfile F ...
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Declared here rather than through <openssl/ssl.h> so that the shim builds and loads
 * without OpenSSL headers; the real signature is int (SSL_CTX *, void *). */
typedef struct ssl_ctx_st SSL_CTX;
typedef int (*set_srp_cb_arg_fn)(SSL_CTX *ctx, void *arg);

static int env_is_set(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

static int should_fix(void)
{
    if (env_is_set("SRP_CB_ARG_FIX_DISABLE"))
        return 0;
    if (env_is_set("SRP_CB_ARG_FIX_FORCE"))
        return 1;
    /* Only the openssl command line tool has the bug. */
    return strcmp(program_invocation_short_name, "openssl") == 0;
}

int SSL_CTX_set_srp_cb_arg(SSL_CTX *ctx, void *arg)
{
    static set_srp_cb_arg_fn real;
    void *fixed = arg;

    if (real == NULL) {
        real = (set_srp_cb_arg_fn)dlsym(RTLD_NEXT, "SSL_CTX_set_srp_cb_arg");
        if (real == NULL) {
            fprintf(stderr, "srp_cb_arg_fix: cannot find the real SSL_CTX_set_srp_cb_arg: %s\n",
                    dlerror());
            return 0;
        }
    }
    /* arg points at the caller's parameter slot, still alive during this call. */
    if (arg != NULL && should_fix())
        fixed = *(void **)arg;
    if (env_is_set("SRP_CB_ARG_FIX_DEBUG"))
        fprintf(stderr, "srp_cb_arg_fix: %s: SSL_CTX_set_srp_cb_arg(%p, %p) -> %p\n",
                program_invocation_short_name, (void *)ctx, arg, fixed);
    return real(ctx, fixed);
}
