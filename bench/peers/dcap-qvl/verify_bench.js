// Times @phala/dcap-qvl's verify() on the same quote and collateral cllm's bench uses.
// Usage: node verify_bench.js QUOTE COLLATERAL_JSON NOW_UNIX SECONDS
// Prints one line: dcapqvl_per_s=<n> status=<status>
'use strict';
const fs = require('fs');
const qvl = require('@phala/dcap-qvl');

const [quotePath, collateralPath, nowArg, secondsArg] = process.argv.slice(2);
const quote = fs.readFileSync(quotePath);
const raw = JSON.parse(fs.readFileSync(collateralPath, 'utf8'));
const hex = (s) => Buffer.from(s, 'hex');
const collateral = {
  ...raw,
  root_ca_crl: hex(raw.root_ca_crl),
  pck_crl: hex(raw.pck_crl),
  tcb_info_signature: hex(raw.tcb_info_signature),
  qe_identity_signature: hex(raw.qe_identity_signature),
};
const now = Number(nowArg);
const seconds = Number(secondsArg || 2);

const first = qvl.verify(quote, collateral, now);  // also warms the JIT
let n = 0;
const start = process.hrtime.bigint();
const deadline = start + BigInt(Math.round(seconds * 1e9));
while (process.hrtime.bigint() < deadline) {
  qvl.verify(quote, collateral, now);
  ++n;
}
const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`dcapqvl_per_s=${(n / elapsed).toFixed(1)} status=${first.status}`);
