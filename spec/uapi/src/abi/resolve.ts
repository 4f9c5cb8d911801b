/**
 * Finds the ABI snapshot a version name stands for: the frozen file of a released version, or the spec
 * as built for a version that is not frozen yet (2.0 while it is a draft). Used by `accelctl spec diff`
 * and `openaccel-codegen diff`, which take `1.0`, `2.0`, `current` or a snapshot file.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { uapi, UAPI_VERSIONS } from '../codec/uapi.js';
import { abiSnapshot, type AbiSnapshot } from './snapshot.js';

/** A snapshot file larger than this is not one (1.0 is about 30 KiB). */
export const MAX_SNAPSHOT_BYTES = 4 * 1024 * 1024;

export interface ResolvedSnapshot {
  readonly snapshot: AbiSnapshot;
  /** Where it came from, in words: `frozen spec/uapi/abi/1.0.json`, `2.0 as built (draft, not frozen)`. */
  readonly source: string;
  readonly frozen: boolean;
}

/** A snapshot argument that names nothing readable; `arg` is what the caller gave. */
export class AbiSnapshotError extends Error {
  constructor(
    readonly arg: string,
    detail: string,
  ) {
    super(`${arg}: ${detail}`);
    this.name = 'AbiSnapshotError';
  }
}

/** Path of the frozen snapshot of `version` inside this package. */
export function frozenSnapshotPath(version: string): string {
  return fileURLToPath(new URL(`../../abi/${version}.json`, import.meta.url));
}

/** Reads and checks a snapshot file, refusing anything larger than MAX_SNAPSHOT_BYTES before reading it. */
export function readAbiSnapshot(file: string, arg: string = file): AbiSnapshot {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new AbiSnapshotError(arg, `cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let text: string;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new AbiSnapshotError(arg, 'is not a regular file');
    if (st.size > MAX_SNAPSHOT_BYTES) throw new AbiSnapshotError(arg, `is ${st.size} bytes; a snapshot is at most ${MAX_SNAPSHOT_BYTES}`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    text = buf.subarray(0, off).toString('utf8');
  } finally {
    closeSync(fd);
  }
  let snap: AbiSnapshot;
  try {
    snap = JSON.parse(text) as AbiSnapshot;
  } catch {
    throw new AbiSnapshotError(arg, 'is not JSON');
  }
  if (snap?.format !== 'openaccel-abi/1') throw new AbiSnapshotError(arg, `is not an OpenAccel ABI snapshot (format ${String(snap?.format)})`);
  return snap;
}

export function resolveAbiSnapshot(arg: string): ResolvedSnapshot {
  if (arg === 'current') return { snapshot: abiSnapshot(uapi.compiled), source: `${uapi.compiled.spec.version} as built`, frozen: false };
  if (/^\d+\.\d+$/.test(arg)) {
    const file = frozenSnapshotPath(arg);
    if (existsSync(file)) return { snapshot: readAbiSnapshot(file, arg), source: `frozen spec/uapi/abi/${arg}.json`, frozen: true };
    const spec = UAPI_VERSIONS[arg];
    if (!spec) throw new AbiSnapshotError(arg, `no such version; known: ${Object.keys(UAPI_VERSIONS).join(', ')}`);
    const draft = spec.compiled.spec.status === 'draft' ? 'draft, not frozen' : 'not frozen';
    return { snapshot: abiSnapshot(spec.compiled), source: `${arg} as built (${draft})`, frozen: false };
  }
  return { snapshot: readAbiSnapshot(arg), source: arg, frozen: false };
}
