/** Argument structs of the OpenAccel ioctls. Every one is extensible: `__u32 size` first. */
import { defineStruct } from '../dsl/model.js';

const sizeField = {
  name: 'size',
  type: 'u32',
  dir: 'in',
  unit: 'bytes',
  doc: 'sizeof(struct) as the caller compiled it; must equal _IOC_SIZE of the request.',
  since: '1.0',
} as const;

export const oa_device_info = defineStruct({
  name: 'oa_device_info',
  doc: 'ioctl(OA_IOCTL_GET_INFO): what the device is and what it can do',
  notes: [
    'Works on an unbound context. Every output is constant for the life of the device except free_queues, which is a snapshot.',
    'The same facts are published in sysfs (class openaccel); a conformant device reports identical values in both.',
  ],
  extensible: true,
  since: '1.0',
  fields: [
    sizeField,
    { name: 'flags', type: 'u32', dir: 'in', flags: 'oa_info_flags', doc: 'Query flags; none defined, must be 0.', since: '1.0' },
    { name: 'api_major', type: 'u16', dir: 'out', unit: 'version', doc: 'Major uAPI version the driver implements (OA_API_VERSION_MAJOR).', since: '1.0' },
    { name: 'api_minor', type: 'u16', dir: 'out', unit: 'version', doc: 'Minor uAPI version the driver implements.', since: '1.0' },
    { name: 'caps', type: 'u32', dir: 'out', flags: 'oa_caps', doc: 'OA_CAP_* capabilities.', since: '1.0' },
    { name: 'functions', type: 'u64', dir: 'out', unit: 'bitmask', doc: 'Bit n set when opcode n (enum oa_opcode) is implemented.', since: '1.0' },
    { name: 'vendor_id', type: 'u32', dir: 'out', unit: 'id', doc: 'PCI vendor id, or 0 for a device without one.', special: [{ value: 0, meaning: 'no PCI identity' }], since: '1.0' },
    { name: 'device_id', type: 'u32', dir: 'out', unit: 'id', doc: 'PCI device id, or 0 for a device without one.', special: [{ value: 0, meaning: 'no PCI identity' }], since: '1.0' },
    { name: 'max_queues', type: 'u32', dir: 'out', unit: 'count', doc: 'Queues the device supports across all contexts.', since: '1.0' },
    { name: 'free_queues', type: 'u32', dir: 'out', unit: 'count', doc: 'Queues that could be created now (snapshot).', since: '1.0' },
    { name: 'max_sq_entries', type: 'u32', dir: 'out', unit: 'entries', doc: 'Largest submission ring, a power of two.', since: '1.0' },
    { name: 'max_cq_entries', type: 'u32', dir: 'out', unit: 'entries', doc: 'Largest completion ring, a power of two.', since: '1.0' },
    { name: 'sqe_size', type: 'u16', dir: 'out', unit: 'bytes', doc: 'Size of a submission entry: OA_SQE_SIZE.', since: '1.0' },
    { name: 'cqe_size', type: 'u16', dir: 'out', unit: 'bytes', doc: 'Size of a completion entry: OA_CQE_SIZE.', since: '1.0' },
    { name: 'num_memories', type: 'u32', dir: 'out', unit: 'count', doc: 'Memory regions, numbered 0..num_memories-1 for OA_IOCTL_QUERY_MEMORY.', since: '1.0' },
    { name: 'pasid_bits', type: 'u32', dir: 'out', unit: 'bits', doc: 'Width of the PASID space.', special: [{ value: 0, meaning: 'no PASID support (no SVA)' }], since: '1.0' },
    { name: 'numa_node', type: 's32', dir: 'out', unit: 'index', doc: 'NUMA node nearest the device.', special: [{ value: -1, meaning: 'unknown or not NUMA' }], since: '1.0' },
    { name: 'max_transfer_bytes', type: 'u32', dir: 'out', unit: 'bytes', doc: 'Largest src_length or dst_length of one command.', since: '1.0' },
    { name: 'doorbell_size', type: 'u32', dir: 'out', unit: 'bytes', doc: 'Length of a doorbell region: OA_DOORBELL_REGION_SIZE.', since: '1.0' },
    { name: 'name', type: 'u8[32]', dir: 'out', doc: 'Model name, NUL-terminated, printable ASCII.', since: '1.0' },
  ],
});

export const oa_bind_context = defineStruct({
  name: 'oa_bind_context',
  doc: "ioctl(OA_IOCTL_BIND_CONTEXT): bind the context to the caller's address space",
  notes: [
    'open() creates an unbound context. BIND_CONTEXT binds it once to the calling process; with OA_BIND_SVA the device also gets a PASID for the process address space, so commands may carry virtual addresses.',
    'Only the process that bound the context may use it afterwards (EPERM for others), as with amdkfd and IDXD.',
  ],
  extensible: true,
  since: '1.0',
  fields: [
    sizeField,
    { name: 'flags', type: 'u32', dir: 'in', flags: 'oa_bind_flags', doc: 'OA_BIND_* flags.', since: '1.0' },
    { name: 'pasid', type: 'u32', dir: 'out', unit: 'id', doc: 'PASID bound for SVA.', special: [{ value: 0, meaning: 'no PASID: the context is not SVA-bound' }], since: '1.0' },
    { name: 'context_id', type: 'u32', dir: 'out', unit: 'id', doc: 'Device-wide id of the context, as shown in diagnostics; never 0.', since: '1.0' },
  ],
});

export const oa_create_queue = defineStruct({
  name: 'oa_create_queue',
  doc: 'ioctl(OA_IOCTL_CREATE_QUEUE): create a user-mode queue and learn its mmap offsets',
  notes: [
    'A queue is three regions: the doorbell page, the submission ring (SQ) and the completion ring (CQ). Map each once with mmap(fd, length = *_size, offset = *_offset, PROT_READ|PROT_WRITE, MAP_SHARED).',
    'Offsets are opaque, page-aligned byte offsets private to the context.',
  ],
  extensible: true,
  since: '1.0',
  fields: [
    sizeField,
    { name: 'flags', type: 'u32', dir: 'in', flags: 'oa_queue_flags', doc: 'Queue flags; none defined, must be 0.', since: '1.0' },
    { name: 'sq_entries', type: 'u32', dir: 'in', unit: 'entries', doc: 'Submission ring entries: a power of two in [OA_MIN_QUEUE_ENTRIES, max_sq_entries].', since: '1.0' },
    { name: 'cq_entries', type: 'u32', dir: 'in', unit: 'entries', doc: 'Completion ring entries: a power of two >= sq_entries and <= max_cq_entries.', special: [{ value: 0, meaning: 'same as sq_entries' }], since: '1.0' },
    { name: 'queue_id', type: 'u32', dir: 'out', unit: 'id', doc: 'Id of the new queue within the context.', since: '1.0' },
    { name: 'doorbell_size', type: 'u32', dir: 'out', unit: 'bytes', doc: 'Length to map the doorbell region with.', since: '1.0' },
    { name: 'sq_size', type: 'u32', dir: 'out', unit: 'bytes', doc: 'Length to map the SQ with: sq_entries * OA_SQE_SIZE rounded up to the page size.', since: '1.0' },
    { name: 'cq_size', type: 'u32', dir: 'out', unit: 'bytes', doc: 'Length to map the CQ with: cq_entries * OA_CQE_SIZE rounded up to the page size.', since: '1.0' },
    { name: 'doorbell_offset', type: 'u64', dir: 'out', unit: 'offset', doc: 'mmap offset of the doorbell region.', since: '1.0' },
    { name: 'sq_offset', type: 'u64', dir: 'out', unit: 'offset', doc: 'mmap offset of the submission ring.', since: '1.0' },
    { name: 'cq_offset', type: 'u64', dir: 'out', unit: 'offset', doc: 'mmap offset of the completion ring.', since: '1.0' },
  ],
});

export const oa_destroy_queue = defineStruct({
  name: 'oa_destroy_queue',
  doc: 'ioctl(OA_IOCTL_DESTROY_QUEUE): stop a queue and release it',
  notes: [
    'Commands not yet completed are dropped without completion. Existing mappings of the queue stay valid memory until munmap, but the device no longer reads or writes them.',
  ],
  extensible: true,
  since: '1.0',
  fields: [sizeField, { name: 'queue_id', type: 'u32', dir: 'in', unit: 'id', doc: 'Queue to destroy.', since: '1.0' }],
});

export const oa_set_eventfd = defineStruct({
  name: 'oa_set_eventfd',
  doc: 'ioctl(OA_IOCTL_SET_EVENTFD): attach an eventfd for the sleeping completion path',
  notes: [
    'The device writes 1 to the eventfd when it posts a completion while oa_doorbell.cq_armed is non-zero, and clears cq_armed (rule ring.arming). The driver holds its own reference to the eventfd.',
  ],
  extensible: true,
  since: '1.0',
  fields: [
    sizeField,
    { name: 'queue_id', type: 'u32', dir: 'in', unit: 'id', doc: 'Queue whose completions signal the eventfd.', since: '1.0' },
    { name: 'eventfd', type: 's32', dir: 'in', unit: 'fd', doc: 'An eventfd of the caller.', special: [{ value: -1, meaning: 'detach the current eventfd' }], since: '1.0' },
    { name: 'flags', type: 'u32', dir: 'in', flags: 'oa_eventfd_flags', doc: 'Flags; none defined, must be 0.', since: '1.0' },
  ],
});

export const oa_submit = defineStruct({
  name: 'oa_submit',
  doc: 'ioctl(OA_IOCTL_SUBMIT): ring the doorbell by system call (and optionally wait)',
  notes: [
    'The syscall path: the caller writes entries into the SQ exactly as for the doorbell path, then passes the new tail here instead of (or after) storing it in the doorbell page. It also wakes an engine that set OA_DOORBELL_NEED_WAKEUP.',
  ],
  extensible: true,
  since: '1.0',
  fields: [
    sizeField,
    { name: 'queue_id', type: 'u32', dir: 'in', unit: 'id', doc: 'Queue to ring.', since: '1.0' },
    { name: 'sq_tail', type: 'u32', dir: 'in', unit: 'index', doc: 'New free-running SQ tail; stored to the doorbell page by the driver.', since: '1.0' },
    { name: 'flags', type: 'u32', dir: 'in', flags: 'oa_submit_flags', doc: 'OA_SUBMIT_* flags.', since: '1.0' },
    { name: 'timeout_ns', type: 'u64', dir: 'in', unit: 'ns', doc: 'With OA_SUBMIT_WAIT: longest wait, relative to the call.', special: [{ value: 0, meaning: 'no limit' }], since: '1.0' },
    { name: 'sq_head', type: 'u32', dir: 'out', unit: 'index', doc: 'Device SQ head when the call returns.', since: '1.0' },
    { name: 'cq_tail', type: 'u32', dir: 'out', unit: 'index', doc: 'Device CQ tail when the call returns.', since: '1.0' },
  ],
});

export const oa_memory_info = defineStruct({
  name: 'oa_memory_info',
  doc: 'ioctl(OA_IOCTL_QUERY_MEMORY): describe one memory region the device reaches',
  extensible: true,
  since: '1.0',
  fields: [
    sizeField,
    { name: 'memory_id', type: 'u32', dir: 'in', unit: 'index', doc: 'Region to describe, 0..num_memories-1.', since: '1.0' },
    { name: 'kind', type: 'u32', dir: 'out', enum: 'oa_memory_kind', doc: 'OA_MEMORY_* kind.', since: '1.0' },
    { name: 'properties', type: 'u32', dir: 'out', flags: 'oa_memory_properties', doc: 'OA_MEMORY_* properties.', since: '1.0' },
    { name: 'numa_node', type: 's32', dir: 'out', unit: 'index', doc: 'NUMA node of the memory.', special: [{ value: -1, meaning: 'not a NUMA node of the host' }], since: '1.0' },
    { name: 'reserved', type: 'u32', dir: 'in', reserved: true, doc: 'Must be 0.', since: '1.0' },
    { name: 'total_bytes', type: 'u64', dir: 'out', unit: 'bytes', doc: 'Capacity of the region.', since: '1.0' },
    { name: 'free_bytes', type: 'u64', dir: 'out', unit: 'bytes', doc: 'Bytes not allocated (snapshot).', since: '1.0' },
  ],
});

export const oa_alloc_memory = defineStruct({
  name: 'oa_alloc_memory',
  doc: 'ioctl(OA_IOCTL_ALLOC_MEMORY): allocate device memory from one region',
  notes: ['The memory is zeroed. The handle names it in commands (src_handle, dst_handle, param_handle) and in OA_IOCTL_EXPORT_DMABUF.'],
  extensible: true,
  since: '1.0',
  fields: [
    sizeField,
    { name: 'flags', type: 'u32', dir: 'in', flags: 'oa_alloc_flags', doc: 'Flags; none defined, must be 0.', since: '1.0' },
    { name: 'memory_id', type: 'u32', dir: 'in', unit: 'index', doc: 'Region to allocate from.', since: '1.0' },
    { name: 'handle', type: 'u32', dir: 'out', unit: 'handle', doc: 'Handle of the allocation; never OA_HANDLE_NONE.', since: '1.0' },
    { name: 'length', type: 'u64', dir: 'in', unit: 'bytes', doc: 'Bytes to allocate: a non-zero multiple of OA_MEMORY_ALIGN.', since: '1.0' },
  ],
});

export const oa_free_memory = defineStruct({
  name: 'oa_free_memory',
  doc: 'ioctl(OA_IOCTL_FREE_MEMORY): release a memory handle',
  notes: [
    'Releases allocated and imported handles alike. Memory stays alive while an exported dma-buf references it; commands in flight that name the handle complete with OA_STATUS_ADDRESS_FAULT or finish first, never touch freed memory.',
  ],
  extensible: true,
  since: '1.0',
  fields: [sizeField, { name: 'handle', type: 'u32', dir: 'in', unit: 'handle', doc: 'Handle to release.', since: '1.0' }],
});

export const oa_import_dmabuf = defineStruct({
  name: 'oa_import_dmabuf',
  doc: 'ioctl(OA_IOCTL_IMPORT_DMABUF): make a dma-buf reachable by the device',
  extensible: true,
  since: '1.0',
  fields: [
    sizeField,
    { name: 'flags', type: 'u32', dir: 'in', flags: 'oa_import_flags', doc: 'Flags; none defined, must be 0.', since: '1.0' },
    { name: 'fd', type: 's32', dir: 'in', unit: 'fd', doc: 'A dma-buf fd of the caller; the driver takes its own reference.', since: '1.0' },
    { name: 'handle', type: 'u32', dir: 'out', unit: 'handle', doc: 'Handle naming the buffer in commands.', since: '1.0' },
    { name: 'length', type: 'u64', dir: 'out', unit: 'bytes', doc: 'Size of the dma-buf.', since: '1.0' },
  ],
});

export const oa_export_dmabuf = defineStruct({
  name: 'oa_export_dmabuf',
  doc: 'ioctl(OA_IOCTL_EXPORT_DMABUF): export a memory handle as a dma-buf fd',
  notes: ['Exporting an imported handle returns a new fd of the same dma-buf.'],
  extensible: true,
  since: '1.0',
  fields: [
    sizeField,
    { name: 'flags', type: 'u32', dir: 'in', flags: 'oa_export_flags', doc: 'OA_EXPORT_* flags.', since: '1.0' },
    { name: 'handle', type: 'u32', dir: 'in', unit: 'handle', doc: 'Handle to export.', since: '1.0' },
    { name: 'fd', type: 's32', dir: 'out', unit: 'fd', doc: 'New dma-buf fd, opened read-write.', since: '1.0' },
  ],
});
