import { describe, expect, it } from 'vitest';
import { AllocationError, CelSelectorError, DRIVER, allocate, candidates, deviceClasses, type DeviceClass, type ResourceSlice } from '../src/index.js';

const classes = new Map<string, DeviceClass>(deviceClasses().map((c) => [c.metadata.name!, c]));
const slice = (devices: ResourceSlice['spec']['devices'], pool = 'n', generation = 0, count = 1): ResourceSlice => ({
  apiVersion: 'resource.k8s.io/v1',
  kind: 'ResourceSlice',
  metadata: { name: `${pool}-${generation}` },
  spec: { driver: DRIVER, pool: { name: pool, generation, resourceSliceCount: count }, nodeName: pool, devices },
});

describe('allocator', () => {
  const devices = candidates([
    slice([
      { name: 'a', attributes: { fn_deflate: { bool: true }, linkDomain: { string: 'L1' } } },
      { name: 'b', attributes: { fn_deflate: { bool: true }, linkDomain: { string: 'L2' } } },
      { name: 'c', attributes: { fn_sha256: { bool: true }, linkDomain: { string: 'L2' } } },
    ]),
  ]);
  const pair = {
    devices: {
      requests: [
        { name: 'x', exactly: { deviceClassName: 'deflate.openaccel.dev' } },
        { name: 'y', exactly: { deviceClassName: 'sha256.openaccel.dev' } },
      ],
      constraints: [{ requests: ['x', 'y'], matchAttribute: `${DRIVER}/linkDomain` }],
    },
  };

  it('backtracks: the first device for x has no partner, so x moves to the next', () => {
    expect(allocate('c', pair, classes, devices)?.map((r) => `${r.request}=${r.device}`)).toEqual(['x=b', 'y=c']);
  });

  it('finds nothing when no pair matches the attribute', () => {
    const only = candidates([slice([{ name: 'a', attributes: { fn_deflate: { bool: true }, linkDomain: { string: 'L1' } } }, { name: 'c', attributes: { fn_sha256: { bool: true } } }])]);
    expect(allocate('c', pair, classes, only)).toBeUndefined();
  });

  it('tries firstAvailable alternatives in order and names the one chosen', () => {
    const claim = {
      devices: {
        requests: [
          {
            name: 'accel',
            firstAvailable: [
              { name: 'near', deviceClassName: 'deflate.openaccel.dev', selectors: [{ cel: { expression: `device.attributes["${DRIVER}"].?linkDomain.orValue("") == "L9"` } }] },
              { name: 'far', deviceClassName: 'deflate.openaccel.dev', selectors: [{ cel: { expression: `device.attributes["${DRIVER}"].?linkDomain.orValue("") == "L2"` } }] },
            ],
          },
        ],
      },
    };
    expect(allocate('c', claim, classes, devices)).toEqual([{ request: 'accel/far', driver: DRIVER, pool: 'n', device: 'b' }]);
  });

  it('fails the whole claim on a CEL runtime error, as the scheduler does', () => {
    const claim = { devices: { requests: [{ name: 'a', exactly: { deviceClassName: 'deflate.openaccel.dev', selectors: [{ cel: { expression: `device.attributes["${DRIVER}"].linkDomain == "L1"` } }] } }] } };
    const bad = candidates([slice([{ name: 'z', attributes: { fn_deflate: { bool: true } } }])]);
    expect(() => allocate('c', claim, classes, bad)).toThrow(CelSelectorError);
  });

  it('allocates count devices with a shared attribute, and All devices or none', () => {
    const two = { devices: { requests: [{ name: 'x', exactly: { deviceClassName: 'deflate.openaccel.dev', count: 2 } }] } };
    expect(allocate('c', two, classes, devices)?.map((r) => r.device)).toEqual(['a', 'b']);
    const all = { devices: { requests: [{ name: 'x', exactly: { deviceClassName: 'deflate.openaccel.dev', allocationMode: 'All' as const } }] } };
    expect(allocate('c', all, classes, devices)?.map((r) => r.device)).toEqual(['a', 'b']);
    const none = { devices: { requests: [{ name: 'x', exactly: { deviceClassName: 'inflate.openaccel.dev', allocationMode: 'All' as const } }] } };
    expect(allocate('c', none, classes, devices)).toBeUndefined();
    const broken = { devices: { ...all.devices, constraints: [{ matchAttribute: `${DRIVER}/linkDomain` }] } };
    expect(() => allocate('c', broken, classes, devices)).toThrow(/breaks a constraint/);
  });

  it('ignores an incomplete pool and a missing class is an error', () => {
    expect(candidates([slice([{ name: 'a' }], 'p', 0, 2)])).toEqual([]);
    expect(() => allocate('c', { devices: { requests: [{ name: 'a', exactly: { deviceClassName: 'nope' } }] } }, classes, devices)).toThrow(AllocationError);
  });
});
