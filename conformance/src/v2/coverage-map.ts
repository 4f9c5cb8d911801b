/** Tests of the 2.0 suite for rules whose tests are not named after them (globs over test ids). */
import { openaccelV2 } from '@openaccel/uapi';
import { ruleCoverage, type CoverageReport } from '../coverage.js';
import { V2_TESTS } from './registry.js';

export const V2_RULE_TESTS: Readonly<Record<string, readonly string[]>> = {
  'common.unknown_ioctl': ['protocol.binding.numbering'],
  'mmap.not_permitted': ['mmap.gem_offsets_per_file', 'mmap.unknown_offset'],
  'protocol.ring.indices': ['protocol.ring.phase'],
  'protocol.ring.order': ['protocol.ring.submit'],
  'core.syncobj_wait.no_fence': ['core.syncobj.wait_signal'],
  'core.syncobj_wait.timed_out': ['core.syncobj.wait_signal'],
  'core.syncobj_wait.handle_not_found': ['core.syncobj.handles_private'],
  'core.syncobj_destroy.handle_not_found': ['core.syncobj.handles_private'],
  'core.syncobj_handle_to_fd.sync_file_no_fence': ['protocol.sync.export'],
  'ioctl.submit.too_many_held': ['protocol.sync.held-submits'],
  'fdinfo.drm-driver': ['fdinfo.keys'],
  'fdinfo.drm-client-id': ['fdinfo.keys'],
  'fdinfo.openaccel-queues': ['fdinfo.keys'],
  'fdinfo.openaccel-sva': ['fdinfo.keys'],
  'fdinfo.drm-total-<memory>': ['fdinfo.keys'],
  'fdinfo.drm-pdev': ['fdinfo.keys'],
  'fdinfo.drm-engine-<function>': ['fdinfo.engine'],
  'fdinfo.drm-resident-<memory>': ['fdinfo.keys'],
  'fdinfo.drm-shared-<memory>': ['fdinfo.keys'],
  'protocol.memory.access': ['functions.*.address_fault', 'ioctl.gem_info.handle_not_found'],
  'opcode.nop': ['protocol.ring.complete', 'protocol.ring.submit'],
  ...Object.fromEntries(['copy', 'fill', 'crc32c', 'sha256', 'deflate', 'inflate', 'aes_gcm_encrypt', 'aes_gcm_decrypt'].map((fn) => [`opcode.${fn}`, [`functions.${fn}.ok`]])),
  'opcode.nop.ok': ['protocol.ring.complete'],
  'opcode.nop.invalid_opcode': ['protocol.ring.complete'],
};

/** The coverage matrix of 2.0 over the 2.0 suite. */
export function ruleCoverageV2(): CoverageReport {
  return ruleCoverage(openaccelV2, V2_TESTS, V2_RULE_TESTS);
}
