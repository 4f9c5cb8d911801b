/**
 * Talking to the API server with the official JavaScript client: publishing a node's ResourceSlices (create,
 * replace, delete; a new pool generation whenever the devices change) and reading a claim's allocation.
 */
import { ApiException, CoreV1Api, KubeConfig, ResourceV1Api, type V1ResourceSlice } from '@kubernetes/client-node';
import { DRIVER } from './names.js';
import type { ClaimSource } from './plugin.js';
import type { Device, ResourceClaim, ResourceSlice } from './types.js';

export interface PublishResult {
  generation: number;
  created: string[];
  replaced: string[];
  deleted: string[];
}

/**
 * The client's models spell two wire members differently: an attribute's `int` is `_int` and a request
 * policy's `default` is `_default` (a member not in a model is dropped silently when it is sent).
 */
const CLIENT_NAMES: Record<string, [wire: string, client: string]> = { attributes: ['int', '_int'], capacity: ['default', '_default'] };

function convert<T>(s: unknown, toClientNames: boolean): T {
  return JSON.parse(JSON.stringify(s), (k, v: unknown) => {
    const names = CLIENT_NAMES[k];
    if (!names || !v || typeof v !== 'object') return v;
    const [from, to] = toClientNames ? names : [names[1], names[0]];
    return Object.fromEntries(
      Object.entries(v).map(([n, a]) => {
        const item = a as Record<string, unknown>;
        if (k === 'attributes') return [n, renameKey(item, from, to)];
        // capacity: { name: { value, requestPolicy: { default, ... } } }
        return [n, item.requestPolicy ? { ...item, requestPolicy: renameKey(item.requestPolicy as Record<string, unknown>, from, to) } : item];
      }),
    );
  }) as T;
}

const toClient = (s: ResourceSlice) => convert<V1ResourceSlice>(s, true);
const fromClient = (s: V1ResourceSlice) => convert<ResourceSlice>(s, false);

function renameKey(o: Record<string, unknown>, from: string, to: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => [k === from ? to : k, v]));
}

/**
 * The devices as an API server without the DRAConsumableCapacity feature gate stores them: it drops
 * allowMultipleAllocations and every requestPolicy (the devices are then allocated whole). A pool stored that
 * way is current; rewriting it would bump the generation on every publish and never converge.
 */
function withoutConsumableCapacity(devices: readonly Device[]): Device[] {
  return devices.map(({ allowMultipleAllocations: _, capacity, ...d }) => ({
    ...d,
    ...(capacity ? { capacity: Object.fromEntries(Object.entries(capacity).map(([k, { requestPolicy: __, ...c }]) => [k, c])) } : {}),
  }));
}

/** JSON with sorted keys, so two device lists compare equal whatever order the server returns fields in. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).filter(([, y]) => y !== undefined).sort(([a], [b]) => (a < b ? -1 : 1))) : x));
}

export function kubeConfigFor(server?: string): KubeConfig {
  const kc = new KubeConfig();
  // The client refuses plain http unless told there is no TLS to verify (a local test server, a kubectl proxy).
  if (server) kc.loadFromOptions({ clusters: [{ name: 'c', server, skipTLSVerify: server.startsWith('http://') }], users: [{ name: 'u' }], contexts: [{ name: 'c', cluster: 'c', user: 'u' }], currentContext: 'c' });
  else kc.loadFromDefault(); // in-cluster service account, or KUBECONFIG
  return kc;
}

/**
 * Makes the API server hold exactly `slices` for this node's pool. Nothing is written when the devices are
 * unchanged; otherwise every slice gets the next generation, so consumers never mix two views of the pool.
 */
export async function publishSlices(kc: KubeConfig, node: string, slices: readonly ResourceSlice[], owner?: NodeOwner): Promise<PublishResult> {
  const api = kc.makeApiClient(ResourceV1Api);
  const list = await api.listResourceSlice({ fieldSelector: `spec.nodeName=${node},spec.driver=${DRIVER}` });
  const existing = list.items.map(fromClient).filter((s) => s.spec.nodeName === node && s.spec.driver === DRIVER);
  const oldGen = existing.reduce((m, s) => Math.max(m, s.spec.pool.generation), -1);
  const same =
    existing.length === slices.length &&
    slices.every((s) => {
      const e = existing.find((x) => x.metadata.name === s.metadata.name);
      if (!e || e.spec.pool.generation !== oldGen || e.spec.pool.resourceSliceCount !== s.spec.pool.resourceSliceCount) return false;
      const stored = canonical(e.spec.devices ?? []);
      return stored === canonical(s.spec.devices ?? []) || stored === canonical(withoutConsumableCapacity(s.spec.devices ?? []));
    });
  const result: PublishResult = { generation: Math.max(oldGen, 0), created: [], replaced: [], deleted: [] };
  if (same) return result;
  result.generation = oldGen + 1;
  for (const s of slices) {
    const ownerReferences = owner ? [{ apiVersion: 'v1', kind: 'Node', name: owner.name, uid: owner.uid, controller: true }] : undefined;
    const body: ResourceSlice = { ...s, metadata: { ...s.metadata, ...(ownerReferences ? { ownerReferences } : {}) }, spec: { ...s.spec, pool: { ...s.spec.pool, generation: result.generation } } };
    const e = existing.find((x) => x.metadata.name === s.metadata.name);
    if (e) {
      await api.replaceResourceSlice({ name: s.metadata.name!, body: toClient({ ...body, metadata: { ...body.metadata, resourceVersion: e.metadata.resourceVersion } }) });
      result.replaced.push(s.metadata.name!);
    } else {
      await api.createResourceSlice({ body: toClient(body) });
      result.created.push(s.metadata.name!);
    }
  }
  for (const e of existing) {
    if (slices.some((s) => s.metadata.name === e.metadata.name)) continue;
    await api.deleteResourceSlice({ name: e.metadata.name! });
    result.deleted.push(e.metadata.name!);
  }
  return result;
}

/** The Node that owns a node's slices, so that deleting the Node deletes them (garbage collection). */
export interface NodeOwner {
  name: string;
  uid: string;
}

/** The Node object's UID, or undefined when the Node cannot be read (the slices are then published unowned). */
export async function nodeOwner(kc: KubeConfig, name: string): Promise<NodeOwner | undefined> {
  try {
    const n = await kc.makeApiClient(CoreV1Api).readNode({ name });
    return n.metadata?.uid ? { name, uid: n.metadata.uid } : undefined;
  } catch (e) {
    if (e instanceof ApiException) return undefined;
    throw e;
  }
}

/** Claims read from the API server; a claim that does not exist is undefined, any other failure throws. */
export function apiClaimSource(kc: KubeConfig): ClaimSource {
  const api = kc.makeApiClient(ResourceV1Api);
  return {
    async getClaim(namespace, name) {
      try {
        return JSON.parse(JSON.stringify(await api.readNamespacedResourceClaim({ name, namespace }))) as ResourceClaim;
      } catch (e) {
        if (e instanceof ApiException && e.code === 404) return undefined;
        throw e;
      }
    },
  };
}
