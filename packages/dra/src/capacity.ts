/**
 * Consumable capacity (resource.k8s.io/v1, DRAConsumableCapacity): how much of each capacity one allocation
 * of a device consumes, and whether it still fits beside what other allocations hold. The rules are the
 * scheduler's: a capacity the request does not name consumes the policy's default (the whole value when
 * there is no policy); a requested amount is rounded up to the policy's next valid value; an amount the
 * policy does not allow, or one more than is left, makes the device unfit for the request.
 */
import { fromWholeUnits, parseQuantity, wholeUnits } from './quantity.js';
import type { DeviceCapacity } from './types.js';

/** Capacity name -> nano-units. */
export type CapacityAmounts = Map<string, bigint>;

/** Why a device cannot take one more allocation of a request; undefined when it can. */
export type CapacityMisfit =
  | { kind: 'unknown-capacity'; capacity: string }
  | { kind: 'policy'; capacity: string; requested: bigint }
  | { kind: 'exhausted'; capacity: string; needed: bigint; left: bigint; total: bigint };

/** The amount one allocation consumes, before it is checked against the policy and what is left. */
export function consumedAmount(requested: bigint | undefined, cap: DeviceCapacity): bigint {
  const policy = cap.requestPolicy;
  if (requested === undefined) return parseQuantity(policy?.default ?? cap.value);
  if (!policy) return requested;
  const range = policy.validRange;
  if (range?.min !== undefined) {
    const min = parseQuantity(range.min);
    if (requested < min) return min;
    if (range.step === undefined) return requested;
    // Go works on Value() (whole units, rounded up) here; so does this.
    const step = wholeUnits(parseQuantity(range.step));
    const minUnits = wholeUnits(min);
    const added = wholeUnits(requested) - minUnits;
    const n = added / step + (added % step === 0n ? 0n : 1n);
    return fromWholeUnits(minUnits + step * n);
  }
  if (policy.validValues) {
    for (const v of policy.validValues.map(parseQuantity)) if (requested <= v) return v;
  }
  return requested;
}

/** Whether a consumed amount breaks the policy (more than max, off the step, not a valid value). */
export function violatesPolicy(amount: bigint, cap: DeviceCapacity): boolean {
  const policy = cap.requestPolicy;
  if (!policy) return false;
  if (policy.default !== undefined && amount === parseQuantity(policy.default)) return false;
  const range = policy.validRange;
  if (range) {
    if (range.max !== undefined && amount > parseQuantity(range.max)) return true;
    if (range.step !== undefined) return (wholeUnits(amount) - wholeUnits(parseQuantity(range.min))) % wholeUnits(parseQuantity(range.step)) !== 0n;
    return false;
  }
  if (policy.validValues?.length) return !policy.validValues.some((v) => parseQuantity(v) === amount);
  return false;
}

/**
 * What one more allocation with these requests would consume on a device, given what is `held` already;
 * a misfit says why it cannot. Every capacity of the device is consumed, named in the request or not.
 */
export function consume(requests: Readonly<Record<string, string>> | undefined, capacity: Readonly<Record<string, DeviceCapacity>>, held: CapacityAmounts | undefined): { amounts: CapacityAmounts } | { misfit: CapacityMisfit } {
  for (const name of Object.keys(requests ?? {})) if (!(name in capacity)) return { misfit: { kind: 'unknown-capacity', capacity: name } };
  const amounts: CapacityAmounts = new Map();
  for (const [name, cap] of Object.entries(capacity)) {
    const raw = requests?.[name];
    const amount = consumedAmount(raw === undefined ? undefined : parseQuantity(raw), cap);
    if (violatesPolicy(amount, cap)) return { misfit: { kind: 'policy', capacity: name, requested: amount } };
    const total = parseQuantity(cap.value);
    const left = total - (held?.get(name) ?? 0n);
    if (amount > left) return { misfit: { kind: 'exhausted', capacity: name, needed: amount, left, total } };
    amounts.set(name, amount);
  }
  return { amounts };
}
