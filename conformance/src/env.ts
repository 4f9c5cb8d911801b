/**
 * What a test gets: the device under test, reached only through its node path and its sysfs directory
 * (never through refdev internals), with helpers that open contexts, send raw ioctl bytes, and release
 * everything a test opened when it ends.
 */
import { basename, dirname, join } from 'node:path';
import type { Manifest } from '@openaccel/capabilities';
import { openDevice, openTransport, queryInfo, type Context, type DeviceInfo, type Transport } from '@openaccel/driver';
import { MemoryManager } from '@openaccel/memory';
import { SyscallError } from '@openaccel/sys';
import { CLASS_DIR, readOpenAccelDevice, SysfsTree, type OpenAccelDevice, type SysfsError } from '@openaccel/sysfs';
import { UapiError, uapi, type ErrnoName } from '@openaccel/uapi';
import { ConformanceFailure } from './model.js';

export interface Target {
  /** The device node: /dev/openaccel/accel0, or a refdev socket node. */
  device: string;
  /** The sysfs root holding class/openaccel/<name> (default /sys). */
  sysfsRoot: string;
  manifest?: Manifest;
  /** Where the manifest came from, for reports. */
  manifestPath?: string;
  /** The uAPI the node speaks: 1.0 (`/dev/openaccel`, the default) or 2.0 (DRM accel, `/dev/accel`). */
  spec?: SpecVersionName;
}

export const SPEC_VERSIONS = ['1.0', '2.0'] as const;
export type SpecVersionName = (typeof SPEC_VERSIONS)[number];

export class TestEnv {
  readonly name: string;
  readonly info: DeviceInfo;
  private readonly opened: { close(): void }[] = [];
  private mm: MemoryManager | undefined;

  constructor(readonly target: Target) {
    this.name = basename(target.device);
    const t = openTransport(target.device);
    try {
      this.info = queryInfo(t);
    } finally {
      t.close();
    }
  }

  get device(): string {
    return this.target.device;
  }

  get manifest(): Manifest | undefined {
    return this.target.manifest;
  }

  /** The sysfs view of the device, read fresh, with the problems met. */
  sysfs(): { device: OpenAccelDevice | undefined; problems: SysfsError[] } {
    const tree = new SysfsTree(this.target.sysfsRoot);
    const device = readOpenAccelDevice(tree, this.name);
    return { device, problems: tree.problems };
  }

  sysfsDir(): string {
    return join(this.target.sysfsRoot, CLASS_DIR, this.name);
  }

  /** Other devices of the same tree, with their node paths (cross-device tests). */
  peers(): { name: string; node: string }[] {
    const tree = new SysfsTree(this.target.sysfsRoot);
    return tree.list(CLASS_DIR).filter((n) => n !== this.name).map((n) => ({ name: n, node: join(dirname(this.target.device), n) }));
  }

  /** A bound context of the device under test (or of `node`), closed when the test ends. */
  context(opts: { sva?: boolean; node?: string } = {}): Context {
    const ctx = openDevice(opts.node ?? this.device).openContext({ ...(opts.sva !== undefined ? { sva: opts.sva } : {}) });
    this.opened.push(ctx);
    return ctx;
  }

  /** An unbound open of the node, for raw ioctls; closed when the test ends. */
  open(): Transport {
    const t = openTransport(this.device);
    this.opened.push(t);
    return t;
  }

  /** Binds a raw transport (no SVA). */
  bind(t: Transport): void {
    const io = uapi.ioctl('OA_IOCTL_BIND_CONTEXT');
    const r = t.ioctl(io.request(), io.encode({}));
    if (r.errno) throw new ConformanceFailure(`OA_IOCTL_BIND_CONTEXT failed with ${r.errno}`, 'success', String(r.errno));
  }

  /** Memory manager for dma-bufs; its source follows the node (refdev heap beside a socket node). */
  memory(): MemoryManager {
    return (this.mm ??= new MemoryManager({ devRoot: dirname(dirname(this.device)) }));
  }

  track<T extends { close(): void }>(x: T): T {
    this.opened.push(x);
    return x;
  }

  /** Releases everything the test opened, newest first; a test's own failure is reported, not this. */
  cleanup(): void {
    releaseAll(this.opened);
  }
}

/** Closes every item, newest first, and empties the list; a close that fails (the device may be gone) is passed over. */
export function releaseAll(opened: { close(): void }[]): void {
  for (const x of opened.reverse()) {
    try {
      x.close();
    } catch {
      /* the test result says why the device is gone */
    }
  }
  opened.length = 0;
}

/** Sends raw bytes; returns the errno or undefined on success. */
export function rawIoctl(t: Transport, request: number, arg: Uint8Array): string | undefined {
  return t.ioctl(request, arg).errno;
}

export function expectErrno(what: string, expected: ErrnoName, seen: string | undefined): void {
  if (seen !== expected) throw new ConformanceFailure(`${what}: expected ${expected}, seen ${seen ?? 'success'}`, expected, seen ?? 'success');
}

/** Runs fn and expects it to fail with a UapiError or SyscallError of errno `expected`. */
export function expectThrowsErrno(what: string, expected: ErrnoName, fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof UapiError || e instanceof SyscallError) return expectErrno(what, expected, e.errno);
    throw e;
  }
  expectErrno(what, expected, undefined);
}

export function expectSuccess(what: string, seen: string | undefined): void {
  if (seen !== undefined) throw new ConformanceFailure(`${what}: expected success, seen ${seen}`, 'success', seen);
}
