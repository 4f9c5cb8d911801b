import type { ErrnoRule, IoctlSpec } from '../dsl/model.js';

/** DRM_COMMAND_BASE: the driver-private nrs below are DRM_COMMAND_BASE + n. */
const BASE = 0x40;

/**
 * Rules every driver-private ioctl obeys, in the order they are checked. The first four are drm_ioctl()'s
 * own, before the driver sees the call; the rest are the driver's, before any rule of the ioctl.
 */
export const commonErrors = [
  { id: 'device_gone', errno: 'ENODEV', when: 'the device was unplugged (drm_dev_is_unplugged); only close() is left' },
  { id: 'unknown_ioctl', errno: 'EINVAL', when: 'the nr is in the driver range but beyond the driver\'s ioctl table (drm_ioctl answers EINVAL, not ENOTTY)' },
  { id: 'arg_no_memory', errno: 'ENOMEM', when: 'the argument is larger than drm_ioctl\'s stack buffer and the kernel copy cannot be allocated' },
  { id: 'arg_fault', errno: 'EFAULT', when: 'the argument is not readable for _IOC_SIZE bytes (or, for a read ioctl, not writable on the way back)' },
  { id: 'foreign_process', errno: 'EPERM', when: 'the context was bound by another process (the fd was inherited or passed)' },
  { id: 'unknown_flags', errno: 'EINVAL', when: 'an input flags field has a bit this spec version does not define' },
  { id: 'reserved_nonzero', errno: 'EINVAL', when: 'an input reserved field is non-zero' },
  { id: 'not_bound', errno: 'EBADFD', when: 'the context is not bound yet and the ioctl is not GET_INFO, QUERY_FUNCTIONS, QUERY_MEMORY, BIND_CONTEXT, GEM_CREATE or GEM_INFO' },
] as const satisfies readonly ErrnoRule[];

const queueNotFound = { id: 'queue_not_found', errno: 'ENOENT', field: 'queue_id', when: 'no live queue of this file has this id' } as const;

export const ioctls = [
  {
    name: 'DRM_IOCTL_OA_GET_INFO',
    nr: BASE + 0x00,
    dir: 'readwrite',
    arg: 'oa_device_info',
    doc: 'Describe the device: versions, capability flags, queue limits, region granule, cache line, memories.',
    errors: [],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_OA_QUERY_FUNCTIONS',
    nr: BASE + 0x01,
    dir: 'readwrite',
    arg: 'oa_query_functions',
    doc: 'Read the bitmap of implemented opcodes; the opcode space is not limited to 64.',
    errors: [{ id: 'bitmap_fault', errno: 'EFAULT', field: 'bitmap_ptr', when: 'num_words is not 0 and the bitmap is not writable for min(num_words, needed) words' }],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_OA_BIND_CONTEXT',
    nr: BASE + 0x02,
    dir: 'readwrite',
    arg: 'oa_bind_context',
    doc: 'Bind the context to the calling process; with OA_BIND_SVA, bind its address space to the device.',
    errors: [
      { id: 'already_bound', errno: 'EBUSY', when: 'the context is already bound' },
      { id: 'sva_unsupported', errno: 'EOPNOTSUPP', field: 'flags', when: 'OA_BIND_SVA is asked of a device without OA_CAP_SVA' },
      { id: 'sva_bind_failed', errno: 'ENOSPC', field: 'flags', when: 'OA_BIND_SVA is asked and the IOMMU cannot bind the address space (no PASID left)' },
    ],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_OA_CREATE_QUEUE',
    nr: BASE + 0x03,
    dir: 'readwrite',
    arg: 'oa_create_queue',
    doc: 'Create a queue; returns its id and the mmap offsets and lengths of its regions.',
    errors: [
      { id: 'sq_entries_invalid', errno: 'EINVAL', field: 'sq_entries', when: 'sq_entries is not a power of two in [OA_MIN_QUEUE_ENTRIES, max_sq_entries]' },
      { id: 'cq_entries_invalid', errno: 'EINVAL', field: 'cq_entries', when: 'cq_entries is not 0 and not a power of two in [sq_entries, max_cq_entries]' },
      { id: 'syncobj_unsupported', errno: 'EOPNOTSUPP', field: 'flags', when: 'OA_QUEUE_SYNCOBJ is asked of a device without OA_CAP_SYNCOBJ' },
      { id: 'no_free_queue', errno: 'ENOSPC', when: 'the device has no free queue (free_queues is 0)' },
      { id: 'no_memory', errno: 'ENOMEM', when: 'the rings cannot be allocated' },
    ],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_OA_DESTROY_QUEUE',
    nr: BASE + 0x04,
    dir: 'write',
    arg: 'oa_destroy_queue',
    doc: 'Destroy a queue of the file; pending commands are dropped.',
    errors: [queueNotFound],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_OA_SET_EVENTFD',
    nr: BASE + 0x05,
    dir: 'write',
    arg: 'oa_set_eventfd',
    doc: 'Attach (or with -1 detach) the eventfd signalled for armed completions of a queue.',
    errors: [
      { id: 'eventfd_unsupported', errno: 'EOPNOTSUPP', when: 'the device lacks OA_CAP_EVENTFD' },
      queueNotFound,
      { id: 'eventfd_bad_fd', errno: 'EBADF', field: 'eventfd', when: 'eventfd is not -1 and not an open fd of the caller' },
      { id: 'eventfd_not_eventfd', errno: 'EINVAL', field: 'eventfd', when: 'eventfd is an open fd but not an eventfd' },
    ],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_OA_SUBMIT',
    nr: BASE + 0x06,
    dir: 'readwrite',
    arg: 'oa_submit',
    doc: 'Publish a new SQ tail by system call: wake the engine, attach syncobj wait and signal points, optionally wait.',
    errors: [
      queueNotFound,
      { id: 'queue_error', errno: 'EIO', when: 'the queue is stopped (OA_QUEUE_ERROR)' },
      { id: 'sq_overrun', errno: 'EINVAL', field: 'sq_tail', when: 'sq_tail - sq_head (mod 2^32) exceeds sq_entries; the queue stops (rule ring.overrun)' },
      { id: 'points_on_doorbell_queue', errno: 'EINVAL', field: 'num_waits', when: 'num_waits or num_signals is not 0 on a queue without OA_QUEUE_SYNCOBJ' },
      { id: 'too_many_points', errno: 'EINVAL', field: 'num_waits', when: 'num_waits or num_signals exceeds max_syncobj_points' },
      { id: 'points_fault', errno: 'EFAULT', field: 'waits_ptr', when: 'a point array is not readable' },
      { id: 'point_flags', errno: 'EINVAL', field: 'waits_ptr', when: 'a point has non-zero flags' },
      { id: 'timeline_unsupported', errno: 'EOPNOTSUPP', field: 'waits_ptr', when: 'a point is not 0 and the device lacks OA_CAP_SYNCOBJ_TIMELINE' },
      { id: 'syncobj_not_found', errno: 'ENOENT', field: 'waits_ptr', when: 'a point names no syncobj of this file' },
      { id: 'wait_no_fence', errno: 'EINVAL', field: 'waits_ptr', when: 'a wait point has no fence attached yet (the caller orders its submissions)' },
      { id: 'too_many_held', errno: 'ENOMEM', field: 'sq_tail', when: 'the queue is an OA_QUEUE_SYNCOBJ queue that already holds as many SUBMITs waiting for their points as it can (implementation-defined, at least 1024; rule sync.held-submits); nothing of the call is consumed' },
      { id: 'wait_timeout', errno: 'ETIME', field: 'timeout_ns', when: 'OA_SUBMIT_WAIT and the commands did not complete by timeout_ns; they stay queued' },
      { id: 'wait_interrupted', errno: 'EINTR', when: 'OA_SUBMIT_WAIT, a signal arrived while waiting and its handler lacks SA_RESTART (with SA_RESTART, or after a stop and SIGCONT, the call restarts; rule wait.interrupted); the tail is published, the wait may be repeated with sq_tail unchanged' },
    ],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_OA_QUERY_MEMORY',
    nr: BASE + 0x07,
    dir: 'readwrite',
    arg: 'oa_memory_info',
    doc: 'Describe one memory region the device reaches.',
    errors: [{ id: 'memory_not_found', errno: 'ENOENT', field: 'memory_id', when: 'memory_id >= num_memories' }],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_OA_GEM_CREATE',
    nr: BASE + 0x08,
    dir: 'readwrite',
    arg: 'oa_gem_create',
    doc: 'Allocate zeroed device memory from a region as a GEM object.',
    errors: [
      { id: 'memory_not_found', errno: 'ENOENT', field: 'memory_id', when: 'memory_id >= num_memories' },
      { id: 'alloc_unsupported', errno: 'EOPNOTSUPP', field: 'memory_id', when: 'the region cannot be allocated from (alloc_align 0, or the device lacks OA_CAP_DEVICE_MEMORY)' },
      { id: 'size_invalid', errno: 'EINVAL', field: 'size', when: 'size is 0 or not a multiple of the region alloc_align' },
      { id: 'out_of_memory', errno: 'ENOMEM', field: 'size', when: 'the region has fewer than size free bytes' },
      { id: 'file_memory_limit', errno: 'ENOMEM', field: 'size', when: 'the GEM objects this file holds handles to would pass the bytes a driver lets one file hold (implementation-defined; the reference driver: module parameter file_max_memory_mib, 1024 MiB)' },
      { id: 'handles_exhausted', errno: 'ENOSPC', when: 'the file holds as many GEM handles as it may (implementation-defined; the reference driver: module parameter file_max_objects, 4096)' },
    ],
    since: '2.0',
  },
  {
    name: 'DRM_IOCTL_OA_GEM_INFO',
    nr: BASE + 0x09,
    dir: 'readwrite',
    arg: 'oa_gem_info',
    doc: 'Size, region and CPU mmap offset of a GEM object.',
    errors: [{ id: 'handle_not_found', errno: 'ENOENT', field: 'handle', when: 'the handle names nothing in this file' }],
    since: '2.0',
  },
] as const satisfies readonly IoctlSpec[];
