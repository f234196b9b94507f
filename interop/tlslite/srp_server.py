#!/usr/bin/env python3
"""tlslite-ng SRP server for the interop tests (TLS 1.2 only, bound to 127.0.0.1).

    srp_server.py --users FILE [--port N] [--suite aes128|aes256|both] [--no-ems] [--no-etm]
                  [--max-conns N] [--timeout SECONDS] [--alpn PROTO]...
                  [--export LABEL,LEN[,CONTEXT]]... [--finished] [--session-cache] [--tickets]
                  [--kex srp|srp_rsa|both] [--cert CHAIN.pem --key KEY.pem]

FILE has `user<TAB>password<TAB>group-bits` lines (UTF-8); the verifiers are made with
tlslite's own `VerifierDB.makeVerifier` (16-byte random salts) in an in-memory VerifierDB.
Prints `PORT <n>`, then per connection:
    CONN ok user=U cipher=C ems=E etm=T
    CONN fail stage=handshake|read|write alert_sent=A alert_received=B reason=R
Per connection: handshake, read a line, answer `OK <user> <cipher> ems=<e> etm=<t> <line>`
(the line protocol of interop/openssl/peers/; <cipher> is the OpenSSL name),
close (close_notify). Exits 0 after --max-conns connections.

Before each CONN ok line: `EXPORT ...` per --export and `FINISHED ...` with --finished (the
formats of srp_client.py), and `RESUMED <0|1>` with --session-cache or --tickets.
--session-cache: resume by session ID (tlslite `SessionCache`); --tickets: RFC 5077 tickets
(`HandshakeSettings.ticketKeys`, a random key).
--kex srp_rsa (or both) with --cert/--key: the SRP-RSA suites (RFC 5054 2.7), signed with
that chain (PEM, end-entity first) and RSA key; a `SIGALG 0x<scheme>` line (the signature
scheme of the ServerKeyExchange sent) comes before each CONN ok line of a signed handshake.
"""

import argparse
import os
import socket
import sys

from tlslite.api import SessionCache, TLSConnection, VerifierDB, X509CertChain, parsePEMKey

from common import (GROUPS, KEX, SUITES, conn_info, describe_error, export_lines,
                    finished_line, hook_finished, hook_server_key_exchange, out, parse_export,
                    read_line, reset_finished, settings, sigalg_line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--suite", choices=sorted(SUITES), default="both")
    ap.add_argument("--no-ems", action="store_true")
    ap.add_argument("--no-etm", action="store_true")
    ap.add_argument("--max-conns", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=15.0)
    ap.add_argument("--alpn", action="append", default=[],
                    help="ALPN protocol to accept (repeatable); adds sni= and alpn= to CONN ok")
    ap.add_argument("--export", action="append", default=[],
                    help="LABEL,LEN[,CONTEXT]: print exported keying material")
    ap.add_argument("--finished", action="store_true", help="print the Finished messages")
    ap.add_argument("--session-cache", action="store_true", help="session-ID resumption")
    ap.add_argument("--tickets", action="store_true", help="RFC 5077 session tickets")
    ap.add_argument("--kex", choices=sorted(KEX), default="srp")
    ap.add_argument("--cert", help="PEM certificate chain for the SRP-RSA suites")
    ap.add_argument("--key", help="PEM RSA private key of --cert")
    a = ap.parse_args()
    if (a.cert is None) != (a.key is None) or (a.kex != "srp" and a.cert is None):
        ap.error("--kex srp_rsa/both need --cert and --key")
    chain = key = None
    if a.cert:
        with open(a.cert, encoding="ascii") as f:
            chain = X509CertChain()
            chain.parsePemList(f.read())
        with open(a.key, encoding="ascii") as f:
            key = parsePEMKey(f.read(), private=True)
    hook_finished()
    hook_server_key_exchange()
    exports = [parse_export(e) for e in a.export]
    cache = SessionCache() if a.session_cache else None

    db = VerifierDB()
    db.create()
    with open(a.users, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            user, password, bits = line.split("\t")
            bits = int(bits)
            if bits not in GROUPS:
                sys.exit("unknown group %d" % bits)
            # The server looks users up by the raw bytes of the SRP extension.
            db[user.encode("utf-8")] = VerifierDB.makeVerifier(user, password, bits)

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", a.port))
    lsock.listen(16)
    lsock.settimeout(60)
    out("PORT %d" % lsock.getsockname()[1])

    s = settings(a.suite, not a.no_ems, not a.no_etm, a.kex)
    if a.tickets:
        s.ticketKeys = [bytearray(os.urandom(32))]
    for _ in range(a.max_conns):
        try:
            sock, _addr = lsock.accept()
        except socket.timeout:
            out("CONN fail stage=accept alert_sent=none alert_received=none reason=timeout")
            return 1
        sock.settimeout(a.timeout)
        conn = TLSConnection(sock)
        stage = "handshake"
        reset_finished()
        try:
            kw = {"verifierDB": db, "settings": s}
            if chain is not None:
                kw["certChain"] = chain
                kw["privateKey"] = key
            if a.alpn:
                kw["alpn"] = [bytearray(p.encode("ascii")) for p in a.alpn]
            if cache is not None:
                kw["sessionCache"] = cache
            sigalg_line()  # forget a failed connection's
            conn.handshakeServer(**kw)
            sig = sigalg_line()
            if sig:
                out(sig)
            for l in export_lines(conn, exports):
                out(l)
            if a.finished:
                out(finished_line(False, conn.resumed))
            if a.session_cache or a.tickets:
                out("RESUMED %d" % int(bool(conn.resumed)))
            user = conn.session.srpUsername
            if not isinstance(user, str):
                user = bytes(user).decode("utf-8")
            info = conn_info(conn)
            stage = "read"
            req = read_line(conn)
            if req is None:
                raise EOFError("EOF before a line")
            stage = "write"
            conn.write(("OK %s %s %s\n" % (user, info, req)).encode("utf-8"))
            conn.close()
            extra = ""
            if a.alpn:
                sni = conn.session.serverName or ""
                if not isinstance(sni, str):
                    sni = bytes(sni).decode("utf-8")
                extra = " sni=%s alpn=%s" % (sni or "-", bytes(conn.session.appProto or b"").decode("ascii") or "-")
            out("CONN ok user=%s cipher=%s%s" % (user, info, extra))
        except Exception as e:  # report every failure, keep serving
            out("CONN fail stage=%s %s" % (stage, describe_error(e)))
        finally:
            try:
                sock.close()
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
