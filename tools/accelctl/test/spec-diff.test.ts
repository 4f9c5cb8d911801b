/** accelctl spec diff across versions: 1.0 (frozen) against 2.0 (the draft as built) and snapshot files. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_SNAPSHOT_BYTES } from '@openaccel/uapi';
import { UsageError } from '../src/command.js';
import { specDiff } from '../src/commands/spec.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function run(...argv: string[]) {
  const out: string[] = [];
  const code = specDiff.run(argv, { out: (t: string) => out.push(t), err: () => undefined });
  return { code, out: out.join('\n') };
}

describe('accelctl spec diff 1.0 2.0', () => {
  it('reports 2.0 as breaking 1.0, naming each break, and exits 1', () => {
    const r = run('1.0', '2.0');
    expect(r.code).toBe(1);
    const lines = r.out.split('\n');
    expect(lines.slice(0, 2)).toEqual(['old: frozen spec/uapi/abi/1.0.json', 'new: 2.0 as built (draft, not frozen)']);
    expect(lines).toContain('BREAKING   version: major version 1.0 -> 2.0: programs built against 1.0 do not run against 2.0');
    expect(lines).toContain('BREAKING   binding: device node moved from char-device /dev/openaccel/accel%u to drm-accel /dev/accel/accel%u');
    expect(lines).toContain('BREAKING   sizePolicy: argument size rules changed from size-field to drm-ioctl');
    expect(lines).toContain('BREAKING   ioctl OA_IOCTL_IMPORT_DMABUF: ioctl removed');
    expect(lines).toContain('BREAKING   struct oa_sqe.opcode: type changed from u8 to u16');
    expect(lines).toContain('compatible ioctl DRM_IOCTL_OA_GEM_CREATE: ioctl added');
    expect(lines.at(-1)).toMatch(/^\d+ incompatible change\(s\)$/);
  });

  it('--json says where each side came from', () => {
    const r = run('1.0', '2.0', '--json');
    const j = JSON.parse(r.out);
    expect(j.schema).toBe('openaccel-cli/spec-diff/1');
    expect(j.compatible).toBe(false);
    expect(j.old).toEqual({ version: '1.0', source: 'frozen spec/uapi/abi/1.0.json' });
    expect(j.new.version).toBe('2.0');
    expect(j.breaking.map((b: { path: string }) => b.path)).toContain('binding');
  });

  it('1.0 against the 1.0 spec as built stays compatible', () => {
    const r = run('1.0', 'current');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^compatible \(0 addition\(s\)\)$/m);
  });

  it('refuses an unknown version and a file too large to be a snapshot, without reading it whole', () => {
    expect(() => run('7.0', '2.0')).toThrow(UsageError);
    const dir = mkdtempSync(join(tmpdir(), 'oa-spec-diff-'));
    dirs.push(dir);
    const big = join(dir, 'big.json');
    writeFileSync(big, readFileSync(join(repo, 'spec/uapi/abi/1.0.json'), 'utf8') + ' '.repeat(MAX_SNAPSHOT_BYTES));
    expect(() => run(big, 'current')).toThrow(/at most/);
  });
});
