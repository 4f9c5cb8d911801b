/** Buffers the device reaches: SVA (by address) and dma-buf (by handle, per context). CPU access is bracketed. */
import { closeFd, ioctl, Mapping, SyscallError } from '@openaccel/sys';
import type { AccelDevice, Context, GemObject, MemRef } from '@openaccel/driver';
import { DMA_BUF_IOCTL_SYNC } from './source.js';

export type Access = 'read' | 'write' | 'readwrite';

const SYNC_BITS: Record<Access, bigint> = { read: 1n, write: 2n, readwrite: 3n };
const SYNC_END = 4n;

/** Misuse of a buffer: unbalanced begin/end, use after close, a context it was not imported into. */
export class BufferUsageError extends Error {
  constructor(readonly buffer: string, detail: string) {
    super(`${buffer}: ${detail}`);
    this.name = 'BufferUsageError';
  }
}

/** What a command runs in: a 1.0 context or a 2.0 device (one DRM file). */
export type DeviceRef = Context | AccelDevice;

const isAccel = (ctx: DeviceRef): ctx is AccelDevice => 'gemCreate' in ctx;

/** Closes each of `items`, going on past failures: a device closed first took its handles with it. */
export function closeEach(items: Iterable<{ close(): void }>): void {
  for (const item of items) {
    try {
      item.close();
    } catch {
      /* the device is closed or gone: its handles went with it */
    }
  }
}

export interface Releasable {
  release(): void;
}

export abstract class DeviceBuffer {
  private access: Access | undefined;
  private closedFlag = false;

  constructor(
    readonly label: string,
    readonly sizeBytes: number,
    protected readonly mapping: Mapping,
    /** Called on close, so the manager stops tracking it as a possible leak. */
    private readonly onClose: () => void,
  ) {}

  get closed(): boolean {
    return this.closedFlag;
  }

  protected ensureOpen(): void {
    if (this.closedFlag) throw new BufferUsageError(this.label, 'the buffer was closed');
  }

  /** Starts CPU access and returns the bytes. Must be paired with end() of the same access. */
  begin(access: Access): Uint8Array {
    this.ensureOpen();
    if (this.access) throw new BufferUsageError(this.label, `begin('${access}') while '${this.access}' access is open; call end() first`);
    this.sync(SYNC_BITS[access]);
    this.access = access;
    return this.mapping.bytes(0, this.sizeBytes);
  }

  end(access: Access): void {
    this.ensureOpen();
    if (!this.access) throw new BufferUsageError(this.label, `end('${access}') without begin()`);
    if (this.access !== access) throw new BufferUsageError(this.label, `end('${access}') does not match begin('${this.access}')`);
    this.sync(SYNC_BITS[access] | SYNC_END);
    this.access = undefined;
  }

  /** Runs `fn` with CPU access bracketed, ending it even when fn throws. */
  with<T>(access: Access, fn: (bytes: Uint8Array) => T): T {
    const bytes = this.begin(access);
    try {
      return fn(bytes);
    } finally {
      this.end(access);
    }
  }

  protected sync(_flags: bigint): void {}

  /** How a command names this buffer in a context (1.0) or device (2.0). */
  abstract ref(ctx: DeviceRef, offset?: number): MemRef;

  close(): void {
    if (this.closedFlag) return;
    if (this.access) throw new BufferUsageError(this.label, `close() while '${this.access}' CPU access is open; call end() first`);
    this.closedFlag = true;
    this.release();
    this.onClose();
  }

  protected abstract release(): void;
}

/** Process memory handed to the device by address (needs a context bound with SVA). */
export class SvaBuffer extends DeviceBuffer {
  get address(): bigint {
    this.ensureOpen();
    return this.mapping.address;
  }

  ref(ctx: DeviceRef, offset = 0): MemRef {
    this.ensureOpen();
    if (isAccel(ctx) ? !ctx.sva : ctx.pasid === 0) throw new BufferUsageError(this.label, 'an SVA buffer needs a context bound with { sva: true }');
    return { address: this.mapping.address + BigInt(offset) };
  }

  protected release(): void {
    this.mapping.close();
  }
}

/** A dma-buf: an fd mapped for the CPU, imported into each context (1.0) or device (2.0, by PRIME) that uses it. */
export class DmabufBuffer extends DeviceBuffer {
  private readonly imports = new Map<Context, number>();
  private readonly gemImports = new Map<AccelDevice, GemObject>();

  constructor(
    label: string,
    sizeBytes: number,
    mapping: Mapping,
    onClose: () => void,
    readonly fd: number,
    private readonly needsSync: boolean,
  ) {
    super(label, sizeBytes, mapping, onClose);
  }

  protected override sync(flags: bigint): void {
    if (!this.needsSync) return; // refdev's dma-bufs are coherent memfds
    const arg = new Uint8Array(8);
    new DataView(arg.buffer).setBigUint64(0, flags, true);
    const r = ioctl(this.fd, DMA_BUF_IOCTL_SYNC, arg);
    if (r.errno) throw new SyscallError('ioctl(DMA_BUF_IOCTL_SYNC)', r.errno, 0, this.label);
  }

  /** Imports the buffer into a context (once); returns the handle. */
  importInto(ctx: Context): number {
    this.ensureOpen();
    let h = this.imports.get(ctx);
    if (h === undefined) {
      h = ctx.importDmabuf(this.fd).handle;
      this.imports.set(ctx, h);
    }
    return h;
  }

  /** Imports the buffer into a 2.0 device (once, PRIME_FD_TO_HANDLE); returns its GEM handle there. */
  importIntoDevice(dev: AccelDevice): number {
    this.ensureOpen();
    let g = this.gemImports.get(dev);
    if (!g) {
      g = dev.primeImport(this.fd);
      this.gemImports.set(dev, g);
    }
    return g.handle;
  }

  ref(ctx: DeviceRef, offset = 0): MemRef {
    return { handle: isAccel(ctx) ? this.importIntoDevice(ctx) : this.importInto(ctx), offset };
  }

  protected release(): void {
    closeEach(this.gemImports.values());
    this.gemImports.clear();
    for (const [ctx, h] of this.imports) {
      try {
        ctx.freeMemory(h);
      } catch {
        /* the context may be closed already: its handles went with it */
      }
    }
    this.imports.clear();
    this.mapping.close();
    closeFd(this.fd);
  }
}
