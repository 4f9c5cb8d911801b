/** The OpenAccel uAPI, version 2.0: a DRM accel driver interface. A draft until the kernel job runs kmod on 2.0 alone; then frozen. */
import type { UapiSpec } from '../dsl/model.js';
import { constants } from './constants.js';
import { coreIoctls, drmConstants, drmStructs, fdinfoKeys } from './drm-core.js';
import { enums, flagSets } from './enums.js';
import {
  oa_bind_context,
  oa_create_queue,
  oa_destroy_queue,
  oa_device_info,
  oa_gem_create,
  oa_gem_info,
  oa_memory_info,
  oa_query_functions,
  oa_set_eventfd,
  oa_submit,
} from './ioctl-structs.js';
import { commonErrors, ioctls } from './ioctls.js';
import { opcodes } from './opcodes.js';
import { regions, rings } from './regions.js';
import { oa_aes_gcm_params, oa_cqe, oa_doorbell, oa_queue_control, oa_queue_status, oa_sqe, oa_syncobj_point } from './ring-structs.js';
import { rules, sections } from './rules.js';

export const openaccelV2 = {
  name: 'openaccel',
  version: '2.0',
  status: 'draft',
  title: 'OpenAccel accelerator uAPI',
  doc: [
    'One user-space interface for accelerators of every kind, as a DRM accel driver: /dev/accel/accelN, GEM objects for memory, PRIME for dma-bufs, syncobjs for ordering against other devices, and user-mode queues in shared memory for work, so that the fast path makes no system call.',
    'The driver-private part is the header openaccel_accel.h. The DRM core part (DRM_IOCTL_VERSION, GET_CAP, GEM_CLOSE, PRIME and SYNCOBJ ioctls, fdinfo) comes from drm/drm.h and the DRM core; it is part of this spec too, described as data with the errnos of each, and REFERENCE.md lists both.',
  ],
  binding: {
    kind: 'drm-accel',
    node: '/dev/accel/accel%u',
    driverName: 'openaccel',
    commandBase: 0x40,
    commandEnd: 0xa0,
    coreHeader: 'drm/drm.h',
    nrPrefix: 'DRM_OA_',
  },
  sizePolicy: 'drm-ioctl',
  maxOpcode: 0xffff,
  ioctlType: 0x64,
  constants,
  enums,
  flags: flagSets,
  structs: [
    oa_device_info,
    oa_query_functions,
    oa_bind_context,
    oa_create_queue,
    oa_destroy_queue,
    oa_set_eventfd,
    oa_submit,
    oa_memory_info,
    oa_gem_create,
    oa_gem_info,
    oa_sqe,
    oa_cqe,
    oa_doorbell,
    oa_queue_control,
    oa_queue_status,
    oa_syncobj_point,
    oa_aes_gcm_params,
  ],
  ioctls,
  commonErrors,
  regions,
  rings,
  opcodeEnum: 'oa_opcode',
  opcodes,
  rules,
  sections,
  externalStructs: drmStructs,
  externalConstants: drmConstants,
  coreIoctls,
  fdinfo: fdinfoKeys,
} as const satisfies UapiSpec;
