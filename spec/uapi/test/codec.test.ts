import { describe, expect, it } from 'vitest';
import { ioc, uapi, UapiError } from '../src/index.js';

function thrown(fn: () => unknown): UapiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof UapiError) return e;
    throw e;
  }
  throw new Error('expected a UapiError');
}

describe('struct codecs', () => {
  it('round-trips every field of every struct', () => {
    for (const [name, layout] of uapi.compiled.structs) {
      const codec = uapi.struct(name as 'oa_sqe');
      const value: Record<string, unknown> = {};
      let seed = 1;
      for (const { field, type } of layout.fields) {
        seed = (seed * 7 + 3) % 251;
        if (type.count !== undefined) value[field.name] = Uint8Array.from({ length: type.count }, (_, i) => (seed + i) % 256);
        else if (type.scalar === 'u64') value[field.name] = 0x1234_5678_9abc_def0n + BigInt(seed);
        else if (type.scalar === 's32') value[field.name] = -seed;
        else value[field.name] = seed;
      }
      const bytes = codec.encode(value as never);
      expect(bytes.length).toBe(layout.sizeBytes);
      expect(codec.decode(bytes)).toEqual(value);
    }
  });

  it('writes little-endian bytes at the spec offsets', () => {
    const bytes = uapi.struct('oa_sqe').encode({ opcode: 3, tag: 0xa1b2c3d4, arg: 0x0102030405060708n });
    expect(bytes[0]).toBe(3);
    expect([...bytes.slice(4, 8)]).toEqual([0xd4, 0xc3, 0xb2, 0xa1]);
    expect([...bytes.slice(56, 64)]).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('fills size with the struct size, or the size of an older or newer caller', () => {
    const cq = uapi.ioctl('OA_IOCTL_CREATE_QUEUE');
    expect(cq.decode(cq.encode({ sq_entries: 8 })).size).toBe(56);
    const newer = cq.encode({ sq_entries: 8 }, 64);
    expect(newer.length).toBe(64);
    expect(new DataView(newer.buffer).getUint32(0, true)).toBe(64);
  });

  it('reads a short struct as zero-extended', () => {
    const info = uapi.struct('oa_device_info');
    const v = info.decode(new Uint8Array([104, 0, 0, 0, 0, 0, 0, 0, 1, 0]));
    expect(v.api_major).toBe(1);
    expect(v.functions).toBe(0n);
  });

  it('names the field and the allowed range when a value does not fit', () => {
    const e = thrown(() => uapi.ioctl('OA_IOCTL_CREATE_QUEUE').encode({ sq_entries: 2 ** 32 }));
    expect(e.errno).toBe('ERANGE');
    expect(e.field).toBe('sq_entries');
    expect(e.ioctl).toBe('OA_IOCTL_CREATE_QUEUE');
    expect(e.message).toMatch(/0\.\.4294967295/);
    expect(thrown(() => uapi.struct('oa_sqe').encode({ opcode: -1 })).errno).toBe('ERANGE');
    expect(thrown(() => uapi.struct('oa_sqe').encode({ tag: 1.5 })).errno).toBe('EINVAL');
    expect(thrown(() => uapi.struct('oa_sqe').encode({ bogus: 1 } as never)).field).toBe('bogus');
    expect(thrown(() => uapi.struct('oa_aes_gcm_params').encode({ iv: new Uint8Array(13) })).errno).toBe('ERANGE');
  });
});

describe('driver-side request check (common errno rules)', () => {
  const cq = uapi.ioctl('OA_IOCTL_CREATE_QUEUE');
  const withSize = (request: number, size: number) => ((request & ~(0x3fff << 16)) | (size << 16)) >>> 0;

  it('accepts a valid request and returns the decoded argument', () => {
    const r = uapi.checkRequest(cq.request(), cq.encode({ sq_entries: 64, cq_entries: 128 }));
    expect(r.name).toBe('OA_IOCTL_CREATE_QUEUE');
    expect(r.value['sq_entries']).toBe(64);
    expect(r.iocSize).toBe(56);
  });

  it('ENOTTY for another type, an unknown nr or the wrong direction', () => {
    expect(thrown(() => uapi.checkRequest(ioc('generic', 'readwrite', 0x48, 0, 24), new Uint8Array(24))).errno).toBe('ENOTTY');
    expect(thrown(() => uapi.checkRequest(ioc('generic', 'readwrite', 0xd7, 0x7f, 8), new Uint8Array(8))).errno).toBe('ENOTTY');
    expect(thrown(() => uapi.checkRequest(ioc('generic', 'write', 0xd7, 0x02, 56), cq.encode({}))).errno).toBe('ENOTTY');
  });

  it('EINVAL when the size field differs from _IOC_SIZE, or the struct is shorter than version 1.0', () => {
    const bytes = cq.encode({ sq_entries: 8 });
    new DataView(bytes.buffer).setUint32(0, 48, true);
    const e = thrown(() => uapi.checkRequest(cq.request(), bytes));
    expect([e.errno, e.field]).toEqual(['EINVAL', 'size']);
    const short = cq.encode({}, 40);
    expect(thrown(() => uapi.checkRequest(withSize(cq.request(), 40), short)).message).toMatch(/at least 56/);
  });

  it('accepts a newer caller with a zero tail, E2BIG with a non-zero tail', () => {
    const newer = cq.encode({ sq_entries: 8 }, 72);
    expect(uapi.checkRequest(withSize(cq.request(), 72), newer).value['sq_entries']).toBe(8);
    newer[71] = 1;
    const e = thrown(() => uapi.checkRequest(withSize(cq.request(), 72), newer));
    expect([e.errno, e.field]).toEqual(['E2BIG', 'size']);
  });

  it('EINVAL for an unknown flag bit, naming the flag set and its mask', () => {
    const bind = uapi.ioctl('OA_IOCTL_BIND_CONTEXT');
    expect(uapi.checkRequest(bind.request(), bind.encode({ flags: 1 })).value['flags']).toBe(1);
    const e = thrown(() => uapi.checkRequest(bind.request(), bind.encode({ flags: 2 })));
    expect([e.errno, e.field]).toEqual(['EINVAL', 'flags']);
    expect(e.message).toMatch(/0x2.*0x1 \(oa_bind_flags\)/);
  });

  it('EINVAL for a non-zero reserved field', () => {
    const q = uapi.ioctl('OA_IOCTL_QUERY_MEMORY');
    const e = thrown(() => uapi.checkRequest(q.request(), q.encode({ reserved: 1 })));
    expect([e.errno, e.field]).toEqual(['EINVAL', 'reserved']);
  });

  it('checks flags before reserved fields, as the common rules are ordered', () => {
    const rules = uapi.compiled.spec.commonErrors.map((r) => r.id);
    expect(rules.indexOf('unknown_flags')).toBeLessThan(rules.indexOf('reserved_nonzero'));
  });
});
