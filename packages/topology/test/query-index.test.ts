// The queries read an index built once per graph; it must follow the graph as it grows and as a
// device's free queues change in place, and rank exactly as the rules say.
import { expect, it } from 'vitest';
import { TopologyGraph, chain, nearest, sharedMemory } from '../src/index.js';

function graph(): TopologyGraph {
  const g = new TopologyGraph();
  g.addNuma({ numa: 0, cpus: [0] }, new Map([[0, 10], [1, 20]]));
  g.addNuma({ numa: 1, cpus: [1] }, new Map([[0, 20], [1, 10]]));
  for (const [i, numa, fq] of [[10, 0, 4], [2, 0, 4], [1, 1, 9]] as const) g.addDevice({ id: `dev:${i}`, name: `d${i}`, source: 'openaccel', model: 'm', functions: ['deflate', 'aes'], numa, features: [], freeQueues: fq });
  return g;
}

it('nearest follows devices added after a query and free queues changed in place', () => {
  const g = graph();
  expect(nearest(g, 'deflate', { numa: 0 }).answers.map((a) => a.device.id)).toEqual(['dev:2', 'dev:10', 'dev:1']); // numeric name order
  g.devices.get('dev:10')!.freeQueues = 5;
  expect(nearest(g, 'deflate', { numa: 0 }).answers.map((a) => a.device.id)).toEqual(['dev:10', 'dev:2', 'dev:1']);
  g.addDevice({ id: 'dev:3', name: 'd3', source: 'openaccel', model: 'm', functions: ['deflate'], numa: 0, features: [], freeQueues: 50 });
  expect(nearest(g, 'deflate', { numa: 0 }).answers.map((a) => a.device.id)).toEqual(['dev:3', 'dev:10', 'dev:2', 'dev:1']);
});

it('shared memory ranks by kind, size, same device first, then names, and follows new memories', () => {
  const g = graph();
  expect(sharedMemory(g, 'deflate', 'aes').answers).toEqual([]);
  g.addMemory({ id: 'm:ddr', label: 'ddr', memKind: 'ddr', sizeBytes: 1n << 40n, numa: -1, devices: ['dev:1', 'dev:10', 'dev:1'] });
  g.addMemory({ id: 'm:hbm', label: 'hbm', memKind: 'hbm', sizeBytes: 1n << 30n, numa: -1, devices: ['dev:10', 'dev:2'] });
  const r = sharedMemory(g, 'deflate', 'aes').answers.map((a) => `${a.memory.id} ${a.a.id}>${a.b.id}`);
  expect(r).toEqual(['m:hbm dev:2>dev:2', 'm:hbm dev:10>dev:10', 'm:hbm dev:2>dev:10', 'm:hbm dev:10>dev:2', 'm:ddr dev:1>dev:1', 'm:ddr dev:10>dev:10', 'm:ddr dev:1>dev:10', 'm:ddr dev:10>dev:1']);
  const c = chain(g, 'deflate', 'aes').answers;
  expect(c.map((a) => a.via)).toEqual(['same-device', 'same-device', 'same-device', 'shared-memory', 'shared-memory', 'shared-memory', 'shared-memory']);
});

it('chain lists p2p links fastest first, added after a query', () => {
  const g = graph();
  chain(g, 'deflate', 'aes');
  g.addLink({ id: 'slow', from: 'dev:1', to: 'dev:2', linkKind: 'pcie', bandwidthMBps: 100, p2p: true });
  g.addLink({ id: 'fast', from: 'dev:2', to: 'dev:1', linkKind: 'fabric', bandwidthMBps: 900, latencyNs: 50, p2p: true });
  g.addLink({ id: 'not-p2p', from: 'dev:2', to: 'dev:10', linkKind: 'fabric', bandwidthMBps: 5000, p2p: false });
  expect(chain(g, 'deflate', 'aes').answers.filter((a) => a.via === 'p2p-link').map((a) => a.link!.id)).toEqual(['fast', 'slow']);
});

it('a reason written when first read is the same in the answer and in its JSON', () => {
  const g = graph();
  g.addMemory({ id: 'm:hbm', label: 'hbm', memKind: 'hbm', sizeBytes: 1n << 30n, numa: -1, devices: ['dev:10', 'dev:2'] });
  g.addLink({ id: 'fast', from: 'dev:2', to: 'dev:1', linkKind: 'fabric', bandwidthMBps: 900, latencyNs: 50, p2p: true });
  const json = (a: unknown) => JSON.parse(JSON.stringify(a, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
  const n = nearest(g, 'deflate', { numa: 1 }).answers[0]!;
  expect(json(n)).toMatchObject({ device: { id: 'dev:1' }, distance: 10, reason: n.reason });
  expect(n.reason.text).toBe('d1 is on node 1; distance to node 1 is 10 (local)');
  const c = chain(g, 'deflate', 'aes').answers;
  expect(c.map((a) => json(a).reason.text)).toEqual(c.map((a) => a.reason.text));
  expect(json(c.at(-1)).link.id).toBe('fast');
  expect(Object.keys(c.at(-1)!).sort()).toEqual(['from', 'link', 'to', 'via']);
});
