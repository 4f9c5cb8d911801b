import type { ConstantSpec } from '../dsl/model.js';

export const constants = [
  { name: 'OA_API_VERSION_MAJOR', value: 2, doc: 'Major version of this uAPI, reported as drm_version.version_major and oa_device_info.api_major.', unit: 'version', since: '2.0' },
  { name: 'OA_API_VERSION_MINOR', value: 0, doc: 'Minor version; minor versions only add. Features are found through OA_CAP_* bits, never by comparing versions.', unit: 'version', since: '2.0' },
  { name: 'OA_NAME_LEN', value: 32, doc: 'Size of the NUL-terminated model name in struct oa_device_info.', unit: 'bytes', since: '2.0' },
  { name: 'OA_HANDLE_NONE', value: 0, doc: 'A GEM handle that names nothing: in a command it means "the address is a process virtual address (SVA)". GEM never hands out 0.', unit: 'handle', since: '2.0' },
  { name: 'OA_SQE_SIZE', value: 64, doc: 'Size of one submission queue entry, struct oa_sqe.', unit: 'bytes', since: '2.0' },
  { name: 'OA_CQE_SIZE', value: 16, doc: 'Size of one completion queue entry, struct oa_cqe.', unit: 'bytes', since: '2.0' },
  { name: 'OA_DOORBELL_SIZE', value: 8, doc: 'Size of struct oa_doorbell at the start of the doorbell region.', unit: 'bytes', since: '2.0' },
  { name: 'OA_QUEUE_CONTROL_SIZE', value: 128, doc: 'Size of struct oa_queue_control at the start of the control region.', unit: 'bytes', since: '2.0' },
  { name: 'OA_QUEUE_STATUS_SIZE', value: 128, doc: 'Size of struct oa_queue_status at the start of the status region.', unit: 'bytes', since: '2.0' },
  { name: 'OA_CACHE_LINE_MAX', value: 128, doc: 'Largest cache line the shared formats are spaced for: words with different writers never share OA_CACHE_LINE_MAX bytes.', unit: 'bytes', since: '2.0' },
  { name: 'OA_MIN_QUEUE_ENTRIES', value: 2, doc: 'Smallest number of entries of a submission or completion ring.', unit: 'entries', since: '2.0' },
  { name: 'OA_MEMORY_ID_IMPORTED', value: 4294967295, doc: 'memory_id that DRM_IOCTL_OA_GEM_INFO reports for an imported dma-buf.', unit: 'id', since: '2.0' },
  { name: 'OA_SHA256_DIGEST_SIZE', value: 32, doc: 'Size of the digest written by OA_OP_SHA256.', unit: 'bytes', since: '2.0' },
  { name: 'OA_AES_GCM_IV_SIZE', value: 12, doc: 'Size of the AES-GCM initialisation vector (96-bit IV, NIST SP 800-38D).', unit: 'bytes', since: '2.0' },
  { name: 'OA_AES_GCM_TAG_SIZE', value: 16, doc: 'Size of the AES-GCM authentication tag.', unit: 'bytes', since: '2.0' },
] as const satisfies readonly ConstantSpec[];
