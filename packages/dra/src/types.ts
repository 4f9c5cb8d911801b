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

export interface DeviceCapacity {
  value: string;
}

export interface Device {
  name: string;
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
}

export interface DeviceRequest {
  name: string;
  exactly?: Omit<DeviceSubRequest, 'name'>;
  firstAvailable?: DeviceSubRequest[];
}

export interface DeviceConstraint {
  requests?: string[];
  matchAttribute?: string;
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
}

export interface ResourceClaim {
  apiVersion: typeof API_VERSION;
  kind: 'ResourceClaim';
  metadata: ObjectMeta;
  spec: ResourceClaimSpec;
  status?: { allocation?: { devices?: { results?: DeviceRequestAllocationResult[] } } };
}

export type DraObject = ResourceSlice | DeviceClass | ResourceClaimTemplate | ResourceClaim;
