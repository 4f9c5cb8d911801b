/**
 * Reader of OpenAccel 2.0 devices in the accel layout: `class/accel/accelN/openaccel/` with the device
 * attributes, `memories/<i>/` with a `shared_with/` directory of peer symlinks, `links/<i>/` with a
 * `peer` symlink. A peer is the name its symlink points at; the target is not followed.
 */
import { ACCEL_CLASS_DIR, ACCEL_DEVICE_ATTRIBUTES, ACCEL_LINK_ATTRIBUTES, ACCEL_MEMORY_ATTRIBUTES, ACCEL_OPENACCEL_DIR } from './accel-openaccel.js';
import type { OpenAccelDevice, OpenAccelLink, OpenAccelMemory } from './openaccel-class.js';
import { readObject } from './openaccel-fs.js';
import type { SysfsTree } from './tree.js';

/** An accel device name, the only thing a peer symlink may name. */
const ACCEL_NAME = /^accel\d+$/;
/** A peer list is a directory of symlinks; more entries than this is not a device's list. */
const MAX_PEERS = 1024;

/** A memory: the 1.0 fields, `sharedWith` read from the symlinks of `shared_with/`, and the GEM granule. */
export interface AccelOpenAccelMemory extends OpenAccelMemory {
  /** Granule of GEM objects in this memory; 0 = cannot be allocated from. */
  allocAlign: number;
}

/** A link: the 1.0 fields, `peer` read from the `peer` symlink. */
export type AccelOpenAccelLink = OpenAccelLink;

/** The device: the GET_INFO facts both versions publish, and the 2.0 ones (no PASID, doorbell or entry sizes). */
export interface AccelOpenAccelDevice extends Pick<OpenAccelDevice, 'apiVersion' | 'model' | 'caps' | 'functions' | 'vendorId' | 'deviceId' | 'maxQueues' | 'freeQueues' | 'maxSqEntries' | 'maxCqEntries' | 'maxTransferBytes' | 'numaNode'> {
  /** The accel device name, `accel0`; its node is `<dev root>/accel/<name>`. */
  name: string;
  pageSize: number;
  cacheLineSize: number;
  numOpcodes: number;
  /** What the accel device's `device` link resolves to (a PCI address on a real machine); absent when it has none. */
  parent?: string;
  memories: AccelOpenAccelMemory[];
  links: AccelOpenAccelLink[];
}

/** The peers a memory's `shared_with/` names, each once, in name order. */
function sharedWith(tree: SysfsTree, dir: string): string[] {
  const entries = tree.list(dir);
  if (entries.length > MAX_PEERS) return [];
  const peers = entries.map((e) => tree.symlinkName(`${dir}/${e}`, ACCEL_NAME, 'an accel device', true)).filter((p): p is string => p !== undefined);
  return [...new Set(peers)];
}

/**
 * Reads `class/accel/<name>/openaccel/`; undefined when the device is not OpenAccel (no such directory) or
 * a required attribute is missing or malformed (recorded in the tree's problems). A memory or link with a
 * bad attribute is left out and the device kept.
 */
export function readAccelOpenAccelDevice(tree: SysfsTree, name: string): AccelOpenAccelDevice | undefined {
  const device = `${ACCEL_CLASS_DIR}/${name}`;
  const dir = `${device}/${ACCEL_OPENACCEL_DIR}`;
  if (!tree.isDirectory(dir)) return undefined;
  const base = readObject(tree, dir, ACCEL_DEVICE_ATTRIBUTES);
  if (!base) return undefined;
  const memories: AccelOpenAccelMemory[] = [];
  for (const i of tree.list(`${dir}/memories`, /^\d+$/)) {
    const m = readObject(tree, `${dir}/memories/${i}`, ACCEL_MEMORY_ATTRIBUTES);
    if (m) memories.push({ index: Number(i), ...(m as Omit<AccelOpenAccelMemory, 'index' | 'sharedWith'>), sharedWith: sharedWith(tree, `${dir}/memories/${i}/shared_with`) });
  }
  const links: AccelOpenAccelLink[] = [];
  for (const i of tree.list(`${dir}/links`, /^\d+$/)) {
    const l = readObject(tree, `${dir}/links/${i}`, ACCEL_LINK_ATTRIBUTES);
    const peer = tree.symlinkName(`${dir}/links/${i}/peer`, ACCEL_NAME, 'an accel device', true);
    if (l && peer) links.push({ index: Number(i), peer, ...(l as Omit<AccelOpenAccelLink, 'index' | 'peer'>) });
  }
  const parent = tree.linkTarget(`${device}/device`);
  return { name, ...(base as Omit<AccelOpenAccelDevice, 'name' | 'memories' | 'links' | 'parent'>), ...(parent !== undefined ? { parent } : {}), memories, links };
}

/** Every OpenAccel 2.0 device of the accel class; accel devices of other drivers are not listed. */
export function readAccelOpenAccelDevices(tree: SysfsTree): AccelOpenAccelDevice[] {
  return tree.list(ACCEL_CLASS_DIR, ACCEL_NAME).flatMap((name) => readAccelOpenAccelDevice(tree, name) ?? []);
}
