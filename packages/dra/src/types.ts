/**
 * The resource.k8s.io/v1 objects this package emits, as they are on the wire (JSON field names, `int` not
 * `_int`). Only the fields OpenAccel uses; the full shape is checked against the official schema in validate.ts.
 */

export const API_VERSION = 'resource.k8s.io/v1';

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  resourceVersion?: string;
}

/** Exactly one member is set. */
export type DeviceAttribute = { int: number } | { bool: boolean } | { string: string } | { version: string };

/** Quantities are strings on the wire (`"64"`, `"16Gi"`). */
export interface CapacityRequestPolicy {
  default?: string;
  validValues?: string[];
  validRange?: { min: string; max?: string; step?: string };
}

export interface DeviceCapacity {
  value: string;
  /** Only on a device that allows multiple allocations. */
  requestPolicy?: CapacityRequestPolicy;
}

export interface Device {
  name: string;
  /** Several requests (of one claim or many) may share the device; all its capacity is then consumable. */
  allowMultipleAllocations?: boolean;
  attributes?: Record<string, DeviceAttribute>;
  capacity?: Record<string, DeviceCapacity>;
}

export interface ResourceSlice {
  apiVersion: typeof API_VERSION;
  kind: 'ResourceSlice';
  metadata: ObjectMeta;
  spec: {
    driver: string;
    pool: { name: string; generation: number; resourceSliceCount: number };
    nodeName?: string;
    devices?: Device[];
  };
}

export interface CelSelector {
  cel: { expression: string };
}

export interface DeviceClass {
  apiVersion: typeof API_VERSION;
  kind: 'DeviceClass';
  metadata: ObjectMeta;
  spec: { selectors?: CelSelector[] };
}

export interface DeviceSubRequest {
  name: string;
  deviceClassName: string;
  selectors?: CelSelector[];
  allocationMode?: 'ExactCount' | 'All';
  count?: number;
  /** How much of each capacity one allocated device must give this request. */
  capacity?: { requests?: Record<string, string> };
}

export interface DeviceRequest {
  name: string;
  exactly?: Omit<DeviceSubRequest, 'name'>;
  firstAvailable?: DeviceSubRequest[];
}

/** Exactly one of matchAttribute and distinctAttribute. */
export interface DeviceConstraint {
  requests?: string[];
  matchAttribute?: string;
  distinctAttribute?: string;
}

export interface DeviceClaim {
  requests?: DeviceRequest[];
  constraints?: DeviceConstraint[];
}

export interface ResourceClaimSpec {
  devices?: DeviceClaim;
}

export interface ResourceClaimTemplate {
  apiVersion: typeof API_VERSION;
  kind: 'ResourceClaimTemplate';
  metadata: ObjectMeta;
  spec: { metadata?: ObjectMeta; spec: ResourceClaimSpec };
}

export interface DeviceRequestAllocationResult {
  request: string;
  driver: string;
  pool: string;
  device: string;
  /** One share of a device that allows multiple allocations: a UUID, and what the share consumes. */
  shareID?: string;
  consumedCapacity?: Record<string, string>;
}

export interface ResourceClaim {
  apiVersion: typeof API_VERSION;
  kind: 'ResourceClaim';
  metadata: ObjectMeta;
  spec: ResourceClaimSpec;
  status?: { allocation?: { devices?: { results?: DeviceRequestAllocationResult[] } } };
}

export type DraObject = ResourceSlice | DeviceClass | ResourceClaimTemplate | ResourceClaim;
