/**
 * The three questions of the accelerator BoF, answered from a TopologyGraph. Every answer carries its
 * reason: the path that was weighed, the weights, and a sentence; devices that have the function but
 * fail a constraint are listed as rejected with why. Each query is one pass over its candidates in an
 * order the graph's index keeps (graph.index()), so it grows linearly with the answers it gives.
 */
import type { DeviceVertex, LinkEdge, MemoryVertex, TopologyGraph } from './graph.js';
import type { QueryIndex } from './query-index.js';

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

const constrained = (c: Constraints) => c.minFreeQueues !== undefined || (c.features?.length ?? 0) > 0 || c.minPasidBits !== undefined;

/** Devices with `fn` that fail the constraints (listed in `rejected` in graph order), or none. */
function failing(g: TopologyGraph, fn: string, c: Constraints, rejected: Rejected[]): ReadonlySet<DeviceVertex> {
  if (!constrained(c)) return new Set();
  const out = new Set<DeviceVertex>();
  for (const d of g.devicesWith(fn)) {
    const why = unmet(d, c);
    if (why) (rejected.push({ device: d.id, why }), out.add(d));
  }
  return out;
}

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
  const bad = failing(g, fn, c, rejected);
  const ix = g.index();
  // Candidates come most free queues first, then by name: grouped by distance (stable), that is the rank.
  const byDistance = new Map<number | null, NearestAnswer[]>();
  const targetId = `numa:${numa}`;
  for (const d of ix.withFunctionByQueues(fn)) {
    if (bad.has(d)) continue;
    const a = nearestAnswer(g, d, ix.memoryOn(d, numa), numa, targetId, targetText);
    let group = byDistance.get(a.distance);
    if (!group) byDistance.set(a.distance, (group = []));
    group.push(a);
  }
  const answers = [...byDistance.keys()].sort((a, b) => (a === null ? 1 : b === null ? -1 : a - b)).flatMap((k) => byDistance.get(k)!);
  return { answers, rejected };
}

/**
 * Answers write their reason when it is first read (a query at fleet size returns thousands of answers
 * and a caller reads a few reasons); JSON.stringify carries it as a plain field.
 */
abstract class LazyReason {
  #reason: Reason | undefined;
  protected abstract explain(): Reason;

  get reason(): Reason {
    return (this.#reason ??= this.explain());
  }

  set reason(r: Reason) {
    this.#reason = r;
  }
}

class NearestHit extends LazyReason implements NearestAnswer {
  readonly #own: MemoryVertex | undefined;
  readonly #targetId: string;
  readonly #targetText: string;

  constructor(
    readonly device: DeviceVertex,
    readonly distance: number | null,
    own: MemoryVertex | undefined,
    targetId: string,
    targetText: string,
  ) {
    super();
    this.#own = own;
    this.#targetId = targetId;
    this.#targetText = targetText;
  }

  protected explain(): Reason {
    const d = this.device;
    const own = this.#own;
    const targetText = this.#targetText;
    if (own) return { path: [d.id, own.id, this.#targetId], weights: { distance: 10 }, text: `${d.name}'s own ${own.memKind} is ${targetText}: local` };
    const dist = this.distance;
    if (dist === null) {
      const why = d.numa < 0 ? `${d.name}'s NUMA node is unknown (-1)` : `no distance is known between node ${d.numa} and ${targetText}`;
      return { path: [d.id], weights: { distance: null, deviceNode: d.numa }, text: `${why}: ranked after every device of known distance` };
    }
    return {
      path: [d.id, `numa:${d.numa}`, this.#targetId],
      weights: { distance: dist, deviceNode: d.numa },
      text: `${d.name} is on node ${d.numa}; distance to ${targetText} is ${dist}${dist === 10 ? ' (local)' : ''}`,
    };
  }

  toJSON(): NearestAnswer {
    return { device: this.device, distance: this.distance, reason: this.reason };
  }
}

function nearestAnswer(g: TopologyGraph, d: DeviceVertex, own: MemoryVertex | undefined, numa: number, targetId: string, targetText: string): NearestAnswer {
  const distance = own ? 10 : (g.numaDistance(d.numa, numa) ?? null);
  return new NearestHit(d, distance, own, targetId, targetText);
}

export interface SharedMemoryAnswer {
  /** Device with function X. */
  a: DeviceVertex;
  /** Device with function Y (the same device when it has both). */
  b: DeviceVertex;
  memory: MemoryVertex;
  reason: Reason;
}

/** "Functions X and Y on devices that share a memory (HBM, ...)." Host DRAM, which every device reaches, does not count. */
class SharedHit extends LazyReason implements SharedMemoryAnswer {
  readonly #x: string;
  readonly #y: string;
  readonly #weights: Reason['weights'];

  constructor(
    readonly a: DeviceVertex,
    readonly b: DeviceVertex,
    readonly memory: MemoryVertex,
    x: string,
    y: string,
    weights: Reason['weights'],
  ) {
    super();
    this.#x = x;
    this.#y = y;
    this.#weights = weights;
  }

  protected explain(): Reason {
    const { a, b, memory: m } = this;
    const same = a === b;
    return {
      path: same ? [a.id, m.id] : [a.id, m.id, b.id],
      weights: this.#weights,
      text: same ? `${a.name} has both ${this.#x} and ${this.#y} and its own ${m.label}` : `${a.name} (${this.#x}) and ${b.name} (${this.#y}) both reach ${m.label}`,
    };
  }

  toJSON(): SharedMemoryAnswer {
    return { a: this.a, b: this.b, memory: this.memory, reason: this.reason };
  }
}

export function sharedMemory(g: TopologyGraph, x: string, y: string, c: Constraints = {}): QueryResult<SharedMemoryAnswer> {
  const rejected: Rejected[] = [];
  const badX = failing(g, x, c, rejected);
  const rejectedY: Rejected[] = [];
  const badY = failing(g, y, c, rejectedY);
  const seenRejected = new Set(rejected.map((r) => r.device));
  for (const r of rejectedY) if (!seenRejected.has(r.device)) rejected.push(r);
  const ix = g.index();
  // Rank: memory class (kind, then size), the same device first, then a's name, then b's name. Walking a
  // by name and each memory's devices by name, answers land in their group already in order.
  const groups: SharedMemoryAnswer[][] = [];
  let outOfOrder = false;
  for (const a of ix.withFunctionByName(x)) {
    if (badX.has(a)) continue;
    for (const m of g.memoriesOf(a.id)) {
      const group = (ix.memoryClass.get(m) ?? 0) * 2;
      for (const b of ix.membersOf(m)) {
        if (badY.has(b) || !b.functions.includes(y)) continue;
        const same = a === b;
        const list = (groups[same ? group : group + 1] ??= []);
        const last = list[list.length - 1];
        if (last && last.a === a && ix.nameRank.get(last.b)! > ix.nameRank.get(b)!) outOfOrder = true; // a reaches b through two memories of one class
        list.push(new SharedHit(a, b, m, x, y, ix.weights(m, same, () => ({ memoryKind: m.memKind, sizeBytes: m.sizeBytes.toString(), sameDevice: same ? 'yes' : 'no' }))));
      }
    }
  }
  if (outOfOrder) for (const list of groups) list?.sort((p, q) => ix.nameRank.get(p.a)! - ix.nameRank.get(q.a)! || ix.nameRank.get(p.b)! - ix.nameRank.get(q.b)!);
  return { answers: groups.flat(), rejected };
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

/**
 * "Functions X and Y that can be chained": Y consumes X's output without a CPU copy. Best first: the same
 * device (a fenced second command), then a memory both reach, then a peer-to-peer link (fastest link first).
 */
class ChainHit extends LazyReason implements ChainAnswer {
  declare readonly memory?: MemoryVertex;
  declare readonly link?: LinkEdge;
  readonly #make: () => Reason;

  constructor(
    readonly from: DeviceVertex,
    readonly to: DeviceVertex,
    readonly via: ChainVia,
    through: { memory?: MemoryVertex; link?: LinkEdge },
    make: () => Reason,
  ) {
    super();
    Object.assign(this, through);
    this.#make = make;
  }

  protected explain(): Reason {
    return this.#make();
  }

  toJSON(): ChainAnswer {
    return { from: this.from, to: this.to, via: this.via, ...(this.memory ? { memory: this.memory } : {}), ...(this.link ? { link: this.link } : {}), reason: this.reason };
  }
}

export function chain(g: TopologyGraph, x: string, y: string, c: Constraints = {}): QueryResult<ChainAnswer> {
  const { answers: shared, rejected } = sharedMemory(g, x, y, c);
  const usable = (d: DeviceVertex, fn: string) => d.functions.includes(fn) && (!constrained(c) || !unmet(d, c));
  const same: ChainAnswer[] = [];
  const viaMemory: ChainAnswer[] = [];
  const sameDone = new Set<DeviceVertex>();
  for (const s of shared) {
    if (s.a === s.b) {
      if (sameDone.has(s.a)) continue;
      sameDone.add(s.a);
      same.push(sameDevice(s.a, x, y));
    } else viaMemory.push(new ChainHit(s.a, s.b, 'shared-memory', { memory: s.memory }, () => ({ ...s.reason, text: `${s.reason.text}: ${x} writes it, ${y} reads it` })));
  }
  for (const a of g.devicesWith(x)) {
    if (!sameDone.has(a) && usable(a, y) && usable(a, x)) {
      sameDone.add(a);
      same.push(sameDevice(a, x, y));
    }
  }
  // Links come fastest first from the index; the filter keeps that order.
  const viaLink: ChainAnswer[] = [];
  for (const { link: l, from: a, to: b } of g.index().p2pLinks()) {
    if (!usable(a, x) || !usable(b, y)) continue;
    viaLink.push(
      new ChainHit(a, b, 'p2p-link', { link: l }, () => ({
        path: [a.id, l.id, b.id],
        weights: { bandwidthMBps: l.bandwidthMBps ?? null, latencyNs: l.latencyNs ?? null, linkKind: l.linkKind },
        text: `${a.name} (${x}) writes into ${b.name} (${y}) over a ${l.linkKind} p2p link${l.bandwidthMBps ? ` (${l.bandwidthMBps} MB/s` : ''}${l.latencyNs ? `, ${l.latencyNs} ns)` : l.bandwidthMBps ? ')' : ''}`,
      })),
    );
  }
  return { answers: [...same, ...viaMemory, ...viaLink], rejected };
}

function sameDevice(d: DeviceVertex, x: string, y: string): ChainAnswer {
  return { from: d, to: d, via: 'same-device', reason: { path: [d.id], weights: { via: 'same-device' }, text: `${d.name} runs both: submit ${y} with OA_SQE_FENCE after ${x} on one queue` } };
}
