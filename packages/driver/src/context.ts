/** A context: one open of a device node, bound to this process. Queues and memory handles live in it. */
import { C, closeFd, SyscallError } from '@openaccel/sys';
import { uapi, type IoctlArgOf, type IoctlName, type StructInput, type StructValue } from '@openaccel/uapi';
import type { DeviceInfo } from './device.js';
import { DeviceGoneError, ioctlError } from './errors.js';
import { newEventfd, Queue } from './queue.js';
import { clearCloexec, type Transport } from './transport.js';

export interface QueueOptions {
  /** Submission ring entries (power of two, default 256). */
  sqEntries?: number;
  /** Completion ring entries (default: as many as the SQ). */
  cqEntries?: number;
}

export interface MemoryInfo {
  memoryId: number;
  kind: 'ddr' | 'hbm' | 'sram' | 'cxl';
  shared: boolean;
  cpuVisible: boolean;
  numaNode: number;
  totalBytes: bigint;
  freeBytes: bigint;
}

const KINDS = ['', 'ddr', 'hbm', 'sram', 'cxl'] as const;

export class Context {
  readonly pasid: number;
  readonly contextId: number;
  private readonly queues = new Set<Queue>();
  private closed = false;

  constructor(
    readonly transport: Transport,
    readonly info: DeviceInfo,
    opts: { sva?: boolean },
  ) {
    const r = this.ioctl('OA_IOCTL_BIND_CONTEXT', { flags: opts.sva ? 1 : 0 });
    this.pasid = r.pasid;
    this.contextId = r.context_id;
  }

  /** Any ioctl of the spec by name; throws UapiError (errno, ioctl, field) on failure. */
  ioctl<N extends IoctlName>(name: N, input: StructInput<IoctlArgOf<N>>): StructValue<IoctlArgOf<N>> {
    if (this.closed) throw new Error(`${name}: the context is closed`);
    const io = uapi.ioctl(name);
    const arg = io.encode(input);
    const sent = arg.slice();
    const r = this.transport.ioctl(io.request(), arg);
    if (r.errno === 'ENODEV' && !this.transport.alive()) throw new DeviceGoneError(this.transport.path, `${name} failed: the device node closed`);
    if (r.errno) throw ioctlError(name, r.errno as never, { request: io.request(), arg: sent });
    return io.decode(arg);
  }

  createQueue(opts: QueueOptions = {}): Queue {
    const sq = opts.sqEntries ?? 256;
    const r = this.ioctl('OA_IOCTL_CREATE_QUEUE', { sq_entries: sq, cq_entries: opts.cqEntries ?? 0 });
    const id = r.queue_id;
    const maps: { close(): void }[] = [];
    let eventfd = -1;
    try {
      const map = (offset: bigint, size: number) => {
        const m = this.transport.mmap(offset, size, C.PROT_READ | C.PROT_WRITE, C.MAP_SHARED);
        maps.push(m);
        return m;
      };
      const regions = { doorbell: map(r.doorbell_offset, r.doorbell_size), sq: map(r.sq_offset, r.sq_size), cq: map(r.cq_offset, r.cq_size) };
      if (this.info.caps.includes('eventfd')) {
        eventfd = newEventfd();
        this.ioctl('OA_IOCTL_SET_EVENTFD', { queue_id: id, eventfd });
      }
      const q = new Queue(this, id, sq, opts.cqEntries || sq, regions, eventfd);
      this.queues.add(q);
      return q;
    } catch (e) {
      // Nothing half-made stays behind: unmap, close, destroy the device's queue.
      for (const m of maps) m.close();
      if (eventfd >= 0) closeFd(eventfd);
      try {
        this.ioctl('OA_IOCTL_DESTROY_QUEUE', { queue_id: id });
      } catch {
        /* the device may be gone; the original error says why */
      }
      throw e;
    }
  }

  /** @internal called by Queue.destroy */
  forget(q: Queue): void {
    this.queues.delete(q);
  }

  queryMemory(memoryId: number): MemoryInfo {
    const r = this.ioctl('OA_IOCTL_QUERY_MEMORY', { memory_id: memoryId });
    return { memoryId, kind: KINDS[r.kind] as MemoryInfo['kind'], shared: (r.properties & 1) !== 0, cpuVisible: (r.properties & 2) !== 0, numaNode: r.numa_node, totalBytes: r.total_bytes, freeBytes: r.free_bytes };
  }

  /** Allocates zeroed device memory; returns its handle. */
  allocMemory(memoryId: number, lengthBytes: number | bigint): number {
    return this.ioctl('OA_IOCTL_ALLOC_MEMORY', { memory_id: memoryId, length: BigInt(lengthBytes) }).handle;
  }

  freeMemory(handle: number): void {
    this.ioctl('OA_IOCTL_FREE_MEMORY', { handle });
  }

  importDmabuf(fd: number): { handle: number; lengthBytes: bigint } {
    const r = this.ioctl('OA_IOCTL_IMPORT_DMABUF', { fd });
    return { handle: r.handle, lengthBytes: r.length };
  }

  /** A new dma-buf fd for a handle; the caller closes it. */
  exportDmabuf(handle: number, opts: { cloexec?: boolean } = {}): number {
    const cloexec = opts.cloexec ?? true;
    const fd = this.ioctl('OA_IOCTL_EXPORT_DMABUF', { handle, flags: cloexec ? 1 : 0 }).fd;
    if (!cloexec && this.transport.kind === 'socket') clearCloexec(fd);
    return fd;
  }

  /** Destroys every queue and closes the node: the device releases all handles (rule context.lifetime). */
  close(): void {
    if (this.closed) return;
    for (const q of [...this.queues]) {
      try {
        q.destroy();
      } catch (e) {
        if (!(e instanceof DeviceGoneError) && !(e instanceof SyscallError)) throw e;
      }
    }
    this.closed = true;
    this.transport.close();
  }
}
