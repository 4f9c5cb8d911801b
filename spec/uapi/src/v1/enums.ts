import type { EnumSpec, FlagSetSpec } from '../dsl/model.js';

export const enums = [
  {
    name: 'oa_status',
    doc: 'Completion status of a command, in struct oa_cqe.status. A command that fails touches no memory it was not allowed to.',
    entries: [
      { name: 'OA_STATUS_OK', value: 0, doc: 'The command completed; result holds its value.', since: '1.0' },
      { name: 'OA_STATUS_INVALID_OPCODE', value: 1, doc: 'The opcode is unknown or the device does not implement it (see oa_device_info.functions).', since: '1.0' },
      { name: 'OA_STATUS_INVALID_FIELD', value: 2, doc: 'A reserved field or unknown flag is non-zero, an unused operand is non-zero, or an operand is out of range.', since: '1.0' },
      { name: 'OA_STATUS_ADDRESS_FAULT', value: 3, doc: 'An address or handle range is outside what the context may reach; nothing was read or written.', since: '1.0' },
      { name: 'OA_STATUS_DST_TOO_SMALL', value: 4, doc: 'The output does not fit in dst_length bytes; the content of dst is unspecified.', since: '1.0' },
      { name: 'OA_STATUS_DATA_ERROR', value: 5, doc: 'The input is malformed for the function (e.g. a corrupt DEFLATE stream).', since: '1.0' },
      { name: 'OA_STATUS_AUTH_FAILED', value: 6, doc: 'AES-GCM decryption: the tag does not match; dst is zeroed.', since: '1.0' },
      { name: 'OA_STATUS_DEVICE_ERROR', value: 7, doc: 'The device failed internally; the queue may be stopped (OA_DOORBELL_ERROR).', since: '1.0' },
    ],
  },
  {
    name: 'oa_memory_kind',
    doc: 'Kind of a device-reachable memory region, in struct oa_memory_info.kind.',
    entries: [
      { name: 'OA_MEMORY_DDR', value: 1, doc: 'Ordinary DRAM (host or device-attached).', since: '1.0' },
      { name: 'OA_MEMORY_HBM', value: 2, doc: 'High-bandwidth memory stacked with or beside the device.', since: '1.0' },
      { name: 'OA_MEMORY_SRAM', value: 3, doc: 'On-chip SRAM.', since: '1.0' },
      { name: 'OA_MEMORY_CXL', value: 4, doc: 'Memory attached over CXL.', since: '1.0' },
    ],
  },
] as const satisfies readonly EnumSpec[];

export const flagSets = [
  {
    name: 'oa_caps',
    doc: 'Capabilities of a device, in struct oa_device_info.caps.',
    bits: [
      { name: 'OA_CAP_SVA', bit: 0, doc: 'Shared virtual addressing: a context bound with OA_BIND_SVA may name process virtual addresses in commands.', since: '1.0' },
      { name: 'OA_CAP_DMABUF_IMPORT', bit: 1, doc: 'OA_IOCTL_IMPORT_DMABUF is supported.', since: '1.0' },
      { name: 'OA_CAP_DMABUF_EXPORT', bit: 2, doc: 'OA_IOCTL_EXPORT_DMABUF is supported.', since: '1.0' },
      { name: 'OA_CAP_DEVICE_MEMORY', bit: 3, doc: 'OA_IOCTL_ALLOC_MEMORY is supported on at least one memory region.', since: '1.0' },
      { name: 'OA_CAP_EVENTFD', bit: 4, doc: 'OA_IOCTL_SET_EVENTFD is supported (the sleeping completion path).', since: '1.0' },
    ],
  },
  { name: 'oa_info_flags', doc: 'Flags of OA_IOCTL_GET_INFO. None are defined: the field must be zero.', bits: [] },
  {
    name: 'oa_bind_flags',
    doc: 'Flags of OA_IOCTL_BIND_CONTEXT.',
    bits: [
      { name: 'OA_BIND_SVA', bit: 0, doc: "Bind the caller's address space with a PASID, so commands may use process virtual addresses.", since: '1.0' },
    ],
  },
  { name: 'oa_queue_flags', doc: 'Flags of OA_IOCTL_CREATE_QUEUE. None are defined: the field must be zero.', bits: [] },
  { name: 'oa_eventfd_flags', doc: 'Flags of OA_IOCTL_SET_EVENTFD. None are defined: the field must be zero.', bits: [] },
  {
    name: 'oa_submit_flags',
    doc: 'Flags of OA_IOCTL_SUBMIT.',
    bits: [
      { name: 'OA_SUBMIT_WAIT', bit: 0, doc: 'Return only when every command before sq_tail has completed (or timeout_ns passed).', since: '1.0' },
    ],
  },
  { name: 'oa_alloc_flags', doc: 'Flags of OA_IOCTL_ALLOC_MEMORY. None are defined: the field must be zero.', bits: [] },
  { name: 'oa_import_flags', doc: 'Flags of OA_IOCTL_IMPORT_DMABUF. None are defined: the field must be zero.', bits: [] },
  {
    name: 'oa_export_flags',
    doc: 'Flags of OA_IOCTL_EXPORT_DMABUF. The exported fd is always opened read-write.',
    bits: [{ name: 'OA_EXPORT_CLOEXEC', bit: 0, doc: 'Open the new dma-buf fd with O_CLOEXEC.', since: '1.0' }],
  },
  {
    name: 'oa_memory_properties',
    doc: 'Properties of a memory region, in struct oa_memory_info.properties.',
    bits: [
      { name: 'OA_MEMORY_SHARED', bit: 0, doc: 'Other devices reach this memory too (see the shared_with attribute of the memory in sysfs).', since: '1.0' },
      { name: 'OA_MEMORY_CPU_VISIBLE', bit: 1, doc: 'The CPU can map this memory (through an exported dma-buf).', since: '1.0' },
    ],
  },
  {
    name: 'oa_sqe_flags',
    doc: 'Flags of a command, in struct oa_sqe.flags.',
    bits: [
      { name: 'OA_SQE_FENCE', bit: 0, doc: 'Start this command only after every earlier command of the queue has completed (chaining on one queue).', since: '1.0' },
    ],
  },
  {
    name: 'oa_cqe_flags',
    doc: 'Flags of a completion, in struct oa_cqe.flags.',
    bits: [
      { name: 'OA_CQE_PHASE', bit: 0, doc: 'Phase bit: 1 on the first pass over the ring, flipped on every wrap (rule ring.phase).', since: '1.0' },
    ],
  },
  {
    name: 'oa_doorbell_flags',
    doc: 'Device state published in struct oa_doorbell.flags.',
    bits: [
      { name: 'OA_DOORBELL_NEED_WAKEUP', bit: 0, doc: 'The engine stopped polling this queue; ring with OA_IOCTL_SUBMIT after the doorbell store (rule ring.wakeup).', since: '1.0' },
      { name: 'OA_DOORBELL_ERROR', bit: 1, doc: 'The queue stopped after a device error; destroy it.', since: '1.0' },
    ],
  },
] as const satisfies readonly FlagSetSpec[];
