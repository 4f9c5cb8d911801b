/**
 * A DRM syncobj of a 2.0 file, binary (point 0) or timeline (points > 0). wait() is the blocking
 * SYNCOBJ_WAIT / TIMELINE_WAIT ioctl with a deadline, as in the kernel: it holds the calling thread.
 */
import { closeFd } from '@openaccel/sys';
import { drmConstant, UapiError } from '@openaccel/uapi';
import type { AccelIoctls } from './accel-ioctl.js';
import { userAddress, withUserArrays } from './user-arrays.js';

/** CLOCK_MONOTONIC now, in ns: the clock DRM deadlines are absolute in (process.hrtime is CLOCK_MONOTONIC on Linux). */
export function monotonicNowNs(): bigint {
  return process.hrtime.bigint();
}

const WAIT_ALL = drmConstant('DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL');
const WAIT_FOR_SUBMIT = drmConstant('DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT');
const EXPORT_SYNC_FILE = drmConstant('DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE');
const IMPORT_SYNC_FILE = drmConstant('DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE');
const LAST_SUBMITTED = drmConstant('DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED');

export class Syncobj {
  private destroyed = false;

  constructor(
    private readonly ioctls: AccelIoctls,
    readonly handle: number,
    private readonly onDestroy: (s: Syncobj) => void,
  ) {}

  private live(): void {
    if (this.destroyed) throw new Error(`syncobj ${this.handle} was destroyed`);
  }

  /**
   * Waits until `point` (0: the binary payload) has signalled, for at most `timeoutNs`; a point not yet
   * submitted is waited for too (WAIT_FOR_SUBMIT). Returns false when the time ran out (ETIME).
   */
  wait(point: bigint | number = 0, timeoutNs: bigint | number = 10_000_000_000n): boolean {
    this.live();
    const handles = new Uint32Array([this.handle]);
    const points = new BigUint64Array([BigInt(point)]);
    const deadline = BigInt(timeoutNs) <= 0n ? 0n : monotonicNowNs() + BigInt(timeoutNs);
    const flags = WAIT_ALL | WAIT_FOR_SUBMIT;
    try {
      withUserArrays([handles, points], () => {
        if (BigInt(point) === 0n) this.ioctls.core('DRM_IOCTL_SYNCOBJ_WAIT', { handles: userAddress(handles), timeout_nsec: deadline, count_handles: 1, flags });
        else this.ioctls.core('DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT', { handles: userAddress(handles), points: userAddress(points), timeout_nsec: deadline, count_handles: 1, flags });
      });
      return true;
    } catch (e) {
      if (e instanceof UapiError && e.errno === 'ETIME') return false;
      throw e;
    }
  }

  /** Signals `point` from the CPU (0: the binary payload). */
  signal(point: bigint | number = 0): void {
    this.live();
    const handles = new Uint32Array([this.handle]);
    const points = new BigUint64Array([BigInt(point)]);
    withUserArrays([handles, points], () => {
      if (BigInt(point) === 0n) this.ioctls.core('DRM_IOCTL_SYNCOBJ_SIGNAL', { handles: userAddress(handles), count_handles: 1 });
      else this.ioctls.core('DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL', { handles: userAddress(handles), points: userAddress(points), count_handles: 1 });
    });
  }

  /** The last signalled timeline point (or, with lastSubmitted, the last one that has a fence). */
  query(opts: { lastSubmitted?: boolean } = {}): bigint {
    this.live();
    const handles = new Uint32Array([this.handle]);
    const points = new BigUint64Array(1);
    withUserArrays([handles, points], () =>
      this.ioctls.core('DRM_IOCTL_SYNCOBJ_QUERY', { handles: userAddress(handles), points: userAddress(points), count_handles: 1, flags: opts.lastSubmitted ? LAST_SUBMITTED : 0 }),
    );
    return points[0]!;
  }

  /** An fd of the syncobj itself (SYNCOBJ_HANDLE_TO_FD), importable by another file; the caller closes it. */
  exportFd(): number {
    this.live();
    return Number(this.ioctls.core('DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: this.handle }).fd);
  }

  /**
   * The fence of `point` as a sync_file fd (readable once it signals), as a GPU driver takes it. A timeline
   * point is first moved to a temporary binary syncobj (SYNCOBJ_TRANSFER), as the spec's rule sync.export says.
   */
  exportSyncFile(point: bigint | number = 0): number {
    this.live();
    if (BigInt(point) === 0n) return Number(this.ioctls.core('DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: this.handle, flags: EXPORT_SYNC_FILE }).fd);
    const tmp = Number(this.ioctls.core('DRM_IOCTL_SYNCOBJ_CREATE', {}).handle);
    let fd = -1;
    try {
      // Without WAIT_FOR_SUBMIT: a point with no fence yet is EINVAL at once rather than a wait inside the ioctl.
      try {
        this.ioctls.core('DRM_IOCTL_SYNCOBJ_TRANSFER', { src_handle: this.handle, dst_handle: tmp, src_point: BigInt(point), dst_point: 0n, flags: 0 });
      } catch (e) {
        // pad and flags are 0 here, so of TRANSFER's EINVAL rules only src_no_fence can apply: name its field.
        if (e instanceof UapiError && e.errno === 'EINVAL' && e.field === undefined)
          throw new UapiError({ errno: 'EINVAL', ioctl: 'DRM_IOCTL_SYNCOBJ_TRANSFER', field: 'src_point' }, `point ${point} has no fence yet (rule src_no_fence)`);
        throw e;
      }
      fd = Number(this.ioctls.core('DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: tmp, flags: EXPORT_SYNC_FILE }).fd);
      this.ioctls.core('DRM_IOCTL_SYNCOBJ_DESTROY', { handle: tmp });
      return fd;
    } catch (e) {
      // Nothing half-made stays: the sync_file (if made) is closed, the temporary syncobj destroyed.
      if (fd >= 0) closeFd(fd);
      try {
        this.ioctls.core('DRM_IOCTL_SYNCOBJ_DESTROY', { handle: tmp });
      } catch {
        /* already destroyed, or the file is gone; the first error says why */
      }
      throw e;
    }
  }

  /** Puts the fence of a sync_file (e.g. a GPU job) into this syncobj's binary payload. The fd stays the caller's. */
  importSyncFile(fd: number): void {
    this.live();
    this.ioctls.core('DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', { handle: this.handle, flags: IMPORT_SYNC_FILE, fd });
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    try {
      this.ioctls.core('DRM_IOCTL_SYNCOBJ_DESTROY', { handle: this.handle });
    } finally {
      this.onDestroy(this);
    }
  }
}
