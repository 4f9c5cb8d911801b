/** The capability manifest of a refdev configuration, in the format of @openaccel/capabilities. */
import type { RefdevConfig, RefdevDeviceConfig } from './config.js';

function profiles(d: RefdevDeviceConfig, cfg: RefdevConfig): string[] {
  const p = ['core', 'queue'];
  if (d.caps.includes('sva')) p.push('sva');
  const dmabuf = d.caps.includes('dmabuf_import') && d.caps.includes('dmabuf_export');
  if (dmabuf) p.push('dmabuf');
  const peer = cfg.memories.some((m) => m.devices.includes(d.name) && m.devices.length > 1) || cfg.links.some((l) => l.from === d.name && l.p2p);
  if (dmabuf && peer) p.push('chain');
  return p;
}

export function refdevManifest(cfg: RefdevConfig): Record<string, unknown> {
  return {
    $schema: 'urn:openaccel:schema:manifest:1.0',
    identity: { vendor: 'OpenAccel', product: 'refdev software reference device' },
    uapiVersion: '1.0',
    devices: cfg.devices.map((d) => ({
      id: d.name,
      model: d.model,
      profiles: profiles(d, cfg),
      functions: d.functions.map((name) => ({ name, maxTransferBytes: d.maxTransferBytes })),
      queues: { maxQueues: d.maxQueues, maxSqEntries: d.maxSqEntries, maxCqEntries: d.maxCqEntries },
      sva: d.caps.includes('sva'),
      ...(d.caps.includes('sva') ? { pasidBits: d.pasidBits } : {}),
      dmabufImport: d.caps.includes('dmabuf_import'),
      dmabufExport: d.caps.includes('dmabuf_export'),
      eventfd: d.caps.includes('eventfd'),
    })),
    memories: cfg.memories.map((m) => ({ id: m.id, kind: m.kind, sizeBytes: m.sizeBytes, devices: m.devices, cpuVisible: m.cpuVisible })),
    // What this software device promises on a 2-vCPU machine: checked by latency.doorbell.round_trip.
    limits: { doorbellP50Ns: 20000, doorbellP99Ns: 500000 },
    links: cfg.links.map((l, i) => ({ id: `link${i}`, from: l.from, to: l.to, kind: l.kind, bandwidthMBps: l.bandwidthMBps, latencyNs: l.latencyNs, coherent: l.coherent, p2p: l.p2p })),
  };
}
