/**
 * What the doorbell bench needs of a device, on either uAPI: one doorbell queue, its system-call path,
 * and device memory for COPY. A node is 2.0 when it identifies itself as the 2.0 spec says
 * (DRM_IOCTL_VERSION names openaccel, GET_INFO answers), 1.0 otherwise.
 */
import { DriverError, openAccelDevice, openDevice, type Command, type Completion, type GemObject, type PreparedCommand, type RingQueue } from '@openaccel/driver';
import type { Mapping } from '@openaccel/sys';

export interface BenchDevice {
  uapi: '1.0' | '2.0';
  queue: RingQueue;
  /** One command by the submit ioctl with its wait flag: the system-call path. */
  submitByIoctl(cmd: Command | PreparedCommand): Completion;
  /** Device memory of region 0; returns the handle commands name it by. */
  alloc(bytes: number): number;
  /**
   * The CPU's view of device memory from alloc (mapped into this process), or undefined where the
   * bench has no way to map it (1.0). Valid until free(handle).
   */
  view(handle: number): Uint8Array | undefined;
  free(handle: number): void;
  close(): void;
}

function accelBenchDevice(path: string): BenchDevice | undefined {
  let dev;
  try {
    dev = openAccelDevice(path);
  } catch (e) {
    if (e instanceof DriverError && e.errno === 'ENODEV') return undefined; // not a 2.0 node
    throw e;
  }
  try {
    dev.bind();
    const queue = dev.createQueue({ sqEntries: 256 });
    const gems = new Map<number, { gem: GemObject; mapping?: Mapping }>();
    return {
      uapi: '2.0',
      queue,
      submitByIoctl: (cmd) => queue.submitAndWait(cmd),
      alloc: (bytes) => {
        const gem = dev.gemCreate({ memoryId: 0, size: bytes });
        gems.set(gem.handle, { gem });
        return gem.handle;
      },
      view: (handle) => {
        const g = gems.get(handle);
        if (!g || g.gem.mmapOffset === 0n) return undefined;
        try {
          g.mapping ??= g.gem.map();
        } catch {
          return undefined; // memcpy then copies private buffers, and the result says so
        }
        return new Uint8Array(g.mapping.buffer, 0, g.gem.size);
      },
      free: (handle) => {
        const g = gems.get(handle);
        gems.delete(handle);
        g?.mapping?.close();
        g?.gem.close();
      },
      close: () => dev.close(),
    };
  } catch (e) {
    dev.close();
    throw e;
  }
}

export function openBenchDevice(path: string): BenchDevice {
  const accel = accelBenchDevice(path);
  if (accel) return accel;
  const ctx = openDevice(path).openContext();
  try {
    const queue = ctx.createQueue({ sqEntries: 256 });
    return {
      uapi: '1.0',
      queue,
      submitByIoctl: (cmd) => queue.submitByIoctl(cmd),
      alloc: (bytes) => ctx.allocMemory(0, bytes),
      view: () => undefined,
      free: (handle) => ctx.freeMemory(handle),
      close: () => ctx.close(),
    };
  } catch (e) {
    ctx.close();
    throw e;
  }
}
