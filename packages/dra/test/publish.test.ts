import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TopologyGraph } from '@openaccel/topology';
import { apiClaimSource, exportNode, kubeConfigFor, nodeOwner, publishSlices, validateObject } from '../src/index.js';
import { FakeApiServer } from './fake-apiserver.js';
import { machines } from './fixtures.js';

describe('publishing slices with the official client', { timeout: 60_000 }, () => {
  let api: FakeApiServer;
  let url: string;
  beforeEach(async () => {
    api = new FakeApiServer();
    url = await api.start();
  });
  afterEach(async () => {
    await api.stop();
  });

  it('creates the pool, writes nothing when unchanged, bumps the generation and deletes slices no longer needed', async () => {
    const kc = kubeConfigFor(url);
    const g = machines()[0]!.graph;
    const first = await publishSlices(kc, 'node-a', exportNode(g, { node: 'node-a' }).slices);
    expect(first).toEqual({ generation: 0, created: ['node-a-openaccel.dev-0'], replaced: [], deleted: [] });
    const stored = api.slices.get('node-a-openaccel.dev-0')!;
    expect(validateObject(stored)).toEqual([]);
    // int attributes survive the client's model round trip
    expect(stored.spec.devices![0]!.attributes!.numaNode).toEqual({ int: 1 });

    const again = await publishSlices(kc, 'node-a', exportNode(g, { node: 'node-a' }).slices);
    expect(again).toEqual({ generation: 0, created: [], replaced: [], deleted: [] });

    const big = new TopologyGraph();
    for (let i = 0; i < 130; i++) big.addDevice({ id: `x:${i}`, name: `d${i}`, source: 'openaccel', model: 'm', functions: ['copy'], numa: -1, features: [] });
    const grown = await publishSlices(kc, 'node-a', exportNode(big, { node: 'node-a' }).slices);
    expect(grown).toEqual({ generation: 1, created: ['node-a-openaccel.dev-1'], replaced: ['node-a-openaccel.dev-0'], deleted: [] });
    expect([...api.slices.values()].map((s) => s.spec.pool)).toEqual([
      { name: 'node-a', generation: 1, resourceSliceCount: 2 },
      { name: 'node-a', generation: 1, resourceSliceCount: 2 },
    ]);

    const shrunk = await publishSlices(kc, 'node-a', exportNode(g, { node: 'node-a' }).slices);
    expect(shrunk).toEqual({ generation: 2, created: [], replaced: ['node-a-openaccel.dev-0'], deleted: ['node-a-openaccel.dev-1'] });
  });

  it('a server without consumable capacity drops its fields; what it stored is then current, not rewritten on every publish', async () => {
    api.dropConsumableCapacity = true;
    const kc = kubeConfigFor(url);
    const slices = exportNode(machines()[0]!.graph, { node: 'node-a' }).slices;
    expect(slices[0]!.spec.devices![0]!.allowMultipleAllocations).toBe(true);
    expect(await publishSlices(kc, 'node-a', slices)).toEqual({ generation: 0, created: ['node-a-openaccel.dev-0'], replaced: [], deleted: [] });
    const stored = api.slices.get('node-a-openaccel.dev-0')!;
    expect(stored.spec.devices![0]!.allowMultipleAllocations).toBeUndefined();
    expect(stored.spec.devices![0]!.capacity!.queues).toEqual({ value: '64' });
    expect(await publishSlices(kc, 'node-a', slices)).toEqual({ generation: 0, created: [], replaced: [], deleted: [] });
  });

  it('makes the Node the owner of its slices when the Node can be read', async () => {
    const kc = kubeConfigFor(url);
    api.nodes.set('node-a', 'uid-node-a');
    expect(await nodeOwner(kc, 'node-b')).toBeUndefined();
    const owner = await nodeOwner(kc, 'node-a');
    expect(owner).toEqual({ name: 'node-a', uid: 'uid-node-a' });
    await publishSlices(kc, 'node-a', exportNode(machines()[0]!.graph, { node: 'node-a' }).slices, owner);
    const stored = api.slices.get('node-a-openaccel.dev-0')!;
    expect(stored.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'node-a', uid: 'uid-node-a', controller: true }]);
    expect(validateObject(stored)).toEqual([]);
  });

  it('leaves other nodes\' slices alone', async () => {
    const kc = kubeConfigFor(url);
    const g = machines()[0]!.graph;
    await publishSlices(kc, 'node-a', exportNode(g, { node: 'node-a' }).slices);
    await publishSlices(kc, 'node-b', exportNode(g, { node: 'node-b' }).slices);
    expect([...api.slices.keys()].sort()).toEqual(['node-a-openaccel.dev-0', 'node-b-openaccel.dev-0']);
  });

  it('reads claims, and a missing claim is undefined', async () => {
    const src = apiClaimSource(kubeConfigFor(url));
    api.claims.set('ns/c1', { apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaim', metadata: { name: 'c1', namespace: 'ns', uid: 'u-1' }, spec: {} });
    expect((await src.getClaim('ns', 'c1'))?.metadata.uid).toBe('u-1');
    expect(await src.getClaim('ns', 'nope')).toBeUndefined();
    api.failClaims = true;
    await expect(src.getClaim('ns', 'c1')).rejects.toThrow();
  });
});
