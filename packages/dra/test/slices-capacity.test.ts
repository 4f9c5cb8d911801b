import { describe, expect, it } from 'vitest';
import { buildFromSysfs } from '@openaccel/topology';
import { exportNode, validateObject, type Device } from '../src/index.js';
import { FIXTURES } from './fixtures.js';

const devicesOf = (machine: string): Record<string, Device> => {
  const { slices } = exportNode(buildFromSysfs(FIXTURES + machine).graph, { node: 'n' });
  for (const s of slices) expect(validateObject(s)).toEqual([]);
  return Object.fromEntries(slices.flatMap((s) => s.spec.devices ?? []).map((d) => [d.name, d]));
};

describe('queues and memory as consumable capacity in the ResourceSlices', () => {
  it('a device with free queues allows multiple allocations, each taking one queue by default', () => {
    const d = devicesOf('two-socket-hbm')['uacce-hisi-zip-0']!;
    expect(d.allowMultipleAllocations).toBe(true);
    expect(d.capacity).toEqual({ queues: { value: '250', requestPolicy: { default: '1', validRange: { min: '1', step: '1' } } } });
  });

  it('memory only one device reaches is capacity too, consumed only when asked for', () => {
    const d = devicesOf('garbage')['openaccel-accel3']!;
    expect(d.capacity!.memory).toEqual({ value: '1Gi', requestPolicy: { default: '0', validRange: { min: '0' } } });
  });

  it('memory two devices share is not capacity of either (each would offer all of it)', () => {
    const d = devicesOf('two-socket-hbm')['openaccel-accel0']!;
    expect(Object.keys(d.capacity!)).toEqual(['queues']);
  });

  it('a device whose queues are unknown is allocated whole; its own memory is capacity without a policy', () => {
    const d = devicesOf('kfd-xgmi-workstation')['kfd-1']!;
    expect(d.allowMultipleAllocations).toBeUndefined();
    expect(d.capacity).toEqual({ memory: { value: '64Gi' } });
  });
});
