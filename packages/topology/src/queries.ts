/**
 * The three questions of the accelerator BoF, answered from a TopologyGraph. Every answer carries its
 * reason: the path that was weighed, the weights, and a sentence; devices that have the function but
 * fail a constraint are listed as rejected with why.
 */
import type { DeviceVertex, LinkEdge, MemoryVertex, TopologyGraph } from './graph.js';

export interface Constraints {
  /** At least this many free queues (devices that do not report free queues fail it). */
  minFreeQueues?: number;
  /** Capability words every chosen device must have (`sva`, `dmabuf_import`, ...). */
  features?: readonly string[];
  /** At least this many PASID bits (an SVA budget). */
  minPasidBits?: number;
}

export interface Reason {
  /** Vertex ids from the device to the target, in order. */
  path: string[];
  /** The weights that decided the rank. */
  weights: Record<string, number | string | null>;
  text: string;
}

export interface Rejected {
  device: string;
  why: string;
}

export interface QueryResult<A> {
  answers: A[];
  rejected: Rejected[];
}

export interface NearestAnswer {
  device: DeviceVertex;
  /** SLIT-style distance (10 = local); null when it cannot be known. */
  distance: number | null;
  reason: Reason;
}

export type NearTarget = { numa: number } | { cpu: number };

/** Why a device fails the constraints, or undefined when it meets them. */
export function unmet(d: DeviceVertex, c: Constraints): string | undefined {
  if (c.minFreeQueues !== undefined && (d.freeQueues ?? -1) < c.minFreeQueues) {
    return d.freeQueues === undefined ? `free queues unknown; ${c.minFreeQueues} needed` : `${d.freeQueues} free queues; ${c.minFreeQueues} needed`;
  }
  for (const f of c.features ?? []) if (!d.features.includes(f)) return `lacks feature '${f}' (has ${d.features.join(', ') || 'none'})`;
  if (c.minPasidBits !== undefined && (d.pasidBits ?? 0) < c.minPasidBits) return `${d.pasidBits ?? 0} PASID bits; ${c.minPasidBits} needed`;
  return undefined;
}

function candidates(g: TopologyGraph, fn: string, c: Constraints, rejected: Rejected[]): DeviceVertex[] {
  const out: DeviceVertex[] = [];
  for (const d of g.devicesWith(fn)) {
    const why = unmet(d, c);
    if (why) rejected.push({ device: d.id, why });
    else out.push(d);
  }
  return out;
}

/** One collator for every comparison: localeCompare with options builds a new one per call. */
const collator = new Intl.Collator('en', { numeric: true });
const byName = (a: DeviceVertex, b: DeviceVertex) => collator.compare(a.id, b.id);

/** "An accelerator with function X nearest my memory (or CPU)." */
export function nearest(g: TopologyGraph, fn: string, target: NearTarget, c: Constraints = {}): QueryResult<NearestAnswer> {
  const rejected: Rejected[] = [];
  let numa: number;
  let targetText: string;
  if ('cpu' in target) {
    const n = g.numaOfCpu(target.cpu);
    if (n === undefined) throw new RangeError(`CPU ${target.cpu} is in no NUMA node's cpulist; known CPUs: ${[...g.numa.values()].flatMap((x) => x.cpus).join(',') || 'none'}`);
    numa = n;
    targetText = `CPU ${target.cpu} (node ${n})`;
  } else {
    numa = target.numa;
    if (g.numa.size && !g.numa.has(numa)) throw new RangeError(`no NUMA node ${numa}; nodes are ${[...g.numa.keys()].join(', ')}`);
    targetText = `node ${numa}`;
  }
  const answers = candidates(g, fn, c, rejected).map((d): NearestAnswer => {
    const own = g.memoriesOf(d.id).find((m) => m.numa === numa);
    if (own) {
      return { device: d, distance: 10, reason: { path: [d.id, own.id, `numa:${numa}`], weights: { distance: 10 }, text: `${d.name}'s own ${own.memKind} is ${targetText}: local` } };
    }
    const dist = g.numaDistance(d.numa, numa);
    if (dist === undefined) {
      const why = d.numa < 0 ? `${d.name}'s NUMA node is unknown (-1)` : `no distance is known between node ${d.numa} and ${targetText}`;
      return { device: d, distance: null, reason: { path: [d.id], weights: { distance: null, deviceNode: d.numa }, text: `${why}: ranked after every device of known distance` } };
    }
    return {
      device: d,
      distance: dist,
      reason: { path: [d.id, `numa:${d.numa}`, `numa:${numa}`], weights: { distance: dist, deviceNode: d.numa }, text: `${d.name} is on node ${d.numa}; distance to ${targetText} is ${dist}${dist === 10 ? ' (local)' : ''}` },
    };
  });
  answers.sort((a, b) => {
    if (a.distance !== b.distance) return a.distance === null ? 1 : b.distance === null ? -1 : a.distance - b.distance;
    const fq = (b.device.freeQueues ?? -1) - (a.device.freeQueues ?? -1);
    return fq || byName(a.device, b.device);
  });
  return { answers, rejected };
}

/** Fast memories first: SRAM and HBM beat DDR beat CXL. */
const KIND_RANK: Record<string, number> = { sram: 0, hbm: 1, ddr: 2, cxl: 3 };

export interface SharedMemoryAnswer {
  /** Device with function X. */
  a: DeviceVertex;
  /** Device with function Y (the same device when it has both). */
  b: DeviceVertex;
  memory: MemoryVertex;
  reason: Reason;
}

/** "Functions X and Y on devices that share a memory (HBM, ...)." Host DRAM, which every device reaches, does not count. */
export function sharedMemory(g: TopologyGraph, x: string, y: string, c: Constraints = {}): QueryResult<SharedMemoryAnswer> {
  const rejected: Rejected[] = [];
  const xs = new Set(candidates(g, x, c, rejected));
  const rejectedY: Rejected[] = [];
  const ys = new Set(candidates(g, y, c, rejectedY));
  const seenRejected = new Set(rejected.map((r) => r.device));
  for (const r of rejectedY) if (!seenRejected.has(r.device)) rejected.push(r);
  const answers: SharedMemoryAnswer[] = [];
  const seen = new Set<string>();
  for (const a of [...xs].sort(byName)) {
    for (const m of g.memoriesOf(a.id)) {
      for (const bid of m.devices) {
        const b = g.devices.get(bid);
        if (!b || !ys.has(b)) continue;
        const key = `${a.id}|${b.id}|${m.id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const same = a.id === b.id;
        answers.push({
          a,
          b,
          memory: m,
          reason: {
            path: same ? [a.id, m.id] : [a.id, m.id, b.id],
            weights: { memoryKind: m.memKind, sizeBytes: m.sizeBytes.toString(), sameDevice: same ? 'yes' : 'no' },
            text: same ? `${a.name} has both ${x} and ${y} and its own ${m.label}` : `${a.name} (${x}) and ${b.name} (${y}) both reach ${m.label}`,
          },
        });
      }
    }
  }
  answers.sort((p, q) => {
    const k = (KIND_RANK[p.memory.memKind] ?? 9) - (KIND_RANK[q.memory.memKind] ?? 9);
    if (k) return k;
    const s = q.memory.sizeBytes - p.memory.sizeBytes;
    if (s !== 0n) return s > 0n ? 1 : -1;
    const same = Number(q.a === q.b) - Number(p.a === p.b);
    return same || byName(p.a, q.a) || byName(p.b, q.b);
  });
  return { answers, rejected };
}

export type ChainVia = 'same-device' | 'shared-memory' | 'p2p-link';

export interface ChainAnswer {
  /** Runs X. */
  from: DeviceVertex;
  /** Runs Y on X's output. */
  to: DeviceVertex;
  via: ChainVia;
  memory?: MemoryVertex;
  link?: LinkEdge;
  reason: Reason;
}

const VIA_RANK: Record<ChainVia, number> = { 'same-device': 0, 'shared-memory': 1, 'p2p-link': 2 };

/**
 * "Functions X and Y that can be chained": Y consumes X's output without a CPU copy. Best first: the same
 * device (a fenced second command), then a memory both reach, then a peer-to-peer link (fastest link first).
 */
export function chain(g: TopologyGraph, x: string, y: string, c: Constraints = {}): QueryResult<ChainAnswer> {
  const { answers: shared, rejected } = sharedMemory(g, x, y, c);
  const ys = new Set(g.devicesWith(y).filter((d) => !unmet(d, c)));
  const answers: ChainAnswer[] = [];
  const sameDone = new Set<string>();
  for (const s of shared) {
    if (s.a === s.b) {
      if (sameDone.has(s.a.id)) continue;
      sameDone.add(s.a.id);
    }
    answers.push(s.a === s.b ? sameDevice(s.a, x, y) : { from: s.a, to: s.b, via: 'shared-memory', memory: s.memory, reason: { ...s.reason, text: `${s.reason.text}: ${x} writes it, ${y} reads it` } });
  }
  for (const a of g.devicesWith(x)) {
    if (unmet(a, c)) continue;
    if (ys.has(a) && !sameDone.has(a.id)) {
      sameDone.add(a.id);
      answers.push(sameDevice(a, x, y));
    }
    for (const l of g.linksFromDevice(a.id)) {
      const b = g.devices.get(l.to);
      if (!b || !ys.has(b) || !l.p2p) continue;
      answers.push({
        from: a,
        to: b,
        via: 'p2p-link',
        link: l,
        reason: {
          path: [a.id, l.id, b.id],
          weights: { bandwidthMBps: l.bandwidthMBps ?? null, latencyNs: l.latencyNs ?? null, linkKind: l.linkKind },
          text: `${a.name} (${x}) writes into ${b.name} (${y}) over a ${l.linkKind} p2p link${l.bandwidthMBps ? ` (${l.bandwidthMBps} MB/s` : ''}${l.latencyNs ? `, ${l.latencyNs} ns)` : l.bandwidthMBps ? ')' : ''}`,
        },
      });
    }
  }
  answers.sort((p, q) => {
    const v = VIA_RANK[p.via] - VIA_RANK[q.via];
    if (v) return v;
    if (p.via === 'p2p-link' && q.via === 'p2p-link') {
      const bw = (q.link!.bandwidthMBps ?? 0) - (p.link!.bandwidthMBps ?? 0);
      if (bw) return bw;
      const lat = (p.link!.latencyNs ?? Infinity) - (q.link!.latencyNs ?? Infinity);
      if (lat) return lat;
    }
    return 0;
  });
  return { answers, rejected };
}

function sameDevice(d: DeviceVertex, x: string, y: string): ChainAnswer {
  return { from: d, to: d, via: 'same-device', reason: { path: [d.id], weights: { via: 'same-device' }, text: `${d.name} runs both: submit ${y} with OA_SQE_FENCE after ${x} on one queue` } };
}
