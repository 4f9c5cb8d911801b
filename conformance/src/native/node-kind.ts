/**
 * What a device node is, from the node and its sysfs directory (never from its name alone): an OpenAccel
 * device, a DRM accel/render/primary node, a dma-heap, /dev/udmabuf, or a UACCE queue device. Decides
 * which conformance profiles apply.
 */
import { lstatSync, readlinkSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

export type NodeKind = 'openaccel' | 'drm-accel' | 'drm-render' | 'drm-primary' | 'dma-heap' | 'udmabuf' | 'uacce' | 'unknown';
export type NativeProfile = 'drm-core' | 'dmabuf-exporter' | 'uacce';

export interface NodeIdentity {
  path: string;
  kind: NodeKind;
  /** major:minor of a character device; absent for a socket node or a fixture name. */
  devt?: { major: number; minor: number };
  /** The device's sysfs directory (class/<subsystem>/<name>) when found. */
  sysfsDir?: string;
  /** The kernel subsystem its sysfs directory belongs to (drm, accel, dma_heap, misc, uacce, openaccel). */
  subsystem?: string;
}

/** glibc's encoding of dev_t (sys/sysmacros.h). */
export function splitDevt(rdev: number): { major: number; minor: number } {
  const d = BigInt(rdev);
  const major = Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & 0xfffff000n));
  const minor = Number((d & 0xffn) | ((d >> 12n) & 0xffffff00n));
  return { major, minor };
}

function subsystemOf(dir: string): string | undefined {
  try {
    return basename(readlinkSync(join(dir, 'subsystem')));
  } catch {
    return undefined;
  }
}

/** The profiles that apply to a kind of node: OpenAccel nodes keep the profiles of the OpenAccel uAPI. */
export function profilesFor(kind: NodeKind): NativeProfile[] {
  switch (kind) {
    case 'drm-accel':
    case 'drm-render':
      return ['drm-core'];
    case 'drm-primary':
      // A primary node exports dumb buffers through PRIME; the drm-core profile is for render and accel nodes.
      return ['dmabuf-exporter'];
    case 'dma-heap':
    case 'udmabuf':
      return ['dmabuf-exporter'];
    case 'uacce':
      return ['uacce'];
    default:
      return [];
  }
}

/** Whether a profile can check a kind of node at all (a profile asked for by name must fit the node). */
export function profileFits(profile: NativeProfile, kind: NodeKind): boolean {
  if (profile === 'dmabuf-exporter') return ['dma-heap', 'udmabuf', 'drm-primary', 'drm-render', 'drm-accel', 'openaccel'].includes(kind);
  if (profile === 'drm-core') return kind === 'drm-render' || kind === 'drm-accel' || kind === 'drm-primary';
  return kind === 'uacce';
}

/** Identifies `path` under the sysfs root `sysfsRoot` (default /sys; a fixture tree in tests). */
export function identifyNode(path: string, sysfsRoot = '/sys'): NodeIdentity {
  let st;
  try {
    st = statSync(path);
  } catch {
    // No node: a UACCE device of a fixture tree is named by its class directory alone.
    const dir = join(sysfsRoot, 'class/uacce', basename(path));
    if (lstatSafe(dir)) return { path, kind: 'uacce', sysfsDir: dir, subsystem: 'uacce' };
    return { path, kind: 'unknown' };
  }
  if (!st.isCharacterDevice()) return { path, kind: st.isSocket() ? 'openaccel' : 'unknown' };
  const devt = splitDevt(st.rdev);
  const link = join(sysfsRoot, 'dev/char', `${devt.major}:${devt.minor}`);
  const subsystem = lstatSafe(link) ? subsystemOf(link) : undefined;
  const name = lstatSafe(link) ? basename(readlinkSync(link)) : basename(path);
  const sysfsDir = subsystem ? join(sysfsRoot, 'class', subsystem, name) : undefined;
  const base: NodeIdentity = { path, kind: 'unknown', devt, ...(sysfsDir ? { sysfsDir } : {}), ...(subsystem ? { subsystem } : {}) };
  if (subsystem === 'openaccel') return { ...base, kind: 'openaccel' };
  if (subsystem === 'accel') return { ...base, kind: 'drm-accel' };
  if (subsystem === 'drm') return { ...base, kind: name.startsWith('renderD') ? 'drm-render' : name.startsWith('card') ? 'drm-primary' : 'unknown' };
  if (subsystem === 'dma_heap') return { ...base, kind: 'dma-heap' };
  if (subsystem === 'uacce') return { ...base, kind: 'uacce' };
  if (subsystem === 'misc' && name === 'udmabuf') return { ...base, kind: 'udmabuf' };
  return base;
}

function lstatSafe(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
