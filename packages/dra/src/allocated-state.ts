/**
 * What earlier claims hold on a node, as the scheduler tracks it: devices allocated whole, and for devices
 * that allow multiple allocations, the capacity their shares consume.
 */
import type { CapacityAmounts } from './capacity.js';
import { formatQuantity, parseQuantity } from './quantity.js';
import type { DeviceRequestAllocationResult } from './types.js';

export const deviceKey = (driver: string, pool: string, device: string) => `${driver}/${pool}/${device}`;

export class AllocatedState {
  /** Devices allocated whole (no shareID). */
  readonly exclusive = new Set<string>();
  /** Device -> capacity consumed by all its shares. */
  readonly consumed = new Map<string, CapacityAmounts>();

  /** Records a claim's allocation. */
  add(results: readonly DeviceRequestAllocationResult[]): void {
    for (const r of results) this.apply(r, 1n);
  }

  /** Forgets a claim's allocation (the claim was deallocated). */
  remove(results: readonly DeviceRequestAllocationResult[]): void {
    for (const r of results) this.apply(r, -1n);
  }

  held(key: string): CapacityAmounts | undefined {
    return this.consumed.get(key);
  }

  /** Capacity consumed on a device, as quantities. */
  consumedOf(driver: string, pool: string, device: string): Record<string, string> {
    return Object.fromEntries([...(this.consumed.get(deviceKey(driver, pool, device)) ?? [])].map(([k, v]) => [k, formatQuantity(v)]));
  }

  private apply(r: DeviceRequestAllocationResult, sign: 1n | -1n): void {
    const key = deviceKey(r.driver, r.pool, r.device);
    if (r.shareID === undefined) {
      if (sign > 0n) this.exclusive.add(key);
      else this.exclusive.delete(key);
      return;
    }
    const held = this.consumed.get(key) ?? new Map<string, bigint>();
    for (const [name, q] of Object.entries(r.consumedCapacity ?? {})) held.set(name, (held.get(name) ?? 0n) + sign * parseQuantity(q));
    this.consumed.set(key, held);
  }
}
