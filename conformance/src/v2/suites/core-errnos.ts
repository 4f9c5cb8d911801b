/**
 * The errno rules of the DRM core ioctls that one call shows: each test sets up what the rule needs,
 * makes the call with one field wrong, and expects the errno the spec gives (read from the spec, so a
 * rule and its test cannot disagree). Test ids are the rule ids, `core.<ioctl>.<rule>`.
 */
import type { Transport } from '@openaccel/driver';
import { C, closeFd, createEventfd, openFile } from '@openaccel/sys';
import { drmConstant, openaccelV2, type ErrnoName } from '@openaccel/uapi';
import { expectErrno } from '../../env.js';
import { ConformanceFailure, SkipTest, type TestCase } from '../../model.js';
import type { AccelEnv } from '../accel-env.js';
import { gemCreate, syncobj } from './gem-sync.js';

type T = TestCase<AccelEnv>;
type Fields = Record<string, number | bigint>;

const NO_HANDLE = 0xfffff;
const BAD_POINTER = 8n; // the zero page is never mapped
/** A flag no kernel defines (newer kernels give bit 1 of the syncobj fd flags to timeline points). */
const UNDEFINED_FLAG = 0x80000000;
const WAIT_FOR_SUBMIT = drmConstant('DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT');
const SYNC_FILE = drmConstant('DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE');

function errnoOf(ioctl: string, rule: string): ErrnoName {
  const e = openaccelV2.coreIoctls.find((i) => i.name === ioctl)?.errors.find((x) => x.id === rule);
  if (!e) throw new Error(`no rule ${rule} of ${ioctl} in the spec`);
  return e.errno;
}

/** An fd closed when the test ends. */
function owned(env: AccelEnv, fd: number): number {
  env.track({ close: () => closeFd(fd) });
  return fd;
}

const nullFd = (env: AccelEnv) => owned(env, openFile('/dev/null', C.O_RDONLY | C.O_CLOEXEC));

/** A sync_file of a signalled fence of this device. */
function syncFile(env: AccelEnv, t: Transport): number {
  const r = env.core(t, 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: syncobj(env, t, true), flags: SYNC_FILE });
  if (r.errno) throw new ConformanceFailure(`EXPORT_SYNC_FILE failed with ${r.errno}`, 'success', r.errno);
  return owned(env, Number(r.out.fd));
}

interface Case {
  ioctl: string;
  rule: string;
  /** Capability the rule needs; `!cap` for a rule only a device without it shows. */
  needs: string;
  fields(env: AccelEnv, t: Transport): Fields;
}

const array = (count = 1) => (env: AccelEnv, t: Transport): Fields => ({ handles: env.u32s([syncobj(env, t, true)]), count_handles: count });
const timeline = (env: AccelEnv, t: Transport, extra: Fields = {}): Fields => ({ handles: env.u32s([syncobj(env, t, true)]), points: env.u64s([0n]).address, count_handles: 1, ...extra });

const SYNCOBJ_IOCTLS = ['SYNCOBJ_CREATE', 'SYNCOBJ_DESTROY', 'SYNCOBJ_HANDLE_TO_FD', 'SYNCOBJ_FD_TO_HANDLE', 'SYNCOBJ_WAIT', 'SYNCOBJ_SIGNAL'];
const TIMELINE_IOCTLS = ['SYNCOBJ_TIMELINE_WAIT', 'SYNCOBJ_QUERY', 'SYNCOBJ_TRANSFER', 'SYNCOBJ_TIMELINE_SIGNAL'];

const CASES: Case[] = [
  ...SYNCOBJ_IOCTLS.map((n): Case => ({ ioctl: `DRM_IOCTL_${n}`, rule: 'syncobj_unsupported', needs: '!syncobj', fields: () => ({}) })),
  ...TIMELINE_IOCTLS.map((n): Case => ({ ioctl: `DRM_IOCTL_${n}`, rule: 'timeline_unsupported', needs: '!syncobj_timeline', fields: () => ({}) })),
  { ioctl: 'DRM_IOCTL_PRIME_HANDLE_TO_FD', rule: 'flags_invalid', needs: 'dmabuf_export', fields: (env, t) => ({ handle: gemCreate(env, t).handle, flags: 0x1 }) },
  { ioctl: 'DRM_IOCTL_PRIME_HANDLE_TO_FD', rule: 'handle_not_found', needs: 'dmabuf_export', fields: () => ({ handle: NO_HANDLE, flags: drmConstant('DRM_CLOEXEC') }) },
  { ioctl: 'DRM_IOCTL_PRIME_FD_TO_HANDLE', rule: 'fd_not_dmabuf', needs: 'dmabuf_import', fields: (env) => ({ fd: nullFd(env) }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_CREATE', rule: 'flags_invalid', needs: 'syncobj', fields: () => ({ flags: 0x2 }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', rule: 'fd_not_syncobj', needs: 'syncobj', fields: (env) => ({ fd: nullFd(env) }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_WAIT', rule: 'handles_fault', needs: 'syncobj', fields: () => ({ handles: BAD_POINTER, count_handles: 1 }) },
  { ioctl: 'DRM_IOCTL_PRIME_FD_TO_HANDLE', rule: 'fd_bad', needs: 'dmabuf_import', fields: () => ({ fd: closedFd() }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_DESTROY', rule: 'pad_nonzero', needs: 'syncobj', fields: (env, t) => ({ handle: syncobj(env, t), pad: 1 }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', rule: 'pad_nonzero', needs: 'syncobj', fields: (env, t) => ({ handle: syncobj(env, t), pad: 1 }) },
  // A signalled syncobj: with the flags unchecked, a device would export it as a sync_file and succeed.
  { ioctl: 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', rule: 'flags_invalid', needs: 'syncobj', fields: (env, t) => ({ handle: syncobj(env, t, true), flags: (UNDEFINED_FLAG | SYNC_FILE) >>> 0 }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', rule: 'handle_not_found', needs: 'syncobj', fields: () => ({ handle: NO_HANDLE }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', rule: 'sync_file_no_syncobj', needs: 'syncobj', fields: () => ({ handle: NO_HANDLE, flags: SYNC_FILE }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', rule: 'pad_nonzero', needs: 'syncobj', fields: (env) => ({ fd: nullFd(env), pad: 1 }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', rule: 'flags_invalid', needs: 'syncobj', fields: (env) => ({ fd: nullFd(env), flags: UNDEFINED_FLAG }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', rule: 'fd_not_sync_file', needs: 'syncobj', fields: (env, t) => ({ handle: syncobj(env, t), fd: owned(env, createEventfd(0, C.EFD_CLOEXEC)), flags: SYNC_FILE }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', rule: 'handle_not_found', needs: 'syncobj', fields: (env, t) => ({ handle: NO_HANDLE, fd: syncFile(env, t), flags: SYNC_FILE }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_WAIT', rule: 'flags_invalid', needs: 'syncobj', fields: (env, t) => ({ ...array()(env, t), flags: 0x40000000 }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_SIGNAL', rule: 'pad_nonzero', needs: 'syncobj', fields: (env, t) => ({ ...array()(env, t), pad: 1 }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_SIGNAL', rule: 'count_zero', needs: 'syncobj', fields: array(0) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_SIGNAL', rule: 'handles_fault', needs: 'syncobj', fields: () => ({ handles: BAD_POINTER, count_handles: 1 }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_SIGNAL', rule: 'handle_not_found', needs: 'syncobj', fields: (env) => ({ handles: env.u32s([NO_HANDLE]), count_handles: 1 }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT', rule: 'flags_invalid', needs: 'syncobj_timeline', fields: (env, t) => timeline(env, t, { flags: 0x40000000 }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT', rule: 'handles_fault', needs: 'syncobj_timeline', fields: (env, t) => timeline(env, t, { handles: BAD_POINTER }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT', rule: 'handle_not_found', needs: 'syncobj_timeline', fields: (env, t) => timeline(env, t, { handles: env.u32s([NO_HANDLE]) }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT', rule: 'points_fault', needs: 'syncobj_timeline', fields: (env, t) => timeline(env, t, { points: BAD_POINTER }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT', rule: 'no_fence', needs: 'syncobj_timeline', fields: (env, t) => ({ handles: env.u32s([syncobj(env, t)]), points: env.u64s([5n]).address, count_handles: 1 }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT', rule: 'timed_out', needs: 'syncobj_timeline', fields: (env, t) => ({ handles: env.u32s([syncobj(env, t)]), points: env.u64s([5n]).address, count_handles: 1, flags: WAIT_FOR_SUBMIT }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_QUERY', rule: 'flags_invalid', needs: 'syncobj_timeline', fields: (env, t) => timeline(env, t, { flags: 0x2 }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_QUERY', rule: 'count_zero', needs: 'syncobj_timeline', fields: (env, t) => timeline(env, t, { count_handles: 0 }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_QUERY', rule: 'handles_fault', needs: 'syncobj_timeline', fields: (env, t) => timeline(env, t, { handles: BAD_POINTER }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_QUERY', rule: 'handle_not_found', needs: 'syncobj_timeline', fields: (env, t) => timeline(env, t, { handles: env.u32s([NO_HANDLE]) }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_QUERY', rule: 'points_fault', needs: 'syncobj_timeline', fields: (env, t) => timeline(env, t, { points: BAD_POINTER }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_TRANSFER', rule: 'pad_nonzero', needs: 'syncobj_timeline', fields: (env, t) => ({ src_handle: syncobj(env, t, true), dst_handle: syncobj(env, t), dst_point: 1n, pad: 1 }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_TRANSFER', rule: 'dst_not_found', needs: 'syncobj_timeline', fields: (env, t) => ({ src_handle: syncobj(env, t, true), dst_handle: NO_HANDLE, dst_point: 1n }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_TRANSFER', rule: 'src_not_found', needs: 'syncobj_timeline', fields: (env, t) => ({ src_handle: NO_HANDLE, dst_handle: syncobj(env, t), dst_point: 1n }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_TRANSFER', rule: 'flags_invalid', needs: 'syncobj_timeline', fields: (env, t) => ({ src_handle: syncobj(env, t, true), dst_handle: syncobj(env, t), dst_point: 1n, flags: UNDEFINED_FLAG }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_TRANSFER', rule: 'src_no_fence', needs: 'syncobj_timeline', fields: (env, t) => ({ src_handle: syncobj(env, t), dst_handle: syncobj(env, t), dst_point: 1n }) },
  // Waits the 5 s the core gives a fence to come (DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT).
  { ioctl: 'DRM_IOCTL_SYNCOBJ_TRANSFER', rule: 'wait_for_submit_timeout', needs: 'syncobj_timeline', fields: (env, t) => ({ src_handle: syncobj(env, t), dst_handle: syncobj(env, t), dst_point: 1n, flags: WAIT_FOR_SUBMIT }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL', rule: 'flags_invalid', needs: 'syncobj_timeline', fields: (env, t) => timeline(env, t, { flags: 0x1 }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL', rule: 'count_zero', needs: 'syncobj_timeline', fields: (env, t) => timeline(env, t, { count_handles: 0 }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL', rule: 'handles_fault', needs: 'syncobj_timeline', fields: (env, t) => timeline(env, t, { handles: BAD_POINTER }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL', rule: 'handle_not_found', needs: 'syncobj_timeline', fields: (env, t) => timeline(env, t, { handles: env.u32s([NO_HANDLE]) }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL', rule: 'points_fault', needs: 'syncobj_timeline', fields: (env, t) => timeline(env, t, { points: BAD_POINTER }) },
];

/** An fd number that is not open (opened, then closed). */
function closedFd(): number {
  const fd = createEventfd(0, C.EFD_CLOEXEC);
  closeFd(fd);
  return fd;
}

export const coreErrnoSuite: T[] = CASES.map((c): T => {
  const without = c.needs.startsWith('!');
  const cap = c.needs.replace(/^!/, '');
  const rule = openaccelV2.coreIoctls.find((i) => i.name === c.ioctl)!.errors.find((x) => x.id === c.rule)!;
  return {
    id: `core.${c.ioctl.replace(/^DRM_IOCTL_/, '').toLowerCase()}.${c.rule}`,
    doc: `${c.ioctl}: ${rule.errno} when ${rule.when}`,
    // A rule only a device without a feature shows is mandatory for no profile.
    profiles: without ? [] : [cap === 'device_memory' ? 'core' : cap.startsWith('dmabuf') ? 'dmabuf' : 'chain'],
    ...(without ? {} : { requires: { caps: [cap] } }),
    run(env): void {
      if (without && env.has(cap)) throw new SkipTest(`a device without ${cap}`, `the device has ${cap}`);
      const t = env.bound();
      const seen = env.core(t, c.ioctl, c.fields(env, t)).errno;
      expectErrno(`${c.ioctl} (${c.rule})`, errnoOf(c.ioctl, c.rule), seen);
    },
  };
});
