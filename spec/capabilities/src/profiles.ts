/** Conformance profiles as data: what a device must declare (and then pass) to claim each. */
import type { FunctionName, ProfileName } from './manifest.js';

export interface ProfileRequirements {
  readonly functions?: readonly FunctionName[];
  readonly sva?: true;
  readonly dmabufImport?: true;
  readonly dmabufExport?: true;
  readonly eventfd?: true;
  /** The device shares a memory with, or has a p2p link to, another device of the manifest. */
  readonly chainPeer?: true;
}

export interface ProfileSpec {
  readonly name: ProfileName;
  readonly doc: string;
  /** Profiles whose requirements this one includes. */
  readonly includes: readonly ProfileName[];
  readonly requires: ProfileRequirements;
}

export const PROFILES: readonly ProfileSpec[] = [
  {
    name: 'core',
    doc: 'The control path: device info, context binding, queue creation, the errno rules of every ioctl, sysfs, and the basic functions through the syscall path.',
    includes: [],
    requires: { functions: ['nop', 'copy', 'fill', 'crc32c'], eventfd: true },
  },
  {
    name: 'queue',
    doc: 'User-mode queues: mmap regions, the doorbell path without system calls, ring wraparound, phase bit, ordering, many queues, doorbell latency.',
    includes: ['core'],
    requires: {},
  },
  {
    name: 'sva',
    doc: 'Shared virtual addressing: commands name process virtual addresses of a PASID-bound context; bad addresses fault cleanly.',
    includes: ['core'],
    requires: { sva: true },
  },
  {
    name: 'dmabuf',
    doc: 'dma-buf import and export across contexts and devices, device memory, CPU access bracketing.',
    includes: ['core'],
    requires: { dmabufImport: true, dmabufExport: true },
  },
  {
    name: 'chain',
    doc: "Pipelines across devices: one device's output is another's input through shared memory or a p2p link, with no CPU copy.",
    includes: ['dmabuf'],
    requires: { chainPeer: true },
  },
];

export const PROFILE_NAMES: readonly ProfileName[] = PROFILES.map((p) => p.name);

export function profile(name: ProfileName): ProfileSpec {
  return PROFILES.find((p) => p.name === name)!;
}

/** A profile and every profile it includes, each once, included first. */
export function profileClosure(name: ProfileName): ProfileSpec[] {
  const out: ProfileSpec[] = [];
  const visit = (n: ProfileName) => {
    const p = profile(n);
    for (const i of p.includes) visit(i);
    if (!out.includes(p)) out.push(p);
  };
  visit(name);
  return out;
}
