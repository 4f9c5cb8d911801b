/**
 * A stand-in for the API server's resource.k8s.io/v1 endpoints the driver uses, on 127.0.0.1 only: real HTTP,
 * request bodies bounded, every request recorded. Enough for the official client to talk to.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResourceClaim, ResourceSlice } from '../src/index.js';

const MAX_BODY = 1024 * 1024;
const BASE = '/apis/resource.k8s.io/v1';

export class FakeApiServer {
  readonly slices = new Map<string, ResourceSlice>();
  readonly claims = new Map<string, ResourceClaim>();
  readonly requests: string[] = [];
  /** Node name -> UID, for GET /api/v1/nodes/NAME. */
  readonly nodes = new Map<string, string>();
  /** When set, claim reads fail with 500 (to prove an answer came from the plugin's own state). */
  failClaims = false;
  /**
   * A server without the DRAConsumableCapacity feature gate: like the real one, it drops allowMultipleAllocations
   * and every requestPolicy from a slice it stores, unless the slice it replaces already had them.
   */
  dropConsumableCapacity = false;
  private server?: Server;
  private version = 1;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(`${req.method} ${url.pathname}`);
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const status = (code: number, reason: string) => send(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason });
    let body: unknown;
    try {
      body = await readBody(req);
    } catch {
      return status(413, 'RequestEntityTooLarge');
    }
    const path = url.pathname;
    const nodeGet = path.match(/^\/api\/v1\/nodes\/([^/]+)$/);
    if (nodeGet && req.method === 'GET') {
      const uid = this.nodes.get(nodeGet[1]!);
      return uid ? send(200, { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeGet[1], uid } }) : status(404, 'NotFound');
    }
    const claim = path.match(/^\/apis\/resource\.k8s\.io\/v1\/namespaces\/([^/]+)\/resourceclaims\/([^/]+)$/);
    if (claim && req.method === 'GET') {
      if (this.failClaims) return status(500, 'InternalError');
      const c = this.claims.get(`${claim[1]}/${claim[2]}`);
      return c ? send(200, c) : status(404, 'NotFound');
    }
    if (path === `${BASE}/resourceslices` && req.method === 'GET') {
      const sel = Object.fromEntries((url.searchParams.get('fieldSelector') ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
      const items = [...this.slices.values()].filter((s) => (!sel['spec.nodeName'] || s.spec.nodeName === sel['spec.nodeName']) && (!sel['spec.driver'] || s.spec.driver === sel['spec.driver']));
      return send(200, { apiVersion: 'resource.k8s.io/v1', kind: 'ResourceSliceList', metadata: {}, items });
    }
    if (path === `${BASE}/resourceslices` && req.method === 'POST') {
      const s = body as ResourceSlice;
      if (this.slices.has(s.metadata.name!)) return status(409, 'AlreadyExists');
      this.dropGated(s, undefined);
      s.metadata.resourceVersion = String(this.version++);
      this.slices.set(s.metadata.name!, s);
      return send(201, s);
    }
    const one = path.match(/^\/apis\/resource\.k8s\.io\/v1\/resourceslices\/([^/]+)$/);
    if (one && req.method === 'PUT') {
      const s = body as ResourceSlice;
      const old = this.slices.get(one[1]!);
      if (!old) return status(404, 'NotFound');
      if (s.metadata.resourceVersion !== old.metadata.resourceVersion) return status(409, 'Conflict');
      this.dropGated(s, old);
      s.metadata.resourceVersion = String(this.version++);
      this.slices.set(one[1]!, s);
      return send(200, s);
    }
    if (one && req.method === 'DELETE') {
      const old = this.slices.get(one[1]!);
      if (!old) return status(404, 'NotFound');
      this.slices.delete(one[1]!);
      return send(200, old);
    }
    return status(404, 'NotFound');
  }

  private dropGated(s: ResourceSlice, old: ResourceSlice | undefined): void {
    const inUse = old?.spec.devices?.some((d) => d.allowMultipleAllocations !== undefined || Object.values(d.capacity ?? {}).some((c) => c.requestPolicy));
    if (!this.dropConsumableCapacity || inUse) return;
    for (const d of s.spec.devices ?? []) {
      delete d.allowMultipleAllocations;
      for (const c of Object.values(d.capacity ?? {})) delete c.requestPolicy;
    }
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new RangeError('body too large');
    chunks.push(c as Buffer);
  }
  return size ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
}
