#!/usr/bin/env node
// npm run bench: the doorbell benchmark as a table (accelctl bench doorbell --json for JSON).
import { formatDoorbellBench, runDoorbellBench } from './doorbell.js';

const r = await runDoorbellBench({ onProgress: (s) => process.stderr.write(`bench: ${s}\n`) });
process.stdout.write(`${formatDoorbellBench(r)}\n`);
