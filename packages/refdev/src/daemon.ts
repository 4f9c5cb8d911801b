#!/usr/bin/env node
/**
 * The refdev process: `node daemon.js --runtime DIR [--config FILE]`. Prints one JSON line when ready
 * (`{"ready":true,...}`), serves until SIGTERM or SIGINT, then removes what it published and exits 0.
 * `--remove-runtime`: the directory is a temporary one made for this refdev; remove it whole when stopping, since
 * the program that made it may already be gone (killed, or exited without waiting).
 */
import { fstatSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultConfig, parseConfig } from './config.js';
import { Refdev } from './server.js';

const { values } = parseArgs({ options: { runtime: { type: 'string' }, config: { type: 'string' }, 'remove-runtime': { type: 'boolean' } }, strict: true });
if (!values.runtime) {
  process.stderr.write('refdev: --runtime DIR is required\n');
  process.exit(2);
}
let config;
try {
  config = values.config ? parseConfig(JSON.parse(readFileSync(values.config, 'utf8'))) : defaultConfig();
} catch (e) {
  process.stderr.write(`refdev: ${(e as Error).message}\n`);
  process.exit(2);
}
const refdev = new Refdev(values.runtime, config);
const state = join(values.runtime, 'refdev.json');
const info = { ready: true, pid: process.pid, runtime: values.runtime, devices: config.devices.map((d) => d.name), faults: config.faults };
// Written before the control socket answers, so whoever finds refdev through that socket finds this too.
writeFileSync(state, `${JSON.stringify(info)}\n`);
try {
  await refdev.start();
} catch (e) {
  process.stderr.write(`refdev: ${(e as Error).message}\n`);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify(info)}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await refdev.stop();
  rmSync(state, { force: true });
  if (values['remove-runtime']) rmSync(values.runtime!, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// Started by startRefdev, stdin is a pipe (a socket pair) from the parent: its end means the parent died; stop with it.
const stdin = fstatSync(0);
if (stdin.isFIFO() || stdin.isSocket()) {
  process.stdin.on('end', () => void stop());
  process.stdin.on('error', () => void stop());
  process.stdin.resume();
}
