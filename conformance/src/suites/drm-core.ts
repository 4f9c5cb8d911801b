/**
 * Profile drm-core: what the DRM core promises on any render or accel node, whatever the driver. Errnos
 * come from the 2.0 spec's DRM core rules (each traced to the kernel function that returns it).
 */
import { existsSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { addressOf, createEventfd, ioctl } from '@openaccel/sys';
import { drmConstant, drmCoreIoctl, ioc, type DrmStructValue } from '@openaccel/uapi';
import { ConformanceFailure, expectEqual, SkipTest } from '../model.js';
import { dumbDmabuf, heapDmabuf, type SourcedDmabuf } from '../native/dmabuf-source.js';
import type { NativeEnv } from '../native/native-env.js';
import { readSmall } from '../native/native-env.js';
import type { NativeTest } from '../native/native-model.js';

const IOCTL_C = 'drivers/gpu/drm/drm_ioctl.c';
const USAGE_STATS = 'Documentation/gpu/drm-usage-stats.rst';
const PRIME_DOC = 'Documentation/gpu/drm-mm.rst: PRIME Buffer Sharing';
const SYSTEM_HEAP = '/dev/dma_heap/system';

/** The spec's source for an errno rule of a core ioctl. */
function ruleOf(name: string, id: string): { errno: string; source: string } {
  const r = drmCoreIoctl(name).compiled.spec.errors.find((e) => e.id === id);
  if (!r) throw new Error(`the spec has no rule ${name}.${id}`);
  return { errno: r.errno, source: r.source };
}

function expectErrno(what: string, expected: string | readonly string[], seen: string | undefined): void {
  const ok = typeof expected === 'string' ? [expected] : expected;
  if (!seen || !ok.includes(seen)) throw new ConformanceFailure(`${what}: expected ${ok.join(' or ')}, seen ${seen ?? 'success'}`, ok.join('|'), seen ?? 'success');
}

function cap(env: NativeEnv, fd: number, name: string): bigint {
  return env.drmOk(fd, 'DRM_IOCTL_GET_CAP', { capability: drmConstant(name) }).value as bigint;
}

/** The driver name by the two-call protocol of DRM_IOCTL_VERSION. */
function driverName(env: NativeEnv, fd: number): string {
  const len = Number(env.drmOk(fd, 'DRM_IOCTL_VERSION').name_len);
  const buf = Buffer.alloc(Math.max(len, 65));
  env.drmOk(fd, 'DRM_IOCTL_VERSION', { name_len: len, name: addressOf(buf) });
  return buf.subarray(0, len).toString('latin1');
}

/** A dma-buf to import: a dumb buffer of the same device's primary node, else one of the system dma-heap. */
function foreignDmabuf(env: NativeEnv): SourcedDmabuf {
  const drmDir = env.node.sysfsDir ? join(env.node.sysfsDir, 'device/drm') : undefined;
  const card = drmDir ? listSafe(drmDir).find((n) => /^card\d+$/.test(n)) : undefined;
  const dumb = card ? dumbDmabuf(env, `/dev/dri/${card}`, 65536) : undefined;
  if (dumb) return dumb;
  if (!existsSync(SYSTEM_HEAP)) throw new SkipTest('a dma-buf to import', `no primary node with dumb buffers and no ${SYSTEM_HEAP}`);
  return heapDmabuf(env, SYSTEM_HEAP, 65536);
}

/**
 * The fdinfo of a DRM fd, when the driver publishes usage stats at all. The document makes drm-driver
 * mandatory in that output and asks drivers to use drm_show_fdinfo(); a driver whose fops have no
 * show_fdinfo publishes no drm-* key, which is a missing feature (skip), not a wrong key.
 */
function usageStats(env: NativeEnv, fd: number): Map<string, string> {
  const info = env.fdinfo(fd);
  if (![...info.keys()].some((k) => k.startsWith('drm-'))) throw new SkipTest('DRM usage stats in fdinfo', 'the driver publishes no drm-* fdinfo key (its file operations have no show_fdinfo)');
  return info;
}

function listSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

interface ErrnoCase {
  ioctl: string;
  rule: string;
  /** What the driver must support for the rule to apply. */
  needs: 'gem' | 'prime' | 'syncobj';
  arg(env: NativeEnv, fd: number): DrmStructValue;
}

const BAD_HANDLE = 0x7ffffff0;
const ERRNO_CASES: ErrnoCase[] = [
  { ioctl: 'DRM_IOCTL_GEM_CLOSE', rule: 'handle_not_found', needs: 'gem', arg: () => ({ handle: BAD_HANDLE }) },
  { ioctl: 'DRM_IOCTL_PRIME_HANDLE_TO_FD', rule: 'flags_invalid', needs: 'prime', arg: () => ({ handle: BAD_HANDLE, flags: 0x10, fd: -1 }) },
  { ioctl: 'DRM_IOCTL_PRIME_HANDLE_TO_FD', rule: 'handle_not_found', needs: 'prime', arg: () => ({ handle: BAD_HANDLE, flags: drmConstant('DRM_CLOEXEC'), fd: -1 }) },
  { ioctl: 'DRM_IOCTL_PRIME_FD_TO_HANDLE', rule: 'fd_bad', needs: 'prime', arg: () => ({ fd: 0x3ffffff0 }) },
  { ioctl: 'DRM_IOCTL_PRIME_FD_TO_HANDLE', rule: 'fd_not_dmabuf', needs: 'prime', arg: (env) => ({ fd: env.own(createEventfd()) }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_CREATE', rule: 'flags_invalid', needs: 'syncobj', arg: () => ({ flags: 0x80 }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_DESTROY', rule: 'handle_not_found', needs: 'syncobj', arg: () => ({ handle: BAD_HANDLE }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_DESTROY', rule: 'pad_nonzero', needs: 'syncobj', arg: () => ({ handle: BAD_HANDLE, pad: 1 }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', rule: 'flags_invalid', needs: 'syncobj', arg: () => ({ handle: BAD_HANDLE, flags: 0x80, fd: -1 }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', rule: 'fd_not_syncobj', needs: 'syncobj', arg: (env) => ({ fd: env.own(createEventfd()) }) },
  { ioctl: 'DRM_IOCTL_SYNCOBJ_SIGNAL', rule: 'count_zero', needs: 'syncobj', arg: () => ({}) },
];

function errnoTest(c: ErrnoCase): NativeTest {
  const r = ruleOf(c.ioctl, c.rule);
  const short = c.ioctl.replace('DRM_IOCTL_', '').toLowerCase();
  return {
    id: `drm.${short}.${c.rule}`,
    profile: 'drm-core',
    doc: `${c.ioctl} fails with ${r.errno} when ${drmCoreIoctl(c.ioctl).compiled.spec.errors.find((e) => e.id === c.rule)!.when}`,
    source: r.source,
    run(env) {
      const fd = env.open();
      if (c.needs === 'syncobj' && cap(env, fd, 'DRM_CAP_SYNCOBJ') === 0n) {
        // Without DRIVER_SYNCOBJ every syncobj ioctl must say so, before looking at its argument.
        const no = ruleOf(c.ioctl, 'syncobj_unsupported');
        expectErrno(`${c.ioctl} on a driver without syncobjs (${no.source})`, no.errno, env.drm(fd, c.ioctl, c.arg(env, fd)).errno);
        return { warn: 'the driver has no syncobjs (DRM_CAP_SYNCOBJ 0): checked that the ioctl answers EOPNOTSUPP' };
      }
      if (c.needs === 'prime' && (cap(env, fd, 'DRM_CAP_PRIME') & 3n) === 0n) throw new SkipTest('DRM_CAP_PRIME');
      expectErrno(c.ioctl, r.errno, env.drm(fd, c.ioctl, c.arg(env, fd)).errno);
    },
  };
}

export const drmCoreSuite: NativeTest[] = [
  {
    id: 'drm.node.sysfs',
    profile: 'drm-core',
    doc: 'the node has a class directory in drm or accel whose dev is the node\'s major:minor, whose name carries the minor (renderD<minor>, accel<minor>), and whose device link leads to the parent device',
    source: 'drivers/gpu/drm/drm_sysfs.c: drm_sysfs_minor_alloc; Documentation/accel/introduction.rst: Differentiation from GPUs',
    run(env) {
      const { sysfsDir, devt, kind } = env.node;
      if (!sysfsDir || !devt) throw new ConformanceFailure(`no sysfs class directory for ${env.node.path}`, 'class/drm or class/accel entry', 'none');
      expectEqual('dev attribute', `${devt.major}:${devt.minor}`, (readSmall(join(sysfsDir, 'dev')) ?? '').trim());
      const name = sysfsDir.split('/').pop()!;
      const m = /^(renderD|accel|card)(\d+)$/.exec(name);
      if (!m) throw new ConformanceFailure(`class directory name ${name}`, 'renderD<minor> or accel<minor>', name);
      expectEqual('minor in the name', devt.minor, Number(m[2]));
      if (kind === 'drm-render' && devt.minor < 128) throw new ConformanceFailure('render minors start at 128 (DRM_MINOR_RENDER * 64)', '>= 128', String(devt.minor));
      let parent: string;
      try {
        parent = readlinkSync(join(sysfsDir, 'device'));
        statSync(join(sysfsDir, 'device'));
      } catch {
        throw new ConformanceFailure('the device link', 'a link to the parent device', 'missing or dangling');
      }
      return { facts: { sysfs: sysfsDir, parent: parent.split('/').pop()! } };
    },
  },
  {
    id: 'drm.version.two_call',
    profile: 'drm-core',
    doc: 'DRM_IOCTL_VERSION with no room reports the full lengths; with room it fills the name, which is printable',
    source: `${IOCTL_C}: drm_copy_field`,
    run(env) {
      const fd = env.open();
      const first = env.drmOk(fd, 'DRM_IOCTL_VERSION');
      if (Number(first.name_len) <= 0) throw new ConformanceFailure('name_len with no room', '> 0', String(first.name_len));
      const name = driverName(env, fd);
      if (!/^[\x21-\x7e]+$/.test(name)) throw new ConformanceFailure('driver name', 'printable ASCII without NUL', JSON.stringify(name));
      return { facts: { driver: name, version: `${first.version_major}.${first.version_minor}.${first.version_patchlevel}` } };
    },
  },
  {
    id: 'drm.version.truncates',
    profile: 'drm-core',
    doc: 'DRM_IOCTL_VERSION writes at most name_len bytes and still reports the full length',
    source: `${IOCTL_C}: drm_copy_field`,
    run(env) {
      const fd = env.open();
      const full = Number(env.drmOk(fd, 'DRM_IOCTL_VERSION').name_len);
      if (full < 2) throw new SkipTest('a driver name of two bytes or more');
      const buf = Buffer.alloc(128, 0xa5);
      const out = env.drmOk(fd, 'DRM_IOCTL_VERSION', { name_len: 1, name: addressOf(buf) });
      expectEqual('name_len after a 1-byte room', full, Number(out.name_len));
      expectEqual('byte after the room (untouched)', 0xa5, buf[1]);
    },
  },
  {
    id: 'drm.version.version_fault',
    profile: 'drm-core',
    doc: 'DRM_IOCTL_VERSION with a name buffer that is not writable fails with EFAULT',
    source: ruleOf('DRM_IOCTL_VERSION', 'version_fault').source,
    run(env) {
      const fd = env.open();
      // Page 0 is never mapped for a user process (vm.mmap_min_addr).
      expectErrno('DRM_IOCTL_VERSION into address 16', 'EFAULT', env.drm(fd, 'DRM_IOCTL_VERSION', { name_len: 64, name: 16 }).errno);
    },
  },
  {
    id: 'drm.get_cap.render_caps',
    profile: 'drm-core',
    doc: 'GET_CAP answers DRM_CAP_PRIME (only the IMPORT and EXPORT bits), DRM_CAP_SYNCOBJ and DRM_CAP_SYNCOBJ_TIMELINE (0 or 1) on every node',
    source: `${IOCTL_C}: drm_getcap`,
    run(env) {
      const fd = env.open();
      const prime = cap(env, fd, 'DRM_CAP_PRIME');
      if (prime & ~3n) throw new ConformanceFailure('DRM_CAP_PRIME bits', 'IMPORT|EXPORT only', `0x${prime.toString(16)}`);
      const syncobj = cap(env, fd, 'DRM_CAP_SYNCOBJ');
      const timeline = cap(env, fd, 'DRM_CAP_SYNCOBJ_TIMELINE');
      for (const [n, v] of [['DRM_CAP_SYNCOBJ', syncobj], ['DRM_CAP_SYNCOBJ_TIMELINE', timeline]] as const) if (v > 1n) throw new ConformanceFailure(n, '0 or 1', String(v));
      return { facts: { prime: Number(prime), syncobj: Number(syncobj), timeline: Number(timeline) } };
    },
  },
  {
    id: 'drm.get_cap.unknown',
    profile: 'drm-core',
    doc: 'GET_CAP of a capability no kernel defines fails: EOPNOTSUPP from a driver without modesetting (every accel driver), EINVAL from a KMS driver',
    source: ruleOf('DRM_IOCTL_GET_CAP', 'cap_unknown').source,
    run(env) {
      const fd = env.open();
      const r = env.drm(fd, 'DRM_IOCTL_GET_CAP', { capability: 0xfffffff0 });
      expectErrno('GET_CAP 0xfffffff0', env.node.kind === 'drm-accel' ? 'EOPNOTSUPP' : ['EOPNOTSUPP', 'EINVAL'], r.errno);
      return { facts: { errno: r.errno! } };
    },
  },
  {
    id: 'drm.ioctl.foreign_type',
    profile: 'drm-core',
    doc: 'an ioctl whose type byte is not \'d\' fails with ENOTTY',
    source: `${IOCTL_C}: drm_ioctl`,
    run(env) {
      const fd = env.open();
      expectErrno("_IOWR('X', 0, 8)", 'ENOTTY', ioctl(fd, ioc('generic', 'readwrite', 0x58, 0, 8), new Uint8Array(8)).errno);
    },
  },
  {
    id: 'drm.ioctl.unknown_nr',
    profile: 'drm-core',
    doc: 'a DRM ioctl number past the core table or past the driver\'s own ioctls fails with EINVAL',
    source: `${IOCTL_C}: drm_ioctl`,
    run(env) {
      const fd = env.open();
      expectErrno("_IOWR('d', 0xfe, 8) (past the core table)", 'EINVAL', ioctl(fd, ioc('generic', 'readwrite', 0x64, 0xfe, 8), new Uint8Array(8)).errno);
      expectErrno("_IOWR('d', 0x9f, 8) (last driver nr)", 'EINVAL', ioctl(fd, ioc('generic', 'readwrite', 0x64, drmConstant('DRM_COMMAND_END') - 1, 8), new Uint8Array(8)).errno);
    },
  },
  {
    id: 'drm.ioctl.unreadable_arg',
    profile: 'drm-core',
    doc: 'a core ioctl whose argument cannot be read (NULL) fails with EFAULT and changes nothing',
    source: `${IOCTL_C}: drm_ioctl`,
    run(env) {
      const fd = env.open();
      expectErrno('DRM_IOCTL_GET_CAP with a NULL argument', 'EFAULT', ioctl(fd, drmCoreIoctl('DRM_IOCTL_GET_CAP').request, null).errno);
    },
  },
  ...ERRNO_CASES.map(errnoTest),
  {
    id: 'drm.prime.round_trip',
    profile: 'drm-core',
    doc: 'importing a dma-buf twice gives the same handle; exporting that handle gives back the same dma-buf; closing the handle works once',
    source: `${PRIME_DOC}; drivers/gpu/drm/drm_prime.c: drm_gem_prime_fd_to_handle, drm_gem_prime_handle_to_dmabuf`,
    run(env) {
      const fd = env.open();
      const prime = cap(env, fd, 'DRM_CAP_PRIME');
      if ((prime & 3n) !== 3n) throw new SkipTest('DRM_CAP_PRIME import and export');
      const src = foreignDmabuf(env);
      const h1 = Number(env.drmOk(fd, 'DRM_IOCTL_PRIME_FD_TO_HANDLE', { fd: src.fd }).handle);
      const h2 = Number(env.drmOk(fd, 'DRM_IOCTL_PRIME_FD_TO_HANDLE', { fd: src.fd }).handle);
      expectEqual('handle of a second import of the same dma-buf', h1, h2);
      const back = env.own(Number(env.drmOk(fd, 'DRM_IOCTL_PRIME_HANDLE_TO_FD', { handle: h1, flags: drmConstant('DRM_CLOEXEC') }).fd));
      const ino = (f: number) => statSync(`/proc/self/fd/${f}`).ino;
      expectEqual('inode of the re-exported dma-buf', ino(src.fd), ino(back));
      env.drmOk(fd, 'DRM_IOCTL_GEM_CLOSE', { handle: h1 });
      expectErrno('second GEM_CLOSE of the handle', ruleOf('DRM_IOCTL_GEM_CLOSE', 'handle_not_found').errno, env.drm(fd, 'DRM_IOCTL_GEM_CLOSE', { handle: h1 }).errno);
      return { facts: { imported: src.how } };
    },
  },
  {
    id: 'drm.syncobj.lifecycle',
    profile: 'drm-core',
    doc: 'a syncobj can be created unsignalled, polled (EINVAL: no fence), signalled, waited, exported and imported as an fd, and destroyed once',
    source: 'drivers/gpu/drm/drm_syncobj.c: drm_syncobj_create_ioctl, drm_syncobj_array_wait_timeout, drm_syncobj_signal_ioctl, drm_syncobj_handle_to_fd, drm_syncobj_destroy',
    run(env) {
      const fd = env.open();
      if (cap(env, fd, 'DRM_CAP_SYNCOBJ') === 0n) throw new SkipTest('DRM_CAP_SYNCOBJ');
      const handle = Number(env.drmOk(fd, 'DRM_IOCTL_SYNCOBJ_CREATE').handle);
      const handles = Buffer.alloc(72);
      handles.writeUInt32LE(handle, 0);
      const wait = () => env.drm(fd, 'DRM_IOCTL_SYNCOBJ_WAIT', { handles: addressOf(handles), count_handles: 1, timeout_nsec: 0 }).errno;
      expectErrno('WAIT on a syncobj with no fence', ruleOf('DRM_IOCTL_SYNCOBJ_WAIT', 'no_fence').errno, wait());
      env.drmOk(fd, 'DRM_IOCTL_SYNCOBJ_SIGNAL', { handles: addressOf(handles), count_handles: 1 });
      expectEqual('WAIT after SIGNAL', 'success', wait() ?? 'success');
      const sfd = env.own(Number(env.drmOk(fd, 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle, fd: -1 }).fd));
      const other = Number(env.drmOk(fd, 'DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', { fd: sfd }).handle);
      env.drmOk(fd, 'DRM_IOCTL_SYNCOBJ_DESTROY', { handle: other });
      env.drmOk(fd, 'DRM_IOCTL_SYNCOBJ_DESTROY', { handle });
      expectErrno('second DESTROY', 'EINVAL', env.drm(fd, 'DRM_IOCTL_SYNCOBJ_DESTROY', { handle }).errno);
    },
  },
  {
    id: 'drm.fdinfo.driver',
    profile: 'drm-core',
    doc: 'the fdinfo of an open node has drm-driver, equal to the name DRM_IOCTL_VERSION reports',
    source: `${USAGE_STATS}: Mandatory fully standardised keys`,
    run(env) {
      const fd = env.open();
      const info = usageStats(env, fd);
      expectEqual('drm-driver', driverName(env, fd), info.get('drm-driver') ?? '(absent)');
    },
  },
  {
    id: 'drm.fdinfo.formats',
    profile: 'drm-core',
    doc: 'every standard drm-* fdinfo key has its documented value format, and two opens have different drm-client-id',
    source: `${USAGE_STATS}: Optional fully standardised keys`,
    run(env) {
      const a = usageStats(env, env.open());
      const b = env.fdinfo(env.open());
      const formats: [RegExp, RegExp][] = [
        [/^drm-client-id$/, /^\d+$/],
        [/^drm-pdev$/, /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/],
        [/^drm-engine-capacity-/, /^\d+$/],
        [/^drm-engine-/, /^\d+ ns$/],
        [/^drm-(total-)?cycles-/, /^\d+$/],
        [/^drm-maxfreq-/, /^\d+ (Hz|MHz|KHz)$/],
        [/^drm-(memory|shared|total|resident|purgeable|active)-/, /^\d+( KiB| MiB)?$/],
      ];
      for (const [k, v] of a) {
        const f = formats.find(([key]) => key.test(k));
        if (f && !f[1].test(v)) throw new ConformanceFailure(`fdinfo ${k}`, String(f[1]), v);
      }
      if (a.has('drm-client-id') && a.get('drm-client-id') === b.get('drm-client-id')) throw new ConformanceFailure('drm-client-id of two opens', 'different', `both ${a.get('drm-client-id')}`);
      if (!a.has('drm-client-id')) return { warn: 'no drm-client-id (optional)' };
    },
  },
];

