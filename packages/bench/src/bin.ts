#!/usr/bin/env node
// npm run bench: the doorbell benchmark as a table, or JSON (openaccel-bench/1) with --json.
// In a kernel test guest: bin.js --device /dev/accel/accel0 --c-baseline PINGPONG --json, where
// PINGPONG is c/pingpong.c compiled on the host (the guest has no compiler).
import { parseArgs } from 'node:util';
import { formatDoorbellBench, runDoorbellBench } from './doorbell.js';

const { values } = parseArgs({
  options: { device: { type: 'string' }, 'c-baseline': { type: 'string' }, iterations: { type: 'string' }, json: { type: 'boolean' } },
  strict: true,
});
const iterations = values.iterations === undefined ? undefined : Number(values.iterations);
if (iterations !== undefined && !(Number.isInteger(iterations) && iterations > 0)) {
  process.stderr.write(`bench: --iterations must be a positive integer, not ${values.iterations}\n`);
  process.exit(2);
}
const r = await runDoorbellBench({
  ...(values.device ? { device: values.device } : {}),
  ...(values['c-baseline'] ? { cBaselineExe: values['c-baseline'] } : {}),
  ...(iterations ? { iterations } : {}),
  onProgress: (s) => process.stderr.write(`bench: ${s}\n`),
});
process.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatDoorbellBench(r)}\n`);
