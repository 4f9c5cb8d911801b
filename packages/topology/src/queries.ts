/**
 * The three questions of the accelerator BoF, answered from a TopologyGraph. Every answer carries its
 * reason: the path that was weighed, the weights, and a sentence; devices that have the function but
 * fail a constraint are listed as rejected with why. Each query is one pass over its candidates in an
 * order the graph's index keeps (graph.index()), so it grows linearly with the answers it gives.
 */
import { LinkChain, MemoryChain, NearestHit, SameDeviceChain, SharedHit, type ChainAnswer, type NearestAnswer, type PairContext, type SharedMemoryAnswer } from './answers.js';
import type { DeviceVertex, TopologyGraph } from './graph.js';
import type { QueryIndex } from './query-index.js';

export interface Constraints {
  /** At least this many free queues (devices that do not report free queues fail it). */
  minFreeQueues?: number;
  /** Capability words every chosen device must have (`sva`, `dmabuf_import`, ...). */
  features?: readonly string[];
  /** At least this many PASID bits (an SVA budget). */
  minPasidBits?: number;
}

export interface Rejected {
  device: string;
  why: string;
}

export interface QueryResult<A> {
  answers: A[];
  rejected: Rejected[];
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

/**
 * Devices with `fn` that fail the constraints, as 1 at their rank, listed in `rejected` in the order
 * they were added (those in `skip` already are); undefined when nothing can fail.
 */
function failing(ix: QueryIndex, fn: string, c: Constraints, rejected: Rejected[], skip?: Uint8Array): Uint8Array | undefined {
  const t = ix.function(fn);
  if (!t || !constrained(c)) return undefined;
  const bad = new Uint8Array(ix.devices.length);
  for (const r of t.added) {
    const why = unmet(ix.devices[r]!, c);
    if (!why) continue;
    bad[r] = 1;
    if (!skip?.[r]) rejected.push({ device: ix.devices[r]!.id, why });
  }
  return bad;
}

/** "An accelerator with function X nearest my memory (or CPU)." */
export function nearest(g: TopologyGraph, fn: string, target: NearTarget, c: Constraints = {}): QueryResult<NearestAnswer> {
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
  const ix = g.index();
  const rejected: Rejected[] = [];
  const t = ix.function(fn);
  if (!t) return { answers: [], rejected };
  const bad = failing(ix, fn, c, rejected);
  // Each device node's distance to the target, and its group: distances ascending, unknown last. A device
  // with its own memory on the target node is local (10) whatever its node.
  const nodeDistance = ix.deviceNodes.map((n) => g.numaDistance(n, numa) ?? null);
  const distances = [...new Set([10, ...nodeDistance])].sort((a, b) => (a === null ? 1 : b === null ? -1 : a - b));
  const nodeGroup = Int32Array.from(nodeDistance, (d) => distances.indexOf(d));
  const localGroup = distances.indexOf(10);
  const groups: NearestAnswer[][] = distances.map(() => []);
  const near = { targetId: `numa:${numa}`, targetText };
  // Candidates come most free queues first, then by name: grouped by distance (stable), that is the rank.
  for (const r of ix.byQueues(t)) {
    if (bad?.[r]) continue;
    const own = ix.ownMemory[r]?.get(numa);
    const slot = ix.nodeSlot[r]!;
    groups[own ? localGroup : nodeGroup[slot]!]!.push(new NearestHit(ix.devices[r]!, own ? 10 : nodeDistance[slot]!, own, near));
  }
  return { answers: concat(groups), rejected };
}

/** Lists joined in order. Array.prototype.flat is generic and took most of a query at 10,000 devices; concat copies elements in bulk. */
function concat<T>(lists: readonly (T[] | undefined)[]): T[] {
  return ([] as T[]).concat(...lists.filter((l): l is T[] => l !== undefined));
}

/** Constraint masks of a pair query: devices with X that fail, devices with Y that fail; rejected X first, then Y. */
function pairFailing(ix: QueryIndex, x: string, y: string, c: Constraints): { badX?: Uint8Array; badY?: Uint8Array; rejected: Rejected[] } {
  const rejected: Rejected[] = [];
  const badX = failing(ix, x, c, rejected);
  const badY = failing(ix, y, c, rejected, badX);
  return { ...(badX ? { badX } : {}), ...(badY ? { badY } : {}), rejected };
}

/**
 * Pairs (a with X, b with Y) that reach one memory, in rank order: memory class (kind, then size), the
 * same device first, then a's name, then b's name. Walking a by name and each memory's members by name,
 * a pair lands in its group already in order, unless a reaches two memories of one class.
 */
function memoryPairs<T>(ix: QueryIndex, x: string, y: string, masks: { badX?: Uint8Array; badY?: Uint8Array }, sameToo: boolean, make: (a: number, b: number, m: number) => T, ends: (t: T) => [DeviceVertex, DeviceVertex]): T[] {
  const tx = ix.function(x);
  const ty = ix.function(y);
  if (!tx || !ty) return [];
  const { badX, badY } = masks;
  const hasY = ty.has;
  const groups: T[][] = [];
  const lastA = new Int32Array(ix.classes * 2).fill(-1);
  const lastB = new Int32Array(ix.classes * 2);
  let outOfOrder = false;
  for (const a of tx.byName) {
    if (badX?.[a]) continue;
    for (let k = ix.memoryStart[a]!, kEnd = ix.memoryStart[a + 1]!; k < kEnd; k++) {
      const m = ix.memoryOf[k]!;
      const cls = ix.memoryClass[m]! * 2;
      for (let j = ix.memberStart[m]!, jEnd = ix.memberStart[m + 1]!; j < jEnd; j++) {
        const b = ix.member[j]!;
        if (!hasY[b] || badY?.[b] || (a === b && !sameToo)) continue;
        const group = a === b ? cls : cls + 1;
        if (lastA[group] === a && lastB[group]! > b) outOfOrder = true;
        lastA[group] = a;
        lastB[group] = b;
        (groups[group] ??= []).push(make(a, b, m));
      }
    }
  }
  if (outOfOrder) {
    const key = (t: T) => ends(t).map((d) => ix.rank(d));
    for (const list of groups) list?.sort((p, q) => key(p)[0]! - key(q)[0]! || key(p)[1]! - key(q)[1]!);
  }
  return concat(groups);
}

/** "Functions X and Y on devices that share a memory (HBM, ...)." Host DRAM, which every device reaches, does not count. */
export function sharedMemory(g: TopologyGraph, x: string, y: string, c: Constraints = {}): QueryResult<SharedMemoryAnswer> {
  const ix = g.index();
  const masks = pairFailing(ix, x, y, c);
  const pair: PairContext = { x, y };
  const answers = memoryPairs<SharedMemoryAnswer>(
    ix, x, y, masks, true,
    (a, b, m) => new SharedHit(ix.devices[a]!, ix.devices[b]!, ix.memories[m]!, pair),
    (s) => [s.a, s.b],
  );
  return { answers, rejected: masks.rejected };
}

/**
 * "Functions X and Y that can be chained": Y consumes X's output without a CPU copy. Best first: the same
 * device (a fenced second command), then a memory both reach, then a peer-to-peer link (fastest link first).
 */
export function chain(g: TopologyGraph, x: string, y: string, c: Constraints = {}): QueryResult<ChainAnswer> {
  const ix = g.index();
  const masks = pairFailing(ix, x, y, c);
  const tx = ix.function(x);
  const ty = ix.function(y);
  if (!tx || !ty) return { answers: [], rejected: masks.rejected };
  const { badX, badY } = masks;
  const pair: PairContext = { x, y };
  const usableX = (r: number) => !badX?.[r];
  const usableY = (r: number) => ty.has[r] === 1 && !badY?.[r];
  // Same device: those reaching a memory by their best memory's class, then name; the rest in the order added.
  const byClass: number[][] = [];
  for (const r of tx.byName) {
    if (!usableX(r) || !usableY(r)) continue;
    let best = -1;
    for (let k = ix.memoryStart[r]!; k < ix.memoryStart[r + 1]!; k++) if (best < 0 || ix.memoryClass[ix.memoryOf[k]!]! < best) best = ix.memoryClass[ix.memoryOf[k]!]!;
    if (best >= 0) (byClass[best] ??= []).push(r);
  }
  const same: ChainAnswer[] = [];
  for (const list of byClass) for (const r of list ?? []) same.push(new SameDeviceChain(ix.devices[r]!, pair));
  for (const r of tx.added) if (ix.memoryStart[r] === ix.memoryStart[r + 1] && usableX(r) && usableY(r)) same.push(new SameDeviceChain(ix.devices[r]!, pair));
  const viaMemory = memoryPairs<ChainAnswer>(
    ix, x, y, masks, false,
    (a, b, m) => new MemoryChain(ix.devices[a]!, ix.devices[b]!, ix.memories[m]!, pair),
    (s) => [s.from, s.to],
  );
  // Links come fastest first from the index; the filter keeps that order.
  const viaLink: ChainAnswer[] = [];
  const p2p = ix.p2pLinks();
  for (let k = 0; k < p2p.links.length; k++) {
    const a = p2p.from[k]!;
    const b = p2p.to[k]!;
    if (tx.has[a] && usableX(a) && usableY(b)) viaLink.push(new LinkChain(ix.devices[a]!, ix.devices[b]!, p2p.links[k]!, pair));
  }
  return { answers: concat([same, viaMemory, viaLink]), rejected: masks.rejected };
}
