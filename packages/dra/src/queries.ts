/**
 * DeviceClasses and ResourceClaimTemplates for the three queries. Every CEL selector indexes the driver's
 * domain with `.?x.orValue(...)`, because a missing attribute is a runtime error that fails the whole claim.
 */
import { FUNCTION_WORDS } from '@openaccel/sysfs';
import { DRIVER, DraNameError, functionClassName, isDnsLabel, isDnsSubdomain } from './names.js';
import { ATTR, CAPACITY, distAttr, fnAttr, qualified } from './slices.js';
import { API_VERSION, type CelSelector, type DeviceClass, type DeviceSubRequest, type ResourceClaimTemplate } from './types.js';

const attr = (id: string) => `device.attributes["${DRIVER}"].?${id}`;
const cel = (expression: string): CelSelector => ({ cel: { expression } });

/** Selects every device of this driver. */
export const DRIVER_CLASS = DRIVER;

/** The CEL expression a function's class uses. */
export function functionSelector(fn: string): string {
  return `${attr(fnAttr(fn))}.orValue(false)`;
}

export function deviceClasses(functions: readonly string[] = FUNCTION_WORDS): DeviceClass[] {
  const driverOnly = `device.driver == "${DRIVER}"`;
  return [
    { apiVersion: API_VERSION, kind: 'DeviceClass', metadata: { name: DRIVER_CLASS }, spec: { selectors: [cel(driverOnly)] } },
    ...functions.map((fn): DeviceClass => ({
      apiVersion: API_VERSION,
      kind: 'DeviceClass',
      metadata: { name: functionClassName(fn) },
      // The driver check comes first: && short-circuits, so other drivers' devices never reach our attributes.
      spec: { selectors: [cel(`${driverOnly} && ${functionSelector(fn)}`)] },
    })),
  ];
}

export interface TemplateOptions {
  name?: string;
  namespace?: string;
}

export interface FunctionClaimOptions extends TemplateOptions {
  /** Queues the claim needs on its device (capacity.requests); without it a shared device gives one. */
  queues?: number;
}

function template(name: string, opts: TemplateOptions, spec: ResourceClaimTemplate['spec']['spec']): ResourceClaimTemplate {
  const n = opts.name ?? name;
  if (!isDnsSubdomain(n)) throw new DraNameError('claim template', n, 'is not a DNS subdomain');
  return { apiVersion: API_VERSION, kind: 'ResourceClaimTemplate', metadata: { name: n, ...(opts.namespace ? { namespace: opts.namespace } : {}) }, spec: { spec } };
}

const label = (fn: string) => fn.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/** Query 1 without a place: one device with function X (and, when asked, that many of its queues). */
export function functionClaim(fn: string, opts: FunctionClaimOptions = {}): ResourceClaimTemplate {
  const q = opts.queues;
  if (q !== undefined && !(Number.isSafeInteger(q) && q > 0)) throw new RangeError(`queues must be a positive integer, got ${q}`);
  const capacity = q === undefined ? {} : { capacity: { requests: { [CAPACITY.queues]: String(q) } } };
  return template(`openaccel-${label(fn)}${q === undefined ? '' : `-${q}-queues`}`, opts, { devices: { requests: [{ name: 'accel', exactly: { deviceClassName: functionClassName(fn), ...capacity } }] } });
}

/**
 * Query 1: function X nearest NUMA node N. DRA has no scoring, only ordered alternatives, so each distinct
 * distance the fleet's SLIT tables hold becomes one alternative (closest first), then any device at all.
 */
export function nearestClaim(fn: string, numa: number, distances: readonly number[], opts: TemplateOptions = {}): ResourceClaimTemplate {
  const tiers = [...new Set(distances)].sort((a, b) => a - b);
  if (tiers.length > 7) throw new DraNameError('nearest claim', `${fn} near node ${numa}`, `the fleet has ${tiers.length} distinct NUMA distances; a request holds 8 alternatives (7 tiers and 'any')`);
  const alternatives: DeviceSubRequest[] = tiers.map((d) => ({
    name: `distance-${d}`,
    deviceClassName: functionClassName(fn),
    selectors: [cel(`${attr(distAttr(numa))}.orValue(2147483647) <= ${d}`)],
  }));
  alternatives.push({ name: 'any', deviceClassName: functionClassName(fn) });
  return template(`openaccel-${label(fn)}-near-node-${numa}`, opts, { devices: { requests: [{ name: 'accel', firstAvailable: alternatives }] } });
}

/** Query 2: X and Y on two devices that reach one memory (HBM, device DDR). */
export function sharedMemoryClaim(x: string, y: string, opts: TemplateOptions = {}): ResourceClaimTemplate {
  return pairClaim(`openaccel-${label(x)}-${label(y)}-shared-memory`, x, y, ATTR.memoryDomain, opts);
}

/** Query 3: X and Y on two devices where Y consumes X's output without a CPU copy. */
export function chainClaim(x: string, y: string, opts: TemplateOptions = {}): ResourceClaimTemplate {
  return pairClaim(`openaccel-${label(x)}-${label(y)}-chain`, x, y, ATTR.linkDomain, opts);
}

function pairClaim(name: string, x: string, y: string, domain: string, opts: TemplateOptions): ResourceClaimTemplate {
  const rx = label(x);
  const ry = label(y) === rx ? `${rx}-2` : label(y);
  if (!isDnsLabel(rx) || !isDnsLabel(ry)) throw new DraNameError('request', `${rx}/${ry}`, 'is not a DNS label');
  return template(name, opts, {
    devices: {
      requests: [
        { name: rx, exactly: { deviceClassName: functionClassName(x) } },
        { name: ry, exactly: { deviceClassName: functionClassName(y) } },
      ],
      constraints: [{ requests: [rx, ry], matchAttribute: qualified(domain) }],
    },
  });
}
