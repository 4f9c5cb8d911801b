/**
 * A buffer that is a GEM object of a 2.0 device: device memory made by GEM_CREATE and mapped through
 * the DRM file. Another device reaches it as a dma-buf: exported once per device by PRIME and imported
 * there, so the bytes are shared, never copied.
 */
import { closeFd, type Mapping } from '@openaccel/sys';
import type { AccelDevice, GemObject, MemRef } from '@openaccel/driver';
import { BufferUsageError, closeEach, DeviceBuffer, type DeviceRef } from './buffer.js';

export class GemBuffer extends DeviceBuffer {
  /** The GEM object of this buffer in each other device it was imported into. */
  private readonly imports = new Map<AccelDevice, GemObject>();

  constructor(
    label: string,
    sizeBytes: number,
    mapping: Mapping,
    onClose: () => void,
    /** The device whose memory it is. */
    readonly device: AccelDevice,
    readonly gem: GemObject,
  ) {
    super(label, sizeBytes, mapping, onClose);
  }

  /** The handle naming the buffer in `dev`: its own handle, or one imported through PRIME on first use. */
  handleIn(dev: AccelDevice): number {
    this.ensureOpen();
    if (dev === this.device) return this.gem.handle;
    let g = this.imports.get(dev);
    if (!g) {
      const fd = this.gem.export();
      try {
        g = dev.primeImport(fd);
      } finally {
        closeFd(fd); // the importer holds the dma-buf now
      }
      this.imports.set(dev, g);
    }
    return g.handle;
  }

  /** A new dma-buf fd of the buffer (for another driver or process); the caller closes it. */
  exportFd(): number {
    this.ensureOpen();
    return this.gem.export();
  }

  ref(ctx: DeviceRef, offset = 0): MemRef {
    if (!('gemCreate' in ctx)) throw new BufferUsageError(this.label, 'a GEM buffer is named by 2.0 devices only (openAccelDevice)');
    return { handle: this.handleIn(ctx), offset };
  }

  protected release(): void {
    closeEach(this.imports.values());
    this.imports.clear();
    this.mapping.close();
    closeEach([this.gem]);
  }
}
