import type { ErrnoRule, MmapRegionSpec, RingSpec } from '../dsl/model.js';

/** mmap rules of the queue regions and GEM objects on the DRM fd, checked in this order. */
const mmapErrors = [
  { id: 'mmap_unknown_offset', errno: 'EINVAL', when: 'the offset names no region of a live queue and no GEM object of this file (drm_gem_mmap: no vma node)' },
  { id: 'mmap_not_permitted', errno: 'EACCES', when: 'the offset names a GEM object or region this file has no access to (drm_vma_node_is_allowed)' },
  { id: 'mmap_wrong_length', errno: 'EINVAL', when: 'the length exceeds the region or object' },
  { id: 'mmap_private', errno: 'EINVAL', when: 'MAP_SHARED is not given' },
  { id: 'mmap_exec', errno: 'EPERM', when: 'PROT_EXEC is asked' },
  { id: 'mmap_read_only', errno: 'EPERM', when: 'PROT_WRITE is asked for the status region or the CQ, or PROT_READ for a doorbell that is a register (OA_CAP_MMIO_DOORBELL) on an architecture that can map write-only' },
] as const satisfies readonly ErrnoRule[];

const region = (name: string, doc: string, layout: string, sizeRule: string, prot: readonly ('PROT_READ' | 'PROT_WRITE')[]) =>
  ({
    name,
    doc,
    offsetFrom: `oa_create_queue.${name}_offset`,
    sizeFrom: `oa_create_queue.${name}_size`,
    sizeRule,
    prot,
    layout,
    errors: mmapErrors,
    since: '2.0',
  }) as const;

export const regions = [
  region('doorbell', 'The tail the user writes (struct oa_doorbell); may be a write-only device register. Absent on OA_QUEUE_SYNCOBJ queues.', 'oa_doorbell', 'device-defined, a multiple of page_size', ['PROT_READ', 'PROT_WRITE']),
  region('control', 'User-written words the device reads: cq_head and cq_arm (struct oa_queue_control).', 'oa_queue_control', 'page_size', ['PROT_READ', 'PROT_WRITE']),
  region('status', 'Device-written words the user reads: sq_head, cq_tail, flags, arm_ack (struct oa_queue_status).', 'oa_queue_status', 'page_size', ['PROT_READ']),
  region('sq', 'The submission ring: sq_entries commands (struct oa_sqe), written by the user, read by the device.', 'oa_sqe', 'sq_entries * OA_SQE_SIZE, rounded up to page_size', ['PROT_READ', 'PROT_WRITE']),
  region('cq', 'The completion ring: cq_entries completions (struct oa_cqe), written by the device, read by the user.', 'oa_cqe', 'cq_entries * OA_CQE_SIZE, rounded up to page_size', ['PROT_READ']),
] as const satisfies readonly MmapRegionSpec[];

export const rings = [
  { name: 'submission', doc: 'Commands flow from the user to the device.', entry: 'oa_sqe', region: 'sq', producer: 'user', consumer: 'device', since: '2.0' },
  { name: 'completion', doc: 'Completions flow from the device to the user.', entry: 'oa_cqe', region: 'cq', producer: 'device', consumer: 'user', since: '2.0' },
] as const satisfies readonly RingSpec[];
