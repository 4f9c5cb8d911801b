import type { ConstantSpec } from '../dsl/model.js';

export const constants = [
  { name: 'OA_API_VERSION_MAJOR', value: 1, doc: 'Major version of this uAPI; a driver refuses nothing of an equal major version.', unit: 'version', since: '1.0' },
  { name: 'OA_API_VERSION_MINOR', value: 0, doc: 'Minor version of this uAPI; minor versions only add.', unit: 'version', since: '1.0' },
  { name: 'OA_IOCTL_TYPE', value: 0xd7, doc: "ioctl type byte ('magic') of every OpenAccel ioctl.", since: '1.0' },
  { name: 'OA_NAME_LEN', value: 32, doc: 'Size of the NUL-terminated device name in struct oa_device_info.', unit: 'bytes', since: '1.0' },
  { name: 'OA_HANDLE_NONE', value: 0, doc: 'A memory handle that names nothing: in a command it means "the address is a process virtual address (SVA)".', unit: 'handle', since: '1.0' },
  { name: 'OA_SQE_SIZE', value: 64, doc: 'Size of one submission queue entry, struct oa_sqe.', unit: 'bytes', since: '1.0' },
  { name: 'OA_CQE_SIZE', value: 16, doc: 'Size of one completion queue entry, struct oa_cqe.', unit: 'bytes', since: '1.0' },
  { name: 'OA_DOORBELL_SIZE', value: 256, doc: 'Size of struct oa_doorbell at the start of the doorbell region; the rest of the region is reserved.', unit: 'bytes', since: '1.0' },
  { name: 'OA_DOORBELL_REGION_SIZE', value: 4096, doc: 'Length of the doorbell region of a queue (one 4 KiB page on every architecture).', unit: 'bytes', since: '1.0' },
  { name: 'OA_MIN_QUEUE_ENTRIES', value: 2, doc: 'Smallest number of entries of a submission or completion ring.', unit: 'entries', since: '1.0' },
  { name: 'OA_MEMORY_ALIGN', value: 4096, doc: 'Alignment and granule of device memory allocations.', unit: 'bytes', since: '1.0' },
  { name: 'OA_SHA256_DIGEST_SIZE', value: 32, doc: 'Size of the digest written by OA_OP_SHA256.', unit: 'bytes', since: '1.0' },
  { name: 'OA_AES_GCM_IV_SIZE', value: 12, doc: 'Size of the AES-GCM initialisation vector (96-bit IV, NIST SP 800-38D).', unit: 'bytes', since: '1.0' },
  { name: 'OA_AES_GCM_TAG_SIZE', value: 16, doc: 'Size of the AES-GCM authentication tag.', unit: 'bytes', since: '1.0' },
] as const satisfies readonly ConstantSpec[];
