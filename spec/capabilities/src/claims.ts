/** A manifest's claims about one device, compared with what the device publishes in the openaccel sysfs class. */
import type { OpenAccelDevice } from '@openaccel/sysfs';
import type { DeviceDecl, Manifest } from './manifest.js';

export interface ClaimCheck {
  claim: string;
  manifest: string;
  device: string;
  status: 'ok' | 'mismatch' | 'warn';
}

/** Compares what a manifest device declares with what the device publishes in the openaccel class. */
export function checkClaims(m: Manifest, decl: DeviceDecl, dev: OpenAccelDevice): ClaimCheck[] {
  const out: ClaimCheck[] = [];
  const eq = (claim: string, want: unknown, got: unknown) => out.push({ claim, manifest: String(want), device: String(got), status: String(want) === String(got) ? 'ok' : 'mismatch' });
  const [major, minor] = m.uapiVersion.split('.').map(Number) as [number, number];
  out.push({ claim: 'uapi version', manifest: m.uapiVersion, device: `${dev.apiVersion.major}.${dev.apiVersion.minor}`, status: dev.apiVersion.major === major && dev.apiVersion.minor >= minor ? 'ok' : 'mismatch' });
  const hex = (n?: number) => (n === undefined ? 'none' : `0x${n.toString(16).padStart(4, '0')}`);
  eq('pci vendor id', m.identity.pciVendorId ?? 'none', hex(dev.vendorId));
  eq('pci device id', m.identity.pciDeviceId ?? 'none', hex(dev.deviceId));
  for (const f of decl.functions) {
    out.push({ claim: `function ${f.name}`, manifest: 'declared', device: dev.functions.includes(f.name) ? 'present' : 'absent', status: dev.functions.includes(f.name) ? 'ok' : 'mismatch' });
    if (f.maxTransferBytes > dev.maxTransferBytes) out.push({ claim: `function ${f.name} maxTransferBytes`, manifest: String(f.maxTransferBytes), device: `max_transfer_bytes ${dev.maxTransferBytes}`, status: 'mismatch' });
  }
  for (const f of dev.functions) if (!decl.functions.some((x) => x.name === f)) out.push({ claim: `function ${f}`, manifest: 'not declared', device: 'present', status: 'warn' });
  eq('max queues', decl.queues.maxQueues, dev.maxQueues);
  eq('max sq entries', decl.queues.maxSqEntries, dev.maxSqEntries);
  eq('max cq entries', decl.queues.maxCqEntries, dev.maxCqEntries);
  eq('sva', decl.sva, dev.caps.includes('sva'));
  eq('pasid bits', decl.pasidBits ?? 0, dev.pasidBits);
  eq('dma-buf import', decl.dmabufImport, dev.caps.includes('dmabuf_import'));
  eq('dma-buf export', decl.dmabufExport, dev.caps.includes('dmabuf_export'));
  eq('eventfd', decl.eventfd, dev.caps.includes('eventfd'));
  const unmatched = [...dev.memories];
  for (const mem of (m.memories ?? []).filter((x) => x.devices.includes(decl.id))) {
    const i = unmatched.findIndex((x) => x.kind === mem.kind && x.sizeBytes === BigInt(mem.sizeBytes) && x.sharedWith.length === mem.devices.length - 1);
    const want = `${mem.kind} ${mem.sizeBytes} bytes shared by ${mem.devices.length}`;
    if (i < 0) out.push({ claim: `memory ${mem.id}`, manifest: want, device: 'no such memory', status: 'mismatch' });
    else {
      const got = unmatched.splice(i, 1)[0]!;
      out.push({ claim: `memory ${mem.id}`, manifest: want, device: `memories/${got.index}`, status: 'ok' });
    }
  }
  for (const x of unmatched) out.push({ claim: `memory memories/${x.index}`, manifest: 'not declared', device: `${x.kind} ${x.sizeBytes} bytes`, status: 'warn' });
  const declaredP2p = (m.links ?? []).filter((l) => l.from === decl.id && l.p2p).length;
  eq('p2p links', declaredP2p, dev.links.filter((l) => l.p2p).length);
  return out;
}
