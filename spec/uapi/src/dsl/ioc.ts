/**
 * ioctl request numbers, computed from (direction, type, nr, size) for each Linux architecture
 * family. Numbers are never stored as literals in the spec: kernel-uapi.md §6.
 */
import type { IoctlDirection } from './model.js';

export type IocFamily = 'generic' | 'powerpc' | 'parisc';

export interface IocEncoding {
  readonly family: IocFamily;
  /** Architectures that use this encoding. */
  readonly arches: readonly string[];
  readonly sizeBits: number;
  readonly dirBits: number;
  readonly none: number;
  readonly write: number;
  readonly read: number;
}

const NR_BITS = 8;
const TYPE_BITS = 8;
const NR_SHIFT = 0;
const TYPE_SHIFT = NR_SHIFT + NR_BITS;
const SIZE_SHIFT = TYPE_SHIFT + TYPE_BITS;

export const IOC_ENCODINGS: Readonly<Record<IocFamily, IocEncoding>> = {
  // include/uapi/asm-generic/ioctl.h
  generic: {
    family: 'generic',
    arches: ['x86_64', 'i386', 'arm', 'arm64', 'riscv', 's390', 'loongarch'],
    sizeBits: 14,
    dirBits: 2,
    none: 0,
    write: 1,
    read: 2,
  },
  // arch/{powerpc,mips,alpha,sparc}/include/uapi/asm/ioctl.h: 13 size bits, 3 direction bits, NONE has a bit
  powerpc: {
    family: 'powerpc',
    arches: ['powerpc', 'mips', 'alpha', 'sparc'],
    sizeBits: 13,
    dirBits: 3,
    none: 1,
    write: 4,
    read: 2,
  },
  // arch/parisc/include/uapi/asm/ioctl.h: READ and WRITE swapped
  parisc: {
    family: 'parisc',
    arches: ['parisc'],
    sizeBits: 14,
    dirBits: 2,
    none: 0,
    write: 2,
    read: 1,
  },
};

export const IOC_FAMILIES: readonly IocFamily[] = ['generic', 'powerpc', 'parisc'];

function dirBitsOf(enc: IocEncoding, dir: IoctlDirection): number {
  switch (dir) {
    case 'none':
      return enc.none;
    case 'write':
      return enc.write;
    case 'read':
      return enc.read;
    case 'readwrite':
      return enc.read | enc.write;
  }
}

/** Largest argument size the family can encode (16383 generic, 8191 powerpc family). */
export function maxIocSize(family: IocFamily): number {
  return (1 << IOC_ENCODINGS[family].sizeBits) - 1;
}

/** `_IOC(dir, type, nr, size)` for one architecture family, as an unsigned 32-bit number. */
export function ioc(family: IocFamily, dir: IoctlDirection, type: number, nr: number, sizeBytes: number): number {
  const enc = IOC_ENCODINGS[family];
  if (!Number.isInteger(type) || type < 0 || type > 0xff) throw new RangeError(`ioctl type ${type} is not a byte`);
  if (!Number.isInteger(nr) || nr < 0 || nr > 0xff) throw new RangeError(`ioctl nr ${nr} is not a byte`);
  if (!Number.isInteger(sizeBytes) || sizeBytes < 0 || sizeBytes > maxIocSize(family)) {
    throw new RangeError(`ioctl size ${sizeBytes} does not fit the ${family} encoding (0..${maxIocSize(family)})`);
  }
  if (dir === 'none' && sizeBytes !== 0) throw new RangeError('an ioctl without direction has size 0');
  const dirShift = SIZE_SHIFT + enc.sizeBits;
  const value = (dirBitsOf(enc, dir) << dirShift) | (sizeBytes << SIZE_SHIFT) | (type << TYPE_SHIFT) | (nr << NR_SHIFT);
  return value >>> 0;
}

export interface DecodedIoc {
  readonly dir: IoctlDirection;
  readonly type: number;
  readonly nr: number;
  readonly sizeBytes: number;
}

/** `_IOC_DIR/_IOC_TYPE/_IOC_NR/_IOC_SIZE` for one family; undefined when the direction bits are not valid. */
export function decodeIoc(family: IocFamily, request: number): DecodedIoc | undefined {
  const enc = IOC_ENCODINGS[family];
  const req = request >>> 0;
  const dirShift = SIZE_SHIFT + enc.sizeBits;
  const dirValue = (req >>> dirShift) & ((1 << enc.dirBits) - 1);
  const sizeBytes = (req >>> SIZE_SHIFT) & ((1 << enc.sizeBits) - 1);
  let dir: IoctlDirection | undefined;
  if (dirValue === enc.none) dir = 'none';
  else if (dirValue === enc.write) dir = 'write';
  else if (dirValue === enc.read) dir = 'read';
  else if (dirValue === (enc.read | enc.write)) dir = 'readwrite';
  if (dir === undefined) return undefined;
  return { dir, type: (req >>> TYPE_SHIFT) & 0xff, nr: (req >>> NR_SHIFT) & 0xff, sizeBytes };
}

/** The family of the running host (Node's `process.arch`). */
export function hostIocFamily(arch: string = process.arch): IocFamily {
  if (arch === 'ppc' || arch === 'ppc64' || arch.startsWith('mips')) return 'powerpc';
  return 'generic';
}
