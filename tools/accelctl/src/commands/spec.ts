import { AbiSnapshotError, diffAbi, resolveAbiSnapshot, type ResolvedSnapshot } from '@openaccel/uapi';
import { EXIT, UsageError, json, parse, type Command } from '../command.js';

function load(arg: string): ResolvedSnapshot {
  try {
    return resolveAbiSnapshot(arg);
  } catch (e) {
    if (e instanceof AbiSnapshotError) throw new UsageError(`cannot use ABI snapshot ${e.message}`);
    throw e;
  }
}

export const specDiff: Command = {
  path: ['spec', 'diff'],
  summary: 'compare two ABIs; exit 1 when the newer breaks the older',
  help: `usage: accelctl spec diff OLD NEW [--json]

OLD and NEW are each a spec version (1.0: its frozen snapshot spec/uapi/abi/1.0.json; 2.0: the draft as
built, since 2.0 is not frozen until the implementations serve it), 'current' (the 1.0 spec as built) or
an ABI snapshot file (spec/uapi/abi/*.json).
Breaking: a new major version, a moved device node or binding, changed size rules, a moved, resized,
retyped or removed field, a shrunk struct, a grown fixed-format struct, a renumbered or removed ioctl, a
moved enum value or flag bit, a changed or removed errno rule.

examples:
  accelctl spec diff 1.0 current
  accelctl spec diff 1.0 2.0
  accelctl spec diff spec/uapi/abi/1.0.json current --json`,
  run(argv, io) {
    const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
    if (positionals.length !== 2) throw new UsageError('give OLD and NEW');
    const [older, newer] = [load(positionals[0]!), load(positionals[1]!)];
    const d = diffAbi(older.snapshot, newer.snapshot);
    if (values.json) {
      io.out(
        json('openaccel-cli/spec-diff/1', {
          old: { version: older.snapshot.version, source: older.source },
          new: { version: newer.snapshot.version, source: newer.source },
          compatible: d.breaking.length === 0,
          breaking: d.breaking,
          additions: d.compatible,
        }),
      );
    } else {
      io.out(`old: ${older.source}\nnew: ${newer.source}`);
      for (const c of d.breaking) io.out(`BREAKING   ${c.path}: ${c.message}`);
      for (const c of d.compatible) io.out(`compatible ${c.path}: ${c.message}`);
      io.out(d.breaking.length ? `${d.breaking.length} incompatible change(s)` : `compatible (${d.compatible.length} addition(s))`);
    }
    return d.breaking.length ? EXIT.fail : EXIT.ok;
  },
};
