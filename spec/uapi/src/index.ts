export type { ScalarType, FieldType, ParsedType } from './dsl/ctype.js';
export { SCALARS, parseFieldType, scalarRange } from './dsl/ctype.js';
export type { ErrnoName } from './dsl/errno.js';
export { ERRNO, errnoName, errnoNumber, isErrnoName } from './dsl/errno.js';
export type * from './dsl/model.js';
export { defineStruct } from './dsl/model.js';
export type { FieldLayout, StructLayout } from './dsl/layout.js';
export { computeLayout, compareVersions } from './dsl/layout.js';
export type { IocFamily, IocEncoding, DecodedIoc } from './dsl/ioc.js';
export { IOC_ENCODINGS, IOC_FAMILIES, ioc, decodeIoc, maxIocSize, hostIocFamily } from './dsl/ioc.js';
export type { CompiledSpec, CompiledIoctl, CompiledFlagSet, CompiledCoreIoctl } from './dsl/compile.js';
export { compileSpec, derivedDirection } from './dsl/compile.js';
export { UapiError, SpecError } from './errors.js';
export type { UapiErrorData } from './errors.js';
export type { FieldValue, StructValue, StructInput, CodecContext } from './codec/struct-codec.js';
export { StructCodec } from './codec/struct-codec.js';
export type { StructName, StructOf, IoctlName, IoctlArgOf, CheckedRequest, StructNameIn, StructIn, IoctlNameIn, IoctlArgIn, SpecUapi } from './codec/uapi.js';
export { IoctlCodec, OpenAccelUapi, uapi, uapi2, UAPI_VERSIONS } from './codec/uapi.js';
export { openaccelV1 } from './v1/index.js';
export { conformanceExemptions, type ConformanceExemption } from './v1/index.js';
export { openaccelV2 } from './v2/index.js';
export type { DataModel, ExternalLayout, ExternalFieldLayout } from './dsl/external.js';
export { DATA_MODELS, computeExternalLayout } from './dsl/external.js';
export type { AbiSnapshot, AbiChange, AbiDiff } from './abi/snapshot.js';
export { abiSnapshot, diffAbi } from './abi/snapshot.js';
export type { ResolvedSnapshot } from './abi/resolve.js';
export { resolveAbiSnapshot, readAbiSnapshot, frozenSnapshotPath, AbiSnapshotError, MAX_SNAPSHOT_BYTES } from './abi/resolve.js';
export type { SocketNodeRequest, SocketNodeReply, MmapArg } from './transport/socket-node.js';
export {
  SOCKET_NODE_MAGIC,
  SOCKET_NODE_VERSION,
  SocketNodeKind,
  encodeRequest,
  decodeRequest,
  encodeReply,
  decodeReply,
  encodeMmapArg,
  decodeMmapArg,
  fdFields,
} from './transport/socket-node.js';
export { DOORBELL_WORDS, DOORBELL_NEED_WAKEUP, DOORBELL_ERROR } from './codec/doorbell.js';
export type { DrmStructValue } from './codec/drm-core-codec.js';
export { DrmCoreIoctl, drmCoreIoctl, drmCoreIoctlNames, drmConstant } from './codec/drm-core-codec.js';
