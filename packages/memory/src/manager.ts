/** Allocates buffers, wraps exported device memory, and reports buffers dropped without close(). */
import { Mapping } from '@openaccel/sys';
import type { AccelDevice, Context, GemObject } from '@openaccel/driver';
import { DmabufBuffer, SvaBuffer, type DeviceBuffer } from './buffer.js';
import { GemBuffer } from './gem-buffer.js';
import { findDmabufSource, type DmabufSource } from './source.js';

export interface LeakReport {
  label: string;
  sizeBytes: number;
  /** Where the buffer was allocated. */
  allocatedAt: string;
}

export interface MemoryManagerOptions {
  /** A dma-heap (character device or refdev socket node). */
  heapPath?: string;
  /** The device-node root of a refdev, to find its heap. */
  devRoot?: string;
}

interface Tracked {
  report: LeakReport;
  cleanup: () => void;
}

const pageRound = (n: number) => Math.ceil(n / 4096) * 4096;

export class MemoryManager {
  private source: DmabufSource | undefined;
  private readonly live = new Map<number, Tracked>();
  private readonly leaked: LeakReport[] = [];
  private nextId = 1;
  private readonly registry = new FinalizationRegistry<number>((id) => {
    const t = this.live.get(id);
    if (!t) return;
    this.live.delete(id);
    this.leaked.push(t.report);
    t.cleanup(); // the memory is released anyway; the report says someone forgot close()
  });

  constructor(private readonly opts: MemoryManagerOptions = {}) {}

  /** Where dma-bufs come from (found on first use). */
  get dmabufSource(): DmabufSource {
    return (this.source ??= findDmabufSource(this.opts));
  }

  private track<B extends DeviceBuffer>(make: (onClose: () => void) => B, cleanup: () => void): B {
    const id = this.nextId++;
    const buf = make(() => {
      this.live.delete(id);
      this.registry.unregister(buf);
    });
    const stack = (new Error().stack ?? '').split('\n').slice(3, 6).map((l) => l.trim()).join(' <- ');
    this.live.set(id, { report: { label: buf.label, sizeBytes: buf.sizeBytes, allocatedAt: stack }, cleanup });
    this.registry.register(buf, id, buf);
    return buf;
  }

  /** Process memory for SVA: page-aligned, pre-faulted so the device never meets a missing page. */
  allocSva(sizeBytes: number, label = 'sva'): SvaBuffer {
    const m = Mapping.anonymous(pageRound(sizeBytes), true);
    return this.track((onClose) => new SvaBuffer(`${label} (${sizeBytes} B)`, sizeBytes, m, onClose), () => m.close());
  }

  /** A dma-buf from the machine's heap (kernel dma-heap, udmabuf, or refdev). */
  allocDmabuf(sizeBytes: number, label = 'dma-buf'): DmabufBuffer {
    const src = this.dmabufSource;
    const fd = src.allocate(sizeBytes);
    return this.wrapDmabuf(fd, sizeBytes, `${label} (${sizeBytes} B, ${src.kind})`, src.needsSync);
  }

  /** Device memory exported as a dma-buf, usable by the CPU and by other contexts and devices. */
  exportFrom(ctx: Context, handle: number, sizeBytes: number, label = 'device memory'): DmabufBuffer {
    const fd = ctx.exportDmabuf(handle);
    return this.wrapDmabuf(fd, sizeBytes, `${label} (${sizeBytes} B, exported)`, ctx.transport.kind === 'kernel');
  }

  /**
   * Device memory of a 2.0 device as a GEM object (GEM_CREATE), mapped for the CPU. The size is rounded
   * up to the region's allocation granule; `sizeBytes` is what the buffer exposes.
   */
  allocGem(dev: AccelDevice, sizeBytes: number, opts: { memoryId?: number; label?: string } = {}): GemBuffer {
    const memoryId = opts.memoryId ?? 0;
    const align = dev.queryMemory(memoryId).allocAlign || 4096;
    const gem = dev.gemCreate({ memoryId, size: Math.ceil(sizeBytes / align) * align });
    return this.wrapGem(dev, gem, sizeBytes, `${opts.label ?? 'device memory'} (${sizeBytes} B, GEM ${gem.handle})`);
  }

  /**
   * A dma-buf from anywhere (another device, a GPU driver, a heap) as a GEM buffer of a 2.0 device: imported
   * through PRIME and mapped through the DRM file. The fd stays the caller's.
   */
  importGem(dev: AccelDevice, dmabufFd: number, label = 'imported'): GemBuffer {
    const gem = dev.primeImport(dmabufFd);
    return this.wrapGem(dev, gem, gem.size, `${label} (${gem.size} B, GEM ${gem.handle}, PRIME)`);
  }

  private wrapGem(dev: AccelDevice, gem: GemObject, sizeBytes: number, label: string): GemBuffer {
    let m;
    try {
      m = gem.map();
    } catch (e) {
      gem.close();
      throw e;
    }
    return this.track(
      (onClose) => new GemBuffer(label, sizeBytes, m, onClose, dev, gem),
      () => {
        m.close();
        gem.close();
      },
    );
  }

  private wrapDmabuf(fd: number, sizeBytes: number, label: string, needsSync: boolean): DmabufBuffer {
    const m = Mapping.map(fd, pageRound(sizeBytes));
    return this.track(
      (onClose) => new DmabufBuffer(label, sizeBytes, m, onClose, fd, needsSync),
      () => {
        m.close();
      },
    );
  }

  /** Buffers garbage-collected without close(), oldest first. */
  leaks(): readonly LeakReport[] {
    return this.leaked;
  }

  /** Buffers allocated and not closed yet. */
  get liveCount(): number {
    return this.live.size;
  }
}
