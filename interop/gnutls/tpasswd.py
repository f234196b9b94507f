#!/usr/bin/env python3
"""Writes and checks GnuTLS SRP password files (tpasswd, tpasswd.conf) without srptool.

srptool 3.7.9 aborts ("*** buffer overflow detected ***") when it makes a verifier in the
8192-bit group (index 7), and `--create-conf` does not write the 1024-bit group. This tool
fills those gaps for the interop tests; it is independent of our Rust library (group
parameters come from tlslite-ng's RFC 5054 table, arithmetic is Python's).

    tpasswd.py add-group CONF --index I --bits B      append `I:<N>:<g>` to CONF
    tpasswd.py add-user PASSWD CONF --index I -u USER  password on stdin; random 16-byte salt
    tpasswd.py verify PASSWD CONF -u USER              password on stdin; exit 0 if it matches
    tpasswd.py check-conf CONF                         every index's (N, g) is an RFC 5054 group

Encoding (GnuTLS's "SRP base64", alphabet 0-9A-Za-z./): the first len % 3 bytes are written
as one number in as few digits as needed (at least one), then every 3 bytes as 4 digits.
"""

import hashlib
import os
import sys

from tlslite.mathtls import goodGroupParameters

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz./"
BITS = (1024, 1536, 2048, 3072, 4096, 6144, 8192)


def group(bits):
    g, n = goodGroupParameters[BITS.index(bits)]
    return n, g


def int_bytes(x):
    return x.to_bytes(max(1, (x.bit_length() + 7) // 8), "big")


def digits(value, count=None):
    out = []
    while value:
        out.append(ALPHABET[value & 63])
        value >>= 6
    if count is not None:
        out += ["0"] * (count - len(out))
    return "".join(reversed(out)) or "0"


def encode(data):
    data = bytes(data)
    head = len(data) % 3
    s = ""
    if head:
        s = digits(int.from_bytes(data[:head], "big"))
    for i in range(head, len(data), 3):
        s += digits(int.from_bytes(data[i:i + 3], "big"), 4)
    return s


def decode_int(s):
    v = 0
    for c in s:
        v = (v << 6) | ALPHABET.index(c)
    return v


def decode_bytes(s):
    """Bytes of an encoded string: the head (len % 4 digits) is one byte if it fits in 8
    bits, else two; then 3 bytes per 4 digits."""
    head = len(s) % 4
    out = b""
    if head:
        v = decode_int(s[:head])
        out = v.to_bytes(1 if v < 256 else 2, "big")
    for i in range(head, len(s), 4):
        out += decode_int(s[i:i + 4]).to_bytes(3, "big")
    return out


def read_conf(conf):
    groups = {}
    with open(conf) as f:
        for line in f:
            line = line.strip()
            if line:
                idx, n, g = line.split(":")
                groups[int(idx)] = (decode_int(n), decode_int(g))
    return groups


def sha1(b):
    return hashlib.sha1(b).digest()


def verifier(user, password, salt, n, g):
    x = int.from_bytes(sha1(salt + sha1(user.encode("utf-8") + b":" + password.encode("utf-8"))), "big")
    return pow(g, x, n)


def password_from_stdin():
    line = sys.stdin.readline()
    return line[:-1] if line.endswith("\n") else line


def main(argv):
    import argparse
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    a1 = sub.add_parser("add-group")
    a1.add_argument("conf")
    a1.add_argument("--index", type=int, required=True)
    a1.add_argument("--bits", type=int, required=True, choices=BITS)
    a2 = sub.add_parser("add-user")
    a2.add_argument("passwd")
    a2.add_argument("conf")
    a2.add_argument("--index", type=int, required=True)
    a2.add_argument("-u", "--user", required=True)
    a3 = sub.add_parser("verify")
    a3.add_argument("passwd")
    a3.add_argument("conf")
    a3.add_argument("-u", "--user", required=True)
    a4 = sub.add_parser("check-conf")
    a4.add_argument("conf")
    a = ap.parse_args(argv)

    if a.cmd == "add-group":
        n, g = group(a.bits)
        with open(a.conf, "a") as f:
            f.write("%d:%s:%s\n" % (a.index, encode(int_bytes(n)), encode(int_bytes(g))))
        return 0
    if a.cmd == "check-conf":
        known = {group(b): b for b in BITS}
        for idx, ng in sorted(read_conf(a.conf).items()):
            if ng not in known:
                print("index %d: not an RFC 5054 group" % idx)
                return 1
            print("index %d: %d bits" % (idx, known[ng]))
        return 0
    groups = read_conf(a.conf)
    if a.cmd == "add-user":
        if ":" in a.user:
            sys.exit("no ':' in user names")
        n, g = groups[a.index]
        password = password_from_stdin()
        # A first byte of at least 0x40 gives a two-digit head, which decodes unambiguously.
        salt = bytes([0x40 + os.urandom(1)[0] % 0xC0]) + os.urandom(15)
        v = verifier(a.user, password, salt, n, g)
        with open(a.passwd, "a") as f:
            f.write("%s:%s:%s:%d\n" % (a.user, encode(int_bytes(v)), encode(salt), a.index))
        return 0
    if a.cmd == "verify":
        password = password_from_stdin()
        with open(a.passwd, encoding="utf-8") as f:
            for line in f:
                user, v, salt, idx = line.rstrip("\n").split(":")
                if user != a.user:
                    continue
                n, g = groups[int(idx)]
                ok = verifier(user, password, decode_bytes(salt), n, g) == decode_int(v)
                print("verified" if ok else "mismatch")
                return 0 if ok else 1
        print("no such user")
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
