export type { DeviceSource, MemoryKind, NumaVertex, MemoryVertex, DeviceVertex, LinkEdge } from './graph.js';
export { TopologyGraph } from './graph.js';
export type { BuildOptions, SysfsGraph } from './build.js';
export { addOpenAccelDevices, addManifest, buildFromSysfs, formatBytes } from './build.js';
export type { Constraints, Reason, Rejected, QueryResult, NearestAnswer, NearTarget, SharedMemoryAnswer, ChainAnswer, ChainVia } from './queries.js';
export { nearest, sharedMemory, chain, unmet } from './queries.js';
