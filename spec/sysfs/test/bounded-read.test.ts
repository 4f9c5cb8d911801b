import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileRefusedError, MAX_ATTRIBUTE_BYTES, readBoundedFile, readOpenAccelClass, writeOpenAccelDevice, type OpenAccelDevice } from '../src/index.js';

const dist = join(import.meta.dirname, '..', 'dist', 'index.js');

const device: OpenAccelDevice = {
  name: 'accel0',
  apiVersion: { major: 1, minor: 0 },
  model: 'bounded',
  numaNode: 0,
  caps: ['eventfd'],
  functions: ['nop', 'copy'],
  maxQueues: 4,
  freeQueues: 4,
  maxSqEntries: 64,
  maxCqEntries: 64,
  sqeSize: 64,
  cqeSize: 32,
  doorbellSize: 4096,
  maxTransferBytes: 1 << 20,
  pasidBits: 0,
  memories: [],
  links: [],
};

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A tree with one good device whose `model` attribute is replaced by `make(path)`. */
function treeWithModel(make: (path: string) => void): string {
  const root = mkdtempSync(join(tmpdir(), 'oa-sysfs-bounded-'));
  dirs.push(root);
  writeOpenAccelDevice(root, device);
  const model = join(root, 'class/openaccel/accel0/model');
  unlinkSync(model);
  make(model);
  return root;
}

/**
 * Discovery in a child process under a memory ulimit and a generous deadline: a read that blocks or
 * grows is killed there and fails the test instead of hanging or exhausting the test runner.
 */
function discoverInChild(root: string) {
  const script = `const { readOpenAccelClass } = await import(${JSON.stringify(dist)}); const r = readOpenAccelClass(${JSON.stringify(root)}); console.log(JSON.stringify({ devices: r.devices.map((d) => d.name), problems: r.problems.map((p) => p.message) }));`;
  const r = spawnSync('sh', ['-c', 'ulimit -v 4000000; exec "$0" --input-type=module -e "$1"', process.execPath, script], { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
  return { status: r.status, signal: r.signal, stderr: r.stderr, result: r.status === 0 ? (JSON.parse(r.stdout) as { devices: string[]; problems: string[] }) : undefined };
}

describe('attributes are read bounded: only regular files, at most one page', { timeout: 180_000 }, () => {
  it('a FIFO as an attribute is refused at once, not waited on', () => {
    const root = treeWithModel((p) => expect(spawnSync('mkfifo', [p]).status).toBe(0));
    const r = discoverInChild(root);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.result!.devices).toEqual([]);
    expect(r.result!.problems).toEqual(['class/openaccel/accel0/model: cannot be read (a FIFO); expected printable ASCII, one line']);
  });

  it('/dev/zero as an attribute is refused, not read until memory runs out', () => {
    const root = treeWithModel((p) => symlinkSync('/dev/zero', p));
    const r = discoverInChild(root);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.result!.problems).toEqual(['class/openaccel/accel0/model: cannot be read (a character device); expected printable ASCII, one line']);
  });

  it('an attribute over a page is a format problem; a good tree still reads', () => {
    const big = treeWithModel((p) => writeFileSync(p, 'x'.repeat(MAX_ATTRIBUTE_BYTES + 1)));
    expect(readOpenAccelClass(big).problems.map((p) => p.message)).toEqual([`class/openaccel/accel0/model: expected printable ASCII, one line (at most ${MAX_ATTRIBUTE_BYTES} bytes), found "more than ${MAX_ATTRIBUTE_BYTES} bytes"`]);
    const good = treeWithModel((p) => writeFileSync(p, 'bounded\n'));
    expect(readOpenAccelClass(good).devices.map((d) => d.model)).toEqual(['bounded']);
  });

  it('readBoundedFile: exactly the limit is read, one byte more is refused, a directory is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oa-sysfs-bounded-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'f'), 'abcd');
    expect(readBoundedFile(join(dir, 'f'), 4).toString()).toBe('abcd');
    expect(() => readBoundedFile(join(dir, 'f'), 3)).toThrow(FileRefusedError);
    expect(() => readBoundedFile(dir, 3)).toThrow(/not a regular file \(a directory\)/);
    expect(() => readBoundedFile(join(dir, 'nope'), 3)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
