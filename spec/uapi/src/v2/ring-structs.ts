/**
 * Formats of shared memory: ring entries, the three queue words regions and parameter blocks. Fixed size.
 * Every word has one writer; words of different writers never share OA_CACHE_LINE_MAX bytes.
 */
import { defineStruct } from '../dsl/model.js';

export const oa_sqe = defineStruct({
  name: 'oa_sqe',
  doc: 'submission queue entry: one command',
  notes: [
    'Addressing: a *_handle of OA_HANDLE_NONE means *_addr is a virtual address of the bound process (valid only for a context bound with OA_BIND_SVA); otherwise *_handle is a GEM handle of the file and *_addr a byte offset into its object.',
    'Operands an opcode does not use must be zero (OA_STATUS_INVALID_FIELD otherwise); see the opcode table.',
  ],
  extensible: false,
  since: '2.0',
  fields: [
    { name: 'opcode', type: 'u16', dir: 'in', enum: 'oa_opcode', doc: 'OA_OP_* function to run; the space is 16 bits wide.', since: '2.0' },
    { name: 'flags', type: 'u16', dir: 'in', flags: 'oa_sqe_flags', doc: 'OA_SQE_* flags.', since: '2.0' },
    { name: 'tag', type: 'u32', dir: 'in', unit: 'id', doc: 'Caller cookie, returned unchanged in oa_cqe.tag.', since: '2.0' },
    { name: 'src_handle', type: 'u32', dir: 'in', unit: 'handle', doc: 'GEM handle holding the source.', special: [{ value: 0, meaning: 'src_addr is an SVA address' }], since: '2.0' },
    { name: 'dst_handle', type: 'u32', dir: 'in', unit: 'handle', doc: 'GEM handle receiving the output.', special: [{ value: 0, meaning: 'dst_addr is an SVA address' }], since: '2.0' },
    { name: 'src_addr', type: 'u64', dir: 'in', unit: 'address', doc: 'Source: SVA address, or offset in src_handle.', since: '2.0' },
    { name: 'dst_addr', type: 'u64', dir: 'in', unit: 'address', doc: 'Destination: SVA address, or offset in dst_handle.', since: '2.0' },
    { name: 'src_length', type: 'u32', dir: 'in', unit: 'bytes', doc: 'Bytes to read from the source.', since: '2.0' },
    { name: 'dst_length', type: 'u32', dir: 'in', unit: 'bytes', doc: 'Bytes available at the destination.', since: '2.0' },
    { name: 'param_handle', type: 'u32', dir: 'in', unit: 'handle', doc: 'GEM handle holding the parameter block.', special: [{ value: 0, meaning: 'param_addr is an SVA address' }], since: '2.0' },
    { name: 'reserved1', type: 'u32', dir: 'in', reserved: true, doc: 'Must be 0.', since: '2.0' },
    { name: 'param_addr', type: 'u64', dir: 'in', unit: 'address', doc: 'Parameter block of the opcode (e.g. struct oa_aes_gcm_params).', since: '2.0' },
    { name: 'arg', type: 'u64', dir: 'in', doc: 'Immediate operand of the opcode (fill pattern, CRC seed, level).', since: '2.0' },
  ],
});

export const oa_cqe = defineStruct({
  name: 'oa_cqe',
  doc: 'completion queue entry: the outcome of one command',
  notes: ['The device writes tag, result and status, then publishes the entry by storing flags with the phase bit with release ordering (rule ring.complete).'],
  extensible: false,
  since: '2.0',
  fields: [
    { name: 'tag', type: 'u32', dir: 'out', unit: 'id', doc: 'oa_sqe.tag of the command.', since: '2.0' },
    { name: 'result', type: 'u32', dir: 'out', doc: 'Value of the command (bytes produced, CRC); see the opcode table. After OA_STATUS_ADDRESS_FAULT: 0.', since: '2.0' },
    { name: 'status', type: 'u32', dir: 'out', enum: 'oa_status', doc: 'OA_STATUS_* outcome.', since: '2.0' },
    { name: 'flags', type: 'u32', dir: 'out', flags: 'oa_cqe_flags', doc: 'OA_CQE_* flags; bit 0 is the phase.', since: '2.0' },
  ],
});

export const oa_doorbell = defineStruct({
  name: 'oa_doorbell',
  doc: 'the doorbell region: the tail the user writes',
  notes: [
    'May be a write-only device register (OA_CAP_MMIO_DOORBELL): write sq_tail with one aligned 32-bit store, never read it, and keep your own copy of the tail. The rest of the region is reserved.',
  ],
  extensible: false,
  since: '2.0',
  fields: [
    { name: 'sq_tail', type: 'u32', dir: 'in', unit: 'index', doc: 'User: next SQ index to be written; the doorbell store.', since: '2.0' },
    { name: 'reserved', type: 'u32', dir: 'in', reserved: true, doc: 'Never written.', since: '2.0' },
  ],
});

export const oa_queue_control = defineStruct({
  name: 'oa_queue_control',
  doc: 'the control region: words the user writes in memory and the device reads',
  notes: ['The device only reads this region. It is ordinary memory even when the doorbell is a register.'],
  extensible: false,
  since: '2.0',
  fields: [
    { name: 'cq_head', type: 'u32', dir: 'in', unit: 'index', doc: 'User: next CQ index the user will consume.', since: '2.0' },
    { name: 'cq_arm', type: 'u32', dir: 'in', unit: 'count', doc: 'User: arm sequence; storing a value different from oa_queue_status.arm_ack asks for one eventfd signal (rule ring.arming).', since: '2.0' },
    { name: 'reserved', type: 'u8[120]', dir: 'in', reserved: true, doc: 'Keep zero.', since: '2.0' },
  ],
});

export const oa_queue_status = defineStruct({
  name: 'oa_queue_status',
  doc: 'the status region: words the device writes and the user reads',
  notes: ['The user only reads this region. A new queue starts with sq_head = cq_tail = arm_ack = 0 and flags = OA_QUEUE_NEED_WAKEUP (rule queue.initial-state).'],
  extensible: false,
  since: '2.0',
  fields: [
    { name: 'sq_head', type: 'u32', dir: 'out', unit: 'index', doc: 'Device: next SQ index the device will read; slots before it are free.', since: '2.0' },
    { name: 'cq_tail', type: 'u32', dir: 'out', unit: 'index', doc: 'Device: next CQ index the device will write (OA_CAP_CQ_TAIL; 0 otherwise).', since: '2.0' },
    { name: 'flags', type: 'u32', dir: 'out', flags: 'oa_queue_status_flags', doc: 'Device: OA_QUEUE_* state.', since: '2.0' },
    { name: 'arm_ack', type: 'u32', dir: 'out', unit: 'count', doc: 'Device: the cq_arm value it last answered with an eventfd signal.', since: '2.0' },
    { name: 'reserved', type: 'u8[112]', dir: 'in', reserved: true, doc: 'Written as zero.', since: '2.0' },
  ],
});

export const oa_syncobj_point = defineStruct({
  name: 'oa_syncobj_point',
  doc: 'a syncobj point to wait on or signal, in the arrays of DRM_IOCTL_OA_SUBMIT',
  extensible: false,
  since: '2.0',
  fields: [
    { name: 'handle', type: 'u32', dir: 'in', unit: 'handle', doc: 'Syncobj handle of this file.', since: '2.0' },
    { name: 'flags', type: 'u32', dir: 'in', flags: 'oa_syncobj_point_flags', doc: 'Flags; none defined, must be 0.', since: '2.0' },
    { name: 'point', type: 'u64', dir: 'in', unit: 'count', doc: 'Timeline point (needs OA_CAP_SYNCOBJ_TIMELINE).', special: [{ value: 0, meaning: 'the binary payload' }], since: '2.0' },
  ],
});

export const oa_aes_gcm_params = defineStruct({
  name: 'oa_aes_gcm_params',
  doc: 'parameter block of OA_OP_AES_GCM_ENCRYPT and OA_OP_AES_GCM_DECRYPT',
  notes: ['No additional authenticated data in 2.0. The block is read before and written after the data, never concurrently with it.'],
  extensible: false,
  since: '2.0',
  fields: [
    { name: 'key', type: 'u8[32]', dir: 'in', doc: 'AES key; the first key_bytes bytes are used.', since: '2.0' },
    { name: 'iv', type: 'u8[12]', dir: 'in', doc: '96-bit initialisation vector; never reuse one with the same key.', since: '2.0' },
    { name: 'key_bytes', type: 'u32', dir: 'in', unit: 'bytes', doc: 'Key length: 16, 24 or 32.', since: '2.0' },
    { name: 'tag', type: 'u8[16]', dir: 'inout', doc: 'Authentication tag: written by ENCRYPT, checked by DECRYPT.', since: '2.0' },
  ],
});
