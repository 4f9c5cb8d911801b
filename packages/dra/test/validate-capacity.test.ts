import { describe, expect, it } from 'vitest';
import { DRIVER, functionClaim, validateObject, type CapacityRequestPolicy, type Device, type ResourceClaimTemplate, type ResourceSlice } from '../src/index.js';

const sliceWith = (device: Device): ResourceSlice => ({
  apiVersion: 'resource.k8s.io/v1',
  kind: 'ResourceSlice',
  metadata: { name: 'n-0' },
  spec: { driver: DRIVER, pool: { name: 'n', generation: 0, resourceSliceCount: 1 }, nodeName: 'n', devices: [device] },
});
const messages = (o: unknown) => validateObject(o).map((p) => `${p.path}: ${p.message}`);
const at = '/spec/devices/0/capacity/queues/requestPolicy';
/** A shared device whose `queues` capacity (value 8) has this policy. */
const policy = (requestPolicy: CapacityRequestPolicy, allowMultipleAllocations = true) => messages(sliceWith({ name: 'a', allowMultipleAllocations, capacity: { queues: { value: '8', requestPolicy } } }));

describe('consumable capacity as the API server validates it', () => {
  it('accepts a default with a range or with valid values', () => {
    expect(policy({ default: '1', validRange: { min: '1', max: '8', step: '1' } })).toEqual([]);
    expect(policy({ default: '2', validValues: ['1', '2', '4', '8'] })).toEqual([]);
    expect(policy({ default: '0', validRange: { min: '0' } })).toEqual([]);
  });

  it('forbids a request policy on a device that does not allow multiple allocations', () => {
    expect(policy({ default: '1' }, false)).toEqual([`${at}: forbidden: allowMultipleAllocations must be true`]);
  });

  it('forbids validValues and validRange together', () => {
    expect(policy({ default: '1', validValues: ['1'], validRange: { min: '1' } })).toEqual([`${at}: forbidden: validValues and validRange cannot both be set`]);
  });

  it('checks valid values: a default among them, sorted, unique, within the value, at most 10', () => {
    expect(policy({ validValues: ['1'] })).toEqual([`${at}/default: required when validValues is set`]);
    expect(policy({ default: '3', validValues: ['1', '2'] })).toEqual([`${at}/validValues: default 3 is not one of the valid values`]);
    expect(policy({ default: '1', validValues: ['2', '1', '16', '16'] })).toEqual([
      `${at}/validValues/1: values must be sorted in ascending order`,
      `${at}/validValues/2: larger than the capacity value 8`,
      `${at}/validValues/3: duplicate value '16'`,
      `${at}/validValues/3: larger than the capacity value 8`,
    ]);
    expect(policy({ default: '1', validValues: Array.from({ length: 11 }, (_, i) => `${i + 1}m`) })).toEqual([`${at}/validValues: 11 values; at most 10`]);
  });

  it('checks a range: default required and inside, min and max within the value, default and max on the step', () => {
    expect(policy({ validRange: { min: '1' } })).toEqual([`${at}/default: required when validRange is set`]);
    expect(policy({ default: '9', validRange: { min: '9' } })).toEqual([`${at}/validRange/min: min 9 is larger than the capacity value 8`]);
    expect(policy({ default: '1', validRange: { min: '2' } })).toEqual([`${at}/validRange/min: default 1 is less than min 2`]);
    expect(policy({ default: '4', validRange: { min: '2', max: '16' } })).toEqual([`${at}/validRange/max: max 16 is larger than the capacity value 8`]);
    expect(policy({ default: '4', validRange: { min: '2', max: '3' } })).toEqual([`${at}/validRange/max: default 4 is more than max 3`]);
    expect(policy({ default: '3', validRange: { min: '1', max: '6', step: '2' } })).toEqual([`${at}/validRange/step: max 6 is not min plus a multiple of step 2`]);
    expect(policy({ default: '2', validRange: { min: '1', step: '2' } })).toEqual([`${at}/validRange/step: default 2 is not min plus a multiple of step 2`]);
    expect(policy({ default: '4', validRange: { min: '4', step: '5' } })).toEqual([`${at}/validRange/step: one step from min (4 + 5) is larger than the capacity value 8`]);
  });

  it('refuses values that are not quantities (the official schema knows the format)', () => {
    expect(messages(sliceWith({ name: 'a', capacity: { queues: { value: 'lots' } } }))).toContain('/spec/devices/0/capacity/queues/value: must match format "quantity"');
    expect(policy({ default: 'one' })).toContain(`${at}/default: must match format "quantity"`);
  });

  it("checks a claim's capacity requests: qualified names and quantities", () => {
    const t = functionClaim('deflate', { queues: 2 }) as ResourceClaimTemplate;
    expect(validateObject(t)).toEqual([]);
    t.spec.spec.devices!.requests![0]!.exactly!.capacity = { requests: { 'bad-name': '1', queues: 'two' } };
    expect(messages(t)).toContain('/spec/spec/devices/requests/0/exactly/capacity/requests/queues: must match format "quantity"');
    t.spec.spec.devices!.requests![0]!.exactly!.capacity = { requests: { 'bad-name': '1' } };
    expect(messages(t)).toEqual(["/spec/spec/devices/requests/0/exactly/capacity/requests/bad-name: 'bad-name' is not a qualified name"]);
  });

  it('takes distinctAttribute as a constraint, and exactly one of the two', () => {
    const t = functionClaim('deflate');
    const devices = t.spec.spec.devices!;
    devices.constraints = [{ distinctAttribute: `${DRIVER}/kernelName` }];
    expect(validateObject(t)).toEqual([]);
    devices.constraints = [{ distinctAttribute: `${DRIVER}/kernelName`, matchAttribute: `${DRIVER}/linkDomain` }, {}];
    expect(messages(t)).toEqual(['/spec/spec/devices/constraints/0: exactly one of matchAttribute, distinctAttribute is required', '/spec/spec/devices/constraints/1: exactly one of matchAttribute, distinctAttribute is required']);
  });
});
