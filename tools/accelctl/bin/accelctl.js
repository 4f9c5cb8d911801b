#!/usr/bin/env node
// The installed `accelctl` command. It is committed (not built) because npm links a package's bin only if the
// file exists at install time: a bin pointing into dist/ is not linked after `npm ci` in a fresh clone, and
// `npx accelctl` then goes to the registry instead.
import { existsSync } from 'node:fs';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write('accelctl: not built yet; run `npm run build` in the repository first\n');
  process.exit(2);
}
await import(built.href);
