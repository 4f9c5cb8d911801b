export type { Access, Releasable, DeviceRef } from './buffer.js';
export { GemBuffer } from './gem-buffer.js';
export { DeviceBuffer, SvaBuffer, DmabufBuffer, BufferUsageError } from './buffer.js';
export type { LeakReport, MemoryManagerOptions } from './manager.js';
export { MemoryManager } from './manager.js';
export type { DmabufSource, DmabufSourceKind } from './source.js';
export { findDmabufSource, NoDmabufSourceError, DMA_HEAP_IOCTL_ALLOC, UDMABUF_CREATE, DMA_BUF_IOCTL_SYNC } from './source.js';
export type { PooledChunk } from './pool.js';
export { SmallBufferPool, MIN_CHUNK, MAX_CHUNK } from './pool.js';
