/**
 * The kubelet plugin as kubelet sees it: a process serving the official gRPC services on unix sockets in a
 * temporary directory, driven by a client generated from the official .proto files; killed and restarted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRA_PLUGIN_TYPE, DRA_SERVICE_VERSION, DRIVER, kubeletProtos, type CdiSpec, type PrepareResponse, type ResourceClaim, type UnprepareResponse } from '../src/index.js';
import { FakeApiServer } from './fake-apiserver.js';
import { FIXTURES } from './fixtures.js';

const MAIN = fileURLToPath(new URL('../dist/plugin-main.js', import.meta.url));
const DEADLINE_MS = 60_000;

async function until<T>(what: string, f: () => T | undefined | false): Promise<T> {
  const end = Date.now() + DEADLINE_MS;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Call = (req: object, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;
function call<R>(client: grpc.Client, method: string, req: object): Promise<R> {
  return new Promise((resolve, reject) => ((client as unknown as Record<string, Call>)[method]!).call(client, req, (err, res) => (err ? reject(err) : resolve(res as R))));
}

const claim = (name: string, uid: string, results: { request: string; device: string; pool?: string; driver?: string; shareID?: string }[]): ResourceClaim => ({
  apiVersion: 'resource.k8s.io/v1',
  kind: 'ResourceClaim',
  metadata: { name, namespace: 'demo', uid },
  spec: {},
  status: { allocation: { devices: { results: results.map((r) => ({ driver: r.driver ?? DRIVER, pool: r.pool ?? 'node-a', request: r.request, device: r.device, ...(r.shareID ? { shareID: r.shareID, consumedCapacity: { queues: '1' } } : {}) })) } } },
});

// Starting a Node process and a gRPC server takes seconds on a busy machine: generous limits, never tuned.
describe('kubelet plugin process', { timeout: 120_000 }, () => {
  let dir: string;
  let api: FakeApiServer;
  let url: string;
  let child: ChildProcess | undefined;
  let stderr = '';
  const clients: grpc.Client[] = [];
  const paths = () => ({ cdi: join(dir, 'cdi'), plugin: join(dir, 'plugins', DRIVER), registry: join(dir, 'plugins_registry') });

  async function startPlugin(): Promise<void> {
    const p = paths();
    stderr = '';
    child = spawn(process.execPath, [MAIN, '--node', 'node-a', '--sysfs-root', join(FIXTURES, 'two-socket-hbm'), '--cdi-dir', p.cdi, '--plugin-dir', p.plugin, '--registry-dir', p.registry, '--api-server', url], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    await until('the plugin to serve', () => stderr.includes('"event":"serving"') || (child!.exitCode !== null && Promise.reject(new Error(`plugin exited: ${stderr}`))));
  }

  async function killPlugin(signal: NodeJS.Signals): Promise<void> {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await gone;
  }

  function draClient(): grpc.Client {
    const c = new (kubeletProtos().DRAPlugin)(`unix://${join(paths().plugin, 'dra.sock')}`, grpc.credentials.createInsecure());
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openaccel-dra-'));
    api = new FakeApiServer();
    url = await api.start();
    api.claims.set('demo/chain', claim('chain', 'uid-chain', [{ request: 'deflate', device: 'openaccel-accel0' }, { request: 'aes-gcm-encrypt', device: 'openaccel-accel1' }]));
    api.claims.set('demo/other-node', claim('other-node', 'uid-other', [{ request: 'a', device: 'openaccel-accel0', pool: 'node-b' }]));
    api.claims.set('demo/ghost', claim('ghost', 'uid-ghost', [{ request: 'a', device: 'openaccel-accel9' }]));
    // Two shares of one device (allowMultipleAllocations), one per request.
    api.claims.set('demo/shared', claim('shared', 'uid-shared', [{ request: 'copy', device: 'openaccel-accel0', shareID: '0b8e4c9e-6a5f-4d2a-9c1e-3f7a2b6d8e10' }, { request: 'fill', device: 'openaccel-accel0', shareID: '5d1f0a7c-2e3b-4c8d-a9f6-7b0e1c2d3a4f' }]));
    api.claims.set('demo/crash', claim('crash', 'uid-crash', [{ request: 'near/distance-10', device: 'openaccel-accel0' }]));
    await startPlugin();
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await killPlugin('SIGKILL');
    await api?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('published its node\'s slices before serving', () => {
    expect([...api.slices.keys()]).toEqual(['node-a-openaccel.dev-0']);
  });

  it('registers as a v1 DRA plugin through the registration socket', async () => {
    const reg = new (kubeletProtos().Registration)(`unix://${join(paths().registry, `${DRIVER}-reg.sock`)}`, grpc.credentials.createInsecure());
    clients.push(reg);
    const info = await call<{ type: string; name: string; endpoint: string; supported_versions: string[] }>(reg, 'GetInfo', {});
    expect(info).toEqual({ type: DRA_PLUGIN_TYPE, name: DRIVER, endpoint: join(paths().plugin, 'dra.sock'), supported_versions: [DRA_SERVICE_VERSION] });
    await call(reg, 'NotifyRegistrationStatus', { plugin_registered: true, error: '' });
    await until('the registered log line', () => stderr.includes('"event":"registered"'));
  });

  it('prepares a claim into a CDI spec, and the same answer the second time', async () => {
    const dra = draClient();
    const req = { claims: [{ namespace: 'demo', name: 'chain', uid: 'uid-chain' }] };
    const first = await call<PrepareResponse>(dra, 'NodePrepareResources', req);
    expect(first.claims['uid-chain']).toEqual({
      error: '',
      devices: [
        { request_names: ['deflate'], pool_name: 'node-a', device_name: 'openaccel-accel0', cdi_device_ids: [`${DRIVER}/accel=uid-chain-openaccel-accel0`] },
        { request_names: ['aes-gcm-encrypt'], pool_name: 'node-a', device_name: 'openaccel-accel1', cdi_device_ids: [`${DRIVER}/accel=uid-chain-openaccel-accel1`] },
      ],
    });
    const file = join(paths().cdi, `${DRIVER}-uid-chain.json`);
    const before = readFileSync(file, 'utf8');
    const spec = JSON.parse(before) as CdiSpec;
    expect(spec.kind).toBe(`${DRIVER}/accel`);
    expect(spec.devices[0]!.containerEdits.mounts![0]).toEqual({ hostPath: join(FIXTURES, 'two-socket-hbm', 'class/openaccel/accel0'), containerPath: '/sys/class/openaccel/accel0', options: ['ro', 'rbind'] });
    expect(spec.devices[0]!.containerEdits.deviceNodes![0]!.path).toMatch(/openaccel\/accel0$/);
    const second = await call<PrepareResponse>(dra, 'NodePrepareResources', req);
    expect(second).toEqual(first);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(paths().cdi).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('gives two shares of one device in a claim one CDI device that names both requests', async () => {
    const r = await call<PrepareResponse>(draClient(), 'NodePrepareResources', { claims: [{ namespace: 'demo', name: 'shared', uid: 'uid-shared' }] });
    expect(r.claims['uid-shared']).toEqual({
      error: '',
      devices: [{ request_names: ['copy', 'fill'], pool_name: 'node-a', device_name: 'openaccel-accel0', cdi_device_ids: [`${DRIVER}/accel=uid-shared-openaccel-accel0`] }],
    });
    await call(draClient(), 'NodeUnprepareResources', { claims: [{ namespace: 'demo', name: 'shared', uid: 'uid-shared' }] });
    expect(existsSync(join(paths().cdi, `${DRIVER}-uid-shared.json`))).toBe(false);
  });

  it('reports unknown, foreign and hostile claims per claim and writes nothing for them', async () => {
    const dra = draClient();
    const r = await call<PrepareResponse>(dra, 'NodePrepareResources', {
      claims: [
        { namespace: 'demo', name: 'missing', uid: 'uid-missing' },
        { namespace: 'demo', name: 'other-node', uid: 'uid-other' },
        { namespace: 'demo', name: 'ghost', uid: 'uid-ghost' },
        { namespace: 'demo', name: 'chain', uid: 'uid-wrong' },
        { namespace: 'demo', name: 'chain', uid: '../../etc/x' },
      ],
    });
    expect(r.claims['uid-missing']!.error).toMatch(/not found/);
    expect(r.claims['uid-other']!.error).toMatch(/no openaccel\.dev device allocated on node-a/);
    expect(r.claims['uid-ghost']!.error).toMatch(/openaccel-accel9 is not on this node/);
    expect(r.claims['uid-wrong']!.error).toMatch(/has UID uid-chain, not uid-wrong/);
    expect(r.claims['../../etc/x']!.error).toMatch(/is not a UID/);
    expect(readdirSync(paths().cdi).sort()).toEqual([`${DRIVER}-uid-chain.json`]);
  });

  it('unprepares, twice, and an unknown claim is not an error', async () => {
    const dra = draClient();
    const req = { claims: [{ namespace: 'demo', name: 'chain', uid: 'uid-chain' }, { namespace: 'demo', name: 'never', uid: 'uid-never' }] };
    expect(await call<UnprepareResponse>(dra, 'NodeUnprepareResources', req)).toEqual({ claims: { 'uid-chain': { error: '' }, 'uid-never': { error: '' } } });
    expect(existsSync(join(paths().cdi, `${DRIVER}-uid-chain.json`))).toBe(false);
    expect(await call<UnprepareResponse>(dra, 'NodeUnprepareResources', req)).toEqual({ claims: { 'uid-chain': { error: '' }, 'uid-never': { error: '' } } });
  });

  it('after a crash, the restarted plugin answers from the CDI files left behind', async () => {
    const req = { claims: [{ namespace: 'demo', name: 'crash', uid: 'uid-crash' }] };
    const before = await call<PrepareResponse>(draClient(), 'NodePrepareResources', req);
    expect(before.claims['uid-crash']!.devices[0]!.request_names).toEqual(['near']);
    await killPlugin('SIGKILL');
    // Killed: the sockets and the CDI file are left behind.
    expect(existsSync(join(paths().plugin, 'dra.sock'))).toBe(true);
    expect(existsSync(join(paths().cdi, `${DRIVER}-uid-crash.json`))).toBe(true);
    // As if it had died in the middle of writing another spec.
    const stray = join(paths().cdi, `.${DRIVER}-uid-half.4242.tmp`);
    writeFileSync(stray, '{"cdiVersion":');
    await startPlugin();
    expect(stderr).toContain('"event":"restored","claims":["uid-crash"]');
    expect(existsSync(stray)).toBe(false);
    api.failClaims = true; // the answer must come from the CDI file, not from the API server
    try {
      expect(await call<PrepareResponse>(draClient(), 'NodePrepareResources', req)).toEqual(before);
      expect(await call<UnprepareResponse>(draClient(), 'NodeUnprepareResources', req)).toEqual({ claims: { 'uid-crash': { error: '' } } });
      expect(readdirSync(paths().cdi)).toEqual([]);
    } finally {
      api.failClaims = false;
    }
  });

  it('on SIGTERM stops and removes its sockets', async () => {
    await killPlugin('SIGTERM');
    expect(existsSync(join(paths().plugin, 'dra.sock'))).toBe(false);
    expect(existsSync(join(paths().registry, `${DRIVER}-reg.sock`))).toBe(false);
  });
});
