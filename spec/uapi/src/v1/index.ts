/** The OpenAccel uAPI, version 1.0. */
import type { UapiSpec } from '../dsl/model.js';
import { constants } from './constants.js';
import { enums, flagSets } from './enums.js';
import {
  oa_alloc_memory,
  oa_bind_context,
  oa_create_queue,
  oa_destroy_queue,
  oa_device_info,
  oa_export_dmabuf,
  oa_free_memory,
  oa_import_dmabuf,
  oa_memory_info,
  oa_set_eventfd,
  oa_submit,
} from './ioctl-structs.js';
import { oa_aes_gcm_params, oa_cqe, oa_doorbell, oa_sqe } from './ring-structs.js';
import { commonErrors, ioctls } from './ioctls.js';
import { opcodes } from './opcodes.js';
import { regions, rings } from './regions.js';
import { rules } from './rules.js';

export * from './ioctl-structs.js';
export * from './ring-structs.js';
export type { ConformanceExemption } from './exemptions.js';
export { conformanceExemptions } from './exemptions.js';

export const openaccelV1 = {
  name: 'openaccel',
  version: '1.0',
  title: 'OpenAccel accelerator uAPI',
  doc: [
    'One user-space interface for accelerators of every kind. A device node per device; open() creates a context, OA_IOCTL_BIND_CONTEXT binds it to the calling process (with SVA when asked). Work is submitted without a system call through user-mode queues in shared memory: a submission ring, a completion ring and a doorbell page per queue.',
    'Memory reaches the device as process virtual addresses (SVA, PASID-bound) or as handles: imported dma-bufs and device memory, which can be exported as dma-bufs. Nothing else: there is no private buffer-sharing mechanism.',
  ],
  ioctlType: 0xd7,
  constants,
  enums,
  flags: flagSets,
  // Declaration order is the order of the header and the reference.
  structs: [
    oa_device_info,
    oa_bind_context,
    oa_create_queue,
    oa_destroy_queue,
    oa_set_eventfd,
    oa_submit,
    oa_memory_info,
    oa_alloc_memory,
    oa_free_memory,
    oa_import_dmabuf,
    oa_export_dmabuf,
    oa_sqe,
    oa_cqe,
    oa_doorbell,
    oa_aes_gcm_params,
  ],
  ioctls,
  commonErrors,
  regions,
  rings,
  opcodeEnum: 'oa_opcode',
  opcodes,
  rules,
} as const satisfies UapiSpec;
