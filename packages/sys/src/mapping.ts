/**
 * Owned mmap mappings. A view of a mapping is never the way to crash the process: after close() the
 * address range is replaced by private zero pages (so a stale view reads zeros and writes go nowhere),
 * and it is unmapped for good once the last JavaScript view of it has been garbage collected.
 */
import koffi from 'koffi';
import { C, libc, MAP_FAILED } from './libc.js';
import { fail } from './errors.js';

const release = new FinalizationRegistry<{ address: bigint; length: number }>(({ address, length }) => {
  libc.munmap(address, length);
});

export class MappingClosedError extends Error {
  constructor(what: string) {
    super(`${what}: the mapping was closed`);
    this.name = 'MappingClosedError';
  }
}

export interface MapOptions {
  offset?: number | bigint;
  prot?: number;
  /** MAP_SHARED (default) or MAP_PRIVATE, plus extra flags such as MAP_POPULATE. */
  flags?: number;
}

export class Mapping {
  private ab: ArrayBuffer | undefined;

  private constructor(
    readonly address: bigint,
    readonly length: number,
  ) {
    this.ab = koffi.view(address, length) as ArrayBuffer;
    release.register(this.ab, { address, length });
  }

  /** mmap(NULL, length, prot, flags, fd, offset); throws SyscallError (e.g. EEXIST, EINVAL from a driver). */
  static map(fd: number, length: number, opts: MapOptions = {}): Mapping {
    const addr = libc.mmap(null, length, opts.prot ?? C.PROT_READ | C.PROT_WRITE, opts.flags ?? C.MAP_SHARED, fd, BigInt(opts.offset ?? 0)) as bigint;
    if (addr === MAP_FAILED) fail('mmap', `fd ${fd}, length ${length}, offset ${opts.offset ?? 0}`);
    return new Mapping(addr, length);
  }

  /** Private anonymous memory of this process (e.g. an SVA buffer), optionally pre-faulted. */
  static anonymous(length: number, populate = false): Mapping {
    const addr = libc.mmap(null, length, C.PROT_READ | C.PROT_WRITE, C.MAP_PRIVATE | C.MAP_ANONYMOUS | (populate ? C.MAP_POPULATE : 0), -1, 0n) as bigint;
    if (addr === MAP_FAILED) fail('mmap', `anonymous, length ${length}`);
    return new Mapping(addr, length);
  }

  get closed(): boolean {
    return this.ab === undefined;
  }

  /** The memory as an ArrayBuffer (not shared: Atomics.load/store work, Atomics.wait does not). */
  get buffer(): ArrayBuffer {
    if (!this.ab) throw new MappingClosedError('buffer');
    return this.ab;
  }

  bytes(offset = 0, length = this.length - offset): Uint8Array {
    return new Uint8Array(this.buffer, offset, length);
  }

  /** Drops the shared pages now; stale views see private zero pages until they are collected. Idempotent. */
  close(): void {
    if (!this.ab) return;
    const addr = libc.mmap(this.address, this.length, C.PROT_READ | C.PROT_WRITE, C.MAP_PRIVATE | C.MAP_ANONYMOUS | C.MAP_FIXED, -1, 0n) as bigint;
    if (addr === MAP_FAILED) fail('mmap', 'replacing a closed mapping');
    this.ab = undefined;
  }
}
