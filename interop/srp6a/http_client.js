// Drives the srp6a_http example as a client with npm secure-remote-password (profile
// secure-remote-password): register, log in. Prints {"register", "start", "finish", "m2_ok"}.
// Usage: node http_client.js URL USER REGISTER_PASSWORD PASSWORD
'use strict';
const path = require('path');
const mods = path.resolve(__dirname, '..', '..', 'target', 'interop-srp6a', 'node', 'node_modules');
const client = require(path.join(mods, 'secure-remote-password', 'client'));
const [url, user, regPw, pw] = process.argv.slice(2);

async function post(p, body) {
  const r = await fetch(url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return [r.status, await r.json()];
}

(async () => {
  const out = {};
  const salt = client.generateSalt();
  const v = client.deriveVerifier(client.derivePrivateKey(salt, user, regPw));
  [out.register] = await post('/register', { username: user, salt, verifier: v });
  const eph = client.generateEphemeral();
  const [st, start] = await post('/login/start', { username: user, A: eph.public });
  out.start = st;
  const session = client.deriveSession(eph.secret, start.B, start.salt, user, client.derivePrivateKey(start.salt, user, pw));
  const [fs, fin] = await post('/login/finish', { username: user, M1: session.proof, state: start.state });
  out.finish = fs;
  out.m2_ok = null;
  if (fin.M2) {
    try { client.verifySession(eph.public, session, fin.M2); out.m2_ok = true; } catch (e) { out.m2_ok = false; }
  }
  console.log(JSON.stringify(out));
})();
