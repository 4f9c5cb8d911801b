import { describe, expect, it } from 'vitest';
import { AllocatedState, DRIVER, allocateClaim, candidates, celDevice, deviceClasses, selectorMatches, type DeviceClass, type ResourceSlice } from '../src/index.js';

const device = celDevice(DRIVER, { name: 'a', capacity: { queues: { value: '64' }, memory: { value: '1Gi' } } });
const q = (expr: string) => selectorMatches(expr, device);
const cap = `device.capacity["${DRIVER}"]`;

describe("Kubernetes' CEL quantity library in selectors", () => {
  it('capacities are quantities a selector compares', () => {
    expect(q(`${cap}.queues.compareTo(quantity("16")) >= 0`)).toBe(true);
    expect(q(`${cap}.queues.isGreaterThan(quantity("64"))`)).toBe(false);
    expect(q(`${cap}.memory.isLessThan(quantity("2Gi"))`)).toBe(true);
    expect(q(`${cap}.memory.compareTo(quantity("1073741824")) == 0`)).toBe(true);
  });

  it('does arithmetic and conversions exactly', () => {
    expect(q(`${cap}.queues.sub(quantity("500m")).isInteger()`)).toBe(false);
    expect(q(`${cap}.queues.add(1).asInteger() == 65`)).toBe(true);
    expect(q(`${cap}.memory.sub(${cap}.memory).sign() == 0`)).toBe(true);
    expect(q(`quantity("1.5").asApproximateFloat() == 1.5`)).toBe(true);
    expect(q('isQuantity("16Gi") && !isQuantity("lots")')).toBe(true);
  });

  it('a class selecting on capacity is what the allocator evaluates', () => {
    const roomy: DeviceClass = { apiVersion: 'resource.k8s.io/v1', kind: 'DeviceClass', metadata: { name: 'roomy' }, spec: { selectors: [{ cel: { expression: `${cap}.?queues.orValue(quantity("0")).compareTo(quantity("32")) >= 0` } }] } };
    const classes = new Map<string, DeviceClass>([...deviceClasses(), roomy].map((c) => [c.metadata.name!, c]));
    const slice: ResourceSlice = {
      apiVersion: 'resource.k8s.io/v1',
      kind: 'ResourceSlice',
      metadata: { name: 'n-0' },
      spec: { driver: DRIVER, pool: { name: 'n', generation: 0, resourceSliceCount: 1 }, nodeName: 'n', devices: [{ name: 'small', capacity: { queues: { value: '8' } } }, { name: 'big', capacity: { queues: { value: '64' } } }, { name: 'none' }] },
    };
    const a = allocateClaim('c', { devices: { requests: [{ name: 'r', exactly: { deviceClassName: 'roomy' } }] } }, classes, candidates([slice]), { state: new AllocatedState() });
    expect('results' in a && a.results.map((r) => r.device)).toEqual(['big']);
  });
});
