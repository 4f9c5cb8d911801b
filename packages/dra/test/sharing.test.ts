import { describe, expect, it } from 'vitest';
import { AllocatedState, DRIVER, allocateClaim, candidates, deviceClasses, explainUnfit, validateObject, type Device, type DeviceClass, type ResourceClaim, type ResourceClaimSpec, type ResourceSlice } from '../src/index.js';

const classes = new Map<string, DeviceClass>(deviceClasses().map((c) => [c.metadata.name!, c]));
const slice = (devices: Device[]): ResourceSlice => ({
  apiVersion: 'resource.k8s.io/v1',
  kind: 'ResourceSlice',
  metadata: { name: 'n-0' },
  spec: { driver: DRIVER, pool: { name: 'n', generation: 0, resourceSliceCount: 1 }, nodeName: 'n', devices },
});
const shared = (name: string, queues: number, extra: Partial<Device> = {}): Device => ({
  name,
  allowMultipleAllocations: true,
  attributes: { fn_deflate: { bool: true }, fn_sha256: { bool: true } },
  capacity: { queues: { value: String(queues), requestPolicy: { default: '1', validRange: { min: '1', ...(queues >= 2 ? { step: '1' } : {}) } } } },
  ...extra,
});
const claim = (queues?: string, fn = 'deflate'): ResourceClaimSpec => ({
  devices: { requests: [{ name: 'accel', exactly: { deviceClassName: `${fn}.openaccel.dev`, ...(queues ? { capacity: { requests: { queues } } } : {}) } }] },
});

/** Allocates one claim against the state and records it, as the scheduler does between pods. */
function place(state: AllocatedState, devices: Device[], spec: ResourceClaimSpec, name = 'c') {
  const a = allocateClaim(name, spec, classes, candidates([slice(devices)]), { state });
  if ('results' in a) state.add(a.results);
  return a;
}

describe('queues as consumable capacity', () => {
  it('several claims share one device until its queues are used up; the next says why it does not fit', () => {
    const state = new AllocatedState();
    const devices = [shared('a', 2)];
    const first = place(state, devices, claim());
    const second = place(state, devices, claim());
    if (!('results' in first) || !('results' in second)) throw new Error('the first two claims must fit');
    expect(first.results[0]).toMatchObject({ device: 'a', consumedCapacity: { queues: '1' } });
    expect(second.results[0]!.device).toBe('a');
    expect(first.results[0]!.shareID).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.results[0]!.shareID).not.toBe(first.results[0]!.shareID);
    const third = place(state, devices, claim());
    if (!('unfit' in third)) throw new Error('the third claim must not fit');
    expect(third.unfit.requests[0]!.rejected).toEqual([{ device: 'a', why: { kind: 'exhausted', capacity: 'queues', needed: 1_000_000_000n, left: 0n, total: 2_000_000_000n } }]);
    expect(explainUnfit(third.unfit)).toBe("request accel: 1 device match; a 0 of 2 'queues' left, 1 needed");
  });

  it('a claim carrying shares in its status passes the official ResourceClaim schema (shareID, consumedCapacity)', () => {
    const spec = claim('2');
    const a = place(new AllocatedState(), [shared('a', 4, { capacity: { ...shared('a', 4).capacity, memory: { value: '1Gi', requestPolicy: { default: '0', validRange: { min: '0' } } } } })], spec);
    if (!('results' in a)) throw new Error('must fit');
    expect(a.results[0]!.consumedCapacity).toEqual({ queues: '2', memory: '0' });
    const rc: ResourceClaim = { apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaim', metadata: { name: 'c', namespace: 'demo' }, spec, status: { allocation: { devices: { results: a.results } } } };
    expect(validateObject(rc)).toEqual([]);
    const bad = structuredClone(rc);
    bad.status!.allocation!.devices!.results![0]!.consumedCapacity = { queues: 'two' };
    expect(validateObject(bad).map((p) => p.message)).toContain('must match format "quantity"');
  });

  it('a claim asking more than is left does not fit, and one asking what is left does', () => {
    const state = new AllocatedState();
    const devices = [shared('a', 4)];
    expect(place(state, devices, claim('3'))).toHaveProperty('results');
    const big = place(state, devices, claim('2'));
    expect('unfit' in big && explainUnfit(big.unfit)).toBe("request accel: 1 device match; a 1 of 4 'queues' left, 2 needed");
    expect(place(state, devices, claim('1'))).toHaveProperty('results');
  });

  it('moves to the next device when the first is full, and frees queues when a claim goes', () => {
    const state = new AllocatedState();
    const devices = [shared('a', 1), shared('b', 1)];
    const one = place(state, devices, claim());
    const two = place(state, devices, claim());
    expect('results' in two && two.results[0]!.device).toBe('b');
    if (!('results' in one)) throw new Error('must fit');
    state.remove(one.results);
    const three = place(state, devices, claim());
    expect('results' in three && three.results[0]!.device).toBe('a');
  });

  it('a requested amount is rounded up to the policy before it is counted', () => {
    const state = new AllocatedState();
    const r = place(state, [shared('a', 4)], claim('1500m'));
    expect('results' in r && r.results[0]!.consumedCapacity).toEqual({ queues: '2' });
  });

  it('an amount the policy does not allow, or a capacity the device lacks, makes the device unfit', () => {
    const capped = shared('a', 8, { capacity: { queues: { value: '8', requestPolicy: { default: '1', validRange: { min: '1', max: '4' } } } } });
    const over = place(new AllocatedState(), [capped], claim('5'));
    expect('unfit' in over && over.unfit.requests[0]!.rejected[0]!.why).toEqual({ kind: 'policy', capacity: 'queues', requested: 5_000_000_000n });
    const spec: ResourceClaimSpec = { devices: { requests: [{ name: 'accel', exactly: { deviceClassName: 'deflate.openaccel.dev', capacity: { requests: { memory: '1Gi' } } } }] } };
    const lacking = place(new AllocatedState(), [shared('a', 8)], spec);
    expect('unfit' in lacking && explainUnfit(lacking.unfit)).toBe("request accel: 1 device match; a has no capacity 'memory'");
  });

  it('two requests of one claim may share one device, and consume its queues together', () => {
    const spec: ResourceClaimSpec = {
      devices: {
        requests: [
          { name: 'x', exactly: { deviceClassName: 'deflate.openaccel.dev', capacity: { requests: { queues: '2' } } } },
          { name: 'y', exactly: { deviceClassName: 'sha256.openaccel.dev', capacity: { requests: { queues: '2' } } } },
        ],
      },
    };
    const both = place(new AllocatedState(), [shared('a', 4), shared('b', 4)], spec);
    expect('results' in both && both.results.map((r) => r.device)).toEqual(['a', 'a']);
    const tight = place(new AllocatedState(), [shared('a', 3), shared('b', 4)], spec);
    expect('results' in tight && tight.results.map((r) => r.device)).toEqual(['a', 'b']);
  });

  it('distinctAttribute keeps the requests of a claim on different devices', () => {
    const withId = (d: Device) => ({ ...d, attributes: { ...d.attributes, serial: { string: d.name } } });
    const spec: ResourceClaimSpec = {
      devices: {
        requests: [
          { name: 'x', exactly: { deviceClassName: 'deflate.openaccel.dev' } },
          { name: 'y', exactly: { deviceClassName: 'sha256.openaccel.dev' } },
        ],
        constraints: [{ requests: ['x', 'y'], distinctAttribute: `${DRIVER}/serial` }],
      },
    };
    const r = place(new AllocatedState(), [withId(shared('a', 4)), withId(shared('b', 4))], spec);
    expect('results' in r && r.results.map((x) => x.device)).toEqual(['a', 'b']);
    const one = place(new AllocatedState(), [withId(shared('a', 4))], spec);
    expect('unfit' in one && explainUnfit(one.unfit)).toContain(`a breaks the claim's constraint on ${DRIVER}/serial`);
  });

  it('a device without allowMultipleAllocations is allocated whole; its capacity only filters', () => {
    const whole: Device = { name: 'w', attributes: { fn_deflate: { bool: true } }, capacity: { queues: { value: '4' } } };
    const state = new AllocatedState();
    const r = place(state, [whole], claim('2'));
    expect('results' in r && r.results[0]).toEqual({ request: 'accel', driver: DRIVER, pool: 'n', device: 'w' });
    const next = place(state, [whole], claim('1'));
    expect('unfit' in next && explainUnfit(next.unfit)).toBe('request accel: 1 device match; w allocated whole to another claim');
    const tooBig = place(new AllocatedState(), [whole], claim('5'));
    expect('unfit' in tooBig && explainUnfit(tooBig.unfit)).toBe("request accel: 1 device match; w 4 of 4 'queues' left, 5 needed");
  });

  it('allocationMode All takes every matching device that has enough of the capacity, and fails when one of them is full', () => {
    const spec: ResourceClaimSpec = { devices: { requests: [{ name: 'all', exactly: { deviceClassName: 'deflate.openaccel.dev', allocationMode: 'All', capacity: { requests: { queues: '2' } } } }] } };
    const devices = [shared('a', 4), shared('small', 1), shared('b', 2)];
    const state = new AllocatedState();
    const r = place(state, devices, spec);
    expect('results' in r && r.results.map((x) => x.device)).toEqual(['a', 'b']);
    const again = place(state, devices, spec);
    expect('unfit' in again && explainUnfit(again.unfit)).toBe("request all: 3 devices match; b 0 of 2 'queues' left, 2 needed");
  });

  it('says nothing about requests the search never reached', () => {
    const spec: ResourceClaimSpec = {
      devices: {
        requests: [
          { name: 'x', exactly: { deviceClassName: 'aes-gcm-encrypt.openaccel.dev' } },
          { name: 'y', exactly: { deviceClassName: 'deflate.openaccel.dev' } },
        ],
      },
    };
    const r = place(new AllocatedState(), [shared('a', 4)], spec);
    expect('unfit' in r && r.unfit.requests.map((x) => x.request)).toEqual(['x']);
    expect('unfit' in r && explainUnfit(r.unfit)).toBe('request x: no device matches');
  });
});
