/**
 * Checks an object the way the API server would before storing it: the official resource.k8s.io/v1 schema
 * (as compiled by kubernetes-models from the Kubernetes OpenAPI document), then the validation rules that
 * live only in the API server's Go code (name formats, limits, unions), ported here.
 */
import { validate as schemaDeviceClass } from 'kubernetes-models/_schemas/IoK8sApiResourceV1DeviceClass';
import { validate as schemaResourceClaim } from 'kubernetes-models/_schemas/IoK8sApiResourceV1ResourceClaim';
import { validate as schemaResourceClaimTemplate } from 'kubernetes-models/_schemas/IoK8sApiResourceV1ResourceClaimTemplate';
import { validate as schemaResourceSlice } from 'kubernetes-models/_schemas/IoK8sApiResourceV1ResourceSlice';
import { CelSelectorError, compileSelector } from './cel.js';
import { checkCapacityRequests, checkDeviceCapacity } from './validate-capacity.js';
import { SEMVER, isDnsLabel, isDnsSubdomain, isQualifiedName } from './names.js';
import { API_VERSION, type CelSelector, type DeviceClaim, type DraObject, type ResourceSlice } from './types.js';

export interface Problem {
  /** JSON pointer into the object. */
  path: string;
  message: string;
}

export class DraValidationError extends Error {
  constructor(
    readonly object: string,
    readonly problems: readonly Problem[],
  ) {
    super(`${object}: ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    this.name = 'DraValidationError';
  }
}

interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}
type SchemaCheck = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };

/** The precompiled validators carry no messages; say what ajv would. */
function schemaMessage(e: SchemaError): string {
  if (e.message) return e.message;
  if (e.keyword === 'type') return `must be ${String(e.params.type)}`;
  if (e.keyword === 'required') return `must have required property '${String(e.params.missingProperty)}'`;
  if (e.keyword === 'format') return `must match format "${String(e.params.format)}"`;
  return `violates ${e.keyword} ${JSON.stringify(e.params)}`;
}
const SCHEMAS: Record<string, SchemaCheck> = {
  ResourceSlice: schemaResourceSlice as SchemaCheck,
  DeviceClass: schemaDeviceClass as SchemaCheck,
  ResourceClaimTemplate: schemaResourceClaimTemplate as SchemaCheck,
  ResourceClaim: schemaResourceClaim as SchemaCheck,
};

/** Limits of resource.k8s.io/v1 (Kubernetes 1.34) that the schema does not carry. */
export const API_LIMITS = { devicesPerSlice: 128, attributesAndCapacitiesPerDevice: 32, attributeValue: 64, selectors: 32, requests: 32, subrequests: 8, constraints: 32 } as const;

const INT64_MAX = 2n ** 63n - 1n;

export function validateObject(obj: unknown): Problem[] {
  const o = obj as DraObject;
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  if (!o || typeof o !== 'object') return [{ path: '', message: 'not an object' }];
  if (o.apiVersion !== API_VERSION) add('/apiVersion', `must be ${API_VERSION}`);
  const schema = SCHEMAS[o.kind];
  if (!schema) return [...problems, { path: '/kind', message: `unknown kind '${String(o.kind)}'` }];
  if (!schema(o)) for (const e of schema.errors ?? []) add(e.instancePath, schemaMessage(e));
  if (problems.length) return problems; // the rules below assume the shape is right
  const name = o.metadata?.name;
  if (name === undefined && !o.metadata?.generateName) add('/metadata/name', 'name or generateName is required');
  if (name !== undefined && !isDnsSubdomain(name)) add('/metadata/name', `'${name}' is not a DNS subdomain`);
  if (o.kind === 'ResourceSlice') checkSlice(o, add);
  else if (o.kind === 'DeviceClass') checkSelectors(o.spec.selectors ?? [], '/spec/selectors', add);
  else if (o.kind === 'ResourceClaimTemplate') checkClaim(o.spec.spec.devices, '/spec/spec/devices', add);
  else checkClaim(o.spec.devices, '/spec/devices', add);
  return problems;
}

export function assertValid(obj: DraObject): void {
  const problems = validateObject(obj);
  if (problems.length) throw new DraValidationError(`${obj.kind} ${obj.metadata.name ?? obj.metadata.generateName ?? ''}`, problems);
}

type Add = (path: string, message: string) => void;

function checkSlice(s: ResourceSlice, add: Add): void {
  const spec = s.spec as ResourceSlice['spec'] & { nodeSelector?: unknown; allNodes?: boolean; perDeviceNodeSelection?: boolean };
  if (!isDnsSubdomain(spec.driver, 63) || spec.driver !== spec.driver.toLowerCase()) add('/spec/driver', `'${spec.driver}' is not a lower-case DNS subdomain of at most 63 characters`);
  const pool = spec.pool.name;
  if (pool.length > 253 || !pool.split('/').every((p) => isDnsSubdomain(p))) add('/spec/pool/name', `'${pool}' is not DNS subdomains separated by '/' (at most 253 characters)`);
  if (spec.pool.generation < 0) add('/spec/pool/generation', 'must be >= 0');
  if (spec.pool.resourceSliceCount <= 0) add('/spec/pool/resourceSliceCount', 'must be > 0');
  const selection = [spec.nodeName !== undefined, spec.nodeSelector !== undefined, spec.allNodes === true, spec.perDeviceNodeSelection === true].filter(Boolean).length;
  if (selection !== 1) add('/spec', 'exactly one of nodeName, nodeSelector, allNodes, perDeviceNodeSelection is required');
  if (spec.nodeName !== undefined && !isDnsSubdomain(spec.nodeName)) add('/spec/nodeName', `'${spec.nodeName}' is not a DNS subdomain`);
  const devices = spec.devices ?? [];
  if (devices.length > API_LIMITS.devicesPerSlice) add('/spec/devices', `${devices.length} devices; at most ${API_LIMITS.devicesPerSlice}`);
  const seen = new Set<string>();
  devices.forEach((d, i) => {
    const at = `/spec/devices/${i}`;
    if (!isDnsLabel(d.name)) add(`${at}/name`, `'${d.name}' is not a DNS label`);
    if (seen.has(d.name)) add(`${at}/name`, `duplicate device '${d.name}'`);
    seen.add(d.name);
    const attrs = Object.entries(d.attributes ?? {});
    const caps = Object.keys(d.capacity ?? {});
    if (attrs.length + caps.length > API_LIMITS.attributesAndCapacitiesPerDevice) add(at, `${attrs.length + caps.length} attributes and capacities; at most ${API_LIMITS.attributesAndCapacitiesPerDevice}`);
    for (const [k, v] of attrs) {
      const p = `${at}/attributes/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (!isQualifiedName(k)) add(p, `'${k}' is not a qualified name (C identifier of at most 32 characters, optionally under a DNS domain)`);
      const set = Object.entries(v).filter(([, x]) => x !== undefined && x !== null);
      if (set.length !== 1) {
        add(p, 'exactly one of int, bool, string, version must be set');
        continue;
      }
      const [kind, value] = set[0]!;
      if ((kind === 'string' || kind === 'version') && String(value).length > API_LIMITS.attributeValue) add(`${p}/${kind}`, `longer than ${API_LIMITS.attributeValue} characters`);
      if (kind === 'version' && !SEMVER.test(String(value))) add(`${p}/version`, `'${String(value)}' is not a semantic version`);
      if (kind === 'int' && (!Number.isSafeInteger(value) || BigInt(value as number) > INT64_MAX)) add(`${p}/int`, 'not an int64');
    }
    checkDeviceCapacity(d, at, add);
  });
}

function checkSelectors(selectors: readonly CelSelector[], at: string, add: Add): void {
  if (selectors.length > API_LIMITS.selectors) add(at, `${selectors.length} selectors; at most ${API_LIMITS.selectors}`);
  selectors.forEach((s, i) => {
    try {
      compileSelector(s.cel.expression);
    } catch (e) {
      if (!(e instanceof CelSelectorError)) throw e;
      add(`${at}/${i}/cel/expression`, e.message);
    }
  });
}

function checkClaim(devices: DeviceClaim | undefined, at: string, add: Add): void {
  const requests = devices?.requests ?? [];
  if (requests.length > API_LIMITS.requests) add(`${at}/requests`, `${requests.length} requests; at most ${API_LIMITS.requests}`);
  const names = new Set<string>();
  requests.forEach((r, i) => {
    const p = `${at}/requests/${i}`;
    if (!isDnsLabel(r.name)) add(`${p}/name`, `'${r.name}' is not a DNS label`);
    if (names.has(r.name)) add(`${p}/name`, `duplicate request '${r.name}'`);
    names.add(r.name);
    if ((r.exactly === undefined) === (r.firstAvailable === undefined)) add(p, 'exactly one of exactly, firstAvailable is required');
    const subs = r.firstAvailable ?? [];
    if (r.firstAvailable && (subs.length === 0 || subs.length > API_LIMITS.subrequests)) add(`${p}/firstAvailable`, `${subs.length} alternatives; 1 to ${API_LIMITS.subrequests}`);
    const subNames = new Set<string>();
    const alts = r.exactly ? [{ at: `${p}/exactly`, ...r.exactly }] : subs.map((s, j) => ({ at: `${p}/firstAvailable/${j}`, ...s }));
    for (const a of alts) {
      if ('name' in a && typeof a.name === 'string') {
        if (!isDnsLabel(a.name)) add(`${a.at}/name`, `'${a.name}' is not a DNS label`);
        if (subNames.has(a.name)) add(`${a.at}/name`, `duplicate alternative '${a.name}'`);
        subNames.add(a.name);
        names.add(`${r.name}/${a.name}`);
      }
      if (!isDnsSubdomain(a.deviceClassName)) add(`${a.at}/deviceClassName`, `'${a.deviceClassName}' is not a DNS subdomain`);
      if (a.allocationMode === 'All' && a.count !== undefined) add(`${a.at}/count`, 'must not be set with allocationMode All');
      if (a.count !== undefined && a.count <= 0) add(`${a.at}/count`, 'must be > 0');
      checkSelectors(a.selectors ?? [], `${a.at}/selectors`, add);
      checkCapacityRequests(a.capacity?.requests, a.at, add);
    }
  });
  const constraints = devices?.constraints ?? [];
  if (constraints.length > API_LIMITS.constraints) add(`${at}/constraints`, `${constraints.length} constraints; at most ${API_LIMITS.constraints}`);
  constraints.forEach((c, i) => {
    const p = `${at}/constraints/${i}`;
    for (const r of c.requests ?? []) if (!names.has(r)) add(`${p}/requests`, `'${r}' names no request or alternative of this claim`);
    const set = (['matchAttribute', 'distinctAttribute'] as const).filter((k) => c[k] !== undefined);
    if (set.length !== 1) add(p, 'exactly one of matchAttribute, distinctAttribute is required');
    for (const k of set) if (!c[k]!.includes('/') || !isQualifiedName(c[k]!)) add(`${p}/${k}`, `'${c[k]}' is not a fully qualified name (domain/ID)`);
  });
}
