/** Formats of shared memory: ring entries, the doorbell page and opcode parameter blocks. Fixed size, not extensible. */
import { defineStruct } from '../dsl/model.js';

export const oa_sqe = defineStruct({
  name: 'oa_sqe',
  doc: 'submission queue entry: one command',
  notes: [
    'Addressing: a *_handle of OA_HANDLE_NONE means *_addr is a virtual address of the bound process (valid only for a context bound with OA_BIND_SVA); otherwise *_addr is a byte offset into the memory named by the handle.',
    'Operands an opcode does not use must be zero (OA_STATUS_INVALID_FIELD otherwise); see the opcode table.',
  ],
  extensible: false,
  since: '1.0',
  fields: [
    { name: 'opcode', type: 'u8', dir: 'in', enum: 'oa_opcode', doc: 'OA_OP_* function to run.', since: '1.0' },
    { name: 'flags', type: 'u8', dir: 'in', flags: 'oa_sqe_flags', doc: 'OA_SQE_* flags.', since: '1.0' },
    { name: 'reserved0', type: 'u16', dir: 'in', reserved: true, doc: 'Must be 0.', since: '1.0' },
    { name: 'tag', type: 'u32', dir: 'in', unit: 'id', doc: 'Caller cookie, returned unchanged in oa_cqe.tag.', since: '1.0' },
    { name: 'src_handle', type: 'u32', dir: 'in', unit: 'handle', doc: 'Memory holding the source.', special: [{ value: 0, meaning: 'src_addr is an SVA address' }], since: '1.0' },
    { name: 'dst_handle', type: 'u32', dir: 'in', unit: 'handle', doc: 'Memory receiving the output.', special: [{ value: 0, meaning: 'dst_addr is an SVA address' }], since: '1.0' },
    { name: 'src_addr', type: 'u64', dir: 'in', unit: 'address', doc: 'Source: SVA address, or offset in src_handle.', since: '1.0' },
    { name: 'dst_addr', type: 'u64', dir: 'in', unit: 'address', doc: 'Destination: SVA address, or offset in dst_handle.', since: '1.0' },
    { name: 'src_length', type: 'u32', dir: 'in', unit: 'bytes', doc: 'Bytes to read from the source.', since: '1.0' },
    { name: 'dst_length', type: 'u32', dir: 'in', unit: 'bytes', doc: 'Bytes available at the destination.', since: '1.0' },
    { name: 'param_handle', type: 'u32', dir: 'in', unit: 'handle', doc: 'Memory holding the parameter block.', special: [{ value: 0, meaning: 'param_addr is an SVA address' }], since: '1.0' },
    { name: 'reserved1', type: 'u32', dir: 'in', reserved: true, doc: 'Must be 0.', since: '1.0' },
    { name: 'param_addr', type: 'u64', dir: 'in', unit: 'address', doc: 'Parameter block of the opcode (e.g. struct oa_aes_gcm_params).', since: '1.0' },
    { name: 'arg', type: 'u64', dir: 'in', doc: 'Immediate operand of the opcode (fill pattern, CRC seed, level).', since: '1.0' },
  ],
});

export const oa_cqe = defineStruct({
  name: 'oa_cqe',
  doc: 'completion queue entry: the outcome of one command',
  notes: ['The device writes tag, result and status, then publishes the entry by storing flags with the phase bit (rule ring.complete).'],
  extensible: false,
  since: '1.0',
  fields: [
    { name: 'tag', type: 'u32', dir: 'out', unit: 'id', doc: 'oa_sqe.tag of the command.', since: '1.0' },
    { name: 'result', type: 'u32', dir: 'out', doc: 'Value of the command (bytes produced, CRC); see the opcode table.', since: '1.0' },
    { name: 'status', type: 'u32', dir: 'out', enum: 'oa_status', doc: 'OA_STATUS_* outcome.', since: '1.0' },
    { name: 'flags', type: 'u32', dir: 'out', flags: 'oa_cqe_flags', doc: 'OA_CQE_* flags; bit 0 is the phase.', since: '1.0' },
  ],
});

export const oa_doorbell = defineStruct({
  name: 'oa_doorbell',
  doc: 'the doorbell page of a queue',
  notes: [
    'Each group of words has its own 64-byte cache line so that user stores and device stores never share one. Indices are free-running u32 counters (rule ring.indices).',
    'The region is OA_DOORBELL_REGION_SIZE bytes; bytes past this struct are reserved and read as zero.',
  ],
  extensible: false,
  since: '1.0',
  fields: [
    { name: 'sq_tail', type: 'u32', dir: 'in', unit: 'index', doc: 'User: next SQ index to be written; the doorbell store.', since: '1.0' },
    { name: 'reserved0', type: 'u8[60]', dir: 'in', reserved: true, doc: 'Keep zero.', since: '1.0' },
    { name: 'cq_head', type: 'u32', dir: 'in', unit: 'index', doc: 'User: next CQ index the user will consume.', since: '1.0' },
    { name: 'cq_armed', type: 'u32', dir: 'inout', doc: 'User sets 1 before sleeping on the eventfd; the device clears it when it signals.', since: '1.0' },
    { name: 'reserved1', type: 'u8[56]', dir: 'in', reserved: true, doc: 'Keep zero.', since: '1.0' },
    { name: 'sq_head', type: 'u32', dir: 'out', unit: 'index', doc: 'Device: next SQ index the device will read; slots before it are free.', since: '1.0' },
    { name: 'cq_tail', type: 'u32', dir: 'out', unit: 'index', doc: 'Device: next CQ index the device will write.', since: '1.0' },
    { name: 'reserved2', type: 'u8[56]', dir: 'in', reserved: true, doc: 'Keep zero.', since: '1.0' },
    { name: 'flags', type: 'u32', dir: 'out', flags: 'oa_doorbell_flags', doc: 'Device: OA_DOORBELL_* state.', since: '1.0' },
    { name: 'reserved3', type: 'u8[60]', dir: 'in', reserved: true, doc: 'Keep zero.', since: '1.0' },
  ],
});

export const oa_aes_gcm_params = defineStruct({
  name: 'oa_aes_gcm_params',
  doc: 'parameter block of OA_OP_AES_GCM_ENCRYPT and OA_OP_AES_GCM_DECRYPT',
  notes: ['No additional authenticated data in 1.0. The block is read before and written after the data, never concurrently with it.'],
  extensible: false,
  since: '1.0',
  fields: [
    { name: 'key', type: 'u8[32]', dir: 'in', doc: 'AES key; the first key_bytes bytes are used.', since: '1.0' },
    { name: 'iv', type: 'u8[12]', dir: 'in', doc: '96-bit initialisation vector; never reuse one with the same key.', since: '1.0' },
    { name: 'key_bytes', type: 'u32', dir: 'in', unit: 'bytes', doc: 'Key length: 16, 24 or 32.', since: '1.0' },
    { name: 'tag', type: 'u8[16]', dir: 'inout', doc: 'Authentication tag: written by ENCRYPT, checked by DECRYPT.', since: '1.0' },
  ],
});
