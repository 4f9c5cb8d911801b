/**
 * dma-buf emulation: refdev's dma-bufs are sealed memfds it created. A process-wide registry (by
 * device and inode, which survive fd passing) tells a dma-buf from any other fd, as dma_buf_get() does.
 */
import { fstatSync } from 'node:fs';
import { createMemfd } from '@openaccel/sys';

const registry = new Set<string>();

function identity(fd: number): string | undefined {
  try {
    const s = fstatSync(fd);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

/** A new dma-buf of `size` bytes (page-rounded by the caller). */
export function createDmabuf(name: string, size: number): number {
  const fd = createMemfd(`oa-dmabuf:${name}`, size);
  registry.add(identity(fd)!);
  return fd;
}

export function isDmabuf(fd: number): boolean {
  const id = identity(fd);
  return id !== undefined && registry.has(id);
}

export function sizeOf(fd: number): number {
  return fstatSync(fd).size;
}
