export type { DeviceSource, MemoryKind, NumaVertex, MemoryVertex, DeviceVertex, LinkEdge, PciPlace } from './graph.js';
export { TopologyGraph } from './graph.js';
export type { BuildOptions, SysfsGraph } from './build.js';
export { addOpenAccelDevices, addManifest, buildFromSysfs, formatBytes } from './build.js';
export { addPciAccelerators, addNodeMemories, claimedPciFunctions } from './build-machine.js';
export type { Constraints, Reason, Rejected, QueryResult, NearestAnswer, NearTarget, SharedMemoryAnswer, ChainAnswer, ChainVia } from './queries.js';
export { nearest, sharedMemory, chain, unmet } from './queries.js';
