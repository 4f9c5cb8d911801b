/**
 * Where a dma-buf under test comes from, by the kind of node: a dma-heap allocation, a udmabuf over a
 * sealed memfd, a PRIME export of a dumb buffer of a DRM node or of a GEM object of an OpenAccel 2.0 node,
 * or an OpenAccel 1.0 device's exported memory.
 */
import { DriverError, openAccelDevice, openDevice } from '@openaccel/driver';
import { C, createMemfd, ioctl } from '@openaccel/sys';
import { drmConstant } from '@openaccel/uapi';
import { ConformanceFailure, SkipTest } from '../model.js';
import { DMA_HEAP_IOCTL_ALLOC, DRM_IOCTL_MODE_CREATE_DUMB, UDMABUF_CREATE, UDMABUF_FLAGS_CLOEXEC } from './dmabuf-uapi.js';
import type { NativeEnv } from './native-env.js';

export interface SourcedDmabuf {
  fd: number;
  size: number;
  /** How it was made, for the report. */
  how: string;
}

function failed(what: string, errno: string | undefined): never {
  throw new ConformanceFailure(`${what} failed with ${errno}`, 'a dma-buf fd', errno ?? 'no fd');
}

/** A dma-buf of `size` bytes from the dma-heap at `heapPath`, owned by env. */
export function heapDmabuf(env: NativeEnv, heapPath: string, size: number): SourcedDmabuf {
  const heap = env.open(heapPath, C.O_RDONLY | C.O_CLOEXEC);
  const arg = new Uint8Array(24);
  const v = new DataView(arg.buffer);
  v.setBigUint64(0, BigInt(size), true);
  v.setUint32(12, C.O_RDWR | C.O_CLOEXEC, true);
  const r = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, arg);
  env.close(heap);
  if (r.errno) failed('DMA_HEAP_IOCTL_ALLOC', r.errno);
  return { fd: env.own(v.getUint32(8, true)), size, how: `DMA_HEAP_IOCTL_ALLOC on ${heapPath}` };
}

/**
 * A PRIME export of a dumb buffer of the DRM node at `path` (size a multiple of 4096), owned by env;
 * undefined when the node makes no dumb buffers (a render or accel node, a driver without dumb_create).
 */
export function dumbDmabuf(env: NativeEnv, path: string, size: number): SourcedDmabuf | undefined {
  const dev = env.open(path);
  try {
    const arg = new Uint8Array(32);
    const v = new DataView(arg.buffer);
    v.setUint32(0, size / 4096, true); // height: rows of 1024 pixels of 32 bpp, one page each
    v.setUint32(4, 1024, true);
    v.setUint32(8, 32, true);
    if (ioctl(dev, DRM_IOCTL_MODE_CREATE_DUMB, arg).errno) return undefined;
    const handle = v.getUint32(16, true);
    const out = env.drm(dev, 'DRM_IOCTL_PRIME_HANDLE_TO_FD', { handle, flags: drmConstant('DRM_CLOEXEC') | drmConstant('DRM_RDWR') });
    if (out.errno) failed('DRM_IOCTL_PRIME_HANDLE_TO_FD', out.errno);
    // The dma-buf holds the object; the handle and the node can go.
    env.drm(dev, 'DRM_IOCTL_GEM_CLOSE', { handle });
    return { fd: env.own(Number(out.out.fd)), size: Number(v.getBigUint64(24, true)), how: `PRIME export of a dumb buffer of ${path}` };
  } finally {
    env.close(dev);
  }
}

/** A PRIME export of a GEM object of an OpenAccel 2.0 accel node; undefined when the node is not one. */
function accelGemDmabuf(env: NativeEnv, path: string, size: number): SourcedDmabuf | undefined {
  let dev;
  try {
    dev = openAccelDevice(path);
  } catch (e) {
    if (e instanceof DriverError && e.errno === 'ENODEV') return undefined;
    throw e;
  }
  try {
    dev.bind();
    const gem = dev.gemCreate({ memoryId: 0, size });
    const fd = env.own(gem.export());
    // The dma-buf holds the object; the handle and the file can go (a handle would keep the dma-buf alive).
    gem.close();
    return { fd, size, how: `DRM_IOCTL_PRIME_HANDLE_TO_FD of a GEM object of ${path}` };
  } finally {
    dev.close();
  }
}

/** A new dma-buf of `size` bytes (a multiple of the page size) from the node under test, owned by env. */
export function newDmabuf(env: NativeEnv, size: number): SourcedDmabuf {
  switch (env.node.kind) {
    case 'dma-heap':
      return heapDmabuf(env, env.node.path, size);
    case 'udmabuf': {
      const memfd = env.own(createMemfd('udmabuf-source', size));
      const dev = env.open(env.node.path, C.O_RDWR | C.O_CLOEXEC);
      const arg = new Uint8Array(24);
      const v = new DataView(arg.buffer);
      v.setUint32(0, memfd, true);
      v.setUint32(4, UDMABUF_FLAGS_CLOEXEC, true);
      v.setBigUint64(16, BigInt(size), true);
      const r = ioctl(dev, UDMABUF_CREATE, arg);
      env.close(dev);
      env.close(memfd);
      if (r.errno) failed('UDMABUF_CREATE', r.errno);
      return { fd: env.own(r.ret), size, how: 'UDMABUF_CREATE over a sealed memfd' };
    }
    case 'drm-primary':
    case 'drm-render':
    case 'drm-accel': {
      const b = (env.node.kind === 'drm-accel' ? accelGemDmabuf(env, env.node.path, size) : undefined) ?? dumbDmabuf(env, env.node.path, size);
      if (!b) throw new SkipTest('DRM_IOCTL_MODE_CREATE_DUMB', `${env.node.path} makes no buffer to export (no dumb buffers)`);
      return b;
    }
    case 'openaccel': {
      // A refdev socket node may speak 2.0 (under dev/accel/): it exports GEM objects through PRIME.
      const gem = accelGemDmabuf(env, env.node.path, size);
      if (gem) return gem;
      const ctx = openDevice(env.node.path).openContext();
      env.defer(() => ctx.close());
      const handle = ctx.allocMemory(0, size);
      return { fd: env.own(ctx.exportDmabuf(handle)), size, how: `OA_IOCTL_EXPORT_DMABUF of device memory of ${env.node.path}` };
    }
    default:
      throw new SkipTest('a dma-buf source', `${env.node.path} is not a dma-buf source`);
  }
}
