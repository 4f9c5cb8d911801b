export type { DeviceSource, MemoryKind, NumaVertex, MemoryVertex, DeviceVertex, LinkEdge, PciPlace } from './graph.js';
export { TopologyGraph } from './graph.js';
export type { BuildOptions, SysfsGraph } from './build.js';
export { addOpenAccelDevices, addManifest, buildFromSysfs, formatBytes } from './build.js';
export { addPciAccelerators, addNodeMemories, claimedPciFunctions } from './build-machine.js';
export type { Constraints, Rejected, QueryResult, NearTarget } from './queries.js';
export type { Reason, NearestAnswer, SharedMemoryAnswer, ChainAnswer, ChainVia } from './answers.js';
export { nearest, sharedMemory, chain, unmet } from './queries.js';
