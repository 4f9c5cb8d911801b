/**
 * The accel layout of a refdev device (spec/sysfs accel-openaccel.ts): `class/accel/<name>/openaccel/`
 * with the device attributes, `memories/<i>/` and `links/<i>/` below it, peers as relative symlinks to
 * their accel devices. Written from the same config as the 1.0 class tree.
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ACCEL_CLASS_DIR, ACCEL_DEVICE_ATTRIBUTES, ACCEL_LINK_ATTRIBUTES, ACCEL_MEMORY_ATTRIBUTES, ACCEL_OPENACCEL_DIR, type SysfsAttribute } from '@openaccel/sysfs';
import type { RefdevConfig, RefdevDeviceConfig } from '../config.js';
import { deviceCapWords, deviceFacts } from './facts.js';

function writeAttributes(dir: string, attrs: readonly SysfsAttribute[], values: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  for (const a of attrs) {
    const v = values[a.key];
    if (v === undefined) continue; // an attribute that is absent (no PCI identity)
    writeFileSync(join(dir, a.file), (a.format as { format(v: unknown): string }).format(v), { mode: a.mode });
  }
}

function peerLink(classDir: string, at: string, peer: string): void {
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(relative(dirname(at), join(classDir, peer)), at);
}

/** Publishes one device's accel directory under `sysfsRoot`. */
export function writeAccelDevice(sysfsRoot: string, d: RefdevDeviceConfig, cfg: RefdevConfig, freeQueues: number): void {
  const classDir = join(sysfsRoot, ACCEL_CLASS_DIR);
  const base = join(classDir, d.name, ACCEL_OPENACCEL_DIR);
  rmSync(join(classDir, d.name), { recursive: true, force: true });
  const f = deviceFacts(d);
  writeAttributes(base, ACCEL_DEVICE_ATTRIBUTES, {
    apiVersion: { major: f.apiMajor, minor: f.apiMinor },
    model: d.model,
    caps: deviceCapWords(d),
    functions: [...d.functions],
    maxQueues: d.maxQueues,
    freeQueues,
    maxSqEntries: d.maxSqEntries,
    maxCqEntries: d.maxCqEntries,
    maxTransferBytes: d.maxTransferBytes,
    pageSize: f.pageSize,
    cacheLineSize: f.cacheLineSize,
    numOpcodes: f.numOpcodes,
    numaNode: d.numaNode,
  });
  const memories = cfg.memories.filter((m) => m.devices.includes(d.name));
  memories.forEach((m, i) => {
    const dir = join(base, 'memories', String(i));
    writeAttributes(dir, ACCEL_MEMORY_ATTRIBUTES, { kind: m.kind, sizeBytes: BigInt(m.sizeBytes), allocAlign: d.caps.includes('device_memory') ? f.pageSize : 0, numaNode: m.numaNode, cpuVisible: m.cpuVisible });
    mkdirSync(join(dir, 'shared_with'), { recursive: true });
    for (const peer of m.devices.filter((x) => x !== d.name)) peerLink(classDir, join(dir, 'shared_with', peer), peer);
  });
  cfg.links
    .filter((l) => l.from === d.name)
    .forEach((l, i) => {
      const dir = join(base, 'links', String(i));
      writeAttributes(dir, ACCEL_LINK_ATTRIBUTES, { kind: l.kind, bandwidthMBps: l.bandwidthMBps, latencyNs: l.latencyNs, coherent: l.coherent, p2p: l.p2p });
      peerLink(classDir, join(dir, 'peer'), l.to);
    });
}

/** Keeps `openaccel/free_queues` in step with the queues in use (1.0 and 2.0 share them). */
export function writeAccelFreeQueues(sysfsRoot: string, name: string, freeQueues: number): void {
  try {
    writeFileSync(join(sysfsRoot, ACCEL_CLASS_DIR, name, ACCEL_OPENACCEL_DIR, 'free_queues'), `${freeQueues}\n`);
  } catch {
    // not published (yet, or any more)
  }
}

export function removeAccelDevice(sysfsRoot: string, name: string): void {
  rmSync(join(sysfsRoot, ACCEL_CLASS_DIR, name), { recursive: true, force: true });
}
