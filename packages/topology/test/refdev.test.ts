// The software reference device publishes each device in the 1.0 class and the 2.0 accel layout: discovery on
// its real tree sees each device once, at both nodes, with one memory and its links (not twice each).
import { startRefdev } from '@openaccel/refdev';
import { expect, it } from 'vitest';
import { buildFromSysfs, chain } from '../src/index.js';

it('a running refdev: one vertex per device, answering at its 1.0 and 2.0 nodes', async () => {
  const r = await startRefdev();
  try {
    const { graph: g, problems } = buildFromSysfs(r.sysfsRoot, { devRoot: r.devRoot });
    expect(problems.map((p) => p.message)).toEqual([]);
    expect([...g.devices.keys()]).toEqual(r.devices.map((d) => `openaccel:${d}`));
    for (const name of r.devices) {
      const d = g.devices.get(`openaccel:${name}`)!;
      expect(d.node).toBe(r.node(name));
      expect(d.uapi).toEqual([
        { version: '2.0', node: r.accelNode(name) },
        { version: '1.0', node: r.node(name) },
      ]);
    }
    // The default configuration: one HBM both devices reach, a link each way.
    expect([...g.memories.values()].map((m) => m.devices)).toEqual([r.devices.map((d) => `openaccel:${d}`)]);
    expect(g.links.map((l) => `${l.from}>${l.to}`)).toEqual(['openaccel:accel0>openaccel:accel1', 'openaccel:accel1>openaccel:accel0']);
    expect(chain(g, 'deflate', 'aes_gcm_encrypt').answers.map((a) => a.via)).toEqual(['same-device', 'same-device', 'shared-memory', 'shared-memory', 'p2p-link', 'p2p-link']);
  } finally {
    await r.stop();
  }
}, 180_000); // bounds a hang only: refdev may take a minute to start on a busy machine
