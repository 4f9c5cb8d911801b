/** CEL selectors evaluated the way the scheduler sees a device: `device.driver`, `.attributes`, `.capacity`. */
import { Environment } from '@marcbachmann/cel-js';
import { CelQuantity, registerQuantityLibrary } from './cel-quantity.js';
import { DRIVER } from './names.js';
import { parseQuantity } from './quantity.js';
import type { Device, DeviceAttribute } from './types.js';

/** A selector that does not compile, or fails at run time (which fails the whole claim in the scheduler). */
export class CelSelectorError extends Error {
  constructor(
    readonly expression: string,
    readonly phase: 'compile' | 'evaluate',
    readonly detail: string,
  ) {
    super(`CEL ${phase} error in '${expression}': ${detail}`);
    this.name = 'CelSelectorError';
  }
}

/** Expressions longer than this are rejected by the API server. */
export const MAX_EXPRESSION_LENGTH = 10 * 1024;

type Program = (ctx: Record<string, unknown>) => unknown;

const env = new Environment({ enableOptionalTypes: true, unlistedVariablesAreDyn: true });
registerQuantityLibrary(env);
const programs = new Map<string, Program>();

export function compileSelector(expression: string): Program {
  const cached = programs.get(expression);
  if (cached) return cached;
  if (expression.length > MAX_EXPRESSION_LENGTH) throw new CelSelectorError(expression.slice(0, 80), 'compile', `longer than ${MAX_EXPRESSION_LENGTH} characters`);
  let p: Program;
  try {
    p = env.parse(expression) as Program;
  } catch (e) {
    throw new CelSelectorError(expression, 'compile', (e as Error).message);
  }
  programs.set(expression, p);
  return p;
}

/** The `device` variable: bare attribute names go under the driver's domain; ints are CEL ints (BigInt); capacities are Quantities. */
export function celDevice(driver: string, d: Device): Record<string, unknown> {
  const attributes: Record<string, Record<string, unknown>> = { [driver]: {}, [DRIVER]: {}, 'resource.kubernetes.io': {} };
  for (const [k, v] of Object.entries(d.attributes ?? {})) {
    const slash = k.indexOf('/');
    const domain = slash < 0 ? driver : k.slice(0, slash);
    const id = slash < 0 ? k : k.slice(slash + 1);
    (attributes[domain] ??= {})[id] = celValue(v);
  }
  const capacity: Record<string, Record<string, unknown>> = { [driver]: {} };
  for (const [k, v] of Object.entries(d.capacity ?? {})) {
    const slash = k.indexOf('/');
    (capacity[slash < 0 ? driver : k.slice(0, slash)] ??= {})[slash < 0 ? k : k.slice(slash + 1)] = new CelQuantity(parseQuantity(v.value));
  }
  return { driver, attributes, capacity, allowMultipleAllocations: d.allowMultipleAllocations === true };
}

function celValue(v: DeviceAttribute): unknown {
  if ('int' in v) return BigInt(v.int);
  if ('bool' in v) return v.bool;
  if ('string' in v) return v.string;
  return v.version;
}

/** Whether a device matches; a non-boolean result or a runtime error is a CelSelectorError. */
export function selectorMatches(expression: string, device: Record<string, unknown>): boolean {
  const p = compileSelector(expression);
  let r: unknown;
  try {
    r = p({ device });
  } catch (e) {
    throw new CelSelectorError(expression, 'evaluate', (e as Error).message);
  }
  if (typeof r !== 'boolean') throw new CelSelectorError(expression, 'evaluate', `returned ${typeof r}, not bool`);
  return r;
}
