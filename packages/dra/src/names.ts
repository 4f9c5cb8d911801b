/** The driver's name and the name rules of resource.k8s.io/v1 that every emitted name must pass. */
import { createHash } from 'node:crypto';

/** The DRA driver name: a DNS subdomain, and the domain of every attribute this driver publishes. */
export const DRIVER = 'openaccel.dev';

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** The ID part of a QualifiedName: a C identifier of at most 32 characters. */
export const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Strict semver 2.0.0 as the API server checks `version` attributes. */
export const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** A name this driver cannot turn into a valid Kubernetes name without losing what it says. */
export class DraNameError extends Error {
  constructor(
    readonly kind: string,
    readonly value: string,
    readonly why: string,
  ) {
    super(`${kind} '${value}': ${why}`);
    this.name = 'DraNameError';
  }
}

export function isDnsLabel(s: string): boolean {
  return s.length <= 63 && DNS_LABEL.test(s);
}

export function isDnsSubdomain(s: string, max = 253): boolean {
  return s.length <= max && DNS_SUBDOMAIN.test(s);
}

/** `ID` or `domain/ID` as attribute and capacity keys must be. */
export function isQualifiedName(s: string): boolean {
  const parts = s.split('/');
  if (parts.length > 2) return false;
  const id = parts[parts.length - 1]!;
  if (id.length > 32 || !C_IDENTIFIER.test(id)) return false;
  return parts.length === 1 || isDnsSubdomain(parts[0]!.toLowerCase(), 63);
}

/**
 * A DNS label for a graph vertex id (`uacce:hisi_zip-0` -> `uacce-hisi-zip-0`). Too long a label, or one
 * already `taken` by another id (lower-casing and replacing can collide), gets a short hash of the id.
 */
export function deviceLabel(id: string, taken: ReadonlySet<string> = new Set()): string {
  let s = id.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'dev';
  if (s.length > 63 || taken.has(s)) s = `${s.slice(0, 52).replace(/-+$/, '')}-${shortHash(id)}`;
  if (!isDnsLabel(s)) throw new DraNameError('device', id, `cannot be made a DNS label (got '${s}')`);
  return s;
}

/** An attribute ID for a word (`aes_gcm_encrypt` -> `fn_aes_gcm_encrypt`); fails rather than truncating. */
export function attributeId(prefix: string, word: string): string {
  const id = `${prefix}${word.replace(/[^A-Za-z0-9_]/g, '_')}`;
  if (id.length > 32 || !C_IDENTIFIER.test(id)) throw new DraNameError('attribute', id, 'is not a C identifier of at most 32 characters');
  return id;
}

/** A DeviceClass name for an OpenAccel function: `aes_gcm_encrypt` -> `aes-gcm-encrypt.openaccel.dev`. */
export function functionClassName(fn: string): string {
  const name = `${fn.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.${DRIVER}`;
  if (!isDnsSubdomain(name)) throw new DraNameError('device class', name, 'is not a DNS subdomain');
  return name;
}

export function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 10);
}
