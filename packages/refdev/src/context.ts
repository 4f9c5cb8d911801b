/**
 * A context: what one open() of a device node is. Serves the ioctls of the spec with its errno rules,
 * in the spec's order (common rules first), and emulates mmap of the queue regions.
 */
import { readlinkSync } from 'node:fs';
import { C, closeFd, createMemfd, dupFd, Mapping, openProcessMemory, pidfdExited, pidfdOpen } from '@openaccel/sys';
import { CAP_WORDS } from '@openaccel/sysfs';
import { decodeIoc, DOORBELL_ERROR, DOORBELL_WORDS, uapi, UapiError, type ErrnoName, type IoctlName, type MmapArg } from '@openaccel/uapi';
import { createDmabuf, isDmabuf, sizeOf } from './dmabuf.js';
import type { MemoryPool, RefDevice } from './device.js';
import { unbindSva, type Sender } from './binding.js';

export interface Reply {
  errno: ErrnoName | 0;
  /** Bytes copied out (read ioctls), or the u64 memfd offset of an mmap. */
  data?: Uint8Array;
  /** fds to pass back; the server closes its copies only when listed in `closeAfterSend`. */
  fds?: number[];
  closeAfterSend?: number[];
}

interface Region {
  fd: number;
  mapping: Mapping;
  sizeBytes: number;
  offset: bigint;
  mapped: boolean;
}

interface Queue {
  id: number;
  key: number;
  sqEntries: number;
  cqEntries: number;
  doorbell: Region;
  sq: Region;
  cq: Region;
  words: Int32Array;
  /** The engine's own sq_head: the doorbell's copy is in memory the user writes. */
  head: Int32Array;
  eventfd: number;
}

interface Handle {
  fd: number;
  mapping: Mapping;
  length: number;
  pool?: MemoryPool;
}

export type { Sender } from './binding.js';

/** The process a context is bound to, named by a pidfd so that a reused pid number never passes for it. */
interface Binder {
  pid: number;
  pidfd: number;
  /** fd on its memory (/proc/PID/mem) for SVA, else -1. */
  mem: number;
}

const PAGE = 4096;
/** Largest dma-buf a context imports: the engine views a handle's memory as one typed array, which holds at most 4 GiB. */
export const MAX_IMPORT_BYTES = 2 ** 32;
/** Handles one context may hold (each keeps an fd of refdev open). */
export const MAX_HANDLES = 4096;
/** setTimeout's longest delay (a longer one fires at once); longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const pageRound = (n: number) => Math.ceil(n / PAGE) * PAGE;
const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;
const UNBOUND_OK: readonly string[] = ['OA_IOCTL_GET_INFO', 'OA_IOCTL_QUERY_MEMORY', 'OA_IOCTL_BIND_CONTEXT'];
const REGION_KIND = { doorbell: 0n, sq: 1n, cq: 2n } as const;
const { SQ_TAIL: W_SQ_TAIL, SQ_HEAD: W_SQ_HEAD, CQ_TAIL: W_CQ_TAIL, FLAGS: W_FLAGS } = DOORBELL_WORDS;

const fail = (errno: ErrnoName): Reply => ({ errno });

export class Context {
  readonly id: number;
  private binder: Binder | undefined;
  /** The binder died: its queues and handles are gone and nobody may use the context again. */
  private orphaned = false;
  /** Ends every SUBMIT wait in progress (the client or the binder went away). */
  private readonly waitAborts = new Set<() => void>();
  private pasid = 0;
  private readonly queues = new Map<number, Queue>();
  private readonly handles = new Map<number, Handle>();
  private nextQueueId = 1;
  private nextHandle = 1;
  private destroyed = false;

  constructor(readonly device: RefDevice) {
    this.id = device.nextContextId++;
    device.contexts.add(this);
  }

  /** The first checks of every ioctl: the request is ours, the caller may use this context, the device is there. */
  async ioctl(request: number, arg: Uint8Array, fds: number[], sender: Sender): Promise<Reply> {
    try {
      return await this.dispatch(request, arg, fds, sender);
    } finally {
      // Passed fds the ioctl did not keep are closed, as a kernel drops its fget() reference.
      for (const fd of fds) if (!this.keeps(fd)) closeFd(fd);
    }
  }

  private keeps(fd: number): boolean {
    for (const h of this.handles.values()) if (h.fd === fd) return true;
    for (const q of this.queues.values()) if (q.eventfd === fd) return true;
    return false;
  }

  /** The pidfd of the bound process while it lives (the server watches it), else undefined. */
  get binderPidfd(): number | undefined {
    return this.orphaned ? undefined : this.binder?.pidfd;
  }

  /** Rule foreign_process: a request from anyone but the live binder. A dead binder's number names nobody. */
  private foreign(sender: Sender): boolean {
    if (!this.binder || this.device.faults.has('foreign-process-allowed')) return false;
    return this.orphaned || sender.pid !== this.binder.pid || pidfdExited(this.binder.pidfd);
  }

  private async dispatch(request: number, arg: Uint8Array, fds: number[], sender: Sender): Promise<Reply> {
    const dec = decodeIoc('generic', request);
    const io = dec && dec.type === uapi.compiled.spec.ioctlType ? uapi.compiled.ioctlsByNr.get(dec.nr) : undefined;
    const faults = this.device.faults;
    if (!io || io.spec.dir !== dec!.dir) return fail(faults.has('unknown-ioctl-einval') ? 'EINVAL' : 'ENOTTY');
    if (this.foreign(sender)) return fail('EPERM');
    if (this.device.gone) return fail('ENODEV');
    let value: Record<string, number | bigint | Uint8Array>;
    let iocSize: number;
    try {
      ({ value, iocSize } = uapi.checkRequest(request, arg));
    } catch (e) {
      if (!(e instanceof UapiError)) throw e;
      const ignored =
        (faults.has('ignore-unknown-flags') && e.errno === 'EINVAL' && /flag/.test(e.message)) ||
        (faults.has('ignore-reserved') && e.errno === 'EINVAL' && /reserved/.test(e.message)) ||
        (faults.has('accept-nonzero-tail') && e.errno === 'E2BIG');
      if (!ignored) return fail(e.errno);
      value = uapi.struct(io.arg.struct.name as 'oa_submit').decode(arg) as never;
      iocSize = arg.length;
    }
    const name = io.spec.name as IoctlName;
    if (this.binder === undefined && !UNBOUND_OK.includes(name)) return fail('EBADFD');
    const out = (fields: Record<string, unknown>): Reply => ({ errno: 0, data: io.arg.struct.extensible ? uapi.struct(io.spec.arg as 'oa_submit').encode({ ...value, ...fields } as never, iocSize) : new Uint8Array(0) });
    // Fields were checked by the codec; their types are the spec's (bigint for u64).
    const v = value as unknown as { [field: string]: any };
    const d = this.device;
    switch (name) {
      case 'OA_IOCTL_GET_INFO': {
        const caps = CAP_WORDS.reduce((m, w, bit) => (d.has(w) ? m | (1 << bit) : m), 0);
        const nameBytes = new Uint8Array(32);
        nameBytes.set(new TextEncoder().encode(d.config.model).subarray(0, 31));
        return out({
          api_major: 1,
          api_minor: 0,
          caps,
          functions: d.functionsMask,
          vendor_id: 0,
          device_id: 0,
          max_queues: d.config.maxQueues,
          free_queues: d.freeQueues,
          max_sq_entries: d.config.maxSqEntries,
          max_cq_entries: d.config.maxCqEntries,
          sqe_size: 64,
          cqe_size: 16,
          num_memories: d.memories.length,
          pasid_bits: d.has('sva') ? d.config.pasidBits : 0,
          numa_node: d.config.numaNode,
          max_transfer_bytes: d.config.maxTransferBytes,
          doorbell_size: PAGE,
          name: nameBytes,
        });
      }
      case 'OA_IOCTL_BIND_CONTEXT': {
        if (this.binder !== undefined && !faults.has('bind-twice')) return fail('EBUSY');
        const sva = (v.flags & 1) !== 0;
        if (sva && !d.has('sva')) return fail('EOPNOTSUPP');
        // The sender's pidfd from the datagram is race-free; pidfd_open(pid) is the fallback before Linux 6.5.
        const pidfd = sender.pidfd !== undefined ? dupFd(sender.pidfd) : pidfdOpen(sender.pid);
        if (typeof pidfd === 'string') return fail('EPERM');
        let mem = -1;
        if (sva) {
          // The emulated IOMMU reaches the process through its memory file, opened now while the pidfd
          // proves the pid is the sender's: the fd stays on that address space whatever the pid means later.
          const m = openProcessMemory(sender.pid, pidfd);
          const pasid = typeof m === 'number' ? d.allocPasid() : undefined;
          if (typeof m === 'string' || pasid === undefined) {
            if (typeof m === 'number') closeFd(m);
            closeFd(pidfd);
            return fail(typeof m === 'string' ? 'EPERM' : 'ENOSPC');
          }
          mem = m;
          this.pasid = pasid;
        }
        if (this.binder) this.closeBinder(); // the bind-twice fault rebinds
        this.binder = { pid: sender.pid, pidfd, mem };
        if (sva) await d.tell({ op: 'bindSva', ctx: this.id, mem });
        return out({ pasid: this.pasid, context_id: ((this.id - 1) % 0xffffffff) + 1 }); // a u32, never 0
      }
      case 'OA_IOCTL_CREATE_QUEUE': {
        const sq = v.sq_entries;
        const cq = v.cq_entries === 0 ? sq : v.cq_entries;
        if (!isPow2(sq) || sq < 2 || sq > d.config.maxSqEntries) return fail('EINVAL');
        if (!isPow2(cq) || cq < sq || cq > d.config.maxCqEntries) return fail('EINVAL');
        if (d.freeQueues <= 0 && !faults.has('queue-limit-ignored')) return fail('ENOSPC');
        const id = this.nextQueueId++;
        const key = d.nextQueueKey++;
        const regions: Region[] = [];
        try {
          for (const [kind, size] of [['doorbell', PAGE], ['sq', pageRound(sq * 64)], ['cq', pageRound(cq * 16)]] as const) {
            const fd = createMemfd(`oa-${d.config.name}-q${id}-${kind}`, size);
            regions.push({ fd, mapping: Mapping.map(fd, size), sizeBytes: size, offset: (BigInt(key) << 16n) | (REGION_KIND[kind] << 12n), mapped: false });
          }
        } catch {
          for (const r of regions) (r.mapping.close(), closeFd(r.fd));
          return fail('ENOMEM');
        }
        const [doorbell, sqr, cqr] = regions as [Region, Region, Region];
        const q: Queue = { id, key, sqEntries: sq, cqEntries: cq, doorbell, sq: sqr, cq: cqr, words: new Int32Array(doorbell.mapping.buffer), head: new Int32Array(new SharedArrayBuffer(4)), eventfd: -1 };
        this.queues.set(id, q);
        d.queuesInUse++;
        d.publishFreeQueues();
        await d.tell({ op: 'addQueue', key, ctx: this.id, db: doorbell.mapping.address, sq: sqr.mapping.address, sqEntries: sq, cq: cqr.mapping.address, cqEntries: cq, head: q.head.buffer as SharedArrayBuffer });
        return out({ cq_entries: v.cq_entries, queue_id: id, doorbell_size: PAGE, sq_size: sqr.sizeBytes, cq_size: cqr.sizeBytes, doorbell_offset: doorbell.offset, sq_offset: sqr.offset, cq_offset: cqr.offset });
      }
      case 'OA_IOCTL_DESTROY_QUEUE': {
        const q = this.queues.get(v.queue_id);
        if (!q) return fail('ENOENT');
        await this.dropQueue(q);
        return { errno: 0 };
      }
      case 'OA_IOCTL_SET_EVENTFD': {
        const q = this.queues.get(v.queue_id);
        if (!q) return fail('ENOENT');
        if (!d.has('eventfd')) return fail('EOPNOTSUPP');
        let fd = -1;
        if (v.eventfd !== -1) {
          if (v.eventfd < 0 || fds.length !== 1) return fail('EBADF');
          if (!isEventfd(fds[0]!)) return fail('EINVAL');
          fd = fds[0]!;
        }
        const old = q.eventfd;
        q.eventfd = fd;
        await d.tell({ op: 'setEventfd', key: q.key, fd });
        if (old >= 0) closeFd(old);
        return { errno: 0 };
      }
      case 'OA_IOCTL_SUBMIT': {
        const q = this.queues.get(v.queue_id);
        if (!q) return fail('ENOENT');
        if (Atomics.load(q.words, W_FLAGS) & DOORBELL_ERROR) return fail('EIO');
        const tail = v.sq_tail >>> 0;
        const head = Atomics.load(q.head, 0) >>> 0;
        if (((tail - head) >>> 0) > q.sqEntries) return fail('EINVAL');
        Atomics.store(q.words, W_SQ_TAIL, tail);
        d.wake();
        if (v.flags & 1) {
          const waited = await this.waitForTail(q, tail, v.timeout_ns);
          if (waited !== 0) return fail(waited);
        }
        return out({ sq_head: Atomics.load(q.head, 0) >>> 0, cq_tail: Atomics.load(q.words, W_CQ_TAIL) >>> 0 });
      }
      case 'OA_IOCTL_QUERY_MEMORY': {
        const pool = d.memories[v.memory_id];
        if (!pool) return fail('ENOENT');
        const m = pool.config;
        const kinds = { ddr: 1, hbm: 2, sram: 3, cxl: 4 };
        return out({ kind: kinds[m.kind], properties: (m.devices.length > 1 ? 1 : 0) | (m.cpuVisible ? 2 : 0), numa_node: m.numaNode, total_bytes: BigInt(m.sizeBytes), free_bytes: BigInt(pool.freeBytes) });
      }
      case 'OA_IOCTL_ALLOC_MEMORY': {
        const pool = d.memories[v.memory_id];
        if (!pool) return fail('ENOENT');
        if (!d.has('device_memory')) return fail('EOPNOTSUPP');
        const length = v.length;
        if (length === 0n || length % BigInt(PAGE) !== 0n) return fail('EINVAL');
        if (length > BigInt(pool.freeBytes) || this.handles.size >= MAX_HANDLES) return fail('ENOMEM');
        const fd = createDmabuf(`${d.config.name}-${pool.config.id}`, Number(length));
        pool.usedBytes += Number(length);
        const handle = await this.addHandle({ fd, mapping: Mapping.map(fd, Number(length)), length: Number(length), pool });
        return out({ handle });
      }
      case 'OA_IOCTL_FREE_MEMORY': {
        const h = this.handles.get(v.handle);
        if (!h) return fail('ENOENT');
        await this.dropHandle(v.handle, h);
        return { errno: 0 };
      }
      case 'OA_IOCTL_IMPORT_DMABUF': {
        if (!d.has('dmabuf_import')) return fail('EOPNOTSUPP');
        if (v.fd < 0 || fds.length !== 1) return fail('EBADF');
        const fd = fds[0]!;
        if (!isDmabuf(fd)) return fail('EINVAL');
        const length = sizeOf(fd);
        // Larger than the engine can view, or more than refdev can map: refused with the table's EINVAL, never an abort.
        if (length > MAX_IMPORT_BYTES || this.handles.size >= MAX_HANDLES) return fail('EINVAL');
        let mapping: Mapping;
        try {
          mapping = Mapping.map(fd, length);
        } catch {
          return fail('EINVAL');
        }
        const handle = await this.addHandle({ fd, mapping, length });
        return out({ handle, length: BigInt(length) });
      }
      case 'OA_IOCTL_EXPORT_DMABUF': {
        if (!d.has('dmabuf_export')) return fail('EOPNOTSUPP');
        const h = this.handles.get(v.handle);
        if (!h) return fail('ENOENT');
        return { ...out({ fd: 0 }), fds: [h.fd] };
      }
    }
    return fail('ENOTTY');
  }

  private async addHandle(h: Handle): Promise<number> {
    const handle = this.nextHandle++;
    this.handles.set(handle, h);
    await this.device.tell({ op: 'addHandle', ctx: this.id, handle, address: h.mapping.address, length: h.length });
    return handle;
  }

  private async dropHandle(id: number, h: Handle): Promise<void> {
    this.handles.delete(id);
    await this.device.tell({ op: 'removeHandle', ctx: this.id, handle: id });
    h.mapping.close();
    closeFd(h.fd);
    if (h.pool) h.pool.usedBytes -= h.length;
  }

  private async dropQueue(q: Queue): Promise<void> {
    this.queues.delete(q.id);
    await this.device.tell({ op: 'removeQueue', key: q.key });
    for (const r of [q.doorbell, q.sq, q.cq]) {
      r.mapping.close();
      closeFd(r.fd);
    }
    if (q.eventfd >= 0) closeFd(q.eventfd);
    this.device.queuesInUse--;
    this.device.publishFreeQueues();
  }

  /** mmap of a queue region, with the spec's mmap errno rules in order. */
  mmap(a: MmapArg, sender: Sender): Reply {
    if (this.foreign(sender)) return fail('EPERM');
    if (this.device.gone) return fail('ENODEV');
    let region: Region | undefined;
    const contexts = this.device.faults.has('mmap-foreign-offset') ? [...this.device.contexts] : [this];
    for (const c of contexts) for (const q of c.queues.values()) for (const r of [q.doorbell, q.sq, q.cq]) if (r.offset === a.offset) region = r;
    if (!region) return fail('EINVAL');
    if (a.length !== BigInt(region.sizeBytes)) return fail('EINVAL');
    if (!(a.flags & C.MAP_SHARED)) return fail('EINVAL');
    if (a.prot & C.PROT_EXEC) return fail('EPERM');
    if (region.mapped && !this.device.faults.has('mmap-twice')) return fail('EEXIST');
    region.mapped = true;
    return { errno: 0, data: new Uint8Array(8), fds: [region.fd] };
  }

  /** close(): every queue and handle goes at once; nothing is left behind. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.device.contexts.delete(this);
    await this.release();
    if (this.binder) this.closeBinder();
  }

  /** Ends every SUBMIT wait now; called when the connection closes, before the context is destroyed. */
  abortWaits(): void {
    for (const abort of [...this.waitAborts]) abort();
  }

  /**
   * The bound process died (its pidfd became readable): its queues, handles and SVA binding go at once,
   * even while another process still holds the connection, which may then only close it (EPERM).
   */
  async binderDied(): Promise<void> {
    if (this.orphaned || this.destroyed) return;
    this.orphaned = true;
    this.abortWaits();
    await this.release();
  }

  private async release(): Promise<void> {
    for (const q of [...this.queues.values()]) await this.dropQueue(q);
    for (const [id, h] of [...this.handles]) await this.dropHandle(id, h);
    await unbindSva(this.device, this.id, this.binder);
    if (this.pasid) this.device.freePasid(this.pasid);
    this.pasid = 0;
  }

  private closeBinder(): void {
    if (!this.binder) return;
    if (this.binder.mem >= 0) closeFd(this.binder.mem);
    closeFd(this.binder.pidfd);
    this.binder = undefined;
  }

  /**
   * SUBMIT's wait: until the CQ tail reaches `tail` (0), the queue stops (EIO), the timeout passes
   * (ETIMEDOUT; 0 = no limit, any u64 works) or the context goes away (EIO: nobody is left to answer).
   */
  private async waitForTail(q: Queue, tail: number, timeoutNs: bigint): Promise<0 | 'EIO' | 'ETIMEDOUT'> {
    const d = this.device;
    const deadline = timeoutNs === 0n ? undefined : process.hrtime.bigint() + timeoutNs;
    let aborted = false;
    for (;;) {
      if (((Atomics.load(q.words, W_CQ_TAIL) - tail) | 0) >= 0) return 0;
      if (Atomics.load(q.words, W_FLAGS) & DOORBELL_ERROR || aborted || !this.queues.has(q.id)) return 'EIO';
      const leftNs = deadline === undefined ? undefined : deadline - process.hrtime.bigint();
      if (leftNs !== undefined && leftNs <= 0n) return 'ETIMEDOUT';
      let timer: NodeJS.Timeout | undefined;
      let abort: (() => void) | undefined;
      await Promise.race([
        d.waitForCompletions(q.key, tail),
        new Promise<void>((r) => this.waitAborts.add((abort = () => ((aborted = true), r())))),
        ...(leftNs === undefined ? [] : [new Promise<void>((r) => (timer = setTimeout(r, Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(Number(leftNs) / 1e6))))))]),
      ]);
      clearTimeout(timer);
      this.waitAborts.delete(abort!);
      d.cancelWait(q.key);
    }
  }

  /** Objects alive in this context (leak checks). */
  get objects(): { queues: number; handles: number } {
    return { queues: this.queues.size, handles: this.handles.size };
  }
}

function isEventfd(fd: number): boolean {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[eventfd]';
  } catch {
    return false;
  }
}
