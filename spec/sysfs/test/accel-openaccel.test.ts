import { describe, expect, it } from 'vitest';
import { uapi2 } from '@openaccel/uapi';
import { ACCEL_CAP_WORDS, ACCEL_DEVICE_ATTRIBUTES, ACCEL_FUNCTION_WORDS, ACCEL_OPENACCEL_LAYOUT } from '../src/index.js';

describe('the 2.0 sysfs layout (the openaccel directory of an accel device)', () => {
  it('ties every attribute that repeats GET_INFO to a real field of the 2.0 oa_device_info', () => {
    const info = uapi2.compiled.structs.get('oa_device_info')!;
    for (const a of ACCEL_DEVICE_ATTRIBUTES) {
      if (!('infoField' in a)) continue;
      for (const f of a.infoField.split('.')) expect(info.byName.has(f), `${a.file} -> ${f}`).toBe(true);
    }
  });

  it('spells caps and functions from the 2.0 spec, and keeps 1.0-only facts out', () => {
    expect(ACCEL_CAP_WORDS).toContain('mmio_doorbell');
    expect(ACCEL_CAP_WORDS).toContain('syncobj_timeline');
    expect(ACCEL_FUNCTION_WORDS).toEqual(uapi2.compiled.spec.opcodes.map((o) => o.name.slice('OA_OP_'.length).toLowerCase()));
    const files = ACCEL_OPENACCEL_LAYOUT.flatMap((d) => d.attributes.map((a) => a.file));
    expect(files).not.toContain('pasid_bits');
    expect(files).not.toContain('doorbell_size');
  });

  it('is read-only, documented, and unique per directory', () => {
    for (const d of ACCEL_OPENACCEL_LAYOUT) {
      const names = [...d.attributes.map((a) => a.file), ...d.links.map((l) => l.name)];
      expect(new Set(names).size, d.path).toBe(names.length);
      for (const a of d.attributes) {
        expect(a.mode, `${d.path}/${a.file}`).toBe(0o444);
        expect(a.doc.length).toBeGreaterThan(3);
      }
    }
  });
});
