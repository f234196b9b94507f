"""Shared helpers of the tlslite-ng SRP peers (see interop/tlslite/README.md)."""

import sys

from tlslite.api import HandshakeSettings
from tlslite.constants import AlertDescription
from tlslite.errors import TLSLocalAlert, TLSRemoteAlert

SUITES = {"aes128": ["aes128"], "aes256": ["aes256"], "both": ["aes256", "aes128"]}
GROUPS = (1024, 1536, 2048, 3072, 4096, 6144, 8192)


def settings(suite, ems, etm):
    """TLS 1.2 only, SRP key exchange only, the given AES suite(s), EMS/EtM switches."""
    s = HandshakeSettings()
    s.minVersion = (3, 3)
    s.maxVersion = (3, 3)
    s.cipherNames = list(SUITES[suite])
    s.macNames = ["sha"]
    s.keyExchangeNames = ["srp_sha"]
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
SUITE_NAMES = {0xC01D: "SRP-AES-128-CBC-SHA", 0xC020: "SRP-AES-256-CBC-SHA"}


def suite_name(code):
    return SUITE_NAMES.get(code, "0x%04X" % code)


def conn_info(conn):
    """`<cipher> ems=<e> etm=<t>` as this side negotiated them."""
    return "%s ems=%d etm=%d" % (
        suite_name(conn.session.cipherSuite),
        int(bool(conn.session.extendedMasterSecret)),
        int(bool(conn.encryptThenMAC)),
    )
