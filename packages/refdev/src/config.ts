/** What a refdev instance serves: devices, the memories they reach (shared ones listed once), links. */
import type { LinkKind, MemoryKind } from '@openaccel/sysfs';
import { OPCODE_WORDS } from './functions.js';

export interface RefdevDeviceConfig {
  /** Class device name and node name, e.g. `accel0`. */
  name: string;
  model: string;
  functions: string[];
  /** Capability words: sva, dmabuf_import, dmabuf_export, device_memory, eventfd. */
  caps: string[];
  numaNode: number;
  maxQueues: number;
  maxSqEntries: number;
  maxCqEntries: number;
  maxTransferBytes: number;
  pasidBits: number;
}

export interface RefdevMemoryConfig {
  id: string;
  kind: MemoryKind;
  sizeBytes: number;
  numaNode: number;
  /** Devices that reach it; more than one share it. */
  devices: string[];
  cpuVisible: boolean;
}

export interface RefdevLinkConfig {
  from: string;
  to: string;
  kind: LinkKind;
  bandwidthMBps: number;
  latencyNs: number;
  coherent: boolean;
  p2p: boolean;
}

export interface RefdevConfig {
  devices: RefdevDeviceConfig[];
  memories: RefdevMemoryConfig[];
  links: RefdevLinkConfig[];
  /** How long an idle engine polls before sleeping, in nanoseconds. */
  engineSpinNs: number;
  /** Open connections one uid may hold (each costs refdev an fd); further connections are closed at once. */
  maxConnectionsPerUid: number;
  /** Deliberately broken rules (for the conformance suite's self-test); empty for a correct device. */
  faults: string[];
}

const ALL_CAPS = ['sva', 'dmabuf_import', 'dmabuf_export', 'device_memory', 'eventfd'];

/** Two devices with every function, sharing 256 MiB of HBM and linked peer to peer. */
export function defaultConfig(): RefdevConfig {
  const device = (name: string, model: string): RefdevDeviceConfig => ({
    name,
    model,
    functions: [...OPCODE_WORDS],
    caps: [...ALL_CAPS],
    numaNode: 0,
    maxQueues: 64,
    maxSqEntries: 4096,
    maxCqEntries: 8192,
    maxTransferBytes: 16 << 20,
    pasidBits: 16,
  });
  return {
    devices: [device('accel0', 'refdev-a'), device('accel1', 'refdev-b')],
    memories: [{ id: 'hbm0', kind: 'hbm', sizeBytes: 256 << 20, numaNode: -1, devices: ['accel0', 'accel1'], cpuVisible: true }],
    links: [
      { from: 'accel0', to: 'accel1', kind: 'onchip', bandwidthMBps: 20000, latencyNs: 200, coherent: true, p2p: true },
      { from: 'accel1', to: 'accel0', kind: 'onchip', bandwidthMBps: 20000, latencyNs: 200, coherent: true, p2p: true },
    ],
    engineSpinNs: 2_000_000,
    maxConnectionsPerUid: 512,
    faults: [],
  };
}

export class RefdevConfigError extends Error {
  constructor(readonly path: string, detail: string) {
    super(`refdev config ${path}: ${detail}`);
    this.name = 'RefdevConfigError';
  }
}

const pow2 = (n: number) => Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0;

/** A config from JSON (defaults fill what is missing); throws RefdevConfigError naming the bad value. */
export function parseConfig(value: unknown): RefdevConfig {
  const base = defaultConfig();
  if (value === null || typeof value !== 'object') throw new RefdevConfigError('', 'must be an object');
  const v = value as Partial<RefdevConfig>;
  const cfg: RefdevConfig = {
    devices: (v.devices ?? base.devices).map((d, i) => ({ ...base.devices[0]!, ...d, name: d.name ?? `accel${i}` })),
    memories: v.memories ?? (v.devices ? [] : base.memories),
    links: v.links ?? (v.devices ? [] : base.links),
    engineSpinNs: v.engineSpinNs ?? base.engineSpinNs,
    maxConnectionsPerUid: v.maxConnectionsPerUid ?? base.maxConnectionsPerUid,
    faults: v.faults ?? [],
  };
  if (!Number.isInteger(cfg.maxConnectionsPerUid) || cfg.maxConnectionsPerUid < 1) throw new RefdevConfigError('/maxConnectionsPerUid', 'must be at least 1');
  const names = new Set<string>();
  cfg.devices.forEach((d, i) => {
    const p = `/devices/${i}`;
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(d.name)) throw new RefdevConfigError(`${p}/name`, `'${d.name}' is not a device name ([a-z][a-z0-9_-]*)`);
    if (names.has(d.name)) throw new RefdevConfigError(`${p}/name`, `'${d.name}' is used twice`);
    names.add(d.name);
    for (const f of d.functions) if (!OPCODE_WORDS.includes(f)) throw new RefdevConfigError(`${p}/functions`, `unknown function '${f}'; functions are ${OPCODE_WORDS.join(', ')}`);
    for (const c of d.caps) if (!ALL_CAPS.includes(c)) throw new RefdevConfigError(`${p}/caps`, `unknown capability '${c}'; capabilities are ${ALL_CAPS.join(', ')}`);
    if (!pow2(d.maxSqEntries) || !pow2(d.maxCqEntries) || d.maxCqEntries < d.maxSqEntries) throw new RefdevConfigError(`${p}`, 'maxSqEntries and maxCqEntries are powers of two with maxCqEntries >= maxSqEntries');
    if (!Number.isInteger(d.maxQueues) || d.maxQueues < 1) throw new RefdevConfigError(`${p}/maxQueues`, 'must be at least 1');
  });
  cfg.memories.forEach((m, i) => {
    if (!Number.isInteger(m.sizeBytes) || m.sizeBytes < 4096 || m.sizeBytes % 4096) throw new RefdevConfigError(`/memories/${i}/sizeBytes`, 'a multiple of 4096, at least 4096');
    for (const d of m.devices) if (!names.has(d)) throw new RefdevConfigError(`/memories/${i}/devices`, `no device '${d}'`);
  });
  cfg.links.forEach((l, i) => {
    if (!names.has(l.from) || !names.has(l.to) || l.from === l.to) throw new RefdevConfigError(`/links/${i}`, 'from and to name two different devices');
  });
  return cfg;
}
