/**
 * The engine's view of command operands: handle memory (device memory, imported dma-bufs) or SVA
 * addresses of the bound process, reached through an fd on its memory (an IOMMU in software).
 *
 * A system call gets the address of a bounce buffer, not the buffer: V8 may collect a buffer nothing
 * refers to any more while the call still copies through its address, and the freed memory then
 * carries the allocator's pointers into the client (issue #13 item 3). So the bounce buffers belong
 * to this module for the engine's life and are only ever replaced between commands.
 */
import { addressOf, readProcessMemoryFile, writeProcessMemoryFile } from '@openaccel/sys';

export type Region = { bytes: Uint8Array } | { mem: number; address: bigint; length: number };
export const FAULT = Symbol('fault');
export type Fault = typeof FAULT;

/** Bounce buffers above this size are dropped after the command that needed them. */
const KEEP_BYTES = 1 << 20;

class Bounce {
  private buf = Buffer.allocUnsafeSlow(4096);

  /** `length` bytes of this bounce buffer; valid until the next take() or release(). */
  take(length: number): Buffer {
    if (length > this.buf.length) this.buf = Buffer.allocUnsafeSlow(Math.max(length, this.buf.length * 2));
    return this.buf.subarray(0, length);
  }

  owns(data: Uint8Array): boolean {
    return data.buffer === this.buf.buffer;
  }

  release(): void {
    if (this.buf.length > KEEP_BYTES) this.buf = Buffer.allocUnsafeSlow(4096);
  }
}

const inputBounce = new Bounce();
const paramBounce = new Bounce();
const outputBounce = new Bounce();

/**
 * The memory a command names: `handle` 0 is an SVA address (when the context is bound to a process,
 * whose memory fd is `svaMem`, else -1), any other handle an offset into that handle's bytes. The
 * address comes as two u32 words.
 */
export function region(handles: ReadonlyMap<number, Uint8Array>, svaMem: number, handle: number, lo: number, hi: number, length: number): Region | Fault {
  if (handle === 0) {
    if (svaMem < 0) return FAULT;
    if (length === 0) return { bytes: new Uint8Array(0) };
    return { mem: svaMem, address: (BigInt(hi) << 32n) | BigInt(lo), length };
  }
  const bytes = handles.get(handle);
  if (!bytes || hi !== 0 || lo + length > bytes.length) return FAULT;
  return { bytes: bytes.subarray(lo, lo + length) };
}

/** The bytes of a region (for SVA, a copy in a bounce buffer); FAULT when the process memory is not readable. */
export function load(r: Region, what: 'input' | 'param' = 'input'): Uint8Array | Fault {
  if ('bytes' in r) return r.bytes;
  const buf = (what === 'input' ? inputBounce : paramBounce).take(r.length);
  return readProcessMemoryFile(r.mem, r.address, addressOf(buf), r.length) === r.length ? buf : FAULT;
}

/** Whether a destination is readable and writable as a whole, checked before the command runs. */
export function probe(r: Region): boolean {
  if ('bytes' in r) return true;
  const buf = outputBounce.take(r.length);
  const at = addressOf(buf);
  return readProcessMemoryFile(r.mem, r.address, at, r.length) === r.length && writeProcessMemoryFile(r.mem, r.address, at, r.length) === r.length;
}

export function store(r: Region, data: Uint8Array, at = 0): boolean {
  if ('bytes' in r) {
    r.bytes.set(data, at);
    return true;
  }
  let from: Uint8Array = data;
  if (!inputBounce.owns(data) && !paramBounce.owns(data)) {
    from = outputBounce.take(data.length);
    from.set(data);
  }
  return writeProcessMemoryFile(r.mem, r.address + BigInt(at), addressOf(from), data.length) === data.length;
}

/** After a command: large bounce buffers go (no system call holds them any more). */
export function releaseBounceBuffers(): void {
  inputBounce.release();
  paramBounce.release();
  outputBounce.release();
}
