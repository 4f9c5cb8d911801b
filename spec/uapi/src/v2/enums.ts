import type { EnumSpec, FlagSetSpec } from '../dsl/model.js';

export const enums = [
  {
    name: 'oa_status',
    doc: 'Completion status of a command, in struct oa_cqe.status.',
    entries: [
      { name: 'OA_STATUS_OK', value: 0, doc: 'The command completed; result holds its value.', since: '2.0' },
      { name: 'OA_STATUS_INVALID_OPCODE', value: 1, doc: 'The opcode is unknown or the device does not implement it (see DRM_IOCTL_OA_QUERY_FUNCTIONS).', since: '2.0' },
      { name: 'OA_STATUS_INVALID_FIELD', value: 2, doc: 'A reserved field or unknown flag is non-zero, an unused operand is non-zero, or an operand is out of range. Nothing was read or written.', since: '2.0' },
      { name: 'OA_STATUS_ADDRESS_FAULT', value: 3, doc: 'An address or handle range is outside what the context may reach. Nothing outside the ranges the command names was touched; dst may hold a partial write (rule memory.fault).', since: '2.0' },
      { name: 'OA_STATUS_DST_TOO_SMALL', value: 4, doc: 'The output does not fit in dst_length bytes; the content of dst is unspecified.', since: '2.0' },
      { name: 'OA_STATUS_DATA_ERROR', value: 5, doc: 'The input is malformed for the function (e.g. a corrupt DEFLATE stream).', since: '2.0' },
      { name: 'OA_STATUS_AUTH_FAILED', value: 6, doc: 'AES-GCM decryption: the tag does not match; dst is zeroed.', since: '2.0' },
      { name: 'OA_STATUS_DEVICE_ERROR', value: 7, doc: 'The device failed internally; the queue may be stopped (OA_QUEUE_ERROR).', since: '2.0' },
    ],
  },
  {
    name: 'oa_memory_kind',
    doc: 'Kind of a device-reachable memory region, in struct oa_memory_info.kind.',
    entries: [
      { name: 'OA_MEMORY_DDR', value: 1, doc: 'Ordinary DRAM (host or device-attached).', since: '2.0' },
      { name: 'OA_MEMORY_HBM', value: 2, doc: 'High-bandwidth memory stacked with or beside the device.', since: '2.0' },
      { name: 'OA_MEMORY_SRAM', value: 3, doc: 'On-chip SRAM.', since: '2.0' },
      { name: 'OA_MEMORY_CXL', value: 4, doc: 'Memory attached over CXL.', since: '2.0' },
    ],
  },
] as const satisfies readonly EnumSpec[];

const none = (name: string, what: string) => ({ name, doc: `Flags of ${what}. None are defined: the field must be zero.`, bits: [] }) as const;

export const flagSets = [
  {
    name: 'oa_caps',
    doc: 'Capabilities of a device, in struct oa_device_info.caps: each bit announces one feature, so a feature never needs a version comparison.',
    bits: [
      { name: 'OA_CAP_SVA', bit: 0, doc: 'Shared virtual addressing: a context bound with OA_BIND_SVA may name process virtual addresses in commands.', since: '2.0' },
      { name: 'OA_CAP_DMABUF_IMPORT', bit: 1, doc: 'DRM_IOCTL_PRIME_FD_TO_HANDLE works (DRM_PRIME_CAP_IMPORT).', since: '2.0' },
      { name: 'OA_CAP_DMABUF_EXPORT', bit: 2, doc: 'DRM_IOCTL_PRIME_HANDLE_TO_FD works (DRM_PRIME_CAP_EXPORT).', since: '2.0' },
      { name: 'OA_CAP_DEVICE_MEMORY', bit: 3, doc: 'DRM_IOCTL_OA_GEM_CREATE works on at least one memory region.', since: '2.0' },
      { name: 'OA_CAP_EVENTFD', bit: 4, doc: 'DRM_IOCTL_OA_SET_EVENTFD works (the sleeping completion path).', since: '2.0' },
      { name: 'OA_CAP_SYNCOBJ', bit: 5, doc: 'Queues created with OA_QUEUE_SYNCOBJ wait on and signal binary syncobjs (DRM_CAP_SYNCOBJ).', since: '2.0' },
      { name: 'OA_CAP_SYNCOBJ_TIMELINE', bit: 6, doc: 'Wait and signal points may be timeline points (DRM_CAP_SYNCOBJ_TIMELINE).', since: '2.0' },
      { name: 'OA_CAP_MMIO_DOORBELL', bit: 7, doc: 'The doorbell region is a device register: write-only, read as undefined, and written only with one aligned 32-bit store.', since: '2.0' },
      { name: 'OA_CAP_CQ_TAIL', bit: 8, doc: 'The device publishes oa_queue_status.cq_tail (rule ring.order-pairs); without it the field reads 0 and only the phase bit tells which CQEs are valid.', since: '2.0' },
    ],
  },
  none('oa_info_flags', 'DRM_IOCTL_OA_GET_INFO'),
  none('oa_query_functions_flags', 'DRM_IOCTL_OA_QUERY_FUNCTIONS'),
  {
    name: 'oa_bind_flags',
    doc: 'Flags of DRM_IOCTL_OA_BIND_CONTEXT.',
    bits: [{ name: 'OA_BIND_SVA', bit: 0, doc: "Bind the caller's address space for SVA. The driver binds a PASID inside the kernel and never returns it.", since: '2.0' }],
  },
  {
    name: 'oa_queue_flags',
    doc: 'Flags of DRM_IOCTL_OA_CREATE_QUEUE.',
    bits: [
      { name: 'OA_QUEUE_SYNCOBJ', bit: 0, doc: 'A kernel-submitted queue: tails are published only through DRM_IOCTL_OA_SUBMIT, which may carry syncobj wait and signal points; the queue has no doorbell region (rule sync.queue).', since: '2.0' },
    ],
  },
  none('oa_eventfd_flags', 'DRM_IOCTL_OA_SET_EVENTFD'),
  {
    name: 'oa_submit_flags',
    doc: 'Flags of DRM_IOCTL_OA_SUBMIT.',
    bits: [{ name: 'OA_SUBMIT_WAIT', bit: 0, doc: 'Return only when every command before sq_tail has completed, or fail with ETIME at timeout_ns.', since: '2.0' }],
  },
  none('oa_syncobj_point_flags', 'struct oa_syncobj_point'),
  none('oa_gem_create_flags', 'DRM_IOCTL_OA_GEM_CREATE'),
  none('oa_gem_info_flags', 'DRM_IOCTL_OA_GEM_INFO'),
  {
    name: 'oa_memory_properties',
    doc: 'Properties of a memory region, in struct oa_memory_info.properties.',
    bits: [
      { name: 'OA_MEMORY_SHARED', bit: 0, doc: 'Other devices reach this memory too (see the shared_with links of the memory in sysfs).', since: '2.0' },
      { name: 'OA_MEMORY_CPU_VISIBLE', bit: 1, doc: 'The CPU can map GEM objects of this memory (oa_gem_info.mmap_offset is non-zero).', since: '2.0' },
    ],
  },
  {
    name: 'oa_sqe_flags',
    doc: 'Flags of a command, in struct oa_sqe.flags.',
    bits: [{ name: 'OA_SQE_FENCE', bit: 0, doc: 'Start this command only after every earlier command of the queue has completed (chaining on one queue).', since: '2.0' }],
  },
  {
    name: 'oa_cqe_flags',
    doc: 'Flags of a completion, in struct oa_cqe.flags.',
    bits: [{ name: 'OA_CQE_PHASE', bit: 0, doc: 'Phase bit: 1 on the first pass over the ring, flipped on every wrap (rule ring.phase).', since: '2.0' }],
  },
  {
    name: 'oa_queue_status_flags',
    doc: 'Device state published in struct oa_queue_status.flags.',
    bits: [
      { name: 'OA_QUEUE_NEED_WAKEUP', bit: 0, doc: 'The engine is not polling this queue (idle, waiting for CQ space, or new): publish work or CQ space, then call DRM_IOCTL_OA_SUBMIT (rule ring.wakeup).', since: '2.0' },
      { name: 'OA_QUEUE_ERROR', bit: 1, doc: 'The queue stopped (an overrunning tail or a device error); destroy it.', since: '2.0' },
    ],
  },
] as const satisfies readonly FlagSetSpec[];
