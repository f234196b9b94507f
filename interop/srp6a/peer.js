// A foreign SRP-6a implementation as a process: `node peer.js LIB`, one JSON request per
// line on stdin, one JSON answer per line on stdout. Binary values are lowercase hex.
// LIB: node-srp (npm srp 0.2.0), secure-remote-password, fast-srp-hap (params.hap),
// cognito (amazon-cognito-identity-js AuthenticationHelper).
//
// Requests: client_start {}; client_respond {username, password, salt, B [, pool,
// secret_block, timestamp]}; client_finish {M2}; verifier {username, password, salt};
// server_start {username, salt, v}; server_finish {A, M1}. Answers carry the values or
// {"error": message}. Packages come from target/interop-srp6a (interop/srp6a/setup.sh).
'use strict';
const path = require('path');
const crypto = require('crypto');
const readline = require('readline');
const Module = require('module');

const ROOT = path.resolve(__dirname, '..', '..', 'target', 'interop-srp6a');
const NODE_MODULES = path.join(ROOT, 'node', 'node_modules');
const lib = process.argv[2];
const hex = (b) => Buffer.from(b).toString('hex');
const buf = (h) => Buffer.from(h, 'hex');

// npm srp 0.2.0 needs the native `bignum` module, which no longer builds on node 20. Its own
// lib/srp.js runs here unchanged on this small stand-in with the same API, built on BigInt
// (only the methods node-srp calls).
function installBignumShim() {
  function modpow(b, e, m) {
    let r = 1n;
    b %= m;
    if (b < 0n) b += m;
    while (e > 0n) {
      if (e & 1n) r = (r * b) % m;
      b = (b * b) % m;
      e >>= 1n;
    }
    return r;
  }
  class BigNum {
    constructor(v) { this.v = v; }
    powm(e, m) { return new BigNum(modpow(this.v, e.v, m.v)); }
    mul(o) { return new BigNum(this.v * o.v); }
    add(o) { return new BigNum(this.v + o.v); }
    sub(o) { return new BigNum(this.v - o.v); }
    mod(o) { let r = this.v % o.v; if (r < 0n) r += o.v; return new BigNum(r); }
    ge(o) { return this.v >= o.v; }
    le(o) { return this.v <= o.v; }
    eq(o) { return this.v === o.v; }
    bitLength() { return this.v === 0n ? 0 : this.v.toString(2).length; }
    toBuffer() {
      let h = this.v.toString(16);
      if (h.length % 2) h = '0' + h;
      return Buffer.from(h, 'hex');
    }
  }
  function bignum(v, base) {
    if (typeof v === 'number') return new BigNum(BigInt(v));
    if (base === 16) return new BigNum(BigInt('0x' + (v || '0')));
    return new BigNum(BigInt(v));
  }
  bignum.fromBuffer = (b) => new BigNum(b.length ? BigInt('0x' + b.toString('hex')) : 0n);
  const shimPath = path.join(ROOT, 'bignum-shim.js');
  require.cache[shimPath] = { id: shimPath, filename: shimPath, loaded: true, exports: bignum };
  const orig = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return request === 'bignum' ? shimPath : orig.call(this, request, ...rest);
  };
}

const req = (name) => require(path.join(NODE_MODULES, name));
let state = {};
let handlers;

if (lib === 'node-srp') {
  installBignumShim();
  const srp = require(path.join(ROOT, 'srp-0.2.0', 'lib', 'srp.js'));
  const params = srp.params[process.argv[3] || '2048'];
  handlers = {
    verifier: (r) => ({ v: hex(srp.computeVerifier(params, buf(r.salt), Buffer.from(r.username), Buffer.from(r.password))) }),
    client_start: () => {
      state.secret = crypto.randomBytes(32);
      return {};
    },
    client_respond: (r) => {
      const c = new srp.Client(params, buf(r.salt), Buffer.from(r.username), Buffer.from(r.password), state.secret);
      c.setB(buf(r.B));
      return { A: hex(c.computeA()), M1: hex(c.computeM1()), K: hex(c.computeK()) };
    },
    server_start: (r) => {
      state.s = new srp.Server(params, buf(r.v), crypto.randomBytes(32));
      return { B: hex(state.s.computeB()) };
    },
    server_finish: (r) => {
      state.s.setA(buf(r.A));
      state.s.checkM1(buf(r.M1));
      return { K: hex(state.s.computeK()) };
    },
  };
} else if (lib === 'secure-remote-password') {
  const client = req('secure-remote-password/client');
  const server = req('secure-remote-password/server');
  handlers = {
    verifier: (r) => ({ v: client.deriveVerifier(client.derivePrivateKey(r.salt, r.username, r.password)) }),
    client_start: () => {
      state.eph = client.generateEphemeral();
      return { A: state.eph.public };
    },
    client_respond: (r) => {
      const x = client.derivePrivateKey(r.salt, r.username, r.password);
      state.session = client.deriveSession(state.eph.secret, r.B, r.salt, r.username, x);
      return { M1: state.session.proof };
    },
    client_finish: (r) => {
      client.verifySession(state.eph.public, state.session, r.M2);
      return { K: state.session.key };
    },
    server_start: (r) => {
      state.r = r;
      state.eph = server.generateEphemeral(r.v);
      return { B: state.eph.public };
    },
    server_finish: (r) => {
      const s = server.deriveSession(state.eph.secret, r.A, state.r.salt, state.r.username, state.r.v, r.M1);
      return { M2: s.proof, K: s.key };
    },
  };
} else if (lib === 'fast-srp-hap') {
  const { SRP, SrpClient, SrpServer } = req('fast-srp-hap');
  const params = SRP.params.hap;
  handlers = {
    verifier: (r) => ({ v: hex(SRP.computeVerifier(params, buf(r.salt), Buffer.from(r.username), Buffer.from(r.password))) }),
    client_start: () => {
      state.secret = crypto.randomBytes(32);
      return {};
    },
    client_respond: (r) => {
      state.c = new SrpClient(params, buf(r.salt), Buffer.from(r.username), Buffer.from(r.password), state.secret);
      state.c.setB(buf(r.B));
      return { A: hex(state.c.computeA()), M1: hex(state.c.computeM1()) };
    },
    client_finish: (r) => {
      state.c.checkM2(buf(r.M2));
      return { K: hex(state.c.computeK()) };
    },
    server_start: (r) => {
      state.s = new SrpServer(params, { username: r.username, salt: buf(r.salt), verifier: buf(r.v) }, crypto.randomBytes(32));
      return { B: hex(state.s.computeB()) };
    },
    server_finish: (r) => {
      state.s.setA(buf(r.A));
      state.s.checkM1(buf(r.M1));
      return { M2: hex(state.s.computeM2()), K: hex(state.s.computeK()) };
    },
  };
} else if (lib === 'cognito') {
  const AuthenticationHelper = req('amazon-cognito-identity-js/lib/AuthenticationHelper.js').default;
  const BigInteger = req('amazon-cognito-identity-js/lib/BigInteger.js').default;
  handlers = {
    client_start: (r) => {
      state.h = new AuthenticationHelper(r.pool);
      if (r.secret) {
        // A given a (for comparing values with ours): replace the helper's random one.
        state.h.smallAValue = new BigInteger(r.secret, 16);
        state.h.largeAValue = undefined;
      }
      return new Promise((ok, fail) => state.h.getLargeAValue((e, A) => (e ? fail(e) : ok({ A: A.toString(16) }))));
    },
    client_respond: (r) => new Promise((ok, fail) => {
      state.h.getPasswordAuthenticationKey(r.username, r.password, new BigInteger(r.B, 16), new BigInteger(r.salt, 16), (e, hkdf) => {
        if (e) return fail(e);
        // The password claim, as CognitoUser.authenticateUserDefaultAuth builds it.
        const msg = Buffer.concat([Buffer.from(r.pool, 'utf8'), Buffer.from(r.username, 'utf8'),
          buf(r.secret_block), Buffer.from(r.timestamp, 'utf8')]);
        const sig = crypto.createHmac('sha256', Buffer.from(hkdf)).update(msg).digest();
        ok({ M1: hex(sig), K: hex(hkdf) });
      });
    }),
  };
} else {
  console.error('unknown LIB ' + lib);
  process.exit(2);
}

const rl = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
rl.on('line', (line) => {
  queue = queue.then(async () => {
    let answer;
    try {
      const r = JSON.parse(line);
      const h = handlers[r.op];
      if (!h) throw new Error('unsupported op ' + r.op);
      answer = await h(r);
    } catch (e) {
      answer = { error: String(e && e.message ? e.message : e) };
    }
    process.stdout.write(JSON.stringify(answer) + '\n');
  });
});
