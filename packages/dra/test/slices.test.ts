import { FUNCTION_WORDS } from '@openaccel/sysfs';
import { TopologyGraph, buildFromSysfs, chain, sharedMemory } from '@openaccel/topology';
import { describe, expect, it } from 'vitest';
import { ATTR, DRIVER, STANDARD_ATTR, celDevice, exportNode, functionClassName, selectorMatches, shippedClasses, validateObject, type Device } from '../src/index.js';
import { FIXTURES, machines } from './fixtures.js';

const attr = (d: Device, id: string) => d.attributes?.[id];

describe('ResourceSlices from the fixture machines', () => {
  for (const m of machines()) {
    it(`${m.name}: one valid slice, one device per graph device`, () => {
      const exp = exportNode(m.graph, { node: 'node-a' });
      expect(exp.slices).toHaveLength(1);
      for (const s of exp.slices) expect(validateObject(s)).toEqual([]);
      expect(exp.slices[0]!.spec.devices).toHaveLength(m.graph.devices.size);
      expect(exp.slices[0]!.spec.pool).toEqual({ name: 'node-a', generation: 0, resourceSliceCount: 1 });
    });

    it(`${m.name}: every function class selects exactly the devices topology says have the function`, () => {
      const exp = exportNode(m.graph, { node: 'node-a' });
      const classes = new Map(shippedClasses().map((c) => [c.metadata.name!, c]));
      for (const fn of [...FUNCTION_WORDS, 'compute']) {
        const expr = classes.get(functionClassName(fn))!.spec.selectors![0]!.cel.expression;
        const selected = exp.slices[0]!.spec.devices!.filter((d) => selectorMatches(expr, celDevice(DRIVER, d))).map((d) => exp.devices.get(d.name)!.id);
        expect(selected.sort(), fn).toEqual(m.graph.devicesWith(fn).map((d) => d.id).sort());
      }
    });

    it(`${m.name}: devices share memoryDomain / linkDomain exactly when topology pairs them`, () => {
      const exp = exportNode(m.graph, { node: 'node-a' });
      const devs = exp.slices[0]!.spec.devices!;
      for (const a of devs) {
        for (const b of devs) {
          if (a === b) continue;
          const [ga, gb] = [exp.devices.get(a.name)!, exp.devices.get(b.name)!];
          const sameMem = attr(a, ATTR.memoryDomain) !== undefined && JSON.stringify(attr(a, ATTR.memoryDomain)) === JSON.stringify(attr(b, ATTR.memoryDomain));
          const shares = ga.functions.some((x) => gb.functions.some((y) => sharedMemory(m.graph, x, y).answers.some((s) => s.a === ga && s.b === gb)));
          expect(sameMem, `${a.name} ${b.name} memory`).toBe(shares);
          const sameLink = attr(a, ATTR.linkDomain) !== undefined && JSON.stringify(attr(a, ATTR.linkDomain)) === JSON.stringify(attr(b, ATTR.linkDomain));
          const chains = ga.functions.some((x) => gb.functions.some((y) => chain(m.graph, x, y).answers.some((c) => c.from === ga && c.to === gb)));
          expect(sameLink, `${a.name} ${b.name} chain`).toBe(chains);
        }
      }
    });
  }

  it('publishes no linkDomain for a one-way link, and says why', () => {
    const g = new TopologyGraph();
    for (const n of ['a', 'b']) g.addDevice({ id: `x:${n}`, name: n, source: 'openaccel', model: 'm', functions: ['copy'], numa: 0, features: [] });
    g.addLink({ id: 'l', from: 'x:a', to: 'x:b', linkKind: 'pcie', p2p: true });
    const exp = exportNode(g, { node: 'n' });
    expect(exp.slices[0]!.spec.devices!.map((d) => attr(d, ATTR.linkDomain))).toEqual([undefined, undefined]);
    expect(exp.notes.join('\n')).toMatch(/not every pair can be chained/);
  });

  it('splits more than 128 devices into slices of one pool and fails loudly past 32 attributes', () => {
    const g = new TopologyGraph();
    for (let i = 0; i < 130; i++) g.addDevice({ id: `x:${i}`, name: `d${i}`, source: 'openaccel', model: 'm', functions: ['copy'], numa: -1, features: [] });
    const exp = exportNode(g, { node: 'n' });
    expect(exp.slices.map((s) => [s.spec.devices!.length, s.spec.pool.resourceSliceCount])).toEqual([[128, 2], [2, 2]]);
    for (const s of exp.slices) expect(validateObject(s)).toEqual([]);
    const wide = new TopologyGraph();
    wide.addDevice({ id: 'x:w', name: 'w', source: 'openaccel', model: 'm', functions: Array.from({ length: 40 }, (_, i) => `f${i}`), numa: -1, features: [] });
    expect(() => exportNode(wide, { node: 'n' })).toThrow(/needs \d+ attributes and capacities; a device may have 32/);
  });

  it('refuses a model string longer than the API allows instead of truncating it', () => {
    const g = new TopologyGraph();
    g.addDevice({ id: 'x:a', name: 'a', source: 'openaccel', model: 'm'.repeat(65), functions: [], numa: -1, features: [] });
    expect(() => exportNode(g, { node: 'n' })).toThrow(/longer than 64/);
  });
});

describe('standard PCI attributes', () => {
  it('publishes resource.kubernetes.io/pcieRoot and pciBusID from the PCI place, so claims can align devices by root', () => {
    const g = buildFromSysfs(FIXTURES + 'pci-no-drivers').graph;
    const exp = exportNode(g, { node: 'node-a' });
    const devices = exp.slices.flatMap((s) => s.spec.devices ?? []);
    const pci = [...g.devices.values()].filter((d) => d.pci);
    expect(pci.length).toBeGreaterThan(0);
    for (const v of pci) {
      const name = [...exp.devices.entries()].find(([, d]) => d.id === v.id)![0];
      const attrs = devices.find((d) => d.name === name)!.attributes!;
      expect(attrs[STANDARD_ATTR.pciBusID]).toEqual({ string: v.pci!.address });
      // The root is the host bridge the kernel names pci<domain>:<bus>, the first element under /sys/devices.
      expect(attrs[STANDARD_ATTR.pcieRoot]).toEqual({ string: v.pci!.hostBridge });
      expect(v.pci!.hostBridge).toMatch(/^pci[0-9a-f]{4}:[0-9a-f]{2}$/);
    }
    for (const s of exp.slices) expect(validateObject(s)).toEqual([]);
  });
});
