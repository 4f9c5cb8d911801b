/** The links/<i> directories of a device: each names a peer of the same tree and matches the manifest's links. */
import { readOpenAccelDevice, SysfsTree } from '@openaccel/sysfs';
import { ConformanceFailure, expectEqual, expectTrue, type TestCase } from '../model.js';

const shape = (l: { kind: string; bandwidthMBps: number; latencyNs: number; coherent: boolean; p2p: boolean }, peerModel: string) =>
  `${peerModel} ${l.kind} ${l.bandwidthMBps} MB/s ${l.latencyNs} ns${l.coherent ? ' coherent' : ''}${l.p2p ? ' p2p' : ''}`;

export const sysfsLinksSuite: TestCase[] = [
  {
    id: 'sysfs.links.match_manifest',
    doc: 'every links/<i> names another device of the same tree, and the links equal those the manifest declares from this device (peer model, kind, bandwidth, latency, coherent, p2p)',
    profiles: ['core'],
    requires: { manifest: true },
    run(env) {
      const { device: d } = env.sysfs();
      if (!d) throw new ConformanceFailure(`no readable device ${env.name}`, 'a device directory', 'none');
      const m = env.manifest!;
      const peers = new Map(env.peers().map((p) => [p.name, p]));
      const tree = new SysfsTree(env.target.sysfsRoot);
      const modelOf = (name: string) => readOpenAccelDevice(tree, name)?.model;
      for (const l of d.links) {
        expectTrue(`links/${l.index} peer ${l.peer} is another device of the tree`, peers.has(l.peer), `no device ${l.peer}`);
      }
      const decls = m.devices.filter((x) => x.model === d.model);
      if (decls.length === 0) throw new ConformanceFailure(`no device of the manifest has model '${d.model}'`, `a device with model '${d.model}'`, m.devices.map((x) => x.model).join(', '));
      const declModel = new Map(m.devices.map((x) => [x.id, x.model]));
      const seen = d.links.map((l) => shape(l, modelOf(l.peer) ?? l.peer)).sort();
      // Several devices of one model (two identical cards) may declare different links: the device's links must
      // equal those declared from one of them, since sysfs does not say which declaration a device is.
      const candidates = decls.map((decl) => (m.links ?? []).filter((l) => l.from === decl.id).map((l) => shape(l, declModel.get(l.to) ?? l.to)).sort());
      if (candidates.some((declared) => JSON.stringify(declared) === JSON.stringify(seen))) return;
      if (candidates.length === 1) expectEqual(`links of ${env.name}`, candidates[0]!, seen);
      const list = (c: string[]) => `[${c.join(', ')}]`;
      throw new ConformanceFailure(`the links of ${env.name} match none of the ${candidates.length} manifest devices of model ${d.model}`, candidates.map(list).join(' or '), list(seen));
    },
  },
];
