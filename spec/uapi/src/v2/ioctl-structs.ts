/**
 * Argument structs of the driver-private ioctls. No size field: drm_ioctl() takes the size from the
 * request number, zero-extends a shorter struct and drops the tail of a longer one (rule size.drm-ioctl).
 */
import { defineStruct } from '../dsl/model.js';

const reserved = (name: string) => ({ name, type: 'u32', dir: 'in', reserved: true, doc: 'Must be 0.', since: '2.0' }) as const;
const flags = (set: string, what: string) => ({ name: 'flags', type: 'u32', dir: 'in', flags: set, doc: what, since: '2.0' }) as const;
const queueId = { name: 'queue_id', type: 'u32', dir: 'in', unit: 'id', doc: 'A live queue of this file.', since: '2.0' } as const;

export const oa_device_info = defineStruct({
  name: 'oa_device_info',
  doc: 'DRM_IOCTL_OA_GET_INFO: what the device is and what it can do',
  notes: [
    'Together with DRM_IOCTL_VERSION naming "openaccel", an answer to this ioctl is what makes an accel node an OpenAccel device. Every output is constant for the life of the device except free_queues, a snapshot.',
    'The same facts are published in the openaccel attribute group of the accel device in sysfs; a conformant device reports identical values in both.',
  ],
  extensible: true,
  since: '2.0',
  fields: [
    flags('oa_info_flags', 'Query flags; none defined, must be 0.'),
    { name: 'api_major', type: 'u16', dir: 'out', unit: 'version', doc: 'OA_API_VERSION_MAJOR of the driver.', since: '2.0' },
    { name: 'api_minor', type: 'u16', dir: 'out', unit: 'version', doc: 'OA_API_VERSION_MINOR of the driver.', since: '2.0' },
    { name: 'caps', type: 'u64', dir: 'out', flags: 'oa_caps', doc: 'OA_CAP_* capabilities.', since: '2.0' },
    { name: 'vendor_id', type: 'u32', dir: 'out', unit: 'id', doc: 'PCI vendor id.', special: [{ value: 0, meaning: 'no PCI identity' }], since: '2.0' },
    { name: 'device_id', type: 'u32', dir: 'out', unit: 'id', doc: 'PCI device id.', special: [{ value: 0, meaning: 'no PCI identity' }], since: '2.0' },
    { name: 'max_queues', type: 'u32', dir: 'out', unit: 'count', doc: 'Queues the device supports across all files.', since: '2.0' },
    { name: 'free_queues', type: 'u32', dir: 'out', unit: 'count', doc: 'Queues that could be created now (snapshot).', since: '2.0' },
    { name: 'max_sq_entries', type: 'u32', dir: 'out', unit: 'entries', doc: 'Largest submission ring, a power of two.', since: '2.0' },
    { name: 'max_cq_entries', type: 'u32', dir: 'out', unit: 'entries', doc: 'Largest completion ring, a power of two.', since: '2.0' },
    { name: 'sqe_size', type: 'u16', dir: 'out', unit: 'bytes', doc: 'Size of a submission entry: OA_SQE_SIZE.', since: '2.0' },
    { name: 'cqe_size', type: 'u16', dir: 'out', unit: 'bytes', doc: 'Size of a completion entry: OA_CQE_SIZE.', since: '2.0' },
    { name: 'num_memories', type: 'u32', dir: 'out', unit: 'count', doc: 'Memory regions, numbered 0..num_memories-1 for DRM_IOCTL_OA_QUERY_MEMORY.', since: '2.0' },
    { name: 'numa_node', type: 's32', dir: 'out', unit: 'index', doc: 'NUMA node nearest the device.', special: [{ value: -1, meaning: 'unknown or not NUMA' }], since: '2.0' },
    { name: 'max_transfer_bytes', type: 'u32', dir: 'out', unit: 'bytes', doc: 'Largest src_length or dst_length of one command.', since: '2.0' },
    { name: 'num_opcodes', type: 'u32', dir: 'out', unit: 'count', doc: 'Size of the opcode space the device knows: one more than its highest opcode. The function bitmap has this many bits.', since: '2.0' },
    { name: 'page_size', type: 'u32', dir: 'out', unit: 'bytes', doc: 'Granule of every mmap region and offset: the CPU page size the driver maps with (4 KiB, 16 KiB, 64 KiB).', since: '2.0' },
    { name: 'cache_line_size', type: 'u32', dir: 'out', unit: 'bytes', doc: 'Coherence granule between CPU and device (64 or 128); at most OA_CACHE_LINE_MAX.', since: '2.0' },
    { name: 'max_syncobj_points', type: 'u32', dir: 'out', unit: 'count', doc: 'Most wait or signal points one DRM_IOCTL_OA_SUBMIT takes.', special: [{ value: 0, meaning: 'no syncobj support (OA_CAP_SYNCOBJ clear)' }], since: '2.0' },
    { name: 'name', type: 'u8[32]', dir: 'out', doc: 'Model name, NUL-terminated, printable ASCII.', since: '2.0' },
  ],
});

export const oa_query_functions = defineStruct({
  name: 'oa_query_functions',
  doc: 'DRM_IOCTL_OA_QUERY_FUNCTIONS: which opcodes the device implements, as a bitmap of any length',
  notes: [
    'Bit n of the bitmap (bit n % 64 of __u64 word n / 64) is set when opcode n is implemented. The driver writes min(num_words, needed) words and sets num_words to the number needed, ceil(num_opcodes / 64); call with num_words 0 to learn it.',
  ],
  extensible: true,
  since: '2.0',
  fields: [
    flags('oa_query_functions_flags', 'Query flags; none defined, must be 0.'),
    { name: 'num_words', type: 'u32', dir: 'inout', unit: 'count', doc: 'In: __u64 words at bitmap_ptr. Out: words needed.', since: '2.0' },
    { name: 'bitmap_ptr', type: 'u64', dir: 'in', unit: 'address', doc: 'User pointer to num_words __u64 words; may be 0 when num_words is 0.', since: '2.0' },
  ],
});

export const oa_bind_context = defineStruct({
  name: 'oa_bind_context',
  doc: 'DRM_IOCTL_OA_BIND_CONTEXT: bind the file (the context) to the calling process, SVA optional',
  notes: [
    'open() of the accel node creates an unbound context. BIND_CONTEXT binds it once to the calling process; with OA_BIND_SVA the driver also binds the process address space to the device (iommu_sva_bind_device), so commands may carry virtual addresses. The PASID stays inside the kernel.',
  ],
  extensible: true,
  since: '2.0',
  fields: [
    flags('oa_bind_flags', 'OA_BIND_* flags.'),
    { name: 'context_id', type: 'u32', dir: 'out', unit: 'id', doc: 'drm-client-id of this file in fdinfo; never 0.', since: '2.0' },
  ],
});

export const oa_create_queue = defineStruct({
  name: 'oa_create_queue',
  doc: 'DRM_IOCTL_OA_CREATE_QUEUE: create a user-mode queue and learn its regions',
  notes: [
    'A queue is five regions: doorbell (user-written, may be a device register), control (user-written memory the device reads), status (device-written memory the user reads), SQ and CQ. Map each with mmap(drm_fd, *_size, ..., MAP_SHARED, *_offset); offsets are DRM fake offsets, multiples of page_size.',
    'An OA_QUEUE_SYNCOBJ queue has no doorbell region: doorbell_size and doorbell_offset are 0.',
  ],
  extensible: true,
  since: '2.0',
  fields: [
    flags('oa_queue_flags', 'OA_QUEUE_* flags.'),
    { name: 'sq_entries', type: 'u32', dir: 'in', unit: 'entries', doc: 'Submission ring entries: a power of two in [OA_MIN_QUEUE_ENTRIES, max_sq_entries].', since: '2.0' },
    { name: 'cq_entries', type: 'u32', dir: 'in', unit: 'entries', doc: 'Completion ring entries: a power of two >= sq_entries and <= max_cq_entries.', special: [{ value: 0, meaning: 'same as sq_entries' }], since: '2.0' },
    { name: 'queue_id', type: 'u32', dir: 'out', unit: 'id', doc: 'Id of the new queue within the file.', since: '2.0' },
    { name: 'doorbell_size', type: 'u32', dir: 'out', unit: 'bytes', doc: 'Length of the doorbell region (a multiple of page_size).', special: [{ value: 0, meaning: 'no doorbell (OA_QUEUE_SYNCOBJ)' }], since: '2.0' },
    { name: 'control_size', type: 'u32', dir: 'out', unit: 'bytes', doc: 'Length of the control region.', since: '2.0' },
    { name: 'status_size', type: 'u32', dir: 'out', unit: 'bytes', doc: 'Length of the status region.', since: '2.0' },
    { name: 'sq_size', type: 'u32', dir: 'out', unit: 'bytes', doc: 'Length of the SQ: sq_entries * OA_SQE_SIZE rounded up to page_size.', since: '2.0' },
    { name: 'cq_size', type: 'u32', dir: 'out', unit: 'bytes', doc: 'Length of the CQ: cq_entries * OA_CQE_SIZE rounded up to page_size.', since: '2.0' },
    reserved('reserved'),
    { name: 'doorbell_offset', type: 'u64', dir: 'out', unit: 'offset', doc: 'mmap offset of the doorbell region.', special: [{ value: 0, meaning: 'no doorbell (OA_QUEUE_SYNCOBJ)' }], since: '2.0' },
    { name: 'control_offset', type: 'u64', dir: 'out', unit: 'offset', doc: 'mmap offset of the control region.', since: '2.0' },
    { name: 'status_offset', type: 'u64', dir: 'out', unit: 'offset', doc: 'mmap offset of the status region.', since: '2.0' },
    { name: 'sq_offset', type: 'u64', dir: 'out', unit: 'offset', doc: 'mmap offset of the submission ring.', since: '2.0' },
    { name: 'cq_offset', type: 'u64', dir: 'out', unit: 'offset', doc: 'mmap offset of the completion ring.', since: '2.0' },
  ],
});

export const oa_destroy_queue = defineStruct({
  name: 'oa_destroy_queue',
  doc: 'DRM_IOCTL_OA_DESTROY_QUEUE: destroy a queue',
  notes: ['Pending commands are dropped; their signal points are signalled with an error fence so no waiter hangs.'],
  extensible: true,
  since: '2.0',
  fields: [queueId, reserved('reserved')],
});

export const oa_set_eventfd = defineStruct({
  name: 'oa_set_eventfd',
  doc: 'DRM_IOCTL_OA_SET_EVENTFD: attach or detach the eventfd of a queue',
  extensible: true,
  since: '2.0',
  fields: [
    queueId,
    { name: 'eventfd', type: 's32', dir: 'in', unit: 'fd', doc: 'An eventfd to signal for armed completions.', special: [{ value: -1, meaning: 'detach' }], since: '2.0' },
    flags('oa_eventfd_flags', 'Flags; none defined, must be 0.'),
    reserved('reserved'),
  ],
});

export const oa_submit = defineStruct({
  name: 'oa_submit',
  doc: 'DRM_IOCTL_OA_SUBMIT: publish a tail by system call, with syncobj points, and optionally wait',
  notes: [
    'On a doorbell queue this is the wake-up path (rule ring.wakeup) and takes no points. On an OA_QUEUE_SYNCOBJ queue it is the only way to publish: the commands from the previous tail up to sq_tail start after every wait point has signalled, and every signal point signals when all of them have completed (rule sync.points).',
  ],
  extensible: true,
  since: '2.0',
  fields: [
    queueId,
    flags('oa_submit_flags', 'OA_SUBMIT_* flags.'),
    { name: 'sq_tail', type: 'u32', dir: 'in', unit: 'index', doc: 'The new SQ tail (free-running).', since: '2.0' },
    { name: 'sq_head', type: 'u32', dir: 'out', unit: 'index', doc: 'The SQ head when the call returns.', since: '2.0' },
    { name: 'num_waits', type: 'u32', dir: 'in', unit: 'count', doc: 'Entries at waits_ptr, at most max_syncobj_points.', since: '2.0' },
    { name: 'num_signals', type: 'u32', dir: 'in', unit: 'count', doc: 'Entries at signals_ptr, at most max_syncobj_points.', since: '2.0' },
    { name: 'waits_ptr', type: 'u64', dir: 'in', unit: 'address', doc: 'User pointer to num_waits struct oa_syncobj_point.', since: '2.0' },
    { name: 'signals_ptr', type: 'u64', dir: 'in', unit: 'address', doc: 'User pointer to num_signals struct oa_syncobj_point.', since: '2.0' },
    { name: 'timeout_ns', type: 's64', dir: 'in', unit: 'ns', doc: 'With OA_SUBMIT_WAIT: absolute CLOCK_MONOTONIC deadline, as DRM_IOCTL_SYNCOBJ_WAIT.', special: [{ value: 0, meaning: 'poll once' }], since: '2.0' },
  ],
});

export const oa_memory_info = defineStruct({
  name: 'oa_memory_info',
  doc: 'DRM_IOCTL_OA_QUERY_MEMORY: one memory region the device reaches',
  extensible: true,
  since: '2.0',
  fields: [
    { name: 'memory_id', type: 'u32', dir: 'in', unit: 'id', doc: 'Region index, below num_memories.', since: '2.0' },
    { name: 'kind', type: 'u32', dir: 'out', enum: 'oa_memory_kind', doc: 'OA_MEMORY_* kind.', since: '2.0' },
    { name: 'properties', type: 'u32', dir: 'out', flags: 'oa_memory_properties', doc: 'OA_MEMORY_* properties.', since: '2.0' },
    { name: 'alloc_align', type: 'u32', dir: 'out', unit: 'bytes', doc: 'Granule and alignment of GEM objects in this region, a power of two reported by the device.', special: [{ value: 0, meaning: 'the region cannot be allocated from' }], since: '2.0' },
    { name: 'size', type: 'u64', dir: 'out', unit: 'bytes', doc: 'Capacity.', since: '2.0' },
    { name: 'free', type: 'u64', dir: 'out', unit: 'bytes', doc: 'Free bytes (snapshot).', since: '2.0' },
  ],
});

export const oa_gem_create = defineStruct({
  name: 'oa_gem_create',
  doc: 'DRM_IOCTL_OA_GEM_CREATE: allocate zeroed device memory as a GEM object',
  notes: ['Release with DRM_IOCTL_GEM_CLOSE; export with DRM_IOCTL_PRIME_HANDLE_TO_FD; map through DRM_IOCTL_OA_GEM_INFO.mmap_offset.'],
  extensible: true,
  since: '2.0',
  fields: [
    { name: 'memory_id', type: 'u32', dir: 'in', unit: 'id', doc: 'Region to allocate from.', since: '2.0' },
    flags('oa_gem_create_flags', 'Flags; none defined, must be 0.'),
    { name: 'size', type: 'u64', dir: 'in', unit: 'bytes', doc: 'Bytes: a non-zero multiple of the region alloc_align.', since: '2.0' },
    { name: 'handle', type: 'u32', dir: 'out', unit: 'handle', doc: 'The GEM handle; never 0.', since: '2.0' },
    reserved('reserved'),
  ],
});

export const oa_gem_info = defineStruct({
  name: 'oa_gem_info',
  doc: 'DRM_IOCTL_OA_GEM_INFO: size, region and CPU mmap offset of a GEM object',
  extensible: true,
  since: '2.0',
  fields: [
    { name: 'handle', type: 'u32', dir: 'in', unit: 'handle', doc: 'A GEM handle of this file (created or imported).', since: '2.0' },
    flags('oa_gem_info_flags', 'Flags; none defined, must be 0.'),
    { name: 'memory_id', type: 'u32', dir: 'out', unit: 'id', doc: 'Region of the object.', special: [{ value: 4294967295, meaning: 'imported dma-buf (OA_MEMORY_ID_IMPORTED)' }], since: '2.0' },
    reserved('reserved'),
    { name: 'size', type: 'u64', dir: 'out', unit: 'bytes', doc: 'Size of the object.', since: '2.0' },
    { name: 'mmap_offset', type: 'u64', dir: 'out', unit: 'offset', doc: 'Offset to mmap the object with on the DRM fd.', special: [{ value: 0, meaning: 'not CPU-mappable' }], since: '2.0' },
  ],
});
