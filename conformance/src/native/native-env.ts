/**
 * What a test of a foreign interface gets: the node, its identity, raw DRM core ioctls through the spec's
 * codecs, and the release of every fd and mapping the test opened, whatever way the test ends.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { C, closeFd, ioctl, Mapping, openFile, SyscallError } from '@openaccel/sys';
import { drmCoreIoctl, type DrmStructValue } from '@openaccel/uapi';
import { ConformanceFailure } from '../model.js';
import type { NodeIdentity } from './node-kind.js';

/** Bounded read of a small kernel text file (sysfs attribute, fdinfo, debugfs); undefined when unreadable. */
export function readSmall(path: string, maxBytes = 64 * 1024): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(maxBytes);
    let n = 0;
    for (let got = 1; got > 0 && n < maxBytes; n += got) got = readSync(fd, buf, n, maxBytes - n, null);
    return buf.subarray(0, n).toString('utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The errno a syscall wrapper threw (SyscallError), or undefined when fn succeeded. */
export function errnoOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof SyscallError) return e.errno;
    throw e;
  }
}

/** The result of a raw DRM core ioctl: the errno, and the argument as the kernel left it. */
export interface DrmCall {
  errno?: string;
  out: DrmStructValue;
}

export class NativeEnv {
  private readonly fds = new Set<number>();
  private readonly mappings: Mapping[] = [];
  private readonly last: (() => void)[] = [];

  constructor(
    readonly node: NodeIdentity,
    readonly sysfsRoot: string,
  ) {}

  /** Opens the node (or `path`), read-write by default; closed when the test ends. */
  open(path = this.node.path, flags: number = C.O_RDWR | C.O_CLOEXEC): number {
    return this.own(openFile(path, flags));
  }

  /** Takes ownership of an fd a call returned: closed when the test ends. */
  own(fd: number): number {
    this.fds.add(fd);
    return fd;
  }

  /** Closes an owned fd now. */
  close(fd: number): void {
    this.fds.delete(fd);
    closeFd(fd);
  }

  /** Runs `release` after every fd and mapping of the test is gone (a context that exported a buffer). */
  defer(release: () => void): void {
    this.last.push(release);
  }

  /** mmap of an fd, unmapped when the test ends (or earlier by its close()). */
  map(fd: number, length: number, opts: { offset?: number; prot?: number } = {}): Mapping {
    const m = Mapping.map(fd, length, opts);
    this.mappings.push(m);
    return m;
  }

  /** A DRM core ioctl by its spec name, its argument encoded by the spec's codec. */
  drm(fd: number, name: string, value: DrmStructValue = {}): DrmCall {
    const io = drmCoreIoctl(name);
    const arg = io.encode(value);
    const r = ioctl(fd, io.request, arg);
    return r.errno ? { errno: r.errno, out: io.decode(arg) } : { out: io.decode(arg) };
  }

  /** drm(), where a failing call is a failure of the rule under test. */
  drmOk(fd: number, name: string, value: DrmStructValue = {}): DrmStructValue {
    const r = this.drm(fd, name, value);
    if (r.errno) throw new ConformanceFailure(`${name} failed with ${r.errno}`, 'success', r.errno);
    return r.out;
  }

  /** /proc/self/fdinfo/<fd> as key/value pairs. */
  fdinfo(fd: number): Map<string, string> {
    const m = new Map<string, string>();
    for (const line of (readSmall(`/proc/self/fdinfo/${fd}`) ?? '').split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) m.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
    }
    return m;
  }

  /** Releases every mapping, then every fd the test still owns. */
  cleanup(): void {
    for (const m of this.mappings.splice(0)) m.close();
    for (const fd of this.fds) {
      try {
        closeFd(fd);
      } catch {
        /* the test closed it another way; its result says why */
      }
    }
    this.fds.clear();
    for (const release of this.last.splice(0).reverse()) {
      try {
        release();
      } catch {
        /* the device may be gone */
      }
    }
  }
}
