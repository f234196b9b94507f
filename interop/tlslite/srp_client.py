#!/usr/bin/env python3
"""tlslite-ng SRP client for the interop tests (TLS 1.2 only).

    srp_client.py --connect 127.0.0.1:PORT (--users FILE | --user U --password P [--count N])
                  [--suite aes128|aes256|both] [--no-ems] [--no-etm] [--timeout SECONDS]
                  [--sni NAME] [--export LABEL,LEN[,CONTEXT]]... [--finished]
                  [--resume N] [--kex srp|srp_rsa|both] [--pin-cert CERT.pem]

FILE has `user<TAB>password` lines (UTF-8), one connection per line, in order.
Per connection: `handshakeClientSRP`, send `hello <user>`, read the reply, check that it is
`OK <user> <cipher> ems=<e> etm=<t> hello <user>` with this side's view of the
negotiation, close. Prints per connection
    CONN ok user=U cipher=C ems=E etm=T
    CONN fail user=U stage=handshake|write|read|check alert_sent=A alert_received=B reason=R
then `DONE ok=<n> fail=<m>`. Exit status 0 (failures are reported, not fatal).

Before each CONN ok line: `EXPORT label=L len=N ctx=<hex|-> out=<hex>` per --export,
`FINISHED client=<hex> server=<hex> reused=<0|1>` with --finished (tls-unique is the first
Finished of the handshake), and with --resume, `RESUMED <0|1>`.
--resume N: after each user's connection, N more connections offering its session
(`handshakeClientSRP(session=...)`: session ID, and the ticket if the server sent one).
--kex srp_rsa (or both): offer the SRP-RSA suites (RFC 5054 2.7). tlslite checks the
ServerKeyExchange signature against the server's certificate but has no CA validation; its
only certificate check is a `Checker` with the end-entity fingerprint: --pin-cert CERT.pem
accepts only that certificate (a mismatch raises TLSFingerprintError after the handshake,
and tlslite sends a fatal close_notify alert). Signed handshakes print `SIGALG 0x<scheme>`
before their CONN ok line.
"""

import argparse
import socket
import sys

from tlslite.api import Checker, TLSConnection, X509

from common import (KEX, SUITES, conn_info, describe_error, export_lines, finished_line,
                    hook_finished, hook_server_key_exchange, out, parse_export, read_line,
                    reset_finished, settings, sigalg_line)


def one(host, port, user, password, s, timeout, sni=None, extra=None, session=None):
    """One connection; returns (CONN line, ok, session)."""
    extra = extra or {}
    sock = socket.create_connection((host, port), timeout=timeout)
    sock.settimeout(timeout)
    conn = TLSConnection(sock)
    stage = "handshake"
    reset_finished()
    sigalg_line()  # forget an earlier connection's
    try:
        conn.handshakeClientSRP(user, password, settings=s, serverName=sni, session=session,
                                checker=extra.get("checker"))
        info = conn_info(conn)
        sig = sigalg_line()
        if sig:
            out(sig)
        for l in export_lines(conn, extra.get("exports", [])):
            out(l)
        if extra.get("finished"):
            out(finished_line(True, conn.resumed))
        if extra.get("resume") is not None:
            out("RESUMED %d" % int(bool(conn.resumed)))
        stage = "write"
        conn.write(("hello %s\n" % user).encode("utf-8"))
        stage = "read"
        reply = read_line(conn)
        stage = "check"
        want = "OK %s %s hello %s" % (user, info, user)
        if reply != want:
            raise ValueError("reply %r, want %r" % (reply, want))
        conn.close()
        return "CONN ok user=%s cipher=%s" % (user, info), True, conn.session
    except Exception as e:
        return "CONN fail user=%s stage=%s %s" % (user, stage, describe_error(e)), False, None
    finally:
        try:
            sock.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--connect", required=True)
    ap.add_argument("--users")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--suite", choices=sorted(SUITES), default="both")
    ap.add_argument("--no-ems", action="store_true")
    ap.add_argument("--no-etm", action="store_true")
    ap.add_argument("--timeout", type=float, default=15.0)
    ap.add_argument("--sni", help="server name to send (SNI)")
    ap.add_argument("--export", action="append", default=[],
                    help="LABEL,LEN[,CONTEXT]: print exported keying material")
    ap.add_argument("--finished", action="store_true", help="print the Finished messages")
    ap.add_argument("--resume", type=int, help="reconnect N times resuming each session")
    ap.add_argument("--kex", choices=sorted(KEX), default="srp")
    ap.add_argument("--pin-cert", help="PEM certificate the server must present")
    a = ap.parse_args()
    hook_finished()
    hook_server_key_exchange()
    checker = None
    if a.pin_cert:
        with open(a.pin_cert, encoding="ascii") as f:
            pinned = X509()
            pinned.parse(f.read())
        checker = Checker(x509Fingerprint=pinned.getFingerprint())
    extra = {"exports": [parse_export(e) for e in a.export], "finished": a.finished,
             "resume": a.resume, "checker": checker}
    host, _, port = a.connect.rpartition(":")
    if host != "127.0.0.1":
        sys.exit("connect to 127.0.0.1 only")
    if a.users:
        with open(a.users, encoding="utf-8") as f:
            users = [tuple(l.rstrip("\n").split("\t")[:2]) for l in f if l.strip()]
    elif a.user is not None and a.password is not None:
        users = [(a.user, a.password)] * a.count
    else:
        sys.exit("need --users or --user and --password")
    s = settings(a.suite, not a.no_ems, not a.no_etm, a.kex)
    ok = fail = 0
    for user, password in users:
        session = None
        for i in range(1 + (a.resume or 0)):
            line, good, new = one(host, int(port), user, password, s, a.timeout, a.sni,
                                  extra, session)
            out(line)
            if good:
                ok += 1
                session = new
            else:
                fail += 1
    out("DONE ok=%d fail=%d" % (ok, fail))
    return 0


if __name__ == "__main__":
    sys.exit(main())
