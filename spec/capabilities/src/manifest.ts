/**
 * A capability manifest: what a vendor publishes for a device model, as JSON. The JSON Schema
 * (schema/manifest-1.0.json) is generated from these types by tools/codegen; annotations in the
 * comments (@minimum, @pattern, ...) become schema keywords. One member per line: the generator drops
 * annotations of members written on one line.
 *
 * Vendor extensions: the manifest, each device, memory and link may carry keys `x-<vendor>` whose
 * values are objects; no other unknown key is allowed (the descriptions below say so, for editors).
 *
 * Rules JSON Schema can express are annotations here, so editors and ajv-only users catch them too:
 * ranges, patterns, `@multipleOf`, `@dependencies`, and conditions as `@if`/`@then`/`@else` (JSON values; a
 * `description` in `then`/`else` is the message a validator shows). Rules between values (references, uniqueness,
 * profile claims, powers of two) are checked in semantics.ts.
 */

/**
 * An identifier local to the manifest.
 * @pattern ^[a-z][a-z0-9_-]{0,31}$
 */
export type LocalId = string;

/**
 * A 16-bit PCI id written in hex.
 * @pattern ^0x[0-9a-f]{4}$
 */
export type PciId = string;

/** The conformance profiles (see profiles.ts for what each requires). */
export type ProfileName = 'core' | 'queue' | 'sva' | 'dmabuf' | 'chain';

/** Functions of the uAPI, as in sysfs `functions` (OA_OP_* lower case without prefix). */
export type FunctionName = 'nop' | 'copy' | 'fill' | 'crc32c' | 'sha256' | 'deflate' | 'inflate' | 'aes_gcm_encrypt' | 'aes_gcm_decrypt';

export type MemoryKind = 'ddr' | 'hbm' | 'sram' | 'cxl';

export type LinkKind = 'pcie' | 'cxl' | 'fabric' | 'onchip';

/**
 * Who makes the device. PCI ids come as a pair: both or neither.
 * @dependencies {"pciVendorId":["pciDeviceId"],"pciDeviceId":["pciVendorId"]}
 */
export interface Identity {
  /**
   * Vendor name as printed.
   * @minLength 1
   * @maxLength 64
   */
  vendor: string;
  /**
   * Product name.
   * @minLength 1
   * @maxLength 64
   */
  product: string;
  /** PCI vendor id, when the device has one. */
  pciVendorId?: PciId;
  /** PCI device id, when the device has one. */
  pciDeviceId?: PciId;
  /**
   * Hardware or firmware revision the manifest describes.
   * @maxLength 64
   */
  revision?: string;
}

export interface FunctionDecl {
  name: FunctionName;
  /**
   * Largest src_length/dst_length of one command for this function, in bytes.
   * @TJS-type integer
   * @minimum 1
   * @maximum 4294967295
   */
  maxTransferBytes: number;
}

export interface QueueLimits {
  /**
   * Queues across all contexts.
   * @TJS-type integer
   * @minimum 1
   * @maximum 65536
   */
  maxQueues: number;
  /**
   * Largest submission ring: a power of two.
   * @TJS-type integer
   * @minimum 2
   * @maximum 1048576
   */
  maxSqEntries: number;
  /**
   * Largest completion ring: a power of two, at least maxSqEntries.
   * @TJS-type integer
   * @minimum 2
   * @maximum 1048576
   */
  maxCqEntries: number;
}

/**
 * One device model. May also carry vendor keys `x-<vendor>` (lower case letters, digits, dashes) whose values are objects.
 * @if {"properties":{"sva":{"const":true}},"required":["sva"]}
 * @then {"description":"sva is true: give pasidBits (1..20)","required":["pasidBits"]}
 * @else {"description":"pasidBits given but sva is false","not":{"required":["pasidBits"]}}
 */
export interface DeviceDecl {
  /** Local id; memories and links name devices by it. */
  id: LocalId;
  /**
   * Model the device reports (sysfs `model`, oa_device_info.name): how `accelctl manifest check` pairs
   * this entry with a device.
   * @pattern ^[\x20-\x7e]{1,31}$
   */
  model: string;
  /**
   * Profiles the device claims. The conformance runner holds it to every mandatory test of each.
   * @minItems 1
   * @maxItems 5
   * @uniqueItems true
   */
  profiles: ProfileName[];
  /**
   * @minItems 1
   * @maxItems 64
   */
  functions: FunctionDecl[];
  queues: QueueLimits;
  /** Shared virtual addressing with PASID (OA_CAP_SVA). */
  sva: boolean;
  /**
   * PASID width when sva is true.
   * @TJS-type integer
   * @minimum 1
   * @maximum 20
   */
  pasidBits?: number;
  /** OA_CAP_DMABUF_IMPORT. */
  dmabufImport: boolean;
  /** OA_CAP_DMABUF_EXPORT. */
  dmabufExport: boolean;
  /** OA_CAP_EVENTFD: the sleeping completion path. */
  eventfd: boolean;
}

/** A memory devices reach. May also carry vendor keys `x-<vendor>` whose values are objects. */
export interface MemoryDecl {
  id: LocalId;
  kind: MemoryKind;
  /**
   * Capacity in bytes: a multiple of 4096.
   * @TJS-type integer
   * @multipleOf 4096
   * @minimum 4096
   * @maximum 9007199254740991
   */
  sizeBytes: number;
  /**
   * Devices that reach this memory; more than one means they share it.
   * @minItems 1
   * @maxItems 64
   * @uniqueItems true
   */
  devices: LocalId[];
  /** The CPU can map it through an exported dma-buf. */
  cpuVisible: boolean;
}

/** A link between two devices. May also carry vendor keys `x-<vendor>` whose values are objects. */
export interface LinkDecl {
  id: LocalId;
  /** Device the link starts at. */
  from: LocalId;
  /** Device the link reaches. */
  to: LocalId;
  kind: LinkKind;
  /**
   * Bandwidth from `from` to `to`, in megabytes per second.
   * @TJS-type integer
   * @minimum 1
   * @maximum 4294967295
   */
  bandwidthMBps: number;
  /**
   * One-way latency in nanoseconds.
   * @TJS-type integer
   * @minimum 0
   * @maximum 4294967295
   */
  latencyNs: number;
  coherent: boolean;
  /** `from` can read and write `to`'s memory directly: work can be chained across the link. */
  p2p: boolean;
}

/** Performance a vendor promises; the conformance runner measures and checks it (medians and percentiles, never the max). */
export interface Limits {
  /**
   * Doorbell round trip (NOP submit to completion), median, nanoseconds.
   * @TJS-type integer
   * @minimum 1
   */
  doorbellP50Ns?: number;
  /**
   * Doorbell round trip, 99th percentile, nanoseconds.
   * @TJS-type integer
   * @minimum 1
   */
  doorbellP99Ns?: number;
}

/**
 * An OpenAccel capability manifest. Vendor extensions are keys `x-<vendor>` (lower case letters, digits,
 * dashes; e.g. `x-contoso`) whose values are objects, allowed here at the top level and in each device,
 * memory and link; identity, functions, queues and limits take no unknown key.
 */
export interface Manifest {
  /**
   * The schema this manifest follows; its version is the manifest format version.
   * @const urn:openaccel:schema:manifest:1.0
   */
  $schema: 'urn:openaccel:schema:manifest:1.0';
  identity: Identity;
  /**
   * uAPI version implemented, major.minor.
   * @pattern ^1\.[0-9]{1,4}$
   */
  uapiVersion: string;
  /**
   * @minItems 1
   * @maxItems 64
   */
  devices: DeviceDecl[];
  /** @maxItems 64 */
  memories?: MemoryDecl[];
  /** @maxItems 256 */
  links?: LinkDecl[];
  limits?: Limits;
}
