/** mmap on a 2.0 node: a fake offset names a GEM object or a queue region of the file (spec mmap rules, in order). */
import { C } from '@openaccel/sys';
import type { MmapArg } from '@openaccel/uapi';
import type { Reply } from '../context.js';
import { fail, type AccelFile } from './accel-file.js';

export function mmapTarget(file: AccelFile, a: MmapArg): Reply {
  let target: { fd: number; sizeBytes: number; readOnly: boolean } | undefined;
  for (const o of file.gem.values()) if (o.mmapOffset !== 0n && o.mmapOffset === a.offset) target = { fd: o.fd, sizeBytes: o.size, readOnly: false };
  for (const q of file.queues.values()) for (const r of q.regions) if (r.offset === a.offset) target = r;
  if (!target) return fail(file.state.vma.has(a.offset) ? 'EACCES' : 'EINVAL');
  if (a.length === 0n || a.length > BigInt(target.sizeBytes)) return fail('EINVAL');
  if (!(a.flags & C.MAP_SHARED)) return fail('EINVAL');
  if (a.prot & C.PROT_EXEC) return fail('EPERM');
  if (target.readOnly && a.prot & C.PROT_WRITE) return fail('EPERM');
  return { errno: 0, data: new Uint8Array(8), fds: [target.fd] };
}
