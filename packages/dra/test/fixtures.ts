/** The fixture machines of @openaccel/sysfs as topology graphs. */
import { fileURLToPath } from 'node:url';
import { buildFromSysfs } from '@openaccel/topology';
import type { Machine } from '../src/index.js';

export const FIXTURES = fileURLToPath(new URL('../../../spec/sysfs/fixtures/', import.meta.url));
export const MACHINE_NAMES = ['two-socket-hbm', 'kfd-xgmi-workstation', 'garbage'] as const;

export function machines(): Machine[] {
  return MACHINE_NAMES.map((name) => ({ name, graph: buildFromSysfs(FIXTURES + name).graph }));
}
