/** The official kubelet .proto files (proto/), loaded for gRPC servers and clients. */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const PROTO_DIR = fileURLToPath(new URL('../proto/', import.meta.url));
export const DRA_PROTO = 'k8s.io/kubelet/pkg/apis/dra/v1/api.proto';
export const REGISTRATION_PROTO = 'k8s.io/kubelet/pkg/apis/pluginregistration/v1/api.proto';
/** What kubelet looks for in PluginInfo.supported_versions to talk DRA v1 (k8s.io/kubelet/pkg/apis/dra/v1). */
export const DRA_SERVICE_VERSION = 'v1.DRAPlugin';
/** PluginInfo.type of a DRA plugin. */
export const DRA_PLUGIN_TYPE = 'DRAPlugin';

const LOAD: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [PROTO_DIR] };

type Ctor = grpc.ServiceClientConstructor;

export interface KubeletProtos {
  DRAPlugin: Ctor;
  Registration: Ctor;
}

let cached: KubeletProtos | undefined;

export function kubeletProtos(): KubeletProtos {
  if (cached) return cached;
  const dra = grpc.loadPackageDefinition(protoLoader.loadSync(DRA_PROTO, LOAD)) as unknown as { k8s: { io: { kubelet: { pkg: { apis: { dra: { v1: { DRAPlugin: Ctor } } } } } } } };
  const reg = grpc.loadPackageDefinition(protoLoader.loadSync(REGISTRATION_PROTO, LOAD)) as unknown as { pluginregistration: { Registration: Ctor } };
  cached = { DRAPlugin: dra.k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin, Registration: reg.pluginregistration.Registration };
  return cached;
}

/** Messages as proto-loader gives them (field names as in the .proto). */
export interface ClaimRef {
  namespace: string;
  uid: string;
  name: string;
}
export interface ProtoDevice {
  request_names: string[];
  pool_name: string;
  device_name: string;
  cdi_device_ids: string[];
}
export interface PrepareResponse {
  claims: Record<string, { devices: ProtoDevice[]; error: string }>;
}
export interface UnprepareResponse {
  claims: Record<string, { error: string }>;
}
