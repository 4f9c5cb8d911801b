/**
 * One open() of a 2.0 node: a DRM file and the OpenAccel context. Dispatches as drm_ioctl() does (by nr:
 * core ioctls below DRM_COMMAND_BASE, driver-private ones from it), applies the common rules in the spec's
 * order, and owns the file's GEM handles, syncobj handles and queues, which all die with it.
 */
import { closeFd } from '@openaccel/sys';
import { decodeIoc, uapi2, UapiError, type ErrnoName, type MmapArg } from '@openaccel/uapi';
import { bindSender, closeBinder, isForeign, unbindSva, type Binder, type Sender } from '../binding.js';
import type { Reply } from '../context.js';
import type { RefDevice } from '../device.js';
import { serveCore, coreIoctlByNr } from './core-ioctls.js';
import { serveDriver } from './driver-ioctls.js';
import { accelState, type AccelDeviceState, type GemObject } from './gem.js';
import { mmapTarget } from './mmap.js';
import type { AccelQueue } from './queue.js';
import type { Syncobj } from './fence.js';
import { UserMemory } from './user-memory.js';

const DRM_COMMAND_BASE = 0x40;
const DRM_COMMAND_END = 0xa0;
/** GEM or syncobj handles one file may hold. */
export const MAX_HANDLES = 4096;

export const fail = (errno: ErrnoName): Reply => ({ errno });

/** What an ioctl handler gets: the file, the checked argument, the fds that came with it, the caller's memory. */
export interface IoctlCall {
  file: AccelFile;
  value: Record<string, any>;
  fds: number[];
  sender: Sender;
  user: UserMemory;
}

export class AccelFile {
  readonly id: number;
  readonly state: AccelDeviceState;
  binder: Binder | undefined;
  sva = false;
  pasid = 0;
  /** The binder died: everything of the file is gone and only close() is left. */
  orphaned = false;
  private destroyed = false;
  readonly gem = new Map<number, GemObject>();
  readonly syncobjs = new Map<number, Syncobj>();
  readonly queues = new Map<number, AccelQueue>();
  /** Ends every wait in progress (the client or the binder went away). */
  readonly waitAborts = new Set<() => void>();
  private nextHandle = 1;
  private nextSyncobj = 1;
  nextQueueId = 1;
  /** Engine time per opcode in ns (fdinfo drm-engine-*), added by the engine thread. */
  readonly engineNs = new BigInt64Array(new SharedArrayBuffer(8 * 256));

  constructor(readonly device: RefDevice) {
    this.id = device.nextContextId++;
    this.state = accelState(device);
  }

  /** The pidfd of the bound process while it lives (the server watches it), else undefined. */
  get binderPidfd(): number | undefined {
    return this.orphaned ? undefined : this.binder?.pidfd;
  }

  foreign(sender: Sender): boolean {
    return this.binder !== undefined && (this.orphaned || isForeign(this.binder, sender));
  }

  async ioctl(request: number, arg: Uint8Array, fds: number[], sender: Sender): Promise<Reply> {
    const user = new UserMemory(sender);
    try {
      return await this.dispatch(request, arg, { file: this, value: {}, fds, sender, user });
    } finally {
      user.close();
      // Passed fds the ioctl did not keep are closed, as a kernel drops its fget() reference.
      for (const fd of fds) if (!this.keeps(fd)) closeFd(fd);
    }
  }

  private keeps(fd: number): boolean {
    for (const q of this.queues.values()) if (q.eventfd === fd) return true;
    for (const o of this.gem.values()) if (o.fd === fd) return true;
    return false;
  }

  private async dispatch(request: number, arg: Uint8Array, call: IoctlCall): Promise<Reply> {
    const dec = decodeIoc('generic', request);
    if (this.device.gone) return fail('ENODEV');
    if (!dec) return fail('EINVAL');
    if (dec.nr < DRM_COMMAND_BASE || dec.nr >= DRM_COMMAND_END) {
      const core = coreIoctlByNr(dec.nr);
      if (!core) return fail('EINVAL');
      if (arg.length !== dec.sizeBytes) return fail('EFAULT');
      return serveCore(core, dec, arg, call);
    }
    if (!uapi2.compiled.ioctlsByNr.has(dec.nr)) return fail('EINVAL');
    if (arg.length !== dec.sizeBytes) return fail('EFAULT');
    if (this.foreign(call.sender)) return fail('EPERM');
    let checked;
    try {
      checked = uapi2.checkRequest(request, arg);
    } catch (e) {
      if (e instanceof UapiError) return fail(e.errno);
      throw e;
    }
    call.value = checked.value as Record<string, any>;
    const reply = await serveDriver(checked.name, call);
    if (reply.errno !== 0 || !reply.data) return reply;
    // drm_ioctl copies back _IOC_SIZE bytes, and only for a request with the read bit.
    return { ...reply, data: fitTo(reply.data, checked.iocSize) };
  }

  bind(sender: Sender, sva: boolean): ErrnoName | 0 {
    const b = bindSender(sender, sva);
    if (typeof b === 'string') return b;
    this.binder = b;
    this.sva = sva;
    return 0;
  }

  addGem(obj: GemObject): number {
    for (const [h, o] of this.gem) if (o === obj) return h; // the same object has one handle per file
    const h = this.nextHandle++;
    obj.refs++;
    this.gem.set(h, obj);
    return h;
  }

  async closeGem(handle: number): Promise<void> {
    const obj = this.gem.get(handle);
    if (!obj) return;
    this.gem.delete(handle);
    await this.device.tell({ op: 'removeHandle', ctx: this.id, handle });
    obj.release();
  }

  addSyncobj(s: Syncobj): number {
    const h = this.nextSyncobj++;
    this.syncobjs.set(h, s);
    return h;
  }

  dropSyncobj(handle: number): void {
    this.syncobjs.delete(handle);
  }

  mmap(a: MmapArg, sender: Sender): Reply {
    if (this.device.gone) return fail('ENODEV');
    if (this.foreign(sender)) return fail('EPERM');
    return mmapTarget(this, a);
  }

  abortWaits(): void {
    for (const abort of [...this.waitAborts]) abort();
  }

  /** close(): queues, handles and the SVA binding go at once. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await this.release();
    if (this.binder) closeBinder(this.binder);
    this.binder = undefined;
  }

  async binderDied(): Promise<void> {
    if (this.orphaned || this.destroyed) return;
    this.orphaned = true;
    this.abortWaits();
    await this.release();
  }

  private async release(): Promise<void> {
    for (const q of [...this.queues.values()]) await q.destroy();
    for (const h of [...this.gem.keys()]) await this.closeGem(h);
    for (const h of [...this.syncobjs.keys()]) this.dropSyncobj(h);
    await unbindSva(this.device, this.id, this.binder);
    if (this.pasid) this.device.freePasid(this.pasid);
    this.pasid = 0;
  }

  get objects(): { queues: number; handles: number; syncobjs: number } {
    return { queues: this.queues.size, handles: this.gem.size, syncobjs: this.syncobjs.size };
  }
}

/** The first `size` bytes of `data`, zero-extended: what drm_ioctl copies back. */
export function fitTo(data: Uint8Array, size: number): Uint8Array {
  if (data.length === size) return data;
  const out = new Uint8Array(size);
  out.set(data.subarray(0, size));
  return out;
}
