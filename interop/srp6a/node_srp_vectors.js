// Prints, as JSON (hex), the test vectors that npm `srp` 0.2.0 (mozilla/node-srp) ships in
// test/test_picl_vectors.js (Mozilla's PiCl / Firefox Accounts SRP vectors): the file is
// evaluated as it is, with its test framework (vows) stubbed out and `bignum` replaced by a
// BigInt stand-in for the one conversion it makes (decimal k to bytes).
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');

const file = path.resolve(__dirname, '..', '..', 'target', 'interop-srp6a', 'srp-0.2.0', 'test', 'test_picl_vectors.js');
const chain = { describe: () => chain, addBatch: () => chain, export: () => chain };
const bignum = (s, base) => {
  const v = base === 10 ? BigInt(s) : BigInt('0x' + s);
  return { toBuffer: () => { let h = v.toString(16); if (h.length % 2) h = '0' + h; return Buffer.from(h, 'hex'); } };
};
const stubs = { vows: chain, assert: require('assert'), bignum, '../lib/srp': { params: {} } };
const src = fs.readFileSync(file, 'utf8') +
  '\n;globalThis.__vectors = [[inputs_1, expected_1], [inputs_2, expected_2], [inputs_3, expected_3], [inputs_4, expected_4]];';
const ctx = { require: (m) => stubs[m], Buffer, module: {}, console };
vm.createContext(ctx);
vm.runInContext(src, ctx, { filename: file });
const out = ctx.__vectors.map(([i, e]) => {
  const o = {};
  for (const [k, v] of Object.entries(i)) o['in_' + k] = v.toString('hex');
  for (const [k, v] of Object.entries(e)) o[k] = v.toString('hex');
  return o;
});
process.stdout.write(JSON.stringify(out) + '\n');
