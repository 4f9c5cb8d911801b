/** The DeviceClasses and ResourceClaimTemplates shipped under deploy/, for a fleet whose SLIT distances are known. */
import { FUNCTION_WORDS } from '@openaccel/sysfs';
import { deviceClasses, chainClaim, functionClaim, nearestClaim, sharedMemoryClaim } from './queries.js';
import type { DeviceClass, ResourceClaimTemplate } from './types.js';

/** Query words of each shipped template, so the simulator can ask @openaccel/topology the same question. */
export type ShippedQuery =
  | { kind: 'function'; fn: string; queues?: number }
  | { kind: 'nearest'; fn: string; numa: number }
  | { kind: 'shared-memory'; x: string; y: string }
  | { kind: 'chain'; x: string; y: string };

export interface ShippedTemplate {
  query: ShippedQuery;
  template: ResourceClaimTemplate;
}

/**
 * The example claims: each query on the functions of the fixture machines ("DEFLATE and AES-GCM that can be
 * chained" among them), two GPUs linked peer to peer, and DEFLATE with 16 of a device's queues.
 */
export function shippedTemplates(fleetDistances: readonly number[]): ShippedTemplate[] {
  return [
    { query: { kind: 'function', fn: 'deflate' }, template: functionClaim('deflate') },
    { query: { kind: 'function', fn: 'sha256' }, template: functionClaim('sha256') },
    { query: { kind: 'nearest', fn: 'deflate', numa: 1 }, template: nearestClaim('deflate', 1, fleetDistances) },
    { query: { kind: 'nearest', fn: 'deflate', numa: 3 }, template: nearestClaim('deflate', 3, fleetDistances) },
    { query: { kind: 'shared-memory', x: 'deflate', y: 'aes_gcm_encrypt' }, template: sharedMemoryClaim('deflate', 'aes_gcm_encrypt') },
    { query: { kind: 'chain', x: 'deflate', y: 'aes_gcm_encrypt' }, template: chainClaim('deflate', 'aes_gcm_encrypt') },
    { query: { kind: 'chain', x: 'compute', y: 'compute' }, template: chainClaim('compute', 'compute') },
    { query: { kind: 'function', fn: 'copy' }, template: functionClaim('copy') },
    { query: { kind: 'function', fn: 'deflate', queues: 16 }, template: functionClaim('deflate', { queues: 16 }) },
  ];
}

/** Classes for the OpenAccel functions and for `compute` (GPUs and NPUs seen through amdkfd, accel and DRM). */
export function shippedClasses(): DeviceClass[] {
  return deviceClasses([...FUNCTION_WORDS, 'compute']);
}
