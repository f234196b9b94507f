"""Shared helpers of the tlslite-ng SRP peers (see interop/tlslite/README.md)."""

import sys

from tlslite.api import HandshakeSettings
from tlslite.constants import AlertDescription
from tlslite.errors import TLSLocalAlert, TLSRemoteAlert

SUITES = {"aes128": ["aes128"], "aes256": ["aes256"], "both": ["aes256", "aes128"]}
GROUPS = (1024, 1536, 2048, 3072, 4096, 6144, 8192)


# Key exchanges: plain SRP (RFC 5054 2.6), SRP-RSA (2.7: the server also signs its
# ServerKeyExchange with an RSA certificate), or both (tlslite prefers the signed suites).
KEX = {"srp": ["srp_sha"], "srp_rsa": ["srp_sha_rsa"], "both": ["srp_sha_rsa", "srp_sha"]}


def settings(suite, ems, etm, kex="srp"):
    """TLS 1.2 only, SRP key exchange(s) only, the given AES suite(s), EMS/EtM switches."""
    s = HandshakeSettings()
    s.minVersion = (3, 3)
    s.maxVersion = (3, 3)
    s.cipherNames = list(SUITES[suite])
    s.macNames = ["sha"]
    s.keyExchangeNames = list(KEX[kex])
    s.useExtendedMasterSecret = ems
    s.useEncryptThenMAC = etm
    return s


def alert_name(code):
    """The RFC name of an alert description (as the C peers print them)."""
    return AlertDescription.toRepr(code) or str(code)


def describe_error(exc):
    """`alert_sent=A alert_received=B reason=R` for an exception from a handshake."""
    sent = received = "none"
    if isinstance(exc, TLSRemoteAlert):
        received = alert_name(exc.description)
    elif isinstance(exc, TLSLocalAlert):
        sent = alert_name(exc.description)
    reason = (type(exc).__name__ + ":" + str(exc)).replace(" ", "_").replace("\n", "_")[:120]
    return "alert_sent=%s alert_received=%s reason=%s" % (sent, received, reason)


def read_line(conn, limit=65536):
    """Reads bytes until a newline (returned without it); None at EOF."""
    buf = bytearray()
    while True:
        data = conn.read(max=1)
        if not data:
            return None
        if data == b"\n":
            return bytes(buf).decode("utf-8")
        buf += data
        if len(buf) > limit:
            raise ValueError("line too long")


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# OpenSSL's names, as the C peers and our tests print them.
SUITE_NAMES = {0xC01D: "SRP-AES-128-CBC-SHA", 0xC020: "SRP-AES-256-CBC-SHA",
               0xC01E: "SRP-RSA-AES-128-CBC-SHA", 0xC021: "SRP-RSA-AES-256-CBC-SHA"}


def suite_name(code):
    return SUITE_NAMES.get(code, "0x%04X" % code)


def conn_info(conn):
    """`<cipher> ems=<e> etm=<t>` as this side negotiated them."""
    return "%s ems=%d etm=%d" % (
        suite_name(conn.session.cipherSuite),
        int(bool(conn.session.extendedMasterSecret)),
        int(bool(conn.encryptThenMAC)),
    )


# --- keying material exporters, Finished capture (tls-unique), resumption -----------------

import struct

from tlslite import messages as _messages
from tlslite.mathtls import PRF_1_2

_finished_seen = []


def hook_finished():
    """Records the verify_data of every Finished message this process creates or parses,
    in order (tlslite keeps no copy). In a TLS 1.2 handshake the first one is RFC 5929
    tls-unique: the client's in a full handshake, the server's in a resumed one."""
    if getattr(_messages.Finished, "_interop_hooked", False):
        return
    create, parse = _messages.Finished.create, _messages.Finished.parse

    def create_hook(self, verify_data):
        r = create(self, verify_data)
        _finished_seen.append(bytes(self.verify_data))
        return r

    def parse_hook(self, p):
        r = parse(self, p)
        _finished_seen.append(bytes(self.verify_data))
        return r

    _messages.Finished.create = create_hook
    _messages.Finished.parse = parse_hook
    _messages.Finished._interop_hooked = True


def reset_finished():
    del _finished_seen[:]


def finished_line(is_client, resumed):
    """`FINISHED client=<hex> server=<hex> reused=<0|1>` (the format of the C peers)."""
    seen = list(_finished_seen[:2])
    while len(seen) < 2:
        seen.append(b"")
    first, second = seen
    # Full handshake: the client's Finished comes first; resumed: the server's.
    client, server = (second, first) if resumed else (first, second)
    return "FINISHED client=%s server=%s reused=%d" % (client.hex(), server.hex(), int(bool(resumed)))


def parse_export(spec):
    """`LABEL,LEN[,CONTEXT]` -> (label, length, context or None)."""
    parts = spec.split(",", 2)
    if len(parts) < 2:
        raise ValueError("--export LABEL,LEN[,CONTEXT]")
    return parts[0], int(parts[1]), (parts[2] if len(parts) == 3 else None)


def export_lines(conn, exports):
    """One `EXPORT label=L len=N ctx=<hex|-> out=<hex>` line per export. Without a context
    it is tlslite's own `keyingMaterialExporter`; with one (which that method does not
    take) it is tlslite's TLS 1.2 PRF over the RFC 5705 seed
    client_random + server_random + uint16(len(context)) + context."""
    lines = []
    for label, length, ctx in exports:
        lab = bytearray(label.encode("utf-8"))
        if ctx is None:
            outb = conn.keyingMaterialExporter(lab, length)
            ctx_hex = "-"
        else:
            c = ctx.encode("utf-8")
            seed = conn._clientRandom + conn._serverRandom + bytearray(struct.pack(">H", len(c)) + c)
            outb = PRF_1_2(conn.session.masterSecret, lab, seed, length)
            ctx_hex = c.hex()
        lines.append("EXPORT label=%s len=%d ctx=%s out=%s" % (label, length, ctx_hex, bytes(outb).hex()))
    return lines


# --- SRP-RSA: the signature scheme of the ServerKeyExchange --------------------------------

_skx_seen = []


def hook_server_key_exchange():
    """Records the (hash, signature) algorithm bytes of every signed ServerKeyExchange this
    process writes or parses (tlslite keeps them on the message object only)."""
    if getattr(_messages.ServerKeyExchange, "_interop_hooked", False):
        return
    write, parse = _messages.ServerKeyExchange.write, _messages.ServerKeyExchange.parse

    def write_hook(self):
        r = write(self)
        if self.signAlg:
            _skx_seen.append((self.hashAlg << 8) | self.signAlg)
        return r

    def parse_hook(self, p):
        r = parse(self, p)
        if self.signAlg:
            _skx_seen.append((self.hashAlg << 8) | self.signAlg)
        return r

    _messages.ServerKeyExchange.write = write_hook
    _messages.ServerKeyExchange.parse = parse_hook
    _messages.ServerKeyExchange._interop_hooked = True


def sigalg_line():
    """`SIGALG 0x<scheme>` (the format of the C peers) for the last signed
    ServerKeyExchange since the last call, or None; forgets it."""
    if not _skx_seen:
        return None
    line = "SIGALG 0x%04x" % _skx_seen[-1]
    del _skx_seen[:]
    return line
