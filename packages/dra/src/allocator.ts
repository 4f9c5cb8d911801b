/**
 * A structured-parameters allocator over one node, with the scheduler's semantics: requests in order,
 * first fit over devices in pool and slice order (there is no scoring), `firstAvailable` alternatives tried
 * in order, `matchAttribute` constraints (a device lacking the attribute cannot be chosen), backtracking
 * across requests, only complete pools, and a CEL runtime error failing the whole claim.
 */
import { celDevice, selectorMatches } from './cel.js';
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
    for (const s of current) for (const d of s.spec.devices ?? []) out.push({ driver: s.spec.driver, pool: s.spec.pool.name, device: d, cel: celDevice(s.spec.driver, d) });
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
}

export interface AllocateOptions {
  /** Bound on devices tried, like the scheduler's per-node filter timeout; exceeding it is an AllocationError. */
  maxSteps?: number;
}

/** The devices the scheduler would allocate for this claim from these candidates, or undefined when none fit. */
export function allocate(claimName: string, spec: ResourceClaimSpec, classes: ReadonlyMap<string, DeviceClass>, devices: readonly Candidate[], opts: AllocateOptions = {}): DeviceRequestAllocationResult[] | undefined {
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
      };
    });
  });
  const constraints = (spec.devices?.constraints ?? []).map((c) => ({ requests: c.requests ?? [], attribute: c.matchAttribute!, value: undefined as DeviceAttribute | undefined, holders: 0 }));
  const used = new Set<Candidate>();
  const chosen: { alt: Alternative; c: Candidate }[] = [];
  const matchCache = new Map<string, boolean>();
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
  const applies = (c: (typeof constraints)[number], alt: Alternative) => c.requests.length === 0 || c.requests.includes(alt.request) || c.requests.includes(alt.result);
  /** Adds a device under the constraints; returns an undo, or undefined when a constraint forbids it. */
  const take = (alt: Alternative, c: Candidate): (() => void) | undefined => {
    const touched: (typeof constraints)[number][] = [];
    for (const k of constraints) {
      if (!applies(k, alt)) continue;
      const v = attributeOf(c, k.attribute);
      if (v === undefined || (k.value !== undefined && !sameValue(k.value, v))) {
        for (const t of touched) if (--t.holders === 0) t.value = undefined;
        return undefined;
      }
      if (k.value === undefined) k.value = v;
      k.holders++;
      touched.push(k);
    }
    used.add(c);
    chosen.push({ alt, c });
    return () => {
      chosen.pop();
      used.delete(c);
      for (const t of touched) if (--t.holders === 0) t.value = undefined;
    };
  };

  const fill = (ri: number): boolean => {
    if (ri === requests.length) return true;
    for (const alt of requests[ri]!) {
      if (alt.count === 'all') {
        // Every matching device, or none at all; a constraint that excludes one of them is a broken claim.
        const all = devices.filter((c, i) => matches(alt, c, i));
        const undos: (() => void)[] = [];
        let ok = all.length > 0;
        for (const c of all) {
          if (!ok) break;
          const u = used.has(c) ? undefined : take(alt, c);
          if (!u && !used.has(c)) throw new AllocationError(claimName, `request ${alt.result}: device ${c.device.name} breaks a constraint of the claim, so not all devices can be allocated`);
          if (u) undos.push(u);
          else ok = false;
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
      if (used.has(c) || !matches(alt, c, i)) continue;
      if (++steps > maxSteps) throw new AllocationError(claimName, `gave up after trying ${maxSteps} devices`);
      const undo = take(alt, c);
      if (!undo) continue;
      if (pick(ri, alt, left - 1)) return true;
      undo();
    }
    return false;
  };
  if (!fill(0)) return undefined;
  return chosen.map(({ alt, c }) => ({ request: alt.result, driver: c.driver, pool: c.pool, device: c.device.name }));
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
