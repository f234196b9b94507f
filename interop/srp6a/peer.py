"""A foreign SRP-6a implementation as a process: `python peer.py LIB [options]`, one JSON
request per line on stdin, one JSON answer per line on stdout; binary values lowercase hex.
Same requests as peer.js (client_start, client_respond, client_finish, verifier,
server_start, server_finish), except that server_start takes A too (PyPI srp's Verifier
needs A to make B).

LIB pysrp (PyPI `srp`): --hash SHA1|SHA256|SHA512, --group 1024|2048|4096|8192,
    --rfc5054 (srp.rfc5054_enable()), --no-username-in-x (srp.no_username_in_x()).
LIB srptools (PyPI `srptools`): --hash, --group (N and g given as hex with --n/--g),
    --kdf-sha1 (x = SHA1(s | SHA1(I:P)) whatever the hash: posterity's RFC5054KDF, plugged
    in as posterity itself plugs KDFs).
Optional "secret" (hex) in client_start / server_start fixes a or b.
"""
import argparse
import hashlib
import json
import sys

ap = argparse.ArgumentParser()
ap.add_argument("lib")
ap.add_argument("--hash", default="SHA1")
ap.add_argument("--group", type=int, default=2048)
ap.add_argument("--n", default="")
ap.add_argument("--g", default="")
ap.add_argument("--rfc5054", action="store_true")
ap.add_argument("--no-username-in-x", action="store_true")
ap.add_argument("--kdf-sha1", action="store_true")
opt = ap.parse_args()
state = {}


def pad256(h):
    """PyPI srp insists on secrets of one length when they are given: 32 bytes in its ctypes
    (OpenSSL) module, 256 in its pure-Python one. Same integer either way."""
    import srp
    want = 256 if srp._mod.__name__.endswith("_pysrp") else 32
    return bytes.fromhex(h).rjust(want, b"\0")


if opt.lib == "pysrp":
    import srp
    import srp._pysrp as pysrp

    # srp/__init__ picks _ctsrp (OpenSSL through ctypes) when it loads, else _pysrp; the
    # switches are per module, so set them on both (verifier() below uses _pysrp's gen_x).
    for mod in {srp, pysrp}:
        if opt.rfc5054:
            mod.rfc5054_enable()
        if opt.no_username_in_x:
            mod.no_username_in_x()
    HASH = getattr(srp, opt.hash)
    NG = {1024: srp.NG_1024, 2048: srp.NG_2048, 4096: srp.NG_4096, 8192: srp.NG_8192}[opt.group]

    def verifier(r):
        hash_class = pysrp._hash_map[HASH]
        n, g = pysrp.get_ng(NG, None, None)
        x = pysrp.gen_x(hash_class, bytes.fromhex(r["salt"]), r["username"], r["password"])
        return {"v": pysrp.long_to_bytes(pow(g, x, n)).hex()}

    def client_start(r):
        a = pad256(r["secret"]) if r.get("secret") else None
        state["u"] = srp.User(r.get("username", ""), r.get("password", ""), hash_alg=HASH, ng_type=NG, bytes_a=a)
        _, A = state["u"].start_authentication()
        return {"A": A.hex()}

    def client_respond(r):
        M = state["u"].process_challenge(bytes.fromhex(r["salt"]), bytes.fromhex(r["B"]))
        if M is None:
            raise ValueError("process_challenge refused B")
        return {"M1": M.hex()}

    def client_finish(r):
        state["u"].verify_session(bytes.fromhex(r["M2"]))
        if not state["u"].authenticated():
            raise ValueError("server proof rejected")
        return {"K": state["u"].get_session_key().hex()}

    def server_start(r):
        b = pad256(r["secret"]) if r.get("secret") else None
        state["s"] = srp.Verifier(r["username"], bytes.fromhex(r["salt"]), bytes.fromhex(r["v"]),
                                  bytes.fromhex(r["A"]), hash_alg=HASH, ng_type=NG, bytes_b=b)
        s, B = state["s"].get_challenge()
        if B is None:
            raise ValueError("Verifier refused A")
        return {"B": B.hex()}

    def server_finish(r):
        hamk = state["s"].verify_session(bytes.fromhex(r["M1"]))
        if hamk is None:
            raise ValueError("client proof rejected")
        return {"M2": hamk.hex(), "K": state["s"].get_session_key().hex()}

elif opt.lib == "srptools":
    from srptools import SRPClientSession, SRPContext, SRPServerSession

    HASH = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}[opt.hash]

    def context(username, password=None):
        ctx = SRPContext(username, password, prime=opt.n, generator=opt.g, hash_func=HASH)
        if opt.kdf_sha1 and password is not None:
            def x_sha1(salt):
                salt = salt if isinstance(salt, bytes) else bytes.fromhex(salt)
                inner = hashlib.sha1((username + ":" + password).encode()).digest()
                return int.from_bytes(hashlib.sha1(salt + inner).digest(), "big")
            ctx.get_common_password_hash = x_sha1
        return ctx

    def verifier(r):
        ctx = context(r["username"], r["password"])
        x = ctx.get_common_password_hash(bytes.fromhex(r["salt"]))
        return {"v": ctx.get_common_password_verifier(x).to_bytes(len(opt.n) // 2, "big").hex()}

    def client_start(r):
        state["secret"] = r.get("secret", "")
        return {}

    def client_respond(r):
        ctx = context(r["username"], r["password"])
        c = SRPClientSession(ctx, private=state["secret"])
        c.process(r["B"], r["salt"])
        state["c"] = c
        return {"A": c.public, "M1": c.key_proof}

    def client_finish(r):
        if not state["c"].verify_proof(r["M2"]):
            raise ValueError("server proof rejected")
        return {"K": state["c"].key}

    def server_start(r):
        s = SRPServerSession(context(r["username"]), password_verifier=r["v"], private=r.get("secret", ""))
        state["s"] = s
        state["salt"] = r["salt"]
        return {"B": s.public}

    def server_finish(r):
        s = state["s"]
        s.process(r["A"], state["salt"])
        if not s.verify_proof(r["M1"]):
            raise ValueError("client proof rejected")
        return {"M2": s.key_proof_hash, "K": s.key}

else:
    sys.exit("unknown LIB " + opt.lib)

HANDLERS = {f.__name__: f for f in [verifier, client_start, client_respond, client_finish, server_start, server_finish]}
for line in sys.stdin:
    try:
        req = json.loads(line)
        answer = HANDLERS[req["op"]](req)
    except Exception as e:  # every failure is an answer, never a dead peer
        answer = {"error": f"{type(e).__name__}: {e}"}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
