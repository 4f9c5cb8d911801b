/**
 * A structured-parameters allocator over one node, with the scheduler's semantics: requests in order,
 * first fit over devices in pool and slice order (there is no scoring), `firstAvailable` alternatives tried
 * in order, `matchAttribute` and `distinctAttribute` constraints (a device lacking the attribute cannot be
 * chosen), backtracking across requests, only complete pools, and a CEL runtime error failing the whole
 * claim. A device that allows multiple allocations is shared: every allocation of it (several in one claim
 * too) consumes capacity, and it fits as long as what it asks for is left.
 */
import { randomUUID } from 'node:crypto';
import { AllocatedState, deviceKey } from './allocated-state.js';
import { consume, type CapacityAmounts, type CapacityMisfit } from './capacity.js';
import { celDevice, selectorMatches } from './cel.js';
import { formatQuantity } from './quantity.js';
import type { Device, DeviceAttribute, DeviceClass, DeviceRequestAllocationResult, ResourceClaimSpec, ResourceSlice } from './types.js';

export class AllocationError extends Error {
  constructor(
    readonly claim: string,
    readonly why: string,
  ) {
    super(`claim ${claim}: ${why}`);
    this.name = 'AllocationError';
  }
}

interface Candidate {
  driver: string;
  pool: string;
  device: Device;
  cel: Record<string, unknown>;
  /** driver/pool/device */
  key: string;
  shared: boolean;
}

/** Devices of the complete pools in these slices, in the order the allocator walks them. */
export function candidates(slices: readonly ResourceSlice[]): Candidate[] {
  const pools = new Map<string, ResourceSlice[]>();
  for (const s of slices) {
    const key = `${s.spec.driver}/${s.spec.pool.name}`;
    pools.set(key, [...(pools.get(key) ?? []), s]);
  }
  const out: Candidate[] = [];
  for (const key of [...pools.keys()].sort()) {
    const all = pools.get(key)!;
    const gen = Math.max(...all.map((s) => s.spec.pool.generation));
    const current = all.filter((s) => s.spec.pool.generation === gen);
    if (current.length !== current[0]!.spec.pool.resourceSliceCount) continue; // incomplete pool: not considered
    for (const s of current) for (const d of s.spec.devices ?? []) out.push({ driver: s.spec.driver, pool: s.spec.pool.name, device: d, cel: celDevice(s.spec.driver, d), key: deviceKey(s.spec.driver, s.spec.pool.name, d.name), shared: d.allowMultipleAllocations === true });
  }
  return out;
}

interface Alternative {
  request: string;
  /** Result name: `req` or `req/sub`. */
  result: string;
  className: string;
  selectors: string[];
  count: number | 'all';
  capacity: Record<string, string> | undefined;
}

export interface AllocateOptions {
  /** Bound on devices tried, like the scheduler's per-node filter timeout; exceeding it is an AllocationError. */
  maxSteps?: number;
  /** What earlier claims hold on the node; untouched here (add the result to it once it is accepted). */
  state?: AllocatedState;
}

/** Why one device could not be given to one request (or alternative). */
export type Rejection = { kind: 'in-use' } | { kind: 'constraint'; attribute: string; missing: boolean } | CapacityMisfit;

/** A claim that does not fit: per request (or alternative) tried, the devices matching it and why each was refused (last reason). */
export interface Unfit {
  claim: string;
  requests: { request: string; matching: number; rejected: { device: string; why: Rejection }[] }[];
}

export type Allocation = { results: DeviceRequestAllocationResult[] } | { unfit: Unfit };

/** The devices the scheduler would allocate for this claim from these candidates, or undefined when none fit. */
export function allocate(claimName: string, spec: ResourceClaimSpec, classes: ReadonlyMap<string, DeviceClass>, devices: readonly Candidate[], opts: AllocateOptions = {}): DeviceRequestAllocationResult[] | undefined {
  const a = allocateClaim(claimName, spec, classes, devices, opts);
  return 'results' in a ? a.results : undefined;
}

/** As allocate, but a claim that does not fit comes back with the reason for every device refused. */
export function allocateClaim(claimName: string, spec: ResourceClaimSpec, classes: ReadonlyMap<string, DeviceClass>, devices: readonly Candidate[], opts: AllocateOptions = {}): Allocation {
  const requests = (spec.devices?.requests ?? []).map((r): Alternative[] => {
    const alts = r.exactly ? [{ ...r.exactly, name: r.name, sub: undefined as string | undefined }] : (r.firstAvailable ?? []).map((s) => ({ ...s, sub: s.name }));
    return alts.map((a) => {
      const cls = classes.get(a.deviceClassName);
      if (!cls) throw new AllocationError(claimName, `request ${r.name}: device class ${a.deviceClassName} does not exist`);
      return {
        request: r.name,
        result: a.sub ? `${r.name}/${a.sub}` : r.name,
        className: a.deviceClassName,
        selectors: [...(cls.spec.selectors ?? []), ...(a.selectors ?? [])].map((s) => s.cel.expression),
        count: a.allocationMode === 'All' ? 'all' : (a.count ?? 1),
        capacity: a.capacity?.requests,
      };
    });
  });
  const constraints = (spec.devices?.constraints ?? []).map((c) => ({
    requests: c.requests ?? [],
    attribute: (c.matchAttribute ?? c.distinctAttribute)!,
    distinct: c.matchAttribute === undefined,
    values: [] as DeviceAttribute[],
  }));
  const state = opts.state ?? new AllocatedState();
  const used = new Set<string>(); // devices this claim holds whole
  const allocating = new Map<string, CapacityAmounts>(); // capacity this claim's shares consume
  const chosen: { alt: Alternative; c: Candidate; amounts: CapacityAmounts | undefined }[] = [];
  const matchCache = new Map<string, boolean>();
  const rejections = new Map<string, Map<string, Rejection>>();
  const tried = new Set<string>();
  let steps = 0;
  const maxSteps = opts.maxSteps ?? 1_000_000;

  const matches = (alt: Alternative, c: Candidate, i: number): boolean => {
    const key = `${alt.result}#${i}`;
    let m = matchCache.get(key);
    if (m === undefined) {
      m = alt.selectors.every((e) => selectorMatches(e, c.cel)); // class selectors first, then the request's
      matchCache.set(key, m);
    }
    return m;
  };
  const reject = (alt: Alternative, c: Candidate, why: Rejection) => {
    let m = rejections.get(alt.result);
    if (!m) rejections.set(alt.result, (m = new Map()));
    m.set(c.device.name, why);
  };
  const held = (c: Candidate): CapacityAmounts | undefined => {
    const before = state.held(c.key);
    const now = allocating.get(c.key);
    if (!now) return before;
    const sum = new Map(before ?? []);
    for (const [k, v] of now) sum.set(k, (sum.get(k) ?? 0n) + v);
    return sum;
  };
  const applies = (c: (typeof constraints)[number], alt: Alternative) => c.requests.length === 0 || c.requests.includes(alt.request) || c.requests.includes(alt.result);
  /** Adds a device for a request; returns an undo, or the reason it cannot be added. */
  const take = (alt: Alternative, c: Candidate): (() => void) | Rejection => {
    if (used.has(c.key) || (!c.shared && state.exclusive.has(c.key))) return { kind: 'in-use' };
    // A device allocated whole has no shares to count; its capacity only has to cover the request.
    const fit = consume(alt.capacity, c.device.capacity ?? {}, c.shared ? held(c) : undefined);
    if ('misfit' in fit) return fit.misfit;
    const touched: (typeof constraints)[number][] = [];
    for (const k of constraints) {
      if (!applies(k, alt)) continue;
      const v = attributeOf(c, k.attribute);
      const ok = v !== undefined && (k.distinct ? !k.values.some((x) => sameValue(x, v)) : k.values.length === 0 || sameValue(k.values[0]!, v));
      if (!ok) {
        for (const t of touched) t.values.pop();
        return { kind: 'constraint', attribute: k.attribute, missing: v === undefined };
      }
      k.values.push(v);
      touched.push(k);
    }
    const amounts = c.shared ? fit.amounts : undefined;
    if (amounts) allocating.set(c.key, addAmounts(allocating.get(c.key), amounts, 1n));
    else used.add(c.key);
    chosen.push({ alt, c, amounts });
    return () => {
      chosen.pop();
      if (amounts) allocating.set(c.key, addAmounts(allocating.get(c.key), amounts, -1n));
      else used.delete(c.key);
      for (const t of touched) t.values.pop();
    };
  };

  const fill = (ri: number): boolean => {
    if (ri === requests.length) return true;
    for (const alt of requests[ri]!) {
      tried.add(alt.result);
      if (alt.count === 'all') {
        // Every matching device, or none at all; a constraint that excludes one of them is a broken claim.
        // A device without the capacity asked for, or with less in total, is not one of "all".
        const all = devices.filter((c, i) => matches(alt, c, i) && couldEverFit(alt, c));
        const undos: (() => void)[] = [];
        let ok = all.length > 0;
        for (const c of all) {
          if (!ok) break;
          const u = take(alt, c);
          if (typeof u === 'function') undos.push(u);
          else if (u.kind === 'constraint') throw new AllocationError(claimName, `request ${alt.result}: device ${c.device.name} breaks a constraint of the claim, so not all devices can be allocated`);
          else {
            reject(alt, c, u);
            ok = false;
          }
        }
        if (ok && fill(ri + 1)) return true;
        for (const u of undos.reverse()) u();
        continue;
      }
      if (pick(ri, alt, alt.count)) return true;
    }
    return false;
  };
  // Each device of a request is searched from the first candidate again, as the scheduler does.
  const pick = (ri: number, alt: Alternative, left: number): boolean => {
    if (left === 0) return fill(ri + 1);
    for (let i = 0; i < devices.length; i++) {
      const c = devices[i]!;
      if (!matches(alt, c, i)) continue;
      if (++steps > maxSteps) throw new AllocationError(claimName, `gave up after trying ${maxSteps} devices`);
      const undo = take(alt, c);
      if (typeof undo !== 'function') {
        reject(alt, c, undo);
        continue;
      }
      if (pick(ri, alt, left - 1)) return true;
      undo();
    }
    return false;
  };
  if (!fill(0)) {
    // Requests the search never reached (an earlier one found nothing) say nothing about the claim.
    const report = requests.flat().filter((alt) => tried.has(alt.result)).map((alt) => ({
      request: alt.result,
      matching: devices.filter((c, i) => matches(alt, c, i)).length,
      rejected: [...(rejections.get(alt.result) ?? [])].map(([device, why]) => ({ device, why })),
    }));
    return { unfit: { claim: claimName, requests: report } };
  }
  const results = chosen.map(({ alt, c, amounts }): DeviceRequestAllocationResult => ({
    request: alt.result,
    driver: c.driver,
    pool: c.pool,
    device: c.device.name,
    ...(amounts ? { shareID: randomUUID() } : {}),
    ...(amounts?.size ? { consumedCapacity: Object.fromEntries([...amounts].map(([k, v]) => [k, formatQuantity(v)])) } : {}),
  }));
  return { results };
}

function couldEverFit(alt: Alternative, c: Candidate): boolean {
  if (!alt.capacity) return true;
  const fit = consume(alt.capacity, c.device.capacity ?? {}, undefined);
  return !('misfit' in fit) || fit.misfit.kind === 'policy';
}

function addAmounts(a: CapacityAmounts | undefined, b: CapacityAmounts, sign: 1n | -1n): CapacityAmounts {
  const out = new Map(a ?? []);
  for (const [k, v] of b) out.set(k, (out.get(k) ?? 0n) + sign * v);
  return out;
}

/** One line per request tried: how many devices match it and why each refused one was refused. */
export function explainUnfit(u: Unfit): string {
  const why = (r: Rejection): string => {
    if (r.kind === 'in-use') return 'allocated whole to another claim';
    if (r.kind === 'constraint') return r.missing ? `has no ${r.attribute}, which a constraint of the claim needs` : `breaks the claim's constraint on ${r.attribute}`;
    if (r.kind === 'unknown-capacity') return `has no capacity '${r.capacity}'`;
    if (r.kind === 'policy') return `does not allow ${formatQuantity(r.requested)} of '${r.capacity}'`;
    return `${formatQuantity(r.left)} of ${formatQuantity(r.total)} '${r.capacity}' left, ${formatQuantity(r.needed)} needed`;
  };
  return u.requests
    .map((r) => `request ${r.request}: ${r.matching ? `${r.matching} device${r.matching === 1 ? '' : 's'} match` : 'no device matches'}${r.rejected.map((x) => `; ${x.device} ${why(x.why)}`).join('')}`)
    .join('\n');
}

function attributeOf(c: Candidate, fqn: string): DeviceAttribute | undefined {
  const attrs = c.device.attributes ?? {};
  const slash = fqn.indexOf('/');
  // A bare name on the device is in the driver's domain.
  return attrs[fqn] ?? (fqn.slice(0, slash) === c.driver ? attrs[fqn.slice(slash + 1)] : undefined);
}

function sameValue(a: DeviceAttribute, b: DeviceAttribute): boolean {
  const [ka, va] = Object.entries(a)[0]!;
  const [kb, vb] = Object.entries(b)[0]!;
  return ka === kb && va === vb;
}
