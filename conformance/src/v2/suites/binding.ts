/**
 * The DRM accel binding (rules binding.*, size.drm-ioctl) and the common rules every driver-private
 * ioctl obeys, sent as exact bytes.
 */
import { statSync } from 'node:fs';
import { C, closeFd, createMemfd, Mapping } from '@openaccel/sys';
import { drmConstant, drmCoreIoctl, ioc, openaccelV2, uapi2 } from '@openaccel/uapi';
import { expectErrno, expectSuccess } from '../../env.js';
import { ConformanceFailure, expectEqual, expectTrue, SkipTest, type TestCase } from '../../model.js';
import { driverName, queryFunctions, type AccelEnv } from '../accel-env.js';

type T = TestCase<AccelEnv>;

const ACCEL_MAJOR = 261;
const info = uapi2.ioctl('DRM_IOCTL_OA_GET_INFO');
/** A file size that is a whole number of pages on every Linux host (4 to 64 KiB pages). */
const SHORT_ARG_FILE = 64 * 1024;

export const bindingSuite: T[] = [
  {
    id: 'protocol.binding.node',
    doc: 'the node is an accel minor (character major 261) or a socket node, its sysfs device is class/accel/<name>, and each open() is a context of its own',
    profiles: ['core'],
    run(env) {
      const st = statSync(env.device);
      if (st.isCharacterDevice()) expectEqual(`major of ${env.device}`, ACCEL_MAJOR, Math.floor(st.rdev / 256) & 0xfff);
      else expectTrue(`${env.device} is a character device or a socket node`, st.isSocket(), 'another file type');
      expectTrue(`${env.sysfsDir()} is a directory`, statSync(env.sysfsDir()).isDirectory());
      // Two opens are two contexts: binding one leaves the other unbound (and it can bind on its own).
      const a = env.bound();
      const b = env.open();
      expectErrno('CREATE_QUEUE on an unbound second open', 'EBADFD', env.io(b, 'DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 2 }).errno);
      expectErrno('a second BIND_CONTEXT on the first open', 'EBUSY', env.io(a, 'DRM_IOCTL_OA_BIND_CONTEXT').errno);
      expectSuccess('BIND_CONTEXT on the second open', env.io(b, 'DRM_IOCTL_OA_BIND_CONTEXT').errno);
    },
  },
  {
    id: 'protocol.binding.identify',
    doc: 'DRM_IOCTL_VERSION names the driver "openaccel" with version_major OA_API_VERSION_MAJOR (into a 1-byte buffer, its first byte), and GET_INFO answers with the same major',
    profiles: ['core'],
    run(env) {
      const v = driverName(env, env.open());
      expectSuccess('DRM_IOCTL_VERSION', v.errno);
      expectEqual('driver name', openaccelV2.binding.driverName, v.name);
      expectEqual('version_major', uapi2.constant('OA_API_VERSION_MAJOR'), v.major);
      expectEqual('GET_INFO api_major', v.major, env.info.apiVersion.major);
      expectEqual('GET_INFO api_minor', v.minor, env.info.apiVersion.minor);
      // A buffer shorter than the name gets what fits (drm_copy_field), down to one byte, and name_len the full length.
      const one = env.buffer(8);
      one.bytes.fill(0xff);
      const r = env.core(env.open(), 'DRM_IOCTL_VERSION', { name_len: 1n, name: one.address });
      expectSuccess('DRM_IOCTL_VERSION with name_len 1', r.errno);
      expectEqual('name_len after VERSION with a 1-byte buffer', BigInt(openaccelV2.binding.driverName.length), r.out.name_len);
      expectEqual('the bytes of a 1-byte name buffer', [openaccelV2.binding.driverName.charCodeAt(0), 0xff], [one.bytes[0], one.bytes[1]]);
    },
  },
  {
    id: 'protocol.binding.numbering',
    doc: "requests are DRM_IOWR(DRM_COMMAND_BASE + n) of type 'd'; a nr past the driver's table is EINVAL (common.unknown_ioctl), not ENOTTY",
    profiles: ['core'],
    run(env) {
      const t = env.open();
      const last = Math.max(...openaccelV2.ioctls.map((i) => i.nr));
      expectEqual("GET_INFO's type byte", 0x64, (info.request() >>> 8) & 0xff);
      expectEqual("GET_INFO's nr", drmConstant('DRM_COMMAND_BASE'), info.request() & 0xff);
      for (const nr of [last + 1, drmConstant('DRM_COMMAND_END') - 1]) {
        const req = ioc('generic', 'readwrite', 0x64, nr, 16);
        expectErrno(`nr 0x${nr.toString(16)} past the driver's table`, 'EINVAL', t.ioctl(req, new Uint8Array(16)).errno);
      }
    },
  },
  {
    id: 'protocol.size.drm-ioctl',
    doc: "a struct shorter than the driver's is zero-extended and one longer is cut: GET_INFO answers both, the short one with what fits",
    profiles: ['core'],
    run(env) {
      const t = env.open();
      const full = info.encode({});
      const n = full.length;
      const short = new Uint8Array(16);
      const rShort = t.ioctl(ioc('generic', 'readwrite', 0x64, info.request() & 0xff, short.length), short).errno;
      expectSuccess(`GET_INFO with a ${short.length}-byte struct`, rShort);
      const long = new Uint8Array(n + 64);
      long.fill(0xa5, n);
      expectSuccess(`GET_INFO with a ${long.length}-byte struct`, t.ioctl(ioc('generic', 'readwrite', 0x64, info.request() & 0xff, long.length), long).errno);
      expectSuccess('GET_INFO with its own size', t.ioctl(info.request(), full).errno);
      expectEqual('the short answer is the start of the full one', [...full.subarray(0, short.length)], [...short]);
      expectEqual('the long answer starts with the full one', [...full.subarray(8)], [...long.subarray(8, n)]);
    },
  },
  {
    id: 'common.unknown_ioctl',
    doc: 'a driver nr beyond the ioctl table is EINVAL whatever the size and direction bits',
    profiles: ['core'],
    run(env) {
      const t = env.open();
      const nr = Math.max(...openaccelV2.ioctls.map((i) => i.nr)) + 1;
      for (const dir of ['none', 'read', 'write', 'readwrite'] as const) {
        const size = dir === 'none' ? 0 : 8;
        expectErrno(`nr 0x${nr.toString(16)} (${dir})`, 'EINVAL', t.ioctl(ioc('generic', dir, 0x64, nr, size), new Uint8Array(8)).errno);
      }
    },
  },
  {
    id: 'common.unknown_flags',
    doc: 'an undefined bit in any input flags field is EINVAL, on every ioctl with one',
    profiles: ['core'],
    run(env) {
      const t = env.bound();
      const cases = [
        ['DRM_IOCTL_OA_GET_INFO', {}],
        ['DRM_IOCTL_OA_QUERY_FUNCTIONS', {}],
        ['DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 2 }],
        ['DRM_IOCTL_OA_GEM_CREATE', { size: 4096n }],
        ['DRM_IOCTL_OA_GEM_INFO', { handle: 1 }],
        ['DRM_IOCTL_OA_SUBMIT', { queue_id: 1 }],
      ] as const;
      for (const [name, fields] of cases) {
        expectErrno(`${name} with flags bit 31`, 'EINVAL', env.io(t, name, { ...fields, flags: 0x80000000 }).errno);
      }
      expectErrno('BIND_CONTEXT with flags bit 31', 'EINVAL', env.io(env.open(), 'DRM_IOCTL_OA_BIND_CONTEXT', { flags: 0x80000000 }).errno);
    },
  },
  {
    id: 'common.reserved_nonzero',
    doc: 'a non-zero reserved field is EINVAL (reserved fields stay checked under drm_ioctl)',
    profiles: ['core'],
    run(env) {
      const t = env.bound();
      expectErrno('CREATE_QUEUE reserved', 'EINVAL', env.io(t, 'DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 2, reserved: 1 }).errno);
      expectErrno('DESTROY_QUEUE reserved', 'EINVAL', env.io(t, 'DRM_IOCTL_OA_DESTROY_QUEUE', { queue_id: 1, reserved: 1 }).errno);
      expectErrno('GEM_CREATE reserved', 'EINVAL', env.io(t, 'DRM_IOCTL_OA_GEM_CREATE', { size: 4096n, reserved: 1 }).errno);
      expectErrno('GEM_INFO reserved', 'EINVAL', env.io(t, 'DRM_IOCTL_OA_GEM_INFO', { handle: 1, reserved: 1 }).errno);
    },
  },
  {
    id: 'common.not_bound',
    doc: 'an unbound context answers GET_INFO, QUERY_*, BIND and GEM_* and refuses every other driver ioctl with EBADFD',
    profiles: ['core'],
    run(env) {
      const t = env.open();
      expectSuccess('GET_INFO unbound', env.io(t, 'DRM_IOCTL_OA_GET_INFO').errno);
      expectSuccess('QUERY_FUNCTIONS unbound', queryFunctions(env, t, env.info.numOpcodes).errno);
      if (env.info.numMemories > 0) expectSuccess('QUERY_MEMORY unbound', env.io(t, 'DRM_IOCTL_OA_QUERY_MEMORY', { memory_id: 0 }).errno);
      expectErrno('CREATE_QUEUE unbound', 'EBADFD', env.io(t, 'DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 2 }).errno);
      expectErrno('DESTROY_QUEUE unbound', 'EBADFD', env.io(t, 'DRM_IOCTL_OA_DESTROY_QUEUE', { queue_id: 1 }).errno);
      expectErrno('SET_EVENTFD unbound', 'EBADFD', env.io(t, 'DRM_IOCTL_OA_SET_EVENTFD', { queue_id: 1, eventfd: -1 }).errno);
      expectErrno('SUBMIT unbound', 'EBADFD', env.io(t, 'DRM_IOCTL_OA_SUBMIT', { queue_id: 1 }).errno);
    },
  },
  {
    id: 'common.arg_fault',
    doc: 'a pointer field the device must follow that points nowhere is EFAULT (QUERY_FUNCTIONS bitmap_ptr, VERSION name), and so is an argument not readable for its _IOC_SIZE bytes (GET_INFO, GET_CAP)',
    profiles: ['core'],
    run(env) {
      const t = env.open();
      const bad = 8n; // the zero page is never mapped
      expectErrno('QUERY_FUNCTIONS with bitmap_ptr 8', 'EFAULT', env.io(t, 'DRM_IOCTL_OA_QUERY_FUNCTIONS', { num_words: 1, bitmap_ptr: bad }).errno);
      expectErrno('VERSION with name 8', 'EFAULT', env.core(t, 'DRM_IOCTL_VERSION', { name_len: 16n, name: bad }).errno);
      // An argument readable for fewer bytes than _IOC_SIZE: its last byte ends a memfd, and the mapping
      // goes on past the end of the file, so a kernel's copy faults there (a socket node sees a short argument).
      const fd = createMemfd('oa-arg-fault', SHORT_ARG_FILE);
      const m = (() => {
        try {
          return env.track(Mapping.map(fd, 2 * SHORT_ARG_FILE, { prot: C.PROT_READ | C.PROT_WRITE, flags: C.MAP_SHARED }));
        } finally {
          closeFd(fd);
        }
      })();
      const shortArg = () => m.bytes(SHORT_ARG_FILE - 8, 8);
      expectErrno('GET_INFO with 8 readable bytes of its _IOC_SIZE', 'EFAULT', t.ioctl(info.request(), shortArg()).errno);
      expectErrno('GET_CAP with 8 readable bytes of its _IOC_SIZE', 'EFAULT', t.ioctl(drmCoreIoctl('DRM_IOCTL_GET_CAP').request, shortArg()).errno);
    },
  },
  {
    id: 'ioctl.get_info.outputs',
    doc: 'GET_INFO reports the spec entry sizes, power-of-two rings, a page granule and a cache line of at most OA_CACHE_LINE_MAX',
    profiles: ['core'],
    run(env) {
      const i = env.info;
      expectEqual('sqe_size', uapi2.constant('OA_SQE_SIZE'), i.sqeSize);
      expectEqual('cqe_size', uapi2.constant('OA_CQE_SIZE'), i.cqeSize);
      const pow2 = (x: number) => x > 0 && (x & (x - 1)) === 0;
      for (const [k, v] of [['max_sq_entries', i.maxSqEntries], ['max_cq_entries', i.maxCqEntries], ['page_size', i.pageSize], ['cache_line_size', i.cacheLineSize]] as const) expectTrue(`${k} ${v} is a power of two`, pow2(v), String(v));
      expectTrue('page_size is at least 4096', i.pageSize >= 4096, String(i.pageSize));
      expectTrue('cache_line_size <= OA_CACHE_LINE_MAX', i.cacheLineSize <= uapi2.constant('OA_CACHE_LINE_MAX'), String(i.cacheLineSize));
      expectEqual('max_syncobj_points is 0 exactly when OA_CAP_SYNCOBJ is clear', env.has('syncobj'), i.maxSyncobjPoints > 0);
      expectTrue('the name is printable ASCII', /^[\x20-\x7e]+$/.test(i.name), i.name);
    },
  },
  {
    id: 'ioctl.query_functions.bitmap',
    doc: 'num_words 0 tells the words needed (ceil(num_opcodes / 64)); the bitmap names NOP and no opcode past num_opcodes',
    profiles: ['core'],
    run(env) {
      const t = env.open();
      const r = env.io(t, 'DRM_IOCTL_OA_QUERY_FUNCTIONS', { num_words: 0, bitmap_ptr: 0n });
      expectSuccess('QUERY_FUNCTIONS with num_words 0', r.errno);
      expectEqual('num_words needed', Math.ceil(env.info.numOpcodes / 64), (r.out as { num_words: number }).num_words);
      const q = queryFunctions(env, t, env.info.numOpcodes);
      expectTrue('NOP (opcode 0) is implemented', q.opcodes.includes(0), q.words.join(','));
      expectTrue('no bit at or past num_opcodes', q.opcodes.every((op) => op < env.info.numOpcodes), q.opcodes.join(','));
    },
  },
  {
    id: 'ioctl.query_functions.bitmap_fault',
    doc: 'a bitmap_ptr that is not writable is EFAULT when num_words is not 0',
    profiles: ['core'],
    run(env) {
      expectErrno('QUERY_FUNCTIONS bitmap_ptr 8', 'EFAULT', env.io(env.open(), 'DRM_IOCTL_OA_QUERY_FUNCTIONS', { num_words: 1, bitmap_ptr: 8n }).errno);
    },
  },
  {
    id: 'ioctl.query_memory.memory_not_found',
    doc: 'QUERY_MEMORY of memory_id num_memories is ENOENT; every id below it answers',
    profiles: ['core'],
    run(env) {
      const t = env.open();
      for (let id = 0; id < env.info.numMemories; id++) expectSuccess(`QUERY_MEMORY ${id}`, env.io(t, 'DRM_IOCTL_OA_QUERY_MEMORY', { memory_id: id }).errno);
      expectErrno(`QUERY_MEMORY ${env.info.numMemories}`, 'ENOENT', env.io(t, 'DRM_IOCTL_OA_QUERY_MEMORY', { memory_id: env.info.numMemories }).errno);
    },
  },
  {
    id: 'ioctl.bind_context.already_bound',
    doc: 'a second BIND_CONTEXT of a context is EBUSY; context_id is never 0',
    profiles: ['core'],
    run(env) {
      const t = env.open();
      const r = env.io(t, 'DRM_IOCTL_OA_BIND_CONTEXT');
      expectSuccess('BIND_CONTEXT', r.errno);
      expectTrue('context_id is not 0', (r.out as { context_id: number }).context_id !== 0, '0');
      expectErrno('BIND_CONTEXT again', 'EBUSY', env.io(t, 'DRM_IOCTL_OA_BIND_CONTEXT').errno);
    },
  },
  {
    id: 'ioctl.bind_context.sva_unsupported',
    doc: 'OA_BIND_SVA on a device without OA_CAP_SVA is EOPNOTSUPP',
    profiles: [],
    run(env) {
      if (env.has('sva')) throw new SkipTest('a device without OA_CAP_SVA', 'the device has OA_CAP_SVA');
      expectErrno('BIND_CONTEXT with OA_BIND_SVA', 'EOPNOTSUPP', env.io(env.open(), 'DRM_IOCTL_OA_BIND_CONTEXT', { flags: 1 }).errno);
    },
  },
  {
    id: 'core.get_cap.answers',
    doc: 'GET_CAP answers DRM_CAP_PRIME, DRM_CAP_SYNCOBJ and DRM_CAP_SYNCOBJ_TIMELINE as the OA_CAP_* bits of GET_INFO say',
    profiles: ['core'],
    run(env) {
      const t = env.open();
      const cap = (name: string) => {
        const r = env.core(t, 'DRM_IOCTL_GET_CAP', { capability: BigInt(drmConstant(name)) });
        expectSuccess(`GET_CAP ${name}`, r.errno);
        return Number(r.out.value);
      };
      const prime = cap('DRM_CAP_PRIME');
      expectEqual('DRM_PRIME_CAP_IMPORT', env.has('dmabuf_import'), (prime & drmConstant('DRM_PRIME_CAP_IMPORT')) !== 0);
      expectEqual('DRM_PRIME_CAP_EXPORT', env.has('dmabuf_export'), (prime & drmConstant('DRM_PRIME_CAP_EXPORT')) !== 0);
      expectEqual('DRM_CAP_SYNCOBJ', env.has('syncobj') ? 1 : 0, cap('DRM_CAP_SYNCOBJ'));
      expectEqual('DRM_CAP_SYNCOBJ_TIMELINE', env.has('syncobj_timeline') ? 1 : 0, cap('DRM_CAP_SYNCOBJ_TIMELINE'));
    },
  },
  {
    id: 'core.get_cap.cap_unknown',
    doc: 'GET_CAP of a capability an accel driver does not answer (DRM_CAP_DUMB_BUFFER, a modeset cap) is EOPNOTSUPP',
    profiles: ['core'],
    run(env) {
      const r = env.core(env.open(), 'DRM_IOCTL_GET_CAP', { capability: 0x1n });
      if (r.errno === undefined) throw new ConformanceFailure('GET_CAP DRM_CAP_DUMB_BUFFER answered on an accel node', 'EOPNOTSUPP', `value ${r.out.value}`);
      expectErrno('GET_CAP DRM_CAP_DUMB_BUFFER', 'EOPNOTSUPP', r.errno);
    },
  },
  {
    id: 'core.version.version_fault',
    doc: 'DRM_IOCTL_VERSION with a name buffer that is not writable is EFAULT; NULL buffers with length 0 are fine',
    profiles: ['core'],
    run(env) {
      const t = env.open();
      expectErrno('VERSION with name 8', 'EFAULT', env.core(t, 'DRM_IOCTL_VERSION', { name_len: 16n, name: 8n }).errno);
      const r = env.core(t, 'DRM_IOCTL_VERSION', {});
      expectSuccess('VERSION with no buffers', r.errno);
      expectEqual('name_len reports the full length', openaccelV2.binding.driverName.length, Number(r.out.name_len));
    },
  },
];

