import type { ErrnoRule, MmapRegionSpec, RingSpec } from '../dsl/model.js';

/** mmap rules shared by the three regions of a queue. */
const mmapErrors = [
  { id: 'mmap_unknown_offset', errno: 'EINVAL', when: 'the offset names no region of a live queue of this context' },
  { id: 'mmap_wrong_length', errno: 'EINVAL', when: 'the length differs from the region\'s *_size' },
  { id: 'mmap_private', errno: 'EINVAL', when: 'MAP_SHARED is not given' },
  { id: 'mmap_exec', errno: 'EPERM', when: 'PROT_EXEC is asked' },
  { id: 'mmap_twice', errno: 'EEXIST', when: 'the region is already mapped (each region is mappable once per queue)' },
] as const satisfies readonly ErrnoRule[];

export const regions = [
  {
    name: 'doorbell',
    doc: 'The doorbell page: user-written tail/head words and device-written state (struct oa_doorbell).',
    offsetFrom: 'oa_create_queue.doorbell_offset',
    sizeFrom: 'oa_create_queue.doorbell_size',
    sizeRule: 'OA_DOORBELL_REGION_SIZE',
    prot: ['PROT_READ', 'PROT_WRITE'],
    layout: 'oa_doorbell',
    errors: mmapErrors,
    since: '1.0',
  },
  {
    name: 'sq',
    doc: 'The submission ring: sq_entries commands (struct oa_sqe), written by the user, read by the device.',
    offsetFrom: 'oa_create_queue.sq_offset',
    sizeFrom: 'oa_create_queue.sq_size',
    sizeRule: 'sq_entries * OA_SQE_SIZE, rounded up to the page size',
    prot: ['PROT_READ', 'PROT_WRITE'],
    layout: 'oa_sqe',
    errors: mmapErrors,
    since: '1.0',
  },
  {
    name: 'cq',
    doc: 'The completion ring: cq_entries completions (struct oa_cqe), written by the device, read by the user.',
    offsetFrom: 'oa_create_queue.cq_offset',
    sizeFrom: 'oa_create_queue.cq_size',
    sizeRule: 'cq_entries * OA_CQE_SIZE, rounded up to the page size',
    prot: ['PROT_READ', 'PROT_WRITE'],
    layout: 'oa_cqe',
    errors: mmapErrors,
    since: '1.0',
  },
] as const satisfies readonly MmapRegionSpec[];

export const rings = [
  {
    name: 'submission',
    doc: 'Commands flow from the user to the device.',
    entry: 'oa_sqe',
    region: 'sq',
    producer: 'user',
    consumer: 'device',
    since: '1.0',
  },
  {
    name: 'completion',
    doc: 'Completions flow from the device to the user.',
    entry: 'oa_cqe',
    region: 'cq',
    producer: 'device',
    consumer: 'user',
    since: '1.0',
  },
] as const satisfies readonly RingSpec[];
