/** The links/<i> directories of a device: each names a peer of the same tree and matches the manifest's links. */
import { readOpenAccelDevice, SysfsTree } from '@openaccel/sysfs';
import { ConformanceFailure, expectEqual, expectTrue, SkipTest, type TestCase } from '../model.js';

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
      if (decls.length !== 1) throw new SkipTest('one manifest device of this model', `the manifest declares ${decls.length} devices of model ${d.model}; links cannot be paired`);
      const declModel = new Map(m.devices.map((x) => [x.id, x.model]));
      const declared = (m.links ?? []).filter((l) => l.from === decls[0]!.id).map((l) => shape(l, declModel.get(l.to) ?? l.to)).sort();
      const seen = d.links.map((l) => shape(l, modelOf(l.peer) ?? l.peer)).sort();
      expectEqual(`links of ${env.name}`, declared, seen);
    },
  },
];
