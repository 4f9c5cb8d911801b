/**
 * Kubernetes' CEL quantity library, as DRA selectors see it: `quantity("16Gi")`, `isQuantity(s)`, and on a
 * Quantity `compareTo`, `isGreaterThan`, `isLessThan`, `add`, `sub`, `sign`, `isInteger`, `asInteger`,
 * `asApproximateFloat`. A device's capacities are Quantities, so a selector can ask how much a device has.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { parseQuantity, wholeUnits } from './quantity.js';

const NANO = 1_000_000_000n;

/** A quantity inside CEL: exact nano-units. */
export class CelQuantity {
  constructor(readonly nanos: bigint) {}
}

const cmp = (a: CelQuantity, b: CelQuantity): bigint => (a.nanos < b.nanos ? -1n : a.nanos > b.nanos ? 1n : 0n);
const method = (env: Environment, name: string, returnType: string, params: string[], handler: (...a: never[]) => unknown) =>
  env.registerFunction({ name, receiverType: 'Quantity', returnType, params: params.map((type, i) => ({ name: `arg${i}`, type })), handler: handler as (...a: unknown[]) => unknown });

export function registerQuantityLibrary(env: Environment): void {
  env.registerType('Quantity', CelQuantity);
  env.registerFunction('quantity(string): Quantity', (s: string) => new CelQuantity(parseQuantity(s)));
  env.registerFunction('isQuantity(string): bool', (s: string) => {
    try {
      parseQuantity(s);
      return true;
    } catch {
      return false;
    }
  });
  method(env, 'compareTo', 'int', ['Quantity'], (a: CelQuantity, b: CelQuantity) => cmp(a, b));
  method(env, 'isGreaterThan', 'bool', ['Quantity'], (a: CelQuantity, b: CelQuantity) => cmp(a, b) > 0n);
  method(env, 'isLessThan', 'bool', ['Quantity'], (a: CelQuantity, b: CelQuantity) => cmp(a, b) < 0n);
  method(env, 'add', 'Quantity', ['Quantity'], (a: CelQuantity, b: CelQuantity) => new CelQuantity(a.nanos + b.nanos));
  method(env, 'add', 'Quantity', ['int'], (a: CelQuantity, b: bigint) => new CelQuantity(a.nanos + b * NANO));
  method(env, 'sub', 'Quantity', ['Quantity'], (a: CelQuantity, b: CelQuantity) => new CelQuantity(a.nanos - b.nanos));
  method(env, 'sub', 'Quantity', ['int'], (a: CelQuantity, b: bigint) => new CelQuantity(a.nanos - b * NANO));
  method(env, 'sign', 'int', [], (a: CelQuantity) => (a.nanos < 0n ? -1n : a.nanos > 0n ? 1n : 0n));
  method(env, 'isInteger', 'bool', [], (a: CelQuantity) => a.nanos % NANO === 0n);
  method(env, 'asInteger', 'int', [], (a: CelQuantity) => {
    if (a.nanos % NANO !== 0n) throw new RangeError('quantity is not an integer');
    return wholeUnits(a.nanos);
  });
  method(env, 'asApproximateFloat', 'double', [], (a: CelQuantity) => Number(a.nanos) / 1e9);
}
