#!/usr/bin/env node
/** openaccel-codegen: write or check the generated uAPI artifacts, freeze and diff ABI snapshots. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { diffAbi, resolveAbiSnapshot, UAPI_VERSIONS } from '@openaccel/uapi';
import { abiSnapshotPath, renderAbiSnapshot } from './artifacts.js';
import { checkDrift, repoRoot, writeArtifacts } from './drift.js';

const USAGE = `usage: openaccel-codegen <command>

  write                 regenerate every generated file (1.0 and 2.0) from spec/uapi
  check                 exit 1 if a committed artifact differs from what spec/uapi generates
  freeze VERSION        write spec/uapi/abi/VERSION.json from the spec of that version; refuses a draft
                        and refuses to overwrite a different snapshot
  diff OLD NEW          compare two ABIs: a version (1.0 = the frozen snapshot; 2.0 = the draft as built),
                        'current' (1.0 as built) or a snapshot file; exit 0 when NEW is compatible with OLD,
                        1 when it breaks it

examples:
  npm run gen
  node tools/codegen/dist/bin.js diff 1.0 current
  node tools/codegen/dist/bin.js diff 1.0 2.0`;

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
      const spec = UAPI_VERSIONS[version];
      if (!spec) {
        console.error(`no spec version ${version}; known: ${Object.keys(UAPI_VERSIONS).join(', ')}`);
        return 1;
      }
      if (spec.compiled.spec.status === 'draft') {
        console.error(`${version} is a draft: it is frozen once refdev and kmod serve it (set status 'released' in spec/uapi/src/v${version.split('.')[0]}/index.ts, then freeze)`);
        return 1;
      }
      const file = join(root, abiSnapshotPath(version));
      const text = renderAbiSnapshot(spec.compiled);
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
      const [older, newer] = [resolveAbiSnapshot(rest[0]!), resolveAbiSnapshot(rest[1]!)];
      const d = diffAbi(older.snapshot, newer.snapshot);
      console.log(`old: ${older.source}\nnew: ${newer.source}`);
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
