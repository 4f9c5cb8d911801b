/**
 * Which uAPI a node speaks, from where it is and what sysfs says of it (never from its name alone):
 * a kernel accel device with the `openaccel` kobject, or a refdev socket under `dev/accel/`, is 2.0; an
 * openaccel class device, or a refdev socket under `dev/openaccel/`, is 1.0.
 */
import { statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { SpecVersionName } from '../env.js';
import { identifyNode } from '../native/node-kind.js';

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function specOfNode(path: string, sysfsRoot = '/sys'): SpecVersionName | undefined {
  let st;
  try {
    st = statSync(path);
  } catch {
    return undefined;
  }
  if (st.isSocket()) {
    const dir = basename(dirname(resolve(path)));
    return dir === 'accel' ? '2.0' : dir === 'openaccel' ? '1.0' : undefined;
  }
  const node = identifyNode(path, sysfsRoot);
  if (node.kind === 'openaccel') return '1.0';
  if (node.kind === 'drm-accel' && node.sysfsDir && isDir(join(node.sysfsDir, 'openaccel'))) return '2.0';
  return undefined;
}
