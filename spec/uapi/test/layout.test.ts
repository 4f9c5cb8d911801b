import { describe, expect, it } from 'vitest';
import { computeLayout, SpecError, uapi, type StructSpec } from '../src/index.js';

const struct = (fields: StructSpec['fields'], extra: Partial<StructSpec> = {}): StructSpec => ({
  name: 't',
  doc: 'test',
  extensible: false,
  since: '1.0',
  fields,
  ...extra,
});
const f = (name: string, type: string, since = '1.0') => ({ name, type, dir: 'in', doc: name, since }) as StructSpec['fields'][number];

describe('struct layout', () => {
  it('lays out naturally aligned fields like the C compiler', () => {
    const l = computeLayout(struct([f('a', 'u32'), f('b', 'u16'), f('c', 'u16'), f('d', 'u64'), f('e', 'u8[8]')]));
    expect(l.fields.map((x) => x.offset)).toEqual([0, 4, 6, 8, 16]);
    expect(l.sizeBytes).toBe(24);
    expect(l.alignBytes).toBe(8);
  });

  it('refuses implicit padding before a 64-bit field (the i386 trap)', () => {
    expect(() => computeLayout(struct([f('a', 'u32'), f('b', 'u64')]))).toThrow(SpecError);
    expect(() => computeLayout(struct([f('a', 'u32'), f('b', 'u64')]))).toThrow(/offset 4 is not a multiple of its alignment 8/);
  });

  it('refuses tail padding', () => {
    expect(() => computeLayout(struct([f('a', 'u64'), f('b', 'u32')]))).toThrow(/tail padding/);
  });

  it('requires __u32 size first in an extensible struct', () => {
    expect(() => computeLayout(struct([f('flags', 'u32'), f('x', 'u32')], { extensible: true }))).toThrow(/starts with '__u32 size'/);
  });

  it('computes the minimum size from the fields of the first version', () => {
    const l = computeLayout(struct([f('size', 'u32'), f('a', 'u32'), f('b', 'u64', '1.1')], { extensible: true }));
    expect(l.sizeBytes).toBe(16);
    expect(l.minSizeBytes).toBe(8);
    expect(() => computeLayout(struct([f('size', 'u32'), f('b', 'u32', '1.1'), f('a', 'u64')], { extensible: true }))).toThrow(/must precede/);
  });

  it('puts each doorbell word group on its own cache line', () => {
    const db = uapi.struct('oa_doorbell');
    expect(db.offsetOf('sq_tail')).toBe(0);
    expect(db.offsetOf('cq_head')).toBe(64);
    expect(db.offsetOf('sq_head')).toBe(128);
    expect(db.offsetOf('flags')).toBe(192);
    expect(db.sizeBytes).toBe(uapi.constant('OA_DOORBELL_SIZE'));
  });

  it('keeps the ring constants equal to the struct sizes', () => {
    expect(uapi.struct('oa_sqe').sizeBytes).toBe(uapi.constant('OA_SQE_SIZE'));
    expect(uapi.struct('oa_cqe').sizeBytes).toBe(uapi.constant('OA_CQE_SIZE'));
    expect(uapi.constant('OA_DOORBELL_REGION_SIZE') % uapi.constant('OA_DOORBELL_SIZE')).toBe(0);
  });
});
