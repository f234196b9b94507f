"""Drives the srp6a_http example as a client with PyPI srptools: register, then log in with
`password` (registered with `register_password`). Prints one JSON line:
{"register": status, "start": status, "finish": status, "m2_ok": bool|null}.
Usage: http_client.py URL USER REGISTER_PASSWORD PASSWORD HASH N_HEX G_HEX"""
import hashlib
import json
import sys
import urllib.error
import urllib.request

from srptools import SRPClientSession, SRPContext

url, user, reg_pw, pw, hash_name, n, g = sys.argv[1:8]
H = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}[hash_name]


def post(path, body):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


out = {}
ctx = SRPContext(user, reg_pw, prime=n, generator=g, hash_func=H)
_, verifier, salt = ctx.get_user_data_triplet()
out["register"], _ = post("/register", {"username": user, "salt": salt, "verifier": verifier})
client = SRPClientSession(SRPContext(user, pw, prime=n, generator=g, hash_func=H))
out["start"], start = post("/login/start", {"username": user, "A": client.public})
client.process(start["B"], start["salt"])
out["finish"], fin = post("/login/finish", {"username": user, "M1": client.key_proof, "state": start["state"]})
out["m2_ok"] = client.verify_proof(fin["M2"]) if fin.get("M2") else None
print(json.dumps(out))
