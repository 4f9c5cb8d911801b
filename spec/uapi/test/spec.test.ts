import { describe, expect, it } from 'vitest';
import { compileSpec, derivedDirection, openaccelV1, SpecError, uapi, type UapiSpec } from '../src/index.js';

/** A copy of the v1 spec with one change, to prove the compiler refuses it. */
function mutate(change: (s: { -readonly [K in keyof UapiSpec]: UapiSpec[K] }) => void): UapiSpec {
  const s = structuredClone(openaccelV1) as unknown as { -readonly [K in keyof UapiSpec]: UapiSpec[K] };
  change(s);
  return s;
}

describe('the v1.0 spec', () => {
  it('declares every ioctl the device model needs', () => {
    expect([...uapi.compiled.ioctls.keys()]).toEqual([
      'OA_IOCTL_GET_INFO',
      'OA_IOCTL_BIND_CONTEXT',
      'OA_IOCTL_CREATE_QUEUE',
      'OA_IOCTL_DESTROY_QUEUE',
      'OA_IOCTL_SET_EVENTFD',
      'OA_IOCTL_SUBMIT',
      'OA_IOCTL_QUERY_MEMORY',
      'OA_IOCTL_ALLOC_MEMORY',
      'OA_IOCTL_FREE_MEMORY',
      'OA_IOCTL_IMPORT_DMABUF',
      'OA_IOCTL_EXPORT_DMABUF',
    ]);
  });

  it('declares the required opcodes', () => {
    const names = openaccelV1.opcodes.map((o) => o.name);
    for (const op of ['NOP', 'COPY', 'FILL', 'CRC32C', 'SHA256', 'DEFLATE', 'INFLATE', 'AES_GCM_ENCRYPT', 'AES_GCM_DECRYPT']) {
      expect(names).toContain(`OA_OP_${op}`);
    }
  });

  it('gives every ioctl argument the direction its fields need', () => {
    for (const io of uapi.compiled.ioctls.values()) expect(io.spec.dir).toBe(derivedDirection(io.arg));
  });

  it('documents every field, with a unit on every non-flag scalar that is not reserved', () => {
    for (const l of uapi.compiled.structs.values()) {
      for (const { field, type } of l.fields) {
        expect(field.doc.length, `${l.struct.name}.${field.name}`).toBeGreaterThan(3);
        const needsUnit = type.count === undefined && !field.reserved && !field.flags && !field.enum && !['arg', 'result', 'cq_armed'].includes(field.name);
        if (needsUnit) expect(field.unit, `${l.struct.name}.${field.name} has no unit`).toBeDefined();
      }
    }
  });

  it('lays 64-bit fields on 8-byte boundaries everywhere', () => {
    for (const l of uapi.compiled.structs.values()) {
      for (const f of l.fields) if (f.type.alignBytes === 8) expect(f.offset % 8, `${l.struct.name}.${f.field.name}`).toBe(0);
    }
  });
});

describe('the spec compiler refuses mistakes', () => {
  it('a declared ioctl direction that the fields contradict', () => {
    const bad = mutate((s) => {
      s.ioctls = s.ioctls.map((i) => (i.name === 'OA_IOCTL_DESTROY_QUEUE' ? { ...i, dir: 'readwrite' } : i));
    });
    expect(() => compileSpec(bad)).toThrow(/declared direction 'readwrite' but the fields of oa_destroy_queue need 'write'/);
  });

  it('two ioctls with one number', () => {
    const bad = mutate((s) => {
      s.ioctls = s.ioctls.map((i) => (i.name === 'OA_IOCTL_SUBMIT' ? { ...i, nr: 0 } : i));
    });
    expect(() => compileSpec(bad)).toThrow(SpecError);
  });

  it('a field naming an unknown flag set, or flag bits wider than the field', () => {
    const unknown = mutate((s) => {
      s.structs = s.structs.map((st) => (st.name === 'oa_cqe' ? { ...st, fields: st.fields.map((f) => (f.name === 'flags' ? { ...f, flags: 'nope' } : f)) } : st));
    });
    expect(() => compileSpec(unknown)).toThrow(/unknown flag set 'nope'/);
    const wide = mutate((s) => {
      s.flags = s.flags.map((f) => (f.name === 'oa_sqe_flags' ? { ...f, bits: [...f.bits, { name: 'OA_SQE_WIDE', bit: 9, doc: 'x', since: '1.0' }] } : f));
    });
    expect(() => compileSpec(wide)).toThrow(/bits beyond the u8 field/);
  });

  it('an errno rule with an unknown errno or field', () => {
    const bad = mutate((s) => {
      s.ioctls = s.ioctls.map((i) => (i.name === 'OA_IOCTL_SUBMIT' ? { ...i, errors: [{ id: 'x', errno: 'EWHAT' as never, when: 'x' }] } : i));
    });
    expect(() => compileSpec(bad)).toThrow(/unknown errno 'EWHAT'/);
    const badField = mutate((s) => {
      s.ioctls = s.ioctls.map((i) => (i.name === 'OA_IOCTL_SUBMIT' ? { ...i, errors: [{ id: 'x', errno: 'EINVAL', field: 'nope', when: 'x' }] } : i));
    });
    expect(() => compileSpec(badField)).toThrow(/no field 'nope'/);
  });
});
