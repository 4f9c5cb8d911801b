/** Reader and writer of the openaccel class under a sysfs root. The writer is how refdev publishes its devices. */
import { mkdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SysfsError } from './errors.js';
import {
  CLASS_DIR,
  DEVICE_ATTRIBUTES,
  LINK_ATTRIBUTES,
  MEMORY_ATTRIBUTES,
  formatDevice,
  type OpenAccelDevice,
  type OpenAccelLink,
  type OpenAccelMemory,
  type SysfsAttribute,
} from './openaccel-class.js';
import { SysfsTree } from './tree.js';

export interface OpenAccelClassReading {
  devices: OpenAccelDevice[];
  /** Attributes that were missing or malformed; a device with a bad required attribute is left out. */
  problems: SysfsError[];
}

/** @internal The attributes of one directory as a typed object; undefined when a required one is missing or malformed. */
export function readObject(tree: SysfsTree, dir: string, attrs: readonly SysfsAttribute[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let complete = true;
  for (const a of attrs) {
    const v = tree.read(`${dir}/${a.file}`, a.format, !a.absentMeans);
    if (v === undefined) {
      if (!a.absentMeans) complete = false;
      continue;
    }
    out[a.key] = v;
  }
  return complete ? out : undefined;
}

/** Reads one device directory (`class/openaccel/<name>`) of a tree. */
export function readOpenAccelDevice(tree: SysfsTree, name: string): OpenAccelDevice | undefined {
  const dir = `${CLASS_DIR}/${name}`;
  const base = readObject(tree, dir, DEVICE_ATTRIBUTES);
  if (!base) return undefined;
  const memories: OpenAccelMemory[] = [];
  for (const i of tree.list(`${dir}/memories`, /^\d+$/)) {
    const m = readObject(tree, `${dir}/memories/${i}`, MEMORY_ATTRIBUTES);
    if (m) memories.push({ index: Number(i), ...m } as OpenAccelMemory);
  }
  const links: OpenAccelLink[] = [];
  for (const i of tree.list(`${dir}/links`, /^\d+$/)) {
    const l = readObject(tree, `${dir}/links/${i}`, LINK_ATTRIBUTES);
    if (l) links.push({ index: Number(i), ...l } as OpenAccelLink);
  }
  return { name, ...(base as Omit<OpenAccelDevice, 'name' | 'memories' | 'links'>), memories, links };
}

/** Every device of the openaccel class under `root` (default /sys). */
export function readOpenAccelClass(root = '/sys'): OpenAccelClassReading {
  const tree = new SysfsTree(root);
  const devices: OpenAccelDevice[] = [];
  for (const name of tree.list(CLASS_DIR)) {
    const d = readOpenAccelDevice(tree, name);
    if (d) devices.push(d);
  }
  return { devices, problems: tree.problems };
}

/**
 * Publishes a device under `root/class/openaccel/<name>`, replacing any previous tree of that name.
 * Files are written into a fresh directory that is renamed into place, so a reader never sees half a device.
 */
export function writeOpenAccelDevice(root: string, device: OpenAccelDevice): string {
  const final = join(root, CLASS_DIR, device.name);
  const staging = `${final}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  for (const [rel, content] of formatDevice(device)) {
    const file = join(staging, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content, { mode: 0o444 });
  }
  rmSync(final, { recursive: true, force: true });
  mkdirSync(dirname(final), { recursive: true });
  renameSync(staging, final);
  return final;
}

/** Updates one attribute in place (e.g. free_queues as queues come and go). */
export function writeOpenAccelAttribute(root: string, device: string, attribute: (typeof DEVICE_ATTRIBUTES)[number]['file'], value: unknown): void {
  const a = DEVICE_ATTRIBUTES.find((x) => x.file === attribute)!;
  const file = join(root, CLASS_DIR, device, a.file);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, (a.format as { format(v: unknown): string }).format(value), { mode: 0o444 });
  renameSync(tmp, file);
}

export function removeOpenAccelDevice(root: string, name: string): void {
  rmSync(join(root, CLASS_DIR, name), { recursive: true, force: true });
}
