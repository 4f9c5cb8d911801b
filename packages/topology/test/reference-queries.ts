/**
 * The three queries written the slow, obvious way: every candidate built, then one stable sort by the
 * rules of queries.ts. No index; the graph's adjacency (devicesWith, memoriesOf) and nothing else. The
 * indexed queries must give exactly these answers, in this order, with these reasons.
 */
import type { Constraints, Reason, Rejected } from '../src/index.js';
import { unmet, type DeviceVertex, type LinkEdge, type MemoryVertex, type TopologyGraph } from '../src/index.js';

export interface PlainAnswer {
  ids: string[];
  distance?: number | null;
  reason: Reason;
}

const collator = new Intl.Collator('en', { numeric: true });
const KIND_RANK: Record<string, number> = { sram: 0, hbm: 1, ddr: 2, cxl: 3, nvm: 4 };
const kindRank = (m: MemoryVertex) => KIND_RANK[m.memKind] ?? 9;
/** Memory rank: kind, then size, largest first. */
const memoryOrder = (p: MemoryVertex, q: MemoryVertex) => kindRank(p) - kindRank(q) || (q.sizeBytes > p.sizeBytes ? 1 : q.sizeBytes < p.sizeBytes ? -1 : 0);
const byName = (p: DeviceVertex, q: DeviceVertex) => collator.compare(p.id, q.id);

function withFunction(g: TopologyGraph, fn: string): DeviceVertex[] {
  return [...g.devices.values()].filter((d) => d.functions.includes(fn));
}

function reject(g: TopologyGraph, fn: string, c: Constraints): Rejected[] {
  return withFunction(g, fn).flatMap((d) => {
    const why = unmet(d, c);
    return why ? [{ device: d.id, why }] : [];
  });
}

function bothRejected(g: TopologyGraph, x: string, y: string, c: Constraints): Rejected[] {
  const rx = reject(g, x, c);
  return [...rx, ...reject(g, y, c).filter((r) => !rx.some((s) => s.device === r.device))];
}

const usable = (d: DeviceVertex, fn: string, c: Constraints) => d.functions.includes(fn) && !unmet(d, c);

export function referenceNearest(g: TopologyGraph, fn: string, numa: number, targetText: string, c: Constraints): { answers: PlainAnswer[]; rejected: Rejected[] } {
  const rows = withFunction(g, fn)
    .filter((d) => !unmet(d, c))
    .map((d) => {
      const own = g.memoriesOf(d.id).find((m) => m.numa === numa);
      const distance = own ? 10 : (g.numaDistance(d.numa, numa) ?? null);
      let reason: Reason;
      if (own) reason = { path: [d.id, own.id, `numa:${numa}`], weights: { distance: 10 }, text: `${d.name}'s own ${own.memKind} is ${targetText}: local` };
      else if (distance === null) {
        const why = d.numa < 0 ? `${d.name}'s NUMA node is unknown (-1)` : `no distance is known between node ${d.numa} and ${targetText}`;
        reason = { path: [d.id], weights: { distance: null, deviceNode: d.numa }, text: `${why}: ranked after every device of known distance` };
      } else {
        reason = { path: [d.id, `numa:${d.numa}`, `numa:${numa}`], weights: { distance, deviceNode: d.numa }, text: `${d.name} is on node ${d.numa}; distance to ${targetText} is ${distance}${distance === 10 ? ' (local)' : ''}` };
      }
      return { d, answer: { ids: [d.id], distance, reason } };
    });
  const dist = (x: number | null) => (x === null ? Infinity : x);
  rows.sort((p, q) => dist(p.answer.distance) - dist(q.answer.distance) || (q.d.freeQueues ?? -1) - (p.d.freeQueues ?? -1) || byName(p.d, q.d));
  return { answers: rows.map((r) => r.answer), rejected: reject(g, fn, c) };
}

interface Pair {
  a: DeviceVertex;
  b: DeviceVertex;
  m: MemoryVertex;
}

function sharedPairs(g: TopologyGraph, x: string, y: string, c: Constraints): Pair[] {
  const pairs: Pair[] = [];
  for (const a of withFunction(g, x).filter((d) => !unmet(d, c))) {
    for (const m of g.memoriesOf(a.id)) {
      for (const id of new Set(m.devices)) {
        const b = g.devices.get(id);
        if (b && usable(b, y, c)) pairs.push({ a, b, m });
      }
    }
  }
  return pairs.sort((p, q) => memoryOrder(p.m, q.m) || Number(q.a === q.b) - Number(p.a === p.b) || byName(p.a, q.a) || byName(p.b, q.b));
}

function sharedReason({ a, b, m }: Pair, x: string, y: string): Reason {
  const same = a === b;
  return {
    path: same ? [a.id, m.id] : [a.id, m.id, b.id],
    weights: { memoryKind: m.memKind, sizeBytes: m.sizeBytes.toString(), sameDevice: same ? 'yes' : 'no' },
    text: same ? `${a.name} has both ${x} and ${y} and its own ${m.label}` : `${a.name} (${x}) and ${b.name} (${y}) both reach ${m.label}`,
  };
}

export function referenceSharedMemory(g: TopologyGraph, x: string, y: string, c: Constraints): { answers: PlainAnswer[]; rejected: Rejected[] } {
  const answers = sharedPairs(g, x, y, c).map((p) => ({ ids: [p.a.id, p.b.id, p.m.id], reason: sharedReason(p, x, y) }));
  return { answers, rejected: bothRejected(g, x, y, c) };
}

export function referenceChain(g: TopologyGraph, x: string, y: string, c: Constraints): { answers: PlainAnswer[]; rejected: Rejected[] } {
  const devices = [...g.devices.values()];
  // Same device: devices that reach a memory first, by their best memory then name; the rest in graph order.
  const best = (d: DeviceVertex) => g.memoriesOf(d.id).reduce<MemoryVertex | undefined>((b, m) => (!b || memoryOrder(m, b) < 0 ? m : b), undefined);
  const both = withFunction(g, x).filter((d) => usable(d, x, c) && usable(d, y, c));
  const withMemory = both.filter((d) => best(d)).sort((p, q) => memoryOrder(best(p)!, best(q)!) || byName(p, q));
  const same = [...withMemory, ...both.filter((d) => !best(d))].map((d) => ({
    ids: [d.id, d.id, 'same-device'],
    reason: { path: [d.id], weights: { via: 'same-device' }, text: `${d.name} runs both: submit ${y} with OA_SQE_FENCE after ${x} on one queue` },
  }));
  const viaMemory = sharedPairs(g, x, y, c)
    .filter((p) => p.a !== p.b)
    .map((p) => {
      const r = sharedReason(p, x, y);
      return { ids: [p.a.id, p.b.id, 'shared-memory', p.m.id], reason: { ...r, text: `${r.text}: ${x} writes it, ${y} reads it` } };
    });
  const order = (l: LinkEdge) => devices.findIndex((d) => d.id === l.from);
  const links = g.links
    .filter((l) => l.p2p && g.devices.has(l.from) && g.devices.has(l.to) && usable(g.devices.get(l.from)!, x, c) && usable(g.devices.get(l.to)!, y, c))
    .sort((p, q) => (q.bandwidthMBps ?? 0) - (p.bandwidthMBps ?? 0) || (p.latencyNs ?? Infinity) - (q.latencyNs ?? Infinity) || order(p) - order(q));
  const viaLink = links.map((l) => {
    const a = g.devices.get(l.from)!;
    const b = g.devices.get(l.to)!;
    const speed = `${l.bandwidthMBps ? ` (${l.bandwidthMBps} MB/s` : ''}${l.latencyNs ? `, ${l.latencyNs} ns)` : l.bandwidthMBps ? ')' : ''}`;
    return {
      ids: [a.id, b.id, 'p2p-link', l.id],
      reason: { path: [a.id, l.id, b.id], weights: { bandwidthMBps: l.bandwidthMBps ?? null, latencyNs: l.latencyNs ?? null, linkKind: l.linkKind }, text: `${a.name} (${x}) writes into ${b.name} (${y}) over a ${l.linkKind} p2p link${speed}` },
    };
  });
  return { answers: [...same, ...viaMemory, ...viaLink], rejected: bothRejected(g, x, y, c) };
}
