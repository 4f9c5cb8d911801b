import { readFileSync } from 'node:fs';
import { abiSnapshot, diffAbi, uapi, type AbiSnapshot } from '@openaccel/uapi';
import { EXIT, UsageError, json, parse, type Command } from '../command.js';

function load(arg: string): AbiSnapshot {
  if (arg === 'current') return abiSnapshot(uapi.compiled);
  let snap: AbiSnapshot;
  try {
    snap = JSON.parse(readFileSync(arg, 'utf8')) as AbiSnapshot;
  } catch (e) {
    throw new UsageError(`cannot read ABI snapshot ${arg}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (snap.format !== 'openaccel-abi/1') throw new UsageError(`${arg} is not an OpenAccel ABI snapshot (format ${String(snap.format)})`);
  return snap;
}

export const specDiff: Command = {
  path: ['spec', 'diff'],
  summary: 'compare two ABI snapshots; exit 1 when the newer breaks the older',
  help: `usage: accelctl spec diff OLD NEW [--json]

OLD and NEW are ABI snapshot files (spec/uapi/abi/*.json) or 'current' for the spec as built.
Breaking: a moved, resized, retyped or removed field, a shrunk struct, a grown fixed-format struct, a
renumbered or removed ioctl, a moved enum value or flag bit, a changed or removed errno rule.

examples:
  accelctl spec diff spec/uapi/abi/1.0.json current`,
  run(argv, io) {
    const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
    if (positionals.length !== 2) throw new UsageError('give OLD and NEW');
    const d = diffAbi(load(positionals[0]!), load(positionals[1]!));
    if (values.json) io.out(json('openaccel-cli/spec-diff/1', { compatible: d.breaking.length === 0, breaking: d.breaking, additions: d.compatible }));
    else {
      for (const c of d.breaking) io.out(`BREAKING   ${c.path}: ${c.message}`);
      for (const c of d.compatible) io.out(`compatible ${c.path}: ${c.message}`);
      io.out(d.breaking.length ? `${d.breaking.length} incompatible change(s)` : `compatible (${d.compatible.length} addition(s))`);
    }
    return d.breaking.length ? EXIT.fail : EXIT.ok;
  },
};
