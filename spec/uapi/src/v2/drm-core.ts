/**
 * The DRM core part of the 2.0 binding: the structs of drm/drm.h a client uses, the core ioctls with the
 * errnos the core returns (each traced to the kernel function that returns it), the flags and caps a
 * client passes, and the fdinfo keys of Documentation/gpu/drm-usage-stats.rst.
 */
import type { CoreIoctlSpec, ExternalConstantSpec, ExternalStructSpec, FdinfoKeySpec } from '../dsl/model.js';

const DRM_H = 'drm/drm.h';
const IOCTL_C = 'drivers/gpu/drm/drm_ioctl.c';
const SYNCOBJ_C = 'drivers/gpu/drm/drm_syncobj.c';
const PRIME_C = 'drivers/gpu/drm/drm_prime.c';
const GEM_C = 'drivers/gpu/drm/drm_gem.c';

export const drmStructs = [
  {
    name: 'drm_version',
    header: DRM_H,
    doc: 'argument of DRM_IOCTL_VERSION: the driver name that identifies an OpenAccel device, and its version',
    fields: [
      { name: 'version_major', ctype: 'int', dir: 'out', unit: 'version', doc: 'Driver major version: OA_API_VERSION_MAJOR.' },
      { name: 'version_minor', ctype: 'int', dir: 'out', unit: 'version', doc: 'Driver minor version: OA_API_VERSION_MINOR.' },
      { name: 'version_patchlevel', ctype: 'int', dir: 'out', unit: 'version', doc: 'Driver patch level; carries no uAPI meaning.' },
      { name: 'name_len', ctype: '__kernel_size_t', dir: 'inout', unit: 'bytes', doc: 'In: room at name. Out: length of the full name, which may exceed the room.' },
      { name: 'name', ctype: 'char *', dir: 'in', unit: 'address', doc: 'Buffer for the driver name (not NUL-terminated); "openaccel" for an OpenAccel device.' },
      { name: 'date_len', ctype: '__kernel_size_t', dir: 'inout', unit: 'bytes', doc: 'As name_len, for date.' },
      { name: 'date', ctype: 'char *', dir: 'in', unit: 'address', doc: 'Buffer for the driver date; may be NULL with date_len 0.' },
      { name: 'desc_len', ctype: '__kernel_size_t', dir: 'inout', unit: 'bytes', doc: 'As name_len, for desc.' },
      { name: 'desc', ctype: 'char *', dir: 'in', unit: 'address', doc: 'Buffer for the driver description; may be NULL with desc_len 0.' },
    ],
  },
  {
    name: 'drm_get_cap',
    header: DRM_H,
    doc: 'argument of DRM_IOCTL_GET_CAP: one DRM core capability',
    fields: [
      { name: 'capability', ctype: '__u64', dir: 'in', unit: 'id', doc: 'DRM_CAP_PRIME, DRM_CAP_SYNCOBJ or DRM_CAP_SYNCOBJ_TIMELINE.' },
      { name: 'value', ctype: '__u64', dir: 'out', doc: 'The capability value (a bit mask for DRM_CAP_PRIME, 0 or 1 otherwise).' },
    ],
  },
  {
    name: 'drm_gem_close',
    header: DRM_H,
    doc: 'argument of DRM_IOCTL_GEM_CLOSE: release a GEM handle',
    fields: [
      { name: 'handle', ctype: '__u32', dir: 'in', unit: 'handle', doc: 'The GEM handle to close.' },
      { name: 'pad', ctype: '__u32', dir: 'in', mbz: true, doc: 'Must be 0.' },
    ],
  },
  {
    name: 'drm_prime_handle',
    header: DRM_H,
    doc: 'argument of DRM_IOCTL_PRIME_HANDLE_TO_FD and DRM_IOCTL_PRIME_FD_TO_HANDLE: a GEM handle and a dma-buf fd',
    fields: [
      { name: 'handle', ctype: '__u32', dir: 'inout', unit: 'handle', doc: 'GEM handle: in for HANDLE_TO_FD, out for FD_TO_HANDLE.' },
      { name: 'flags', ctype: '__u32', dir: 'in', unit: 'bitmask', doc: 'HANDLE_TO_FD: DRM_CLOEXEC and DRM_RDWR. FD_TO_HANDLE: ignored.' },
      { name: 'fd', ctype: '__s32', dir: 'inout', unit: 'fd', doc: 'dma-buf fd: out for HANDLE_TO_FD, in for FD_TO_HANDLE.' },
    ],
  },
  {
    name: 'drm_syncobj_create',
    header: DRM_H,
    doc: 'argument of DRM_IOCTL_SYNCOBJ_CREATE',
    fields: [
      { name: 'handle', ctype: '__u32', dir: 'out', unit: 'handle', doc: 'The new syncobj handle.' },
      { name: 'flags', ctype: '__u32', dir: 'in', unit: 'bitmask', doc: 'DRM_SYNCOBJ_CREATE_SIGNALED or 0.' },
    ],
  },
  {
    name: 'drm_syncobj_destroy',
    header: DRM_H,
    doc: 'argument of DRM_IOCTL_SYNCOBJ_DESTROY',
    fields: [
      { name: 'handle', ctype: '__u32', dir: 'in', unit: 'handle', doc: 'The syncobj handle to destroy.' },
      { name: 'pad', ctype: '__u32', dir: 'in', mbz: true, doc: 'Must be 0.' },
    ],
  },
  {
    name: 'drm_syncobj_handle',
    header: DRM_H,
    doc: 'argument of DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD and DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE',
    fields: [
      { name: 'handle', ctype: '__u32', dir: 'inout', unit: 'handle', doc: 'Syncobj handle: in for HANDLE_TO_FD and for a sync_file import, out otherwise.' },
      { name: 'flags', ctype: '__u32', dir: 'in', unit: 'bitmask', doc: 'DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE or DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE, or 0.' },
      { name: 'fd', ctype: '__s32', dir: 'inout', unit: 'fd', doc: 'Syncobj fd or sync_file fd: out for HANDLE_TO_FD, in for FD_TO_HANDLE.' },
      { name: 'pad', ctype: '__u32', dir: 'in', mbz: true, doc: 'Must be 0.' },
    ],
  },
  {
    name: 'drm_syncobj_wait',
    header: DRM_H,
    doc: 'argument of DRM_IOCTL_SYNCOBJ_WAIT: wait for binary syncobjs',
    fields: [
      { name: 'handles', ctype: '__u64', dir: 'in', unit: 'address', doc: 'User pointer to count_handles __u32 syncobj handles.' },
      { name: 'timeout_nsec', ctype: '__s64', dir: 'in', unit: 'ns', doc: 'Absolute CLOCK_MONOTONIC deadline; 0 polls.' },
      { name: 'count_handles', ctype: '__u32', dir: 'in', unit: 'count', doc: 'Number of handles; 0 is EINVAL.' },
      { name: 'flags', ctype: '__u32', dir: 'in', unit: 'bitmask', doc: 'DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, _WAIT_FOR_SUBMIT.' },
      { name: 'first_signaled', ctype: '__u32', dir: 'out', unit: 'index', doc: 'Without WAIT_ALL: index of a signalled handle.' },
      { name: 'pad', ctype: '__u32', dir: 'in', doc: 'Padding (not checked by the core; write 0).' },
    ],
  },
  {
    name: 'drm_syncobj_timeline_wait',
    header: DRM_H,
    doc: 'argument of DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT: wait for timeline points',
    fields: [
      { name: 'handles', ctype: '__u64', dir: 'in', unit: 'address', doc: 'User pointer to count_handles __u32 syncobj handles.' },
      { name: 'points', ctype: '__u64', dir: 'in', unit: 'address', doc: 'User pointer to count_handles __u64 points (0 = the binary payload).' },
      { name: 'timeout_nsec', ctype: '__s64', dir: 'in', unit: 'ns', doc: 'Absolute CLOCK_MONOTONIC deadline; 0 polls.' },
      { name: 'count_handles', ctype: '__u32', dir: 'in', unit: 'count', doc: 'Number of handles and points; 0 is EINVAL.' },
      { name: 'flags', ctype: '__u32', dir: 'in', unit: 'bitmask', doc: 'DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, _WAIT_FOR_SUBMIT, _WAIT_AVAILABLE.' },
      { name: 'first_signaled', ctype: '__u32', dir: 'out', unit: 'index', doc: 'Without WAIT_ALL: index of a signalled point.' },
      { name: 'pad', ctype: '__u32', dir: 'in', doc: 'Padding (not checked by the core; write 0).' },
    ],
  },
  {
    name: 'drm_syncobj_array',
    header: DRM_H,
    doc: 'argument of DRM_IOCTL_SYNCOBJ_SIGNAL: signal binary syncobjs',
    fields: [
      { name: 'handles', ctype: '__u64', dir: 'in', unit: 'address', doc: 'User pointer to count_handles __u32 syncobj handles.' },
      { name: 'count_handles', ctype: '__u32', dir: 'in', unit: 'count', doc: 'Number of handles; 0 is EINVAL.' },
      { name: 'pad', ctype: '__u32', dir: 'in', mbz: true, doc: 'Must be 0.' },
    ],
  },
  {
    name: 'drm_syncobj_timeline_array',
    header: DRM_H,
    doc: 'argument of DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL and DRM_IOCTL_SYNCOBJ_QUERY',
    fields: [
      { name: 'handles', ctype: '__u64', dir: 'in', unit: 'address', doc: 'User pointer to count_handles __u32 syncobj handles.' },
      { name: 'points', ctype: '__u64', dir: 'in', unit: 'address', doc: 'User pointer to count_handles __u64 points: read by SIGNAL, written by QUERY.' },
      { name: 'count_handles', ctype: '__u32', dir: 'in', unit: 'count', doc: 'Number of handles; 0 is EINVAL.' },
      { name: 'flags', ctype: '__u32', dir: 'in', unit: 'bitmask', doc: 'SIGNAL: must be 0. QUERY: DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED or 0.' },
    ],
  },
  {
    name: 'drm_syncobj_transfer',
    header: DRM_H,
    doc: 'argument of DRM_IOCTL_SYNCOBJ_TRANSFER: copy a fence from one syncobj point to another',
    fields: [
      { name: 'src_handle', ctype: '__u32', dir: 'in', unit: 'handle', doc: 'Source syncobj.' },
      { name: 'dst_handle', ctype: '__u32', dir: 'in', unit: 'handle', doc: 'Destination syncobj.' },
      { name: 'src_point', ctype: '__u64', dir: 'in', unit: 'count', doc: 'Source point; 0 = the binary payload.' },
      { name: 'dst_point', ctype: '__u64', dir: 'in', unit: 'count', doc: 'Destination point; 0 replaces the binary payload.' },
      { name: 'flags', ctype: '__u32', dir: 'in', unit: 'bitmask', doc: 'DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT or 0.' },
      { name: 'pad', ctype: '__u32', dir: 'in', mbz: true, doc: 'Must be 0.' },
    ],
  },
] as const satisfies readonly ExternalStructSpec[];

/** The values of drm/drm.h a client of OpenAccel passes; the probe checks each against the header. */
export const drmConstants = [
  { name: 'DRM_COMMAND_BASE', value: 0x40, doc: 'First driver-private ioctl nr.' },
  { name: 'DRM_COMMAND_END', value: 0xa0, doc: 'One past the last driver-private ioctl nr.' },
  { name: 'DRM_CAP_PRIME', value: 0x5, doc: 'GET_CAP: PRIME support, DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT.' },
  { name: 'DRM_PRIME_CAP_IMPORT', value: 0x1, doc: 'DRM_CAP_PRIME bit: FD_TO_HANDLE works.' },
  { name: 'DRM_PRIME_CAP_EXPORT', value: 0x2, doc: 'DRM_CAP_PRIME bit: HANDLE_TO_FD works.' },
  { name: 'DRM_CAP_SYNCOBJ', value: 0x13, doc: 'GET_CAP: binary syncobjs (the driver sets DRIVER_SYNCOBJ).' },
  { name: 'DRM_CAP_SYNCOBJ_TIMELINE', value: 0x14, doc: 'GET_CAP: timeline syncobjs (DRIVER_SYNCOBJ_TIMELINE).' },
  { name: 'DRM_CLOEXEC', value: 0o2000000, doc: 'PRIME_HANDLE_TO_FD: open the dma-buf fd with O_CLOEXEC.' },
  { name: 'DRM_RDWR', value: 0o2, doc: 'PRIME_HANDLE_TO_FD: open the dma-buf fd read-write (needed to mmap it writable).' },
  { name: 'DRM_SYNCOBJ_CREATE_SIGNALED', value: 0x1, doc: 'SYNCOBJ_CREATE: start with a signalled fence.' },
  { name: 'DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE', value: 0x1, doc: 'SYNCOBJ_HANDLE_TO_FD: export the current fence as a sync_file.' },
  { name: 'DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE', value: 0x1, doc: 'SYNCOBJ_FD_TO_HANDLE: import a sync_file into an existing syncobj.' },
  { name: 'DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL', value: 0x1, doc: 'Wait for every handle, not the first.' },
  { name: 'DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT', value: 0x2, doc: 'Wait for a fence to be attached instead of failing with EINVAL.' },
  { name: 'DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE', value: 0x4, doc: 'TIMELINE_WAIT: wait until the point exists, not until it signals.' },
  { name: 'DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED', value: 0x1, doc: 'SYNCOBJ_QUERY: report the last submitted point, not the last signalled one.' },
] as const satisfies readonly ExternalConstantSpec[];

const notSyncobj = (id: string, source: string) => ({ id, errno: 'EOPNOTSUPP', when: 'the driver lacks DRIVER_SYNCOBJ (OA_CAP_SYNCOBJ clear)', source }) as const;
const notTimeline = (id: string, source: string) => ({ id, errno: 'EOPNOTSUPP', when: 'the driver lacks DRIVER_SYNCOBJ_TIMELINE (OA_CAP_SYNCOBJ_TIMELINE clear)', source }) as const;
/** The handle-array rules; `countZero: false` for the waits, which Linux 6.12 answers 0 for zero handles. */
const arrayRules = (fn: string, countZero = true) =>
  [
    ...(countZero ? [{ id: 'count_zero', errno: 'EINVAL', field: 'count_handles', when: 'count_handles is 0', source: `${SYNCOBJ_C}: ${fn}` } as const] : []),
    { id: 'handles_fault', errno: 'EFAULT', field: 'handles', when: 'the handle array is not readable', source: `${SYNCOBJ_C}: drm_syncobj_array_find` },
    { id: 'handle_not_found', errno: 'ENOENT', field: 'handles', when: 'a handle names no syncobj of this file', source: `${SYNCOBJ_C}: drm_syncobj_array_find` },
    { id: 'array_no_memory', errno: 'ENOMEM', field: 'count_handles', when: 'the kernel cannot allocate count_handles entries, or count_handles passes a bound the driver sets so that no client can make the kernel try (the reference driver: 65536)', source: `${SYNCOBJ_C}: drm_syncobj_array_find` },
  ] as const;
const waitRules = [
  { id: 'no_fence', errno: 'EINVAL', when: 'a point has no fence yet and neither WAIT_FOR_SUBMIT nor WAIT_AVAILABLE is set', source: `${SYNCOBJ_C}: drm_syncobj_array_wait_timeout` },
  { id: 'timed_out', errno: 'ETIME', field: 'timeout_nsec', when: 'the deadline passed first (timeout_nsec 0 polls)', source: `${SYNCOBJ_C}: drm_syncobj_array_wait_timeout` },
  { id: 'interrupted', errno: 'EINTR', when: 'a signal arrived and its handler lacks SA_RESTART (-ERESTARTSYS inside the kernel: restarted with the same absolute deadline under SA_RESTART or after a stop; rule wait.interrupted)', source: `${SYNCOBJ_C}: drm_syncobj_array_wait_timeout` },
] as const;

export const coreIoctls = [
  {
    name: 'DRM_IOCTL_VERSION',
    nr: 0x00,
    dir: 'readwrite',
    arg: 'drm_version',
    doc: 'Name and version of the driver: the first call on a node. name "openaccel" makes it an OpenAccel device.',
    requires: 'nothing: every DRM driver answers',
    errors: [{ id: 'version_fault', errno: 'EFAULT', when: 'a non-NULL name, date or desc buffer is not writable for its length', source: `${IOCTL_C}: drm_copy_field` }],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_GET_CAP',
    nr: 0x0c,
    dir: 'readwrite',
    arg: 'drm_get_cap',
    doc: 'A DRM core capability. An OpenAccel client asks DRM_CAP_PRIME, DRM_CAP_SYNCOBJ and DRM_CAP_SYNCOBJ_TIMELINE; the same facts are OA_CAP_* bits of GET_INFO.',
    requires: 'nothing',
    errors: [{ id: 'cap_unknown', errno: 'EOPNOTSUPP', field: 'capability', when: 'the capability is not one an accel (non-modeset) driver answers', source: `${IOCTL_C}: drm_getcap` }],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_GEM_CLOSE',
    nr: 0x09,
    dir: 'write',
    arg: 'drm_gem_close',
    doc: 'Release a GEM handle (device memory or an imported dma-buf). Memory stays alive while a dma-buf exported from it or a queued command holds it. pad is not checked (drm_gem_close_ioctl of Linux 6.12 reads only the handle); pass 0.',
    requires: 'DRIVER_GEM',
    errors: [
      { id: 'gem_unsupported', errno: 'EOPNOTSUPP', when: 'the driver lacks DRIVER_GEM', source: `${GEM_C}: drm_gem_close_ioctl` },
      { id: 'handle_not_found', errno: 'EINVAL', field: 'handle', when: 'the handle names nothing in this file', source: `${GEM_C}: drm_gem_handle_delete` },
    ],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_PRIME_HANDLE_TO_FD',
    nr: 0x2d,
    dir: 'readwrite',
    arg: 'drm_prime_handle',
    doc: 'Export a GEM handle as a dma-buf fd (replaces 1.0 OA_IOCTL_EXPORT_DMABUF). The same object always exports the same dma-buf.',
    requires: 'DRIVER_GEM; OA_CAP_DMABUF_EXPORT',
    errors: [
      { id: 'gem_unsupported', errno: 'EOPNOTSUPP', when: 'the driver lacks DRIVER_GEM', source: `${PRIME_C}: drm_prime_handle_to_fd_ioctl` },
      { id: 'flags_invalid', errno: 'EINVAL', field: 'flags', when: 'flags has a bit other than DRM_CLOEXEC and DRM_RDWR', source: `${PRIME_C}: drm_prime_handle_to_fd_ioctl` },
      { id: 'handle_not_found', errno: 'ENOENT', field: 'handle', when: 'the handle names nothing in this file', source: `${PRIME_C}: drm_gem_prime_handle_to_dmabuf` },
      { id: 'too_many_fds', errno: 'EMFILE', field: 'fd', when: 'the caller has no free fd', source: `${PRIME_C}: drm_gem_prime_handle_to_fd` },
    ],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_PRIME_FD_TO_HANDLE',
    nr: 0x2e,
    dir: 'readwrite',
    arg: 'drm_prime_handle',
    doc: 'Import a dma-buf fd as a GEM handle (replaces 1.0 OA_IOCTL_IMPORT_DMABUF). Importing the same dma-buf twice gives the same handle.',
    requires: 'DRIVER_GEM; OA_CAP_DMABUF_IMPORT',
    errors: [
      { id: 'gem_unsupported', errno: 'EOPNOTSUPP', when: 'the driver lacks DRIVER_GEM', source: `${PRIME_C}: drm_prime_fd_to_handle_ioctl` },
      { id: 'fd_bad', errno: 'EBADF', field: 'fd', when: 'fd is not an open fd of the caller', source: `${PRIME_C}: drm_gem_prime_fd_to_handle` },
      { id: 'fd_not_dmabuf', errno: 'EINVAL', field: 'fd', when: 'fd is open but not a dma-buf', source: `${PRIME_C}: drm_gem_prime_fd_to_handle` },
      { id: 'handles_exhausted', errno: 'ENOSPC', field: 'fd', when: 'the dma-buf is not imported yet and the file holds as many GEM handles as it may: the handle space is used up, or a per-file bound the driver sets (the reference driver: module parameter file_max_objects, 4096)', source: `drivers/gpu/drm/drm_gem.c: drm_gem_handle_create_tail` },
    ],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_SYNCOBJ_CREATE',
    nr: 0xbf,
    dir: 'readwrite',
    arg: 'drm_syncobj_create',
    doc: 'Create a syncobj (binary, or a timeline when used with points).',
    requires: 'DRIVER_SYNCOBJ',
    errors: [
      notSyncobj('syncobj_unsupported', `${SYNCOBJ_C}: drm_syncobj_create_ioctl`),
      { id: 'flags_invalid', errno: 'EINVAL', field: 'flags', when: 'flags has a bit other than DRM_SYNCOBJ_CREATE_SIGNALED', source: `${SYNCOBJ_C}: drm_syncobj_create_ioctl` },
      { id: 'handles_exhausted', errno: 'ENOSPC', when: 'the file holds as many syncobj handles as it may: the handle space is used up, or a per-file bound the driver sets (the reference driver: module parameter file_max_syncobjs, 4096)', source: `${SYNCOBJ_C}: drm_syncobj_get_handle` },
    ],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_SYNCOBJ_DESTROY',
    nr: 0xc0,
    dir: 'readwrite',
    arg: 'drm_syncobj_destroy',
    doc: 'Destroy a syncobj handle; fences already taken from it live on.',
    requires: 'DRIVER_SYNCOBJ',
    errors: [
      notSyncobj('syncobj_unsupported', `${SYNCOBJ_C}: drm_syncobj_destroy_ioctl`),
      { id: 'pad_nonzero', errno: 'EINVAL', field: 'pad', when: 'pad is not 0', source: `${SYNCOBJ_C}: drm_syncobj_destroy_ioctl` },
      { id: 'handle_not_found', errno: 'EINVAL', field: 'handle', when: 'the handle names no syncobj of this file', source: `${SYNCOBJ_C}: drm_syncobj_destroy` },
    ],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD',
    nr: 0xc1,
    dir: 'readwrite',
    arg: 'drm_syncobj_handle',
    doc: 'Export a syncobj as an fd, or with EXPORT_SYNC_FILE its current fence as a sync_file: how a GPU driver waits for accelerator work.',
    requires: 'DRIVER_SYNCOBJ',
    errors: [
      notSyncobj('syncobj_unsupported', `${SYNCOBJ_C}: drm_syncobj_handle_to_fd_ioctl`),
      { id: 'pad_nonzero', errno: 'EINVAL', field: 'pad', when: 'pad is not 0', source: `${SYNCOBJ_C}: drm_syncobj_handle_to_fd_ioctl` },
      { id: 'flags_invalid', errno: 'EINVAL', field: 'flags', when: 'flags is neither 0 nor EXPORT_SYNC_FILE', source: `${SYNCOBJ_C}: drm_syncobj_handle_to_fd_ioctl` },
      { id: 'handle_not_found', errno: 'EINVAL', field: 'handle', when: 'without EXPORT_SYNC_FILE: the handle names no syncobj', source: `${SYNCOBJ_C}: drm_syncobj_handle_to_fd` },
      { id: 'sync_file_no_syncobj', errno: 'ENOENT', field: 'handle', when: 'with EXPORT_SYNC_FILE: the handle names no syncobj', source: `${SYNCOBJ_C}: drm_syncobj_find_fence` },
      { id: 'sync_file_no_fence', errno: 'EINVAL', field: 'handle', when: 'with EXPORT_SYNC_FILE: the syncobj has no fence yet', source: `${SYNCOBJ_C}: drm_syncobj_find_fence` },
      { id: 'too_many_fds', errno: 'EMFILE', field: 'fd', when: 'the caller has no free fd', source: `${SYNCOBJ_C}: drm_syncobj_export_sync_file` },
    ],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE',
    nr: 0xc2,
    dir: 'readwrite',
    arg: 'drm_syncobj_handle',
    doc: 'Import a syncobj fd as a handle, or with IMPORT_SYNC_FILE put a sync_file (e.g. a GPU job) into an existing syncobj.',
    requires: 'DRIVER_SYNCOBJ',
    errors: [
      notSyncobj('syncobj_unsupported', `${SYNCOBJ_C}: drm_syncobj_fd_to_handle_ioctl`),
      { id: 'pad_nonzero', errno: 'EINVAL', field: 'pad', when: 'pad is not 0', source: `${SYNCOBJ_C}: drm_syncobj_fd_to_handle_ioctl` },
      { id: 'flags_invalid', errno: 'EINVAL', field: 'flags', when: 'flags is neither 0 nor IMPORT_SYNC_FILE', source: `${SYNCOBJ_C}: drm_syncobj_fd_to_handle_ioctl` },
      { id: 'fd_not_syncobj', errno: 'EINVAL', field: 'fd', when: 'without IMPORT_SYNC_FILE: fd is not open or not a syncobj fd', source: `${SYNCOBJ_C}: drm_syncobj_fd_to_handle` },
      { id: 'fd_not_sync_file', errno: 'EINVAL', field: 'fd', when: 'with IMPORT_SYNC_FILE: fd is not a sync_file', source: `${SYNCOBJ_C}: drm_syncobj_import_sync_file_fence` },
      { id: 'handle_not_found', errno: 'ENOENT', field: 'handle', when: 'with IMPORT_SYNC_FILE: the handle names no syncobj', source: `${SYNCOBJ_C}: drm_syncobj_import_sync_file_fence` },
      { id: 'handles_exhausted', errno: 'ENOSPC', when: 'without IMPORT_SYNC_FILE: the file holds as many syncobj handles as it may (as SYNCOBJ_CREATE handles_exhausted)', source: `${SYNCOBJ_C}: drm_syncobj_fd_to_handle` },
    ],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_SYNCOBJ_WAIT',
    nr: 0xc3,
    dir: 'readwrite',
    arg: 'drm_syncobj_wait',
    doc: 'Wait for binary syncobjs, until an absolute deadline. With count_handles 0 it returns 0 at once (Linux 6.12; kernels before the change answered EINVAL, so a portable client does not make that call).',
    requires: 'DRIVER_SYNCOBJ',
    errors: [
      notSyncobj('syncobj_unsupported', `${SYNCOBJ_C}: drm_syncobj_wait_ioctl`),
      { id: 'flags_invalid', errno: 'EINVAL', field: 'flags', when: 'flags has a bit other than WAIT_ALL and WAIT_FOR_SUBMIT (and WAIT_DEADLINE on kernels whose drm.h has deadline_nsec)', source: `${SYNCOBJ_C}: drm_syncobj_wait_ioctl` },
      ...arrayRules('drm_syncobj_wait_ioctl', false),
      ...waitRules,
    ],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_SYNCOBJ_SIGNAL',
    nr: 0xc5,
    dir: 'readwrite',
    arg: 'drm_syncobj_array',
    doc: 'Signal binary syncobjs from the CPU.',
    requires: 'DRIVER_SYNCOBJ',
    errors: [
      notSyncobj('syncobj_unsupported', `${SYNCOBJ_C}: drm_syncobj_signal_ioctl`),
      { id: 'pad_nonzero', errno: 'EINVAL', field: 'pad', when: 'pad is not 0', source: `${SYNCOBJ_C}: drm_syncobj_signal_ioctl` },
      ...arrayRules('drm_syncobj_signal_ioctl'),
    ],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT',
    nr: 0xca,
    dir: 'readwrite',
    arg: 'drm_syncobj_timeline_wait',
    doc: 'Wait for timeline points, until an absolute deadline. With count_handles 0 it returns 0 at once (Linux 6.12; kernels before the change answered EINVAL, so a portable client does not make that call).',
    requires: 'DRIVER_SYNCOBJ_TIMELINE',
    errors: [
      notTimeline('timeline_unsupported', `${SYNCOBJ_C}: drm_syncobj_timeline_wait_ioctl`),
      { id: 'flags_invalid', errno: 'EINVAL', field: 'flags', when: 'flags has a bit other than WAIT_ALL, WAIT_FOR_SUBMIT and WAIT_AVAILABLE (and WAIT_DEADLINE on kernels whose drm.h has deadline_nsec)', source: `${SYNCOBJ_C}: drm_syncobj_timeline_wait_ioctl` },
      ...arrayRules('drm_syncobj_timeline_wait_ioctl', false),
      { id: 'points_fault', errno: 'EFAULT', field: 'points', when: 'the point array is not readable', source: `${SYNCOBJ_C}: drm_syncobj_array_wait_timeout` },
      ...waitRules,
    ],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_SYNCOBJ_QUERY',
    nr: 0xcb,
    dir: 'readwrite',
    arg: 'drm_syncobj_timeline_array',
    doc: 'Read the last signalled (or, with LAST_SUBMITTED, submitted) point of each timeline.',
    requires: 'DRIVER_SYNCOBJ_TIMELINE',
    errors: [
      notTimeline('timeline_unsupported', `${SYNCOBJ_C}: drm_syncobj_query_ioctl`),
      { id: 'flags_invalid', errno: 'EINVAL', field: 'flags', when: 'flags has a bit other than LAST_SUBMITTED', source: `${SYNCOBJ_C}: drm_syncobj_query_ioctl` },
      ...arrayRules('drm_syncobj_query_ioctl'),
      { id: 'points_fault', errno: 'EFAULT', field: 'points', when: 'the point array is not writable', source: `${SYNCOBJ_C}: drm_syncobj_query_ioctl` },
    ],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_SYNCOBJ_TRANSFER',
    nr: 0xcc,
    dir: 'readwrite',
    arg: 'drm_syncobj_transfer',
    doc: 'Copy the fence of one point to another (binary to timeline and back). With WAIT_FOR_SUBMIT a source point that has no fence yet is waited for, interruptibly, for at most 5 s (relative, not a deadline); the fence it then finds is copied.',
    requires: 'DRIVER_SYNCOBJ_TIMELINE',
    errors: [
      notTimeline('timeline_unsupported', `${SYNCOBJ_C}: drm_syncobj_transfer_ioctl`),
      { id: 'pad_nonzero', errno: 'EINVAL', field: 'pad', when: 'pad is not 0', source: `${SYNCOBJ_C}: drm_syncobj_transfer_ioctl` },
      { id: 'dst_not_found', errno: 'ENOENT', field: 'dst_handle', when: 'dst_handle names no syncobj', source: `${SYNCOBJ_C}: drm_syncobj_transfer_to_timeline` },
      { id: 'src_not_found', errno: 'ENOENT', field: 'src_handle', when: 'src_handle names no syncobj', source: `${SYNCOBJ_C}: drm_syncobj_find_fence` },
      { id: 'flags_invalid', errno: 'EINVAL', field: 'flags', when: 'flags has a bit other than WAIT_FOR_SUBMIT (checked after both handles are found)', source: `${SYNCOBJ_C}: drm_syncobj_find_fence` },
      { id: 'src_no_fence', errno: 'EINVAL', field: 'src_point', when: 'the source point has no fence (an empty syncobj, or a timeline point past the last one added) and WAIT_FOR_SUBMIT is not set', source: `${SYNCOBJ_C}: drm_syncobj_find_fence` },
      { id: 'wait_for_submit_timeout', errno: 'ETIME', field: 'src_point', when: 'WAIT_FOR_SUBMIT is set and no fence was attached to the source point within 5 s (DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT, relative: a restarted call waits 5 s again); the destination is unchanged', source: `${SYNCOBJ_C}: drm_syncobj_find_fence` },
      { id: 'interrupted', errno: 'EINTR', when: 'WAIT_FOR_SUBMIT, a signal arrived while waiting for the fence and its handler lacks SA_RESTART (-ERESTARTSYS inside the kernel; rule wait.interrupted)', source: `${SYNCOBJ_C}: drm_syncobj_find_fence` },
    ],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL',
    nr: 0xcd,
    dir: 'readwrite',
    arg: 'drm_syncobj_timeline_array',
    doc: 'Signal timeline points from the CPU.',
    requires: 'DRIVER_SYNCOBJ_TIMELINE',
    errors: [
      notTimeline('timeline_unsupported', `${SYNCOBJ_C}: drm_syncobj_timeline_signal_ioctl`),
      { id: 'flags_invalid', errno: 'EINVAL', field: 'flags', when: 'flags is not 0', source: `${SYNCOBJ_C}: drm_syncobj_timeline_signal_ioctl` },
      ...arrayRules('drm_syncobj_timeline_signal_ioctl'),
      { id: 'points_fault', errno: 'EFAULT', field: 'points', when: 'the point array is not readable', source: `${SYNCOBJ_C}: drm_syncobj_timeline_signal_ioctl` },
    ],
    since: '2.0',
  },
] as const satisfies readonly CoreIoctlSpec[];

/** /proc/<pid>/fdinfo/<fd> of an OpenAccel file, after Documentation/gpu/drm-usage-stats.rst. */
export const fdinfoKeys = [
  { key: 'drm-driver', value: 'openaccel', required: true, doc: 'The driver name, as DRM_IOCTL_VERSION reports it.', since: '2.0' },
  { key: 'drm-client-id', value: '<uint>', required: true, doc: 'Unique id of the open file (the context) for the life of the system; several fds of one file show the same id.', since: '2.0' },
  { key: 'drm-pdev', value: '<aaaa:bb:cc.d>', required: false, doc: 'PCI address of the device; absent for a device that is not a PCI function.', since: '2.0' },
  { key: 'drm-engine-<function>', value: '<uint> ns', required: true, doc: 'Time the context kept the engine busy running commands of one function; <function> is the opcode name in lower case without OA_OP_ (deflate, aes_gcm_encrypt, ...). Monotonic.', since: '2.0' },
  { key: 'drm-total-<memory>', value: '<uint> [KiB|MiB]', required: true, doc: 'GEM memory of the context in a region; <memory> is the memory kind and id (hbm0, ddr1, system for imported).', since: '2.0' },
  { key: 'drm-resident-<memory>', value: '<uint> [KiB|MiB]', required: false, doc: 'Part of drm-total-<memory> that is resident.', since: '2.0' },
  { key: 'drm-shared-<memory>', value: '<uint> [KiB|MiB]', required: false, doc: 'Part of drm-total-<memory> shared with other files (exported or imported through PRIME).', since: '2.0' },
  { key: 'openaccel-queues', value: '<uint>', required: true, doc: 'Live queues of the context (a driver-specific key, prefixed with the driver name as the document requires).', since: '2.0' },
  { key: 'openaccel-sva', value: '0|1', required: true, doc: '1 when the context is bound with OA_BIND_SVA. The PASID is never shown.', since: '2.0' },
] as const satisfies readonly FdinfoKeySpec[];
