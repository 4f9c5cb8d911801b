#!/usr/bin/env node
/** openaccel-codegen: write or check the generated uAPI artifacts, freeze and diff ABI snapshots. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { abiSnapshot, diffAbi, uapi, type AbiSnapshot } from '@openaccel/uapi';
import { abiSnapshotPath, renderAbiSnapshot } from './artifacts.js';
import { checkDrift, repoRoot, writeArtifacts } from './drift.js';

const USAGE = `usage: openaccel-codegen <command>

  write                 regenerate the header, JSON, REFERENCE.md and syzkaller description from spec/uapi
  check                 exit 1 if a committed artifact differs from what spec/uapi generates
  freeze VERSION        write spec/uapi/abi/VERSION.json from the current spec (refuses to overwrite a different one)
  diff OLD NEW          compare two ABI snapshots (file paths, or 'current' for the spec as it is now);
                        exit 0 when NEW is compatible with OLD, 1 when it breaks it

examples:
  npm run gen
  node tools/codegen/dist/bin.js diff spec/uapi/abi/1.0.json current`;

function loadSnapshot(arg: string): AbiSnapshot {
  if (arg === 'current') return abiSnapshot(uapi.compiled);
  const snap = JSON.parse(readFileSync(arg, 'utf8')) as AbiSnapshot;
  if (snap.format !== 'openaccel-abi/1') throw new Error(`${arg} is not an OpenAccel ABI snapshot (format ${String(snap.format)})`);
  return snap;
}

function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  const root = repoRoot();
  switch (cmd) {
    case 'write': {
      const changed = writeArtifacts(root);
      console.log(changed.length ? `wrote ${changed.join(', ')}` : 'generated files are up to date');
      return 0;
    }
    case 'check': {
      const { drifted, checked } = checkDrift(root);
      if (drifted.length === 0) {
        console.log(`${checked.length} generated files match spec/uapi`);
        return 0;
      }
      console.error(`generated files differ from spec/uapi: ${drifted.join(', ')}\nrun 'npm run gen' and commit the result`);
      return 1;
    }
    case 'freeze': {
      const version = rest[0];
      if (!version || !/^\d+\.\d+$/.test(version)) break;
      if (version !== uapi.compiled.spec.version) {
        console.error(`the spec is at version ${uapi.compiled.spec.version}; cannot freeze ${version}`);
        return 1;
      }
      const file = join(root, abiSnapshotPath(version));
      const text = renderAbiSnapshot();
      if (existsSync(file)) {
        if (readFileSync(file, 'utf8') === text) {
          console.log(`${abiSnapshotPath(version)} already frozen and identical`);
          return 0;
        }
        console.error(`${abiSnapshotPath(version)} is frozen and differs from the spec: released ABI is never rewritten; bump the version instead`);
        return 1;
      }
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      console.log(`froze ${abiSnapshotPath(version)}`);
      return 0;
    }
    case 'diff': {
      if (rest.length !== 2) break;
      const d = diffAbi(loadSnapshot(rest[0]!), loadSnapshot(rest[1]!));
      for (const c of d.breaking) console.log(`BREAKING   ${c.path}: ${c.message}`);
      for (const c of d.compatible) console.log(`compatible ${c.path}: ${c.message}`);
      console.log(d.breaking.length ? `${d.breaking.length} incompatible change(s)` : `compatible (${d.compatible.length} addition(s))`);
      return d.breaking.length ? 1 : 0;
    }
  }
  console.error(USAGE);
  return 2;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error(`openaccel-codegen: ${(e as Error).message}`);
  process.exitCode = 2;
}
