import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  abiSnapshot,
  AbiSnapshotError,
  diffAbi,
  frozenSnapshotPath,
  MAX_SNAPSHOT_BYTES,
  readAbiSnapshot,
  resolveAbiSnapshot,
  uapi,
  uapi2,
  type AbiSnapshot,
} from '../src/index.js';

const frozen = JSON.parse(readFileSync(new URL('../abi/1.0.json', import.meta.url), 'utf8')) as AbiSnapshot;
const current = () => structuredClone(abiSnapshot(uapi.compiled));

describe('ABI checker', () => {
  it('finds the current spec compatible with the frozen 1.0 snapshot', () => {
    const d = diffAbi(frozen, abiSnapshot(uapi.compiled));
    expect(d.breaking).toEqual([]);
  });

  it('rejects a moved field', () => {
    const n = current();
    const f = n.structs['oa_sqe']!.fields.find((x) => x.name === 'tag')!;
    f.offset = 8;
    expect(diffAbi(frozen, n).breaking.map((c) => c.path)).toContain('struct oa_sqe.tag');
  });

  it('rejects a resized field and a shrunk struct', () => {
    const n = current();
    n.structs['oa_create_queue']!.fields.find((x) => x.name === 'sq_entries')!.type = 'u16';
    n.structs['oa_submit']!.size = 24;
    const paths = diffAbi(frozen, n).breaking.map((c) => `${c.path}: ${c.message}`);
    expect(paths).toContainEqual(expect.stringMatching(/oa_create_queue.sq_entries: type changed from u32 to u16/));
    expect(paths).toContainEqual(expect.stringMatching(/struct oa_submit: shrank from 32 to 24/));
  });

  it('rejects a renumbered or removed ioctl', () => {
    const n = current();
    n.ioctls['OA_IOCTL_SUBMIT']!.nr = 0x20;
    delete n.ioctls['OA_IOCTL_FREE_MEMORY'];
    const msgs = diffAbi(frozen, n).breaking.map((c) => `${c.path}: ${c.message}`);
    expect(msgs).toContain('ioctl OA_IOCTL_SUBMIT: renumbered from nr 0x5 to 0x20');
    expect(msgs).toContain('ioctl OA_IOCTL_FREE_MEMORY: ioctl removed');
  });

  it('rejects a changed errno meaning', () => {
    const n = current();
    n.ioctls['OA_IOCTL_CREATE_QUEUE']!.errors['no_free_queue'] = 'EBUSY';
    n.commonErrors['nonzero_tail'] = 'EINVAL';
    const msgs = diffAbi(frozen, n).breaking.map((c) => c.message);
    expect(msgs).toContain('rule no_free_queue changed from ENOSPC to EBUSY');
    expect(msgs).toContain('rule nonzero_tail changed from E2BIG to EINVAL');
  });

  it('rejects growth of a fixed shared-memory format', () => {
    const n = current();
    n.structs['oa_cqe']!.size = 32;
    n.structs['oa_cqe']!.fields.push({ name: 'extra', type: 'u64', offset: 16, dir: 'out', reserved: false });
    expect(diffAbi(frozen, n).breaking.map((c) => c.path)).toContain('struct oa_cqe');
  });

  it('accepts compatible growth: appended field, reserved field put to use, new ioctl, flag, errno rule', () => {
    const n = current();
    const cq = n.structs['oa_create_queue']!;
    cq.fields.push({ name: 'priority', type: 'u32', offset: 56, dir: 'in', reserved: false }, { name: 'pad', type: 'u32', offset: 60, dir: 'in', reserved: true });
    cq.size = 64;
    const mi = n.structs['oa_memory_info']!;
    mi.fields = mi.fields.map((f) => (f.name === 'reserved' ? { name: 'bandwidth_gbps', type: 'u32', offset: 20, dir: 'out', reserved: false } : f));
    n.ioctls['OA_IOCTL_RESET_QUEUE'] = { nr: 0x0b, dir: 'write', arg: 'oa_destroy_queue', numbers: { generic: 0, powerpc: 0, parisc: 0 }, errors: {} };
    n.flags['oa_queue_flags'] = { OA_QUEUE_HIGH_PRIORITY: 0 };
    n.ioctls['OA_IOCTL_SUBMIT']!.errors['interrupted'] = 'EINTR';
    n.constants['OA_API_VERSION_MINOR'] = { value: 1, version: true };
    const d = diffAbi(frozen, n);
    expect(d.breaking).toEqual([]);
    const msgs = d.compatible.map((c) => `${c.path}: ${c.message}`);
    expect(msgs).toContain('struct oa_create_queue.priority: field appended at offset 56');
    expect(msgs).toContainEqual(expect.stringMatching(/oa_memory_info.reserved: reserved bytes 20..23 now hold bandwidth_gbps/));
    expect(msgs).toContain('ioctl OA_IOCTL_RESET_QUEUE: ioctl added');
  });

  it('does not let a version constant go backwards', () => {
    const n = current();
    n.constants['OA_API_VERSION_MAJOR'] = { value: 0, version: true };
    expect(diffAbi(frozen, n).breaking.map((c) => c.path)).toContain('constant OA_API_VERSION_MAJOR');
  });
});

describe('ABI checker across major versions', () => {
  it('reports a new major version as BREAKING, not as a compatible version bump', () => {
    const n = current();
    n.version = '2.0';
    n.constants['OA_API_VERSION_MAJOR'] = { value: 2, version: true };
    const d = diffAbi(frozen, n);
    expect(d.breaking.map((c) => c.path)).toContain('version');
  });

  it('finds 1.0 -> 2.0 breaking and names each break', () => {
    const d = diffAbi(frozen, abiSnapshot(uapi2.compiled));
    const msgs = d.breaking.map((c) => `${c.path}: ${c.message}`);
    expect(msgs).toContain('binding: device node moved from char-device /dev/openaccel/accel%u to drm-accel /dev/accel/accel%u');
    expect(msgs).toContain('sizePolicy: argument size rules changed from size-field to drm-ioctl');
    expect(msgs).toContain('ioctlType: ioctl type changed from 0xd7 to 0x64');
    for (const name of Object.keys(frozen.ioctls)) expect(msgs).toContain(`ioctl ${name}: ioctl removed`);
    for (const rule of ['size_too_small', 'size_mismatch', 'nonzero_tail']) expect(msgs).toContainEqual(expect.stringMatching(new RegExp(`^common errno rule ${rule}: rule ${rule} \\(\\w+\\) was removed$`)));
    expect(msgs).toContain('struct oa_sqe.opcode: type changed from u8 to u16');
    expect(d.compatible.map((c) => c.path)).toContain('core ioctl DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT');
  });
});

describe('resolving a version to a snapshot', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('1.0 is the frozen file, 2.0 the draft as built and never frozen yet', () => {
    expect(resolveAbiSnapshot('1.0')).toMatchObject({ frozen: true, source: 'frozen spec/uapi/abi/1.0.json' });
    const two = resolveAbiSnapshot('2.0');
    expect(two).toMatchObject({ frozen: false, source: '2.0 as built (draft, not frozen)' });
    expect(two.snapshot.version).toBe('2.0');
    expect(existsSync(frozenSnapshotPath('2.0'))).toBe(false);
    expect(() => resolveAbiSnapshot('9.9')).toThrow(AbiSnapshotError);
  });

  it('refuses a snapshot file too large to be one before reading it, and anything but a regular file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oa-abi-'));
    dirs.push(dir);
    const big = join(dir, 'big.json');
    writeFileSync(big, `${JSON.stringify(frozen)}${' '.repeat(MAX_SNAPSHOT_BYTES)}`);
    expect(() => readAbiSnapshot(big)).toThrow(/at most/);
    expect(() => readAbiSnapshot(dir)).toThrow(/not a regular file/);
    expect(() => readAbiSnapshot(join(dir, 'missing.json'))).toThrow(/ENOENT/);
  });
});
