/**
 * The kubelet plugin: the registration service on kubelet's plugins_registry socket and the DRA service
 * (NodePrepareResources / NodeUnprepareResources) on the plugin's own socket. Preparing a claim reads its
 * allocation from the API server, keeps the devices of this driver and this node, and writes a CDI spec
 * that puts each device node and its sysfs directory into the container. The CDI files are the plugin's
 * only state, so a restarted plugin answers for claims prepared before it died.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { DeviceVertex } from '@openaccel/topology';
import { CLAIM_UID, buildSpec, cdiDeviceName, preparedClaims, readPrepared, removeSpec, writeSpecAtomically, CDI_KIND, type CdiDevice, type PreparedDevice } from './cdi.js';
import { DRA_PLUGIN_TYPE, DRA_SERVICE_VERSION, kubeletProtos, type ClaimRef, type PrepareResponse, type ProtoDevice, type UnprepareResponse } from './grpc.js';
import { DRIVER } from './names.js';
import type { ResourceClaim } from './types.js';

/** Where a claim's allocation comes from: the API server (publish.ts), or a test's stand-in. */
export interface ClaimSource {
  getClaim(namespace: string, name: string): Promise<ResourceClaim | undefined>;
}

export interface PluginOptions {
  node: string;
  /** Pool device name -> graph vertex, from exportNode. */
  devices: ReadonlyMap<string, DeviceVertex>;
  claims: ClaimSource;
  cdiDir: string;
  /** Directory of the DRA socket (kubelet's plugins/<driver>). */
  pluginDir: string;
  /** kubelet's plugins_registry directory; the registration socket goes there. */
  registryDir: string;
  /** The sysfs root the devices were read from (bind-mounted into containers per device). */
  sysfsRoot: string;
}

/**
 * Events: 'restored' (claim UIDs whose CDI specs a previous run left), 'registered' (kubelet accepted the
 * plugin), 'registration-failed' (with kubelet's error).
 */
export class KubeletPlugin extends EventEmitter {
  readonly draSocket: string;
  readonly registrationSocket: string;
  private readonly servers: grpc.Server[] = [];

  constructor(private readonly opts: PluginOptions) {
    super();
    this.draSocket = join(opts.pluginDir, 'dra.sock');
    this.registrationSocket = join(opts.registryDir, `${DRIVER}-reg.sock`);
  }

  async start(): Promise<void> {
    const protos = kubeletProtos();
    for (const d of [this.opts.cdiDir, this.opts.pluginDir, this.opts.registryDir]) mkdirSync(d, { recursive: true });
    // A crash during a write leaves a temporary file, never half a spec; finished specs are prepared claims.
    this.emit('restored', preparedClaims(this.opts.cdiDir));
    const dra = new grpc.Server();
    dra.addService(protos.DRAPlugin.service, {
      NodePrepareResources: unary((req: { claims: ClaimRef[] }) => this.prepare(req.claims)),
      NodeUnprepareResources: unary((req: { claims: ClaimRef[] }) => this.unprepare(req.claims)),
    });
    const reg = new grpc.Server();
    reg.addService(protos.Registration.service, {
      GetInfo: unary(async () => ({ type: DRA_PLUGIN_TYPE, name: DRIVER, endpoint: this.draSocket, supported_versions: [DRA_SERVICE_VERSION] })),
      NotifyRegistrationStatus: unary(async (s: { plugin_registered: boolean; error: string }) => {
        if (s.plugin_registered) this.emit('registered');
        else this.emit('registration-failed', s.error);
        return {};
      }),
    });
    // The DRA socket first: kubelet dials it as soon as the registration socket appears.
    await bind(dra, this.draSocket);
    this.servers.push(dra);
    await bind(reg, this.registrationSocket);
    this.servers.push(reg);
  }

  /** Stops both servers and removes their sockets; the CDI files stay (they are the prepared claims). */
  async stop(): Promise<void> {
    await Promise.all(this.servers.splice(0).map((s) => new Promise<void>((resolve) => s.tryShutdown(() => resolve()))));
    for (const s of [this.registrationSocket, this.draSocket]) rmSync(s, { force: true });
  }

  async prepare(claims: readonly ClaimRef[]): Promise<PrepareResponse> {
    const out: PrepareResponse = { claims: {} };
    for (const c of claims) {
      try {
        out.claims[c.uid] = { devices: (await this.prepareOne(c)).map(toProto), error: '' };
      } catch (e) {
        out.claims[c.uid] = { devices: [], error: (e as Error).message };
      }
    }
    return out;
  }

  async unprepare(claims: readonly ClaimRef[]): Promise<UnprepareResponse> {
    const out: UnprepareResponse = { claims: {} };
    for (const c of claims) {
      try {
        if (!CLAIM_UID.test(c.uid)) throw new Error(`claim UID '${c.uid}' is not a UID`);
        removeSpec(this.opts.cdiDir, c.uid); // unknown or already unprepared: nothing to undo
        out.claims[c.uid] = { error: '' };
      } catch (e) {
        out.claims[c.uid] = { error: (e as Error).message };
      }
    }
    return out;
  }

  private async prepareOne(c: ClaimRef): Promise<PreparedDevice[]> {
    if (!CLAIM_UID.test(c.uid)) throw new Error(`claim UID '${c.uid}' is not a UID`);
    const done = readPrepared(this.opts.cdiDir, c.uid);
    if (done) return done; // prepared before (perhaps by the plugin's previous life): the same answer again
    const claim = await this.opts.claims.getClaim(c.namespace, c.name);
    if (!claim) throw new Error(`claim ${c.namespace}/${c.name} not found`);
    if (claim.metadata.uid !== c.uid) throw new Error(`claim ${c.namespace}/${c.name} has UID ${claim.metadata.uid ?? 'none'}, not ${c.uid}`);
    const results = (claim.status?.allocation?.devices?.results ?? []).filter((r) => r.driver === DRIVER && r.pool === this.opts.node);
    if (!results.length) throw new Error(`claim ${c.namespace}/${c.name} has no ${DRIVER} device allocated on ${this.opts.node}`);
    const byDevice = new Map<string, string[]>();
    for (const r of results) byDevice.set(r.device, [...(byDevice.get(r.device) ?? []), r.request.split('/')[0]!]);
    const entries = [...byDevice].map(([device, requests]) => {
      const v = this.opts.devices.get(device);
      if (!v) throw new Error(`device ${device} is not on this node (known: ${[...this.opts.devices.keys()].join(', ')})`);
      const prepared: PreparedDevice = { requestNames: [...new Set(requests)], poolName: this.opts.node, deviceName: device, cdiDeviceIds: [`${CDI_KIND}=${cdiDeviceName(c.uid, device)}`] };
      return { prepared, edits: containerEdits(v, this.opts.sysfsRoot) };
    });
    writeSpecAtomically(this.opts.cdiDir, c.uid, buildSpec(c.uid, entries));
    return entries.map((e) => e.prepared);
  }
}

/** The device node and the device's sysfs directory (read-only), where the container expects them. */
export function containerEdits(v: DeviceVertex, sysfsRoot: string): CdiDevice['containerEdits'] {
  const sysDir = v.source === 'openaccel' ? `class/openaccel/${v.name}` : v.source === 'uacce' ? `class/uacce/${v.name}` : v.source === 'accel' ? `class/accel/${v.name}` : undefined;
  return {
    ...(v.node ? { deviceNodes: [{ path: v.node }] } : {}),
    ...(sysDir ? { mounts: [{ hostPath: join(sysfsRoot, sysDir), containerPath: `/sys/${sysDir}`, options: ['ro', 'rbind'] }] } : {}),
    env: [`OPENACCEL_DEVICE_${v.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}=${v.node ?? v.name}`],
  };
}

function toProto(d: PreparedDevice): ProtoDevice {
  return { request_names: d.requestNames, pool_name: d.poolName, device_name: d.deviceName, cdi_device_ids: d.cdiDeviceIds };
}

/** A unary handler from an async function; a thrown error becomes a gRPC INTERNAL status. */
function unary<Req, Res>(f: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    f(call.request).then(
      (res) => callback(null, res),
      (e: Error) => callback({ code: grpc.status.INTERNAL, details: e.message } as grpc.ServiceError),
    );
  };
}

function bind(server: grpc.Server, socket: string): Promise<void> {
  rmSync(socket, { force: true }); // a socket left by a crashed plugin would make bind fail
  return new Promise((resolve, reject) => server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
}
