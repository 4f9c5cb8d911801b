import { describe, expect, it } from 'vitest';
import { compileSpec, openaccelV2, SpecError, uapi2, UapiError, type UapiSpec } from '../src/index.js';

/** A copy of the v2 spec with one change, to prove the compiler refuses it. */
function mutate(change: (s: { -readonly [K in keyof UapiSpec]: UapiSpec[K] }) => void): UapiSpec {
  const s = structuredClone(openaccelV2) as unknown as { -readonly [K in keyof UapiSpec]: UapiSpec[K] };
  change(s);
  return s;
}

const c = uapi2.compiled;

describe('the 2.0 spec: a DRM accel binding', () => {
  it('numbers every OpenAccel ioctl as a driver-private DRM ioctl', () => {
    for (const io of c.ioctls.values()) {
      expect(io.spec.nr, io.spec.name).toBeGreaterThanOrEqual(0x40);
      expect(io.spec.nr, io.spec.name).toBeLessThan(0xa0);
      expect(io.spec.name).toMatch(/^DRM_IOCTL_OA_/);
      expect((io.numbers.generic >>> 8) & 0xff, io.spec.name).toBe(0x64);
    }
    // DRM_IOWR(DRM_COMMAND_BASE + 0, struct oa_device_info), 104 bytes.
    expect(uapi2.ioctl('DRM_IOCTL_OA_GET_INFO').request()).toBe(0xc0686440);
  });

  it('describes the DRM core ioctls a client needs, with request numbers per ABI', () => {
    expect([...c.coreIoctls.keys()].sort()).toEqual(
      [
        'DRM_IOCTL_VERSION', 'DRM_IOCTL_GET_CAP', 'DRM_IOCTL_GEM_CLOSE', 'DRM_IOCTL_PRIME_HANDLE_TO_FD', 'DRM_IOCTL_PRIME_FD_TO_HANDLE',
        'DRM_IOCTL_SYNCOBJ_CREATE', 'DRM_IOCTL_SYNCOBJ_DESTROY', 'DRM_IOCTL_SYNCOBJ_WAIT', 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT',
        'DRM_IOCTL_SYNCOBJ_SIGNAL', 'DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL', 'DRM_IOCTL_SYNCOBJ_QUERY', 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD',
        'DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', 'DRM_IOCTL_SYNCOBJ_TRANSFER',
      ].sort(),
    );
    // drm_version holds int, size_t and pointers: 64 bytes on LP64, 36 on ILP32 (kernel-uapi.md: 0xC0406400 on 64-bit).
    expect(c.coreIoctls.get('DRM_IOCTL_VERSION')!.numbers).toEqual({ lp64: 0xc0406400, ilp32: 0xc0246400 });
    expect(c.coreIoctls.get('DRM_IOCTL_PRIME_HANDLE_TO_FD')!.numbers.lp64).toBe(0xc00c642d);
    for (const io of c.coreIoctls.values()) {
      expect(io.spec.errors.length, io.spec.name).toBeGreaterThan(0);
      for (const r of io.spec.errors) expect(r.source, `${io.spec.name} ${r.id}`).toMatch(/^drivers\/gpu\/drm\/drm_(ioctl|prime|syncobj|gem)\.c: drm_\w+$/);
    }
  });

  it('lays the DRM core structs out for both data models, i386 aligning a plain __u64 to 4', () => {
    const wait = c.externalStructs.get('drm_syncobj_wait')!;
    expect([wait.lp64.sizeBytes, wait.lp64.alignBytes, wait.ilp32.sizeBytes, wait.ilp32.alignBytes]).toEqual([32, 8, 32, 4]);
    const v = c.externalStructs.get('drm_version')!;
    expect(v.ilp32.fields.map((f) => f.offset)).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32]);
    expect(v.lp64.fields.map((f) => f.offset)).toEqual([0, 4, 8, 16, 24, 32, 40, 48, 56]);
  });

  it('drops the size field and reports the device facts the issue asks for', () => {
    for (const io of c.ioctls.values()) expect(io.arg.fields[0]!.field.name, io.spec.arg).not.toBe('size');
    const info = c.structs.get('oa_device_info')!;
    for (const f of ['page_size', 'cache_line_size', 'num_opcodes', 'max_syncobj_points']) expect(info.byName.has(f), f).toBe(true);
    // The PASID is the kernel's business: nothing returns it.
    for (const l of c.structs.values()) for (const f of l.fields) expect(f.field.name).not.toMatch(/pasid/);
    expect(c.structs.get('oa_sqe')!.byName.get('opcode')!.field.type).toBe('u16');
    expect(c.spec.maxOpcode).toBe(0xffff);
  });

  it('separates the user-written doorbell and control from the device-written status, each word with one writer', () => {
    const dirs = (s: string) => new Set(c.structs.get(s)!.fields.filter((f) => !f.field.reserved).map((f) => f.field.dir));
    expect(dirs('oa_doorbell')).toEqual(new Set(['in']));
    expect(dirs('oa_queue_control')).toEqual(new Set(['in']));
    expect(dirs('oa_queue_status')).toEqual(new Set(['out']));
    expect(c.spec.regions.map((r) => r.name)).toEqual(['doorbell', 'control', 'status', 'sq', 'cq']);
  });

  it('writes down every data-path rule of the issue, each with an id', () => {
    const ids = [...c.spec.rules.map((r) => r.id), ...(c.spec.sections ?? []).map((s) => s.id)];
    for (const id of [
      'ring.order-pairs', 'ring.cq-full', 'queue.initial-state', 'ring.eventfd-drain', 'ring.doorbell-store', 'memory.fault',
      'ring.overrun', 'sync.points', 'sync.export', 'size.drm-ioctl', 'binding.identify', 'memory.gem', 'memory.sva',
    ]) expect(ids).toContain(id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents every entry', () => {
    const docs: Array<[string, string]> = [];
    for (const l of c.structs.values()) docs.push([l.struct.name, l.struct.doc], ...l.fields.map((f) => [`${l.struct.name}.${f.field.name}`, f.field.doc] as [string, string]));
    for (const e of c.enums.values()) docs.push([e.name, e.doc], ...e.entries.map((x) => [x.name, x.doc] as [string, string]));
    for (const f of c.flagSets.values()) docs.push([f.spec.name, f.spec.doc], ...f.spec.bits.map((b) => [b.name, b.doc] as [string, string]));
    for (const k of c.spec.constants) docs.push([k.name, k.doc]);
    for (const io of c.ioctls.values()) docs.push([io.spec.name, io.spec.doc], ...io.spec.errors.map((r) => [r.id, r.when] as [string, string]));
    for (const io of c.coreIoctls.values()) docs.push([io.spec.name, io.spec.doc]);
    for (const x of c.externalStructs.values()) docs.push(...x.lp64.fields.map((f) => [`${x.lp64.struct.name}.${f.field.name}`, f.field.doc] as [string, string]));
    for (const k of c.spec.fdinfo ?? []) docs.push([k.key, k.doc]);
    for (const [what, doc] of docs) expect(doc.length, what).toBeGreaterThan(3);
  });
});

describe('the 2.0 spec compiler refuses mistakes', () => {
  it('a driver-private ioctl outside [DRM_COMMAND_BASE, DRM_COMMAND_END)', () => {
    const bad = mutate((s) => {
      s.ioctls = s.ioctls.map((i) => (i.name === 'DRM_IOCTL_OA_SUBMIT' ? { ...i, nr: 0x0c } : i));
    });
    expect(() => compileSpec(bad)).toThrow(/outside the driver range/);
  });

  it('a DRM binding that keeps the 1.0 size rules', () => {
    expect(() => compileSpec(mutate((s) => void (s.sizePolicy = 'size-field')))).toThrow(/sizePolicy 'drm-ioctl'/);
  });

  it('an opcode beyond the opcode field', () => {
    const bad = mutate((s) => {
      s.maxOpcode = 0x1ffff;
      s.opcodes = [...s.opcodes, { ...s.opcodes[0]!, name: 'OA_OP_FAR', value: 0x10000 }];
    });
    expect(() => compileSpec(bad)).toThrow(/cannot hold opcode/);
  });

  it('a core errno rule without a kernel source', () => {
    const bad = mutate((s) => {
      s.coreIoctls = s.coreIoctls!.map((i) => (i.name === 'DRM_IOCTL_GEM_CLOSE' ? { ...i, errors: [{ id: 'x', errno: 'EINVAL', when: 'x', source: 'somewhere' }] } : i));
    });
    expect(() => compileSpec(bad)).toThrow(SpecError);
  });
});

describe("uapi2.checkRequest follows drm_ioctl's size rules (rule size.drm-ioctl)", () => {
  const info = uapi2.ioctl('DRM_IOCTL_OA_GET_INFO');
  const submit = uapi2.ioctl('DRM_IOCTL_OA_SUBMIT');

  it('encodes without writing a size into the first field', () => {
    const bytes = info.encode({ flags: 0 });
    expect(new DataView(bytes.buffer).getUint32(0, true)).toBe(0);
  });

  it('zero-extends a shorter struct from an older caller', () => {
    const full = submit.encode({ queue_id: 3, sq_tail: 9, timeout_ns: 77n });
    const short = full.slice(0, 16);
    const req = (0xc0000000 | (16 << 16) | (0x64 << 8) | submit.nr) >>> 0;
    const r = uapi2.checkRequest(req, short);
    expect(r.name).toBe('DRM_IOCTL_OA_SUBMIT');
    expect(r.value['queue_id']).toBe(3);
    expect(r.value['sq_tail']).toBe(9);
    expect(r.value['timeout_ns']).toBe(0n);
    expect(r.iocSize).toBe(16);
  });

  it('drops the tail of a longer struct from a newer caller: no E2BIG', () => {
    const long = new Uint8Array(submit.arg.sizeBytes + 8);
    long.set(submit.encode({ queue_id: 1 }));
    long.fill(0xff, submit.arg.sizeBytes);
    const req = (0xc0000000 | (long.length << 16) | (0x64 << 8) | submit.nr) >>> 0;
    expect(uapi2.checkRequest(req, long).value['queue_id']).toBe(1);
  });

  it('answers a nr past the table with EINVAL, dispatches on nr whatever the type byte, and copies in nothing without both write bits', () => {
    expect(() => uapi2.checkRequest(0xc0086455, new Uint8Array(8))).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
    const foreignType = ((info.request() & ~0xff00) | (0x41 << 8)) >>> 0;
    expect(uapi2.checkRequest(foreignType, info.encode({})).name).toBe('DRM_IOCTL_OA_GET_INFO');
    // A read-only request for GET_INFO: drm_ioctl copies nothing in, so garbage flags are never seen.
    const readOnly = ((info.request() & 0x3fffffff) | 0x80000000) >>> 0;
    const garbage = new Uint8Array(info.arg.sizeBytes).fill(0xff);
    expect(uapi2.checkRequest(readOnly, garbage).value['flags']).toBe(0);
  });

  it('keeps the driver checks: unknown flags and reserved fields are EINVAL', () => {
    const q = uapi2.ioctl('DRM_IOCTL_OA_CREATE_QUEUE');
    expect(() => uapi2.checkRequest(q.request(), q.encode({ flags: 2, sq_entries: 4 }))).toThrow(expect.objectContaining({ errno: 'EINVAL', field: 'flags' }));
    expect(() => uapi2.checkRequest(q.request(), q.encode({ sq_entries: 4, reserved: 1 }))).toThrow(UapiError);
  });
});
