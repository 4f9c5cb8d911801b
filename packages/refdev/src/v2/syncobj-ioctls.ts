/**
 * The SYNCOBJ ioctls of the DRM core, served by refdev (errnos from the spec's drm-core tables, in order).
 * A syncobj fd is a memfd refdev made and keeps while the syncobj lives, recognised by its inode when it
 * comes back. A sync_file export is refdev's stand-in: an eventfd that becomes readable when the fence
 * signals (only the kernel makes a real sync_file); refdev recognises its own by the eventfd-id of fdinfo.
 */
import { readFileSync } from 'node:fs';
import { C, closeFd, createEventfd, signalEventfd, UnixSocket } from '@openaccel/sys';
import { drmConstant } from '@openaccel/uapi';
import type { Reply } from '../context.js';
import { fail, MAX_HANDLES, type IoctlCall } from './accel-file.js';
import { hasCap } from './facts.js';
import { Fence, Syncobj } from './fence.js';
import { identityOf } from './gem.js';
import { watchHangup } from './hangup.js';

/** Most handles one wait, signal or query takes (the kernel's allocation would fail beyond some count too). */
export const MAX_SYNCOBJ_ARRAY = 1 << 14;
/** How long TRANSFER with WAIT_FOR_SUBMIT waits for a fence (DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT). */
const WAIT_FOR_SUBMIT_NS = 5_000_000_000n;
/** setTimeout's longest delay; longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const WAIT_ALL = 1;
const WAIT_FOR_SUBMIT = 2;
const WAIT_AVAILABLE = 4;

type CoreReply = Reply & { out?: Record<string, number | bigint> };

/**
 * Syncobj fds refdev handed out, by the identity of the client's end of a socketpair. refdev keeps the other
 * end: its hang-up says the client's last copy is gone, so an entry (and the syncobj it keeps alive) lives
 * exactly as long as the fd, and while it does no other file has that identity.
 */
const exported = new Map<string, { syncobj: Syncobj; kept: UnixSocket }>();
/** Syncobj fds alive at once (each holds a socket of refdev's). */
const MAX_SYNCOBJ_FDS = 1024;
/** sync_file stand-ins by eventfd-id, and the eventfd of each pending fence exported, while the fence is pending. */
const syncFiles = new Map<string, Fence>();
const pendingSyncFiles = new Map<Fence, { fd: number; id: string | undefined }>();
/** Pending fences exported as sync_files at once (each holds an eventfd of refdev's). */
const MAX_PENDING_SYNC_FILES = 1024;
/**
 * Stand-ins whose fence has signalled, the latest few, by eventfd-id. refdev keeps its copy of each open:
 * while it does, the id names that eventfd and no other (ids are reused as soon as the eventfd is gone).
 */
const signalledSyncFiles = new Map<string, number>();
const MAX_SIGNALLED_SYNC_FILES = 1024;

function rememberSignalled(efd: number): void {
  const id = eventfdId(efd);
  if (id === undefined) return closeFd(efd);
  signalledSyncFiles.set(id, efd);
  if (signalledSyncFiles.size > MAX_SIGNALLED_SYNC_FILES) {
    const [oldest, fd] = signalledSyncFiles.entries().next().value!;
    signalledSyncFiles.delete(oldest);
    closeFd(fd);
  }
}


function eventfdId(fd: number): string | undefined {
  try {
    const m = /^eventfd-id:\s*(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').slice(0, 4096));
    return m?.[1];
  } catch {
    return undefined;
  }
}

export async function serveSyncobj(name: string, v: Record<string, any>, call: IoctlCall): Promise<CoreReply> {
  const { file } = call;
  const d = file.device.config;
  const timeline = name === 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT' || name === 'DRM_IOCTL_SYNCOBJ_QUERY' || name === 'DRM_IOCTL_SYNCOBJ_TRANSFER' || name === 'DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL';
  if (!hasCap(d, timeline ? 'syncobj_timeline' : 'syncobj')) return fail('EOPNOTSUPP');
  switch (name) {
    case 'DRM_IOCTL_SYNCOBJ_CREATE': {
      if (v.flags & ~drmConstant('DRM_SYNCOBJ_CREATE_SIGNALED')) return fail('EINVAL');
      if (file.syncobjs.size >= MAX_HANDLES) return fail('ENOSPC');
      return { errno: 0, out: { handle: file.addSyncobj(new Syncobj((v.flags & 1) !== 0)) } };
    }
    case 'DRM_IOCTL_SYNCOBJ_DESTROY': {
      if (v.pad !== 0) return fail('EINVAL');
      if (!file.syncobjs.has(v.handle)) return fail('EINVAL');
      file.dropSyncobj(v.handle);
      return { errno: 0 };
    }
    case 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD': {
      if (v.pad !== 0) return fail('EINVAL');
      if (v.flags !== 0 && v.flags !== 1) return fail('EINVAL');
      const s = file.syncobjs.get(v.handle);
      if (v.flags === 0) {
        if (!s) return fail('EINVAL');
        if (exported.size >= MAX_SYNCOBJ_FDS) return fail('EMFILE');
        const [kept, given] = UnixSocket.pair();
        const id = identityOf(given.fd)!;
        exported.set(id, { syncobj: s, kept });
        watchHangup(kept.fd, () => {
          exported.delete(id);
          kept.close();
        });
        return { errno: 0, fds: [given.fd], closeAfterSend: [given.fd], out: { fd: 0 } };
      }
      if (!s) return fail('ENOENT');
      const fence = s.fenceAt(0n);
      if (!fence) return fail('EINVAL');
      if (fence.state !== 'pending') {
        // Signalled already: a readable eventfd, handed over and not kept, remembered as a signalled sync_file.
        const efd = createEventfd(1, C.EFD_CLOEXEC | C.EFD_NONBLOCK);
        rememberSignalled(efd);
        return { errno: 0, fds: [efd], out: { fd: 0 } };
      }
      // One eventfd per pending fence, kept until the fence signals: every export sends that same file.
      let exportFile = pendingSyncFiles.get(fence);
      if (!exportFile) {
        if (pendingSyncFiles.size >= MAX_PENDING_SYNC_FILES) return fail('EMFILE');
        const efd = createEventfd(0, C.EFD_CLOEXEC | C.EFD_NONBLOCK);
        const id = eventfdId(efd);
        pendingSyncFiles.set(fence, (exportFile = { fd: efd, id }));
        if (id !== undefined) syncFiles.set(id, fence);
        fence.whenSignalled(() => {
          signalEventfd(efd);
          pendingSyncFiles.delete(fence);
          if (id !== undefined) syncFiles.delete(id);
          rememberSignalled(efd);
        });
      }
      return { errno: 0, fds: [exportFile.fd], out: { fd: 0 } };
    }
    case 'DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE': {
      if (v.pad !== 0) return fail('EINVAL');
      if (v.flags !== 0 && v.flags !== 1) return fail('EINVAL');
      const fd = v.fd >= 0 ? call.fds[0] : undefined;
      if (v.flags === 0) {
        const e = fd === undefined ? undefined : exported.get(identityOf(fd) ?? '');
        if (!e) return fail('EINVAL');
        if (file.syncobjs.size >= MAX_HANDLES) return fail('ENOSPC');
        return { errno: 0, out: { handle: file.addSyncobj(e.syncobj) } };
      }
      const id = fd === undefined ? undefined : eventfdId(fd);
      const fence = id === undefined ? undefined : (syncFiles.get(id) ?? (signalledSyncFiles.has(id) ? Fence.signalled() : undefined));
      if (!fence) return fail('EINVAL');
      const s = file.syncobjs.get(v.handle);
      if (!s) return fail('ENOENT');
      s.attach(0n, fence);
      return { errno: 0 };
    }
    case 'DRM_IOCTL_SYNCOBJ_SIGNAL':
    case 'DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL': {
      const tl = name === 'DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL';
      if (tl ? v.flags !== 0 : v.pad !== 0) return fail('EINVAL');
      const arrays = readArrays(call, v, tl);
      if (typeof arrays === 'string') return fail(arrays);
      arrays.syncobjs.forEach((s, i) => s.attach(arrays.points[i] ?? 0n, Fence.signalled()));
      return { errno: 0 };
    }
    case 'DRM_IOCTL_SYNCOBJ_QUERY': {
      if (v.flags & ~drmConstant('DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED')) return fail('EINVAL');
      const arrays = readArrays(call, v, false);
      if (typeof arrays === 'string') return fail(arrays);
      const points = new BigUint64Array(arrays.syncobjs.map((s) => s.query((v.flags & 1) !== 0)));
      if (call.user.write(v.points, new Uint8Array(points.buffer)) !== 0) return fail('EFAULT');
      return { errno: 0 };
    }
    case 'DRM_IOCTL_SYNCOBJ_WAIT':
    case 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT':
      return wait(call, v, name === 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT');
    case 'DRM_IOCTL_SYNCOBJ_TRANSFER': {
      if (v.pad !== 0) return fail('EINVAL');
      const dst = file.syncobjs.get(v.dst_handle);
      if (!dst) return fail('ENOENT');
      const src = file.syncobjs.get(v.src_handle);
      if (!src) return fail('ENOENT');
      // drm_syncobj_find_fence checks the flags only after it found the source.
      if (v.flags & ~WAIT_FOR_SUBMIT) return fail('EINVAL');
      if (src.stateAt(v.src_point) === 'none') {
        if (!(v.flags & WAIT_FOR_SUBMIT)) return fail('EINVAL');
        // drm_syncobj_find_fence waits for a fence to be submitted, for at most 5 s (ETIME after).
        const got = await waitUntil(call, [src], process.hrtime.bigint() + WAIT_FOR_SUBMIT_NS, () => (src.stateAt(v.src_point) === 'none' ? -1 : 0));
        if (typeof got === 'string') return fail(got);
      }
      const fence = src.fenceAt(v.src_point)!;
      dst.attach(v.dst_point, fence);
      return { errno: 0 };
    }
  }
  return fail('EINVAL');
}

/** The handle (and, for timelines, point) arrays of a wait, signal or query, in the spec's errno order. */
function readArrays(call: IoctlCall, v: Record<string, any>, withPoints: boolean): { syncobjs: Syncobj[]; points: bigint[] } | 'EINVAL' | 'EFAULT' | 'ENOENT' | 'ENOMEM' {
  const count: number = v.count_handles;
  if (count === 0) return 'EINVAL';
  if (count > MAX_SYNCOBJ_ARRAY) return 'ENOMEM';
  const raw = call.user.read(v.handles, count * 4);
  if (raw === 'EFAULT') return 'EFAULT';
  const handles = new Uint32Array(raw.buffer, raw.byteOffset, count);
  const syncobjs: Syncobj[] = [];
  for (const h of handles) {
    const s = call.file.syncobjs.get(h);
    if (!s) return 'ENOENT';
    syncobjs.push(s);
  }
  if (!withPoints) return { syncobjs, points: [] };
  const rawPoints = call.user.read(v.points, count * 8);
  if (rawPoints === 'EFAULT') return 'EFAULT';
  const dv = new DataView(rawPoints.buffer, rawPoints.byteOffset, rawPoints.byteLength);
  return { syncobjs, points: syncobjs.map((_, i) => dv.getBigUint64(i * 8, true)) };
}

async function wait(call: IoctlCall, v: Record<string, any>, timeline: boolean): Promise<CoreReply> {
  const allowed = WAIT_ALL | WAIT_FOR_SUBMIT | (timeline ? WAIT_AVAILABLE : 0);
  if (v.flags & ~allowed) return fail('EINVAL');
  // Linux 6.12 answers a wait on no handles with 0 at once (the spec's doc of both waits).
  if (v.count_handles === 0) return { errno: 0 };
  const arrays = readArrays(call, v, timeline);
  if (typeof arrays === 'string') return fail(arrays);
  const { syncobjs, points } = arrays;
  const at = (i: number) => syncobjs[i]!.stateAt(points[i] ?? 0n);
  if (!(v.flags & (WAIT_FOR_SUBMIT | WAIT_AVAILABLE)) && syncobjs.some((_, i) => at(i) === 'none')) return fail('EINVAL');
  const done = (i: number) => (v.flags & WAIT_AVAILABLE ? at(i) !== 'none' : at(i) === 'ok' || at(i) === 'error');
  const deadline = BigInt(v.timeout_nsec);
  const outcome = await waitUntil(call, syncobjs, deadline, () => {
    if (v.flags & WAIT_ALL) return syncobjs.every((_, i) => done(i)) ? 0 : -1;
    return syncobjs.findIndex((_, i) => done(i));
  });
  if (typeof outcome === 'string') return fail(outcome);
  return { errno: 0, out: { first_signaled: v.flags & WAIT_ALL ? 0 : outcome } };
}

/** Waits until `check` gives an index >= 0, the absolute CLOCK_MONOTONIC deadline passes (ETIME) or the file goes (EINTR). */
export async function waitUntil(call: IoctlCall, watched: Syncobj[], deadlineNs: bigint, check: () => number): Promise<number | 'ETIME' | 'EINTR'> {
  for (;;) {
    const i = check();
    if (i >= 0) return i;
    const left = deadlineNs - process.hrtime.bigint();
    if (left <= 0n) return 'ETIME';
    let wake!: () => void;
    const woken = new Promise<void>((r) => (wake = r));
    const stops = watched.map((s) => s.watch(wake));
    let aborted = false;
    const abort = () => ((aborted = true), wake());
    call.file.waitAborts.add(abort);
    const timer = setTimeout(wake, Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(Number(left) / 1e6))));
    await woken;
    clearTimeout(timer);
    call.file.waitAborts.delete(abort);
    for (const s of stops) s();
    if (aborted) return 'EINTR';
  }
}
