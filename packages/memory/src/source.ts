/**
 * Where dma-bufs come from: the kernel's system dma-heap, udmabuf over a sealed memfd, or a refdev
 * dma-heap node (the same DMA_HEAP_IOCTL_ALLOC, served by the software device).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { C, closeFd, createMemfd, ioctl, openFile, SyscallError, UnixSocket } from '@openaccel/sys';
import { decodeReply, encodeRequest, errnoName, ioc, SocketNodeKind } from '@openaccel/uapi';

const ch = (c: string) => c.charCodeAt(0);
/** include/uapi/linux/dma-heap.h, udmabuf.h, dma-buf.h: computed, not copied. */
export const DMA_HEAP_IOCTL_ALLOC = ioc('generic', 'readwrite', ch('H'), 0, 24);
export const UDMABUF_CREATE = ioc('generic', 'write', ch('u'), 0x42, 24);
export const DMA_BUF_IOCTL_SYNC = ioc('generic', 'write', ch('b'), 0, 8);

export type DmabufSourceKind = 'dma-heap' | 'udmabuf' | 'refdev-heap';

export interface DmabufSource {
  readonly kind: DmabufSourceKind;
  readonly path: string;
  /** A new dma-buf fd of at least `size` bytes (page-rounded). */
  allocate(size: number): number;
  /** Whether CPU access needs DMA_BUF_IOCTL_SYNC (real dma-bufs do; refdev's memfds are coherent). */
  readonly needsSync: boolean;
}

const pageRound = (n: number) => Math.ceil(n / 4096) * 4096;

function heapArg(size: number): Uint8Array {
  const a = new Uint8Array(24);
  const v = new DataView(a.buffer);
  v.setBigUint64(0, BigInt(pageRound(size)), true);
  v.setUint32(12, C.O_RDWR | C.O_CLOEXEC, true);
  return a;
}

class KernelHeap implements DmabufSource {
  readonly kind = 'dma-heap';
  readonly needsSync = true;
  constructor(readonly path: string) {}
  allocate(size: number): number {
    const fd = openFile(this.path);
    try {
      const arg = heapArg(size);
      const r = ioctl(fd, DMA_HEAP_IOCTL_ALLOC, arg);
      if (r.errno) throw new SyscallError('ioctl(DMA_HEAP_IOCTL_ALLOC)', r.errno, 0, this.path);
      return new DataView(arg.buffer).getUint32(8, true);
    } finally {
      closeFd(fd);
    }
  }
}

class Udmabuf implements DmabufSource {
  readonly kind = 'udmabuf';
  readonly needsSync = true;
  constructor(readonly path: string) {}
  allocate(size: number): number {
    const memfd = createMemfd('oa-udmabuf', pageRound(size));
    const fd = openFile(this.path);
    try {
      const a = new Uint8Array(24);
      const v = new DataView(a.buffer);
      v.setUint32(0, memfd, true);
      v.setUint32(4, 1, true); // UDMABUF_FLAGS_CLOEXEC
      v.setBigUint64(16, BigInt(pageRound(size)), true);
      const r = ioctl(fd, UDMABUF_CREATE, a);
      if (r.errno) throw new SyscallError('ioctl(UDMABUF_CREATE)', r.errno, 0, this.path);
      return r.ret;
    } finally {
      closeFd(fd);
      closeFd(memfd); // the dma-buf pins the pages
    }
  }
}

class RefdevHeap implements DmabufSource {
  readonly kind = 'refdev-heap';
  readonly needsSync = false;
  constructor(readonly path: string) {}
  allocate(size: number): number {
    const s = UnixSocket.connect(this.path);
    try {
      const sent = s.send(encodeRequest({ kind: SocketNodeKind.Ioctl, request: DMA_HEAP_IOCTL_ALLOC, arg: heapArg(size) }));
      if (typeof sent === 'string') throw new SyscallError('ioctl(DMA_HEAP_IOCTL_ALLOC)', sent, 0, this.path);
      const r = s.recv();
      if (typeof r === 'string' || r.length === 0) throw new SyscallError('ioctl(DMA_HEAP_IOCTL_ALLOC)', 'ENODEV', 19, `${this.path}: the heap closed`);
      const reply = decodeReply(r.payload);
      if (!reply || reply.errno) {
        for (const fd of r.fds) closeFd(fd);
        const n = reply?.errno ?? 5;
        throw new SyscallError('ioctl(DMA_HEAP_IOCTL_ALLOC)', errnoName(n) ?? `E${n}`, n, this.path);
      }
      return r.fds[0]!;
    } finally {
      s.close();
    }
  }
}

export class NoDmabufSourceError extends Error {
  constructor(tried: string[]) {
    super(`no dma-buf source: ${tried.join(', ')}; run a refdev (accelctl refdev start) and pass its devRoot, or load udmabuf`);
    this.name = 'NoDmabufSourceError';
  }
}

/** The first source available: an explicit heap path, /dev/dma_heap/system, /dev/udmabuf, then a refdev heap under devRoot. */
export function findDmabufSource(opts: { heapPath?: string; devRoot?: string } = {}): DmabufSource {
  const tried: string[] = [];
  const pick = (p: string): DmabufSource | undefined => {
    if (!existsSync(p)) {
      tried.push(`no ${p}`);
      return undefined;
    }
    const st = statSync(p);
    if (st.isSocket()) return new RefdevHeap(p);
    if (st.isCharacterDevice()) return p.endsWith('udmabuf') ? new Udmabuf(p) : new KernelHeap(p);
    tried.push(`${p} is not a heap`);
    return undefined;
  };
  if (opts.heapPath) {
    const s = pick(opts.heapPath);
    if (s) return s;
    throw new NoDmabufSourceError(tried);
  }
  return pick('/dev/dma_heap/system') ?? pick('/dev/udmabuf') ?? (opts.devRoot ? pick(join(opts.devRoot, 'dma_heap', 'system')) : undefined) ?? (() => {
    throw new NoDmabufSourceError(tried);
  })();
}
