import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Packed } from './pack.js';
import type { Problem } from './problem.js';
import { CommandError, run } from './run.js';

// CommonJS on purpose: it is what a require() user runs. It also imports each package, and the two must
// give the same named exports.
const SCRIPT = `'use strict';
const names = JSON.parse(process.argv[2]);
(async () => {
  const out = [];
  for (const name of names) {
    try {
      const required = Object.keys(require(name)).sort();
      const imported = Object.keys(await import(name)).filter((k) => k !== 'module.exports').sort();
      out.push({ name, required, imported });
    } catch (e) {
      out.push({ name, error: (e && e.code ? e.code + ': ' : '') + String(e && e.message).split('\\n')[0] });
    }
  }
  process.stdout.write(JSON.stringify(out));
})();
`;

interface Loaded {
  name: string;
  required?: string[];
  imported?: string[];
  error?: string;
}

/**
 * Installs the unpacked tarballs into a scratch project inside the repository's node_modules (so their
 * third-party dependencies resolve from the repository's install) and require()s each from a .cjs script.
 * The scratch folder is made here and removed before returning.
 */
export function requireFromTarballs(root: string, packed: Packed[], scratch: string): Problem[] {
  const modules = join(scratch, 'node_modules');
  for (const p of packed) {
    const to = join(modules, ...p.workspace.manifest.name.split('/'));
    mkdirSync(join(to, '..'), { recursive: true });
    cpSync(p.unpacked, to, { recursive: true });
  }
  writeFileSync(join(scratch, 'package.json'), '{"name":"require-check","private":true}\n');
  writeFileSync(join(scratch, 'require-check.cjs'), SCRIPT);
  const names = packed.map((p) => p.workspace.manifest.name);
  const r = run(process.execPath, ['--no-warnings', 'require-check.cjs', JSON.stringify(names)], scratch, {
    ...process.env,
    NODE_PATH: '',
  });
  let loaded: Loaded[];
  try {
    loaded = JSON.parse(r.stdout) as Loaded[];
  } catch {
    throw new CommandError(`node require-check.cjs (in ${root})`, r.status, r.stderr || r.stdout);
  }
  const out: Problem[] = [];
  for (const l of loaded) {
    if (l.error) out.push({ pkg: l.name, check: 'require', message: `require() failed: ${l.error}` });
    else if (l.required?.length === 0) out.push({ pkg: l.name, check: 'require', message: 'require() gave no exports' });
    else if (l.required?.join() !== l.imported?.join()) {
      out.push({ pkg: l.name, check: 'require', message: 'require() and import gave different exports' });
    }
  }
  return out;
}
