// The indexed queries against the brute-force reference on random graphs: the same answers, in the same
// order, with the same reasons and the same rejected devices. Graphs keep changing between queries (devices
// added, free queues changed in place), so an index that does not follow its graph shows up here too.
import { expect, it } from 'vitest';
import { TopologyGraph, chain, nearest, sharedMemory, type Constraints, type MemoryKind, type QueryResult, type Reason } from '../src/index.js';
import { referenceChain, referenceNearest, referenceSharedMemory, type PlainAnswer } from './reference-queries.js';

const FUNCTIONS = ['deflate', 'aes', 'crc'];
const KINDS: MemoryKind[] = ['hbm', 'ddr', 'sram', 'cxl', 'device-memory'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** A graph with every case the rules name: unknown nodes and distances, equal memory classes, duplicate and dangling members, links both ways and not p2p. */
function randomGraph(seed: number): { g: TopologyGraph; grow: () => void; rand: () => number } {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const g = new TopologyGraph();
  const nodes = 1 + Math.floor(rand() * 4);
  for (let n = 0; n < nodes; n++) {
    const d = new Map<number, number>();
    for (let m = 0; m < nodes; m++) if (m !== n && rand() < 0.8) d.set(m, pick([12, 16, 21, 32]));
    g.addNuma({ numa: n, cpus: [n] }, d);
  }
  let next = 0;
  const addDevice = () => {
    const i = next++;
    const functions = FUNCTIONS.filter(() => rand() < 0.6);
    g.addDevice({
      id: `dev:${pick(['', '0'])}${i}`,
      name: `d${i}`,
      source: 'openaccel',
      model: 'm',
      functions,
      numa: rand() < 0.15 ? -1 : Math.floor(rand() * (nodes + 1)),
      features: rand() < 0.5 ? ['sva'] : [],
      ...(rand() < 0.8 ? { freeQueues: Math.floor(rand() * 4) } : {}),
      ...(rand() < 0.5 ? { pasidBits: pick([0, 8, 20]) } : {}),
    });
  };
  const ids = () => [...g.devices.keys()];
  const addMemory = (k: number) => {
    const members = ids().filter(() => rand() < 0.25);
    if (rand() < 0.3 && members.length) members.push(members[0]!);
    if (rand() < 0.2) members.push('dev:absent');
    g.addMemory({ id: `mem:${k}`, label: `memory ${k}`, memKind: pick(KINDS), sizeBytes: BigInt(pick([1, 2, 4])) << 30n, numa: rand() < 0.7 ? -1 : Math.floor(rand() * nodes), devices: members });
  };
  const addLink = (k: number) => {
    const all = ids();
    g.addLink({
      id: `link:${k}`,
      from: rand() < 0.1 ? 'dev:absent' : pick(all),
      to: pick(all),
      linkKind: pick(['pcie', 'fabric']),
      ...(rand() < 0.8 ? { bandwidthMBps: pick([100, 900]) } : {}),
      ...(rand() < 0.6 ? { latencyNs: pick([50, 200]) } : {}),
      p2p: rand() < 0.8,
    });
  };
  for (let i = 0, n = 2 + Math.floor(rand() * 25); i < n; i++) addDevice();
  for (let k = 0, n = Math.floor(rand() * 8); k < n; k++) addMemory(k);
  for (let k = 0, n = Math.floor(rand() * 10); k < n; k++) addLink(k);
  let grown = 0;
  const grow = () => {
    grown++;
    addDevice();
    if (rand() < 0.5) addMemory(100 + grown);
    if (rand() < 0.5) addLink(100 + grown);
  };
  return { g, grow, rand };
}

/** An answer as plain data: the ids it names (device, peer, via, memory or link), distance, reason. */
function plain(r: QueryResult<object>): { answers: PlainAnswer[]; rejected: unknown } {
  const answers = r.answers.map((x) => {
    const a = x as Record<string, any>;
    const reason = a.reason as Reason;
    if ('device' in a) return { ids: [a.device.id], distance: a.distance, reason };
    if ('via' in a) return { ids: [a.from.id, a.to.id, a.via, ...(a.memory ? [a.memory.id] : []), ...(a.link ? [a.link.id] : [])], reason };
    return { ids: [a.a.id, a.b.id, a.memory.id], reason };
  });
  return { answers, rejected: r.rejected };
}

/** JSON text compares fast; the structural diff is only worth its time when they differ. */
function same(actual: unknown, expected: unknown, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) expect(actual, what).toEqual(expected);
}

const CONSTRAINTS: Constraints[] = [{}, { features: ['sva'] }, { minFreeQueues: 2 }, { minPasidBits: 8, minFreeQueues: 1 }];

it('indexed answers equal the brute-force reference on 150 random graphs that change between queries', () => {
  let compared = 0;
  for (let seed = 1; seed <= 150; seed++) {
    const { g, grow, rand } = randomGraph(seed);
    for (let step = 0; step < 3; step++) {
      for (const c of CONSTRAINTS) {
        for (const x of FUNCTIONS) {
          for (const numa of g.numa.keys()) same(plain(nearest(g, x, { numa }, c)), referenceNearest(g, x, numa, `node ${numa}`, c), `seed ${seed} nearest ${x} node ${numa}`);
          same(plain(nearest(g, x, { cpu: 0 }, c)), referenceNearest(g, x, 0, 'CPU 0 (node 0)', c), `seed ${seed} nearest ${x} CPU 0`);
          for (const y of FUNCTIONS) {
            same(plain(sharedMemory(g, x, y, c)), referenceSharedMemory(g, x, y, c), `seed ${seed} share ${x} ${y}`);
            same(plain(chain(g, x, y, c)), referenceChain(g, x, y, c), `seed ${seed} chain ${x} ${y}`);
            compared += 2;
          }
        }
      }
      // Change the graph in place and by growing it; the next round must see both.
      for (const d of g.devices.values()) if (rand() < 0.3) d.freeQueues = Math.floor(rand() * 4);
      grow();
    }
  }
  expect(compared).toBeGreaterThan(10_000);
}, 300_000); // bounds a hang only

it('the reference itself is not vacuous: random graphs give answers of every kind', () => {
  const seen = new Set<string>();
  for (let seed = 1; seed <= 300; seed++) {
    const { g } = randomGraph(seed);
    for (const a of referenceChain(g, 'deflate', 'aes', {}).answers) seen.add(a.ids[2]!);
    for (const a of referenceNearest(g, 'deflate', 0, 'node 0', {}).answers) seen.add(a.distance === null ? 'unknown distance' : a.reason.text.includes('own') ? 'own memory' : 'distance');
    if (referenceSharedMemory(g, 'deflate', 'aes', { features: ['sva'] }).rejected.length) seen.add('rejected');
  }
  expect([...seen].sort()).toEqual(['distance', 'own memory', 'p2p-link', 'rejected', 'same-device', 'shared-memory', 'unknown distance']);
});
