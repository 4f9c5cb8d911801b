/**
 * The API server's rules for consumable capacity (resource.k8s.io/v1, Kubernetes 1.34+), ported: a request
 * policy only on a device that allows multiple allocations; validValues or validRange, not both, each with
 * a default it admits; everything within the capacity's value; and quantities that parse.
 */
import { isQualifiedName } from './names.js';
import { isQuantity, parseQuantity, wholeUnits } from './quantity.js';
import type { Device, DeviceCapacity } from './types.js';

type Add = (path: string, message: string) => void;

/** At most this many validValues (CapacityRequestPolicyDiscreteMaxOptions). */
export const MAX_VALID_VALUES = 10;

const pointer = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

export function checkDeviceCapacity(d: Device, at: string, add: Add): void {
  const shared = d.allowMultipleAllocations === true;
  for (const [k, cap] of Object.entries(d.capacity ?? {})) {
    const p = `${at}/capacity/${pointer(k)}`;
    if (!isQualifiedName(k)) add(p, `'${k}' is not a qualified name`);
    if (!isQuantity(cap.value)) {
      add(`${p}/value`, `'${String(cap.value)}' is not a quantity`);
      continue;
    }
    if (!cap.requestPolicy) continue;
    if (!shared) add(`${p}/requestPolicy`, 'forbidden: allowMultipleAllocations must be true');
    else checkPolicy(cap, `${p}/requestPolicy`, add);
  }
}

function checkPolicy(cap: DeviceCapacity, at: string, add: Add): void {
  const policy = cap.requestPolicy!;
  const quantities = [policy.default, ...(policy.validValues ?? []), policy.validRange?.min, policy.validRange?.max, policy.validRange?.step];
  const bad = quantities.filter((q) => q !== undefined && !isQuantity(q));
  if (bad.length) return add(at, `not quantities: ${bad.map((q) => `'${String(q)}'`).join(', ')}`);
  const value = parseQuantity(cap.value);
  const values = policy.validValues ?? [];
  if (values.length && policy.validRange) return add(at, 'forbidden: validValues and validRange cannot both be set');
  if (values.length) {
    if (policy.default === undefined) return add(`${at}/default`, 'required when validValues is set');
    if (values.length > MAX_VALID_VALUES) return add(`${at}/validValues`, `${values.length} values; at most ${MAX_VALID_VALUES}`);
    const q = values.map(parseQuantity);
    q.forEach((v, i) => {
      if (i > 0 && q[i - 1]! > v) add(`${at}/validValues/${i}`, 'values must be sorted in ascending order');
      if (q.indexOf(v) !== i) add(`${at}/validValues/${i}`, `duplicate value '${values[i]}'`);
      if (v > value) add(`${at}/validValues/${i}`, `larger than the capacity value ${cap.value}`);
    });
    if (!q.includes(parseQuantity(policy.default))) add(`${at}/validValues`, `default ${policy.default} is not one of the valid values`);
    return;
  }
  const range = policy.validRange;
  if (!range) return;
  if (policy.default === undefined) return add(`${at}/default`, 'required when validRange is set');
  if (range.min === undefined) return add(`${at}/validRange/min`, 'required');
  const def = parseQuantity(policy.default);
  const min = parseQuantity(range.min);
  if (min > value) add(`${at}/validRange/min`, `min ${range.min} is larger than the capacity value ${cap.value}`);
  if (def < min) add(`${at}/validRange/min`, `default ${policy.default} is less than min ${range.min}`);
  if (range.max !== undefined) {
    const max = parseQuantity(range.max);
    if (min > max) add(`${at}/validRange/max`, `min ${range.min} is larger than max ${range.max}`);
    if (max > value) add(`${at}/validRange/max`, `max ${range.max} is larger than the capacity value ${cap.value}`);
    if (def > max) add(`${at}/validRange/max`, `default ${policy.default} is more than max ${range.max}`);
  }
  if (range.step !== undefined) {
    const step = parseQuantity(range.step);
    if (wholeUnits(step) <= 0n) return add(`${at}/validRange/step`, `step ${range.step} is not a positive whole amount`);
    if (min + step > value) add(`${at}/validRange/step`, `one step from min (${range.min} + ${range.step}) is larger than the capacity value ${cap.value}`);
    const offStep = (q: bigint) => (wholeUnits(q) - wholeUnits(min)) % wholeUnits(step) !== 0n;
    if (offStep(def)) add(`${at}/validRange/step`, `default ${policy.default} is not min plus a multiple of step ${range.step}`);
    if (range.max !== undefined && offStep(parseQuantity(range.max))) add(`${at}/validRange/step`, `max ${range.max} is not min plus a multiple of step ${range.step}`);
  }
}

/** A request's `capacity.requests`: qualified capacity names and quantities. */
export function checkCapacityRequests(requests: Record<string, unknown> | undefined, at: string, add: Add): void {
  for (const [k, v] of Object.entries(requests ?? {})) {
    const p = `${at}/capacity/requests/${pointer(k)}`;
    if (!isQualifiedName(k)) add(p, `'${k}' is not a qualified name`);
    if (!isQuantity(v)) add(p, `'${String(v)}' is not a quantity`);
  }
}
