/** What a refdev device reports through 2.0: constant facts of the device, the same in GET_INFO and sysfs. */
import { ACCEL_CAP_WORDS } from '@openaccel/sysfs';
import type { RefdevDeviceConfig } from '../config.js';
import { OPCODE_WORDS } from '../functions.js';

/** Capabilities every refdev 2.0 node has, whatever the config: it implements them in software. */
const ALWAYS = ['syncobj', 'syncobj_timeline', 'cq_tail'];

export const PAGE_SIZE = 4096;
/** The coherence granule refdev reports; the shared formats are spaced for up to OA_CACHE_LINE_MAX anyway. */
export const CACHE_LINE_SIZE = 64;
/** Wait or signal points one SUBMIT takes. */
export const MAX_SYNCOBJ_POINTS = 64;

export function deviceFacts(d: RefdevDeviceConfig) {
  return {
    apiMajor: 2,
    apiMinor: 0,
    pageSize: PAGE_SIZE,
    cacheLineSize: CACHE_LINE_SIZE,
    numOpcodes: OPCODE_WORDS.length,
    maxSyncobjPoints: MAX_SYNCOBJ_POINTS,
    functions: d.functions,
  };
}

/** The 2.0 capability words of a device, in OA_CAP_* bit order. */
export function deviceCapWords(d: RefdevDeviceConfig): string[] {
  return ACCEL_CAP_WORDS.filter((w) => d.caps.includes(w) || ALWAYS.includes(w));
}

/** The OA_CAP_* mask of a device. */
export function deviceCapMask(d: RefdevDeviceConfig): bigint {
  const words = deviceCapWords(d);
  return ACCEL_CAP_WORDS.reduce((m, w, bit) => (words.includes(w) ? m | (1n << BigInt(bit)) : m), 0n);
}

export function hasCap(d: RefdevDeviceConfig, word: string): boolean {
  return deviceCapWords(d).includes(word);
}
