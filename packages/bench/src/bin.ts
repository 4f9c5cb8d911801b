#!/usr/bin/env node
// npm run bench: the doorbell benchmark as a table, or JSON (openaccel-bench/1) with --json;
// --block N times N round trips per clock pair on both sides (default 16).
// In a kernel test guest: bin.js --device /dev/accel/accel0 --c-baseline PINGPONG --json, where
// PINGPONG is c/pingpong.c compiled on the host (the guest has no compiler).
import { parseArgs } from 'node:util';
import { formatDoorbellBench, runDoorbellBench } from './doorbell.js';

const { values } = parseArgs({
  options: { device: { type: 'string' }, 'c-baseline': { type: 'string' }, iterations: { type: 'string' }, block: { type: 'string' }, json: { type: 'boolean' } },
  strict: true,
});
function positive(name: 'iterations' | 'block'): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (Number.isInteger(n) && n > 0) return n;
  process.stderr.write(`bench: --${name} must be a positive integer, not ${v}\n`);
  process.exit(2);
}
const iterations = positive('iterations');
const block = positive('block');
const r = await runDoorbellBench({
  ...(values.device ? { device: values.device } : {}),
  ...(values['c-baseline'] ? { cBaselineExe: values['c-baseline'] } : {}),
  ...(iterations ? { iterations } : {}),
  ...(block ? { block } : {}),
  onProgress: (s) => process.stderr.write(`bench: ${s}\n`),
});
process.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatDoorbellBench(r)}\n`);
