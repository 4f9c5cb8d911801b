/** The driver-private 2.0 ioctls (DRM_IOCTL_OA_*), each with its errno table in the spec's order. */
import { uapi2, type ErrnoName } from '@openaccel/uapi';
import type { Reply } from '../context.js';
import { createDmabuf } from '../dmabuf.js';
import { fail, MAX_HANDLES, type IoctlCall } from './accel-file.js';
import { deviceCapMask, deviceFacts, hasCap, PAGE_SIZE } from './facts.js';
import { MEMORY_ID_IMPORTED } from './gem.js';
import { createQueue, destroyQueue, setEventfd, submit } from './queue.js';

const UNBOUND_OK = ['DRM_IOCTL_OA_GET_INFO', 'DRM_IOCTL_OA_QUERY_FUNCTIONS', 'DRM_IOCTL_OA_QUERY_MEMORY', 'DRM_IOCTL_OA_BIND_CONTEXT', 'DRM_IOCTL_OA_GEM_CREATE', 'DRM_IOCTL_OA_GEM_INFO'];
const MEMORY_KIND = { ddr: 1, hbm: 2, sram: 3, cxl: 4 } as const;

/** The reply of a read ioctl: the argument with its output fields filled in. */
export function out(name: string, call: IoctlCall, fields: Record<string, unknown>): Reply {
  const io = uapi2.compiled.ioctls.get(name)!;
  return { errno: 0, data: uapi2.struct(io.spec.arg as 'oa_submit').encode({ ...call.value, ...fields } as never) };
}

export async function serveDriver(name: string, call: IoctlCall): Promise<Reply> {
  const { file, value: v } = call;
  const d = file.device;
  if (file.binder === undefined && !UNBOUND_OK.includes(name)) return fail('EBADFD');
  switch (name) {
    case 'DRM_IOCTL_OA_GET_INFO': {
      const f = deviceFacts(d.config);
      const model = new Uint8Array(32);
      model.set(new TextEncoder().encode(d.config.model).subarray(0, 31));
      return out(name, call, {
        api_major: f.apiMajor,
        api_minor: f.apiMinor,
        caps: deviceCapMask(d.config),
        vendor_id: 0,
        device_id: 0,
        max_queues: d.config.maxQueues,
        free_queues: d.freeQueues,
        max_sq_entries: d.config.maxSqEntries,
        max_cq_entries: d.config.maxCqEntries,
        sqe_size: 64,
        cqe_size: 16,
        num_memories: d.memories.length,
        numa_node: d.config.numaNode,
        max_transfer_bytes: d.config.maxTransferBytes,
        num_opcodes: f.numOpcodes,
        page_size: f.pageSize,
        cache_line_size: f.cacheLineSize,
        max_syncobj_points: f.maxSyncobjPoints,
        name: model,
      });
    }
    case 'DRM_IOCTL_OA_QUERY_FUNCTIONS': {
      const needed = Math.ceil(deviceFacts(d.config).numOpcodes / 64);
      const words = new BigUint64Array(needed);
      words[0] = d.functionsMask;
      const n = Math.min(v.num_words, needed);
      if (n > 0 && call.user.write(v.bitmap_ptr, new Uint8Array(words.buffer, 0, n * 8)) !== 0) return fail('EFAULT');
      return out(name, call, { num_words: needed });
    }
    case 'DRM_IOCTL_OA_BIND_CONTEXT': {
      if (file.binder !== undefined) return fail('EBUSY');
      const sva = (v.flags & 1) !== 0;
      if (sva && !hasCap(d.config, 'sva')) return fail('EOPNOTSUPP');
      const pasid = sva ? d.allocPasid() : 0;
      if (pasid === undefined) return fail('ENOSPC');
      const e = file.bind(call.sender, sva);
      if (e !== 0) {
        if (pasid) d.freePasid(pasid);
        return fail(e);
      }
      file.pasid = pasid;
      if (sva) await d.tell({ op: 'bindSva', ctx: file.id, mem: file.binder!.mem });
      return out(name, call, { context_id: file.id >>> 0 || 1 });
    }
    case 'DRM_IOCTL_OA_CREATE_QUEUE':
      return createQueue(call);
    case 'DRM_IOCTL_OA_DESTROY_QUEUE':
      return destroyQueue(call);
    case 'DRM_IOCTL_OA_SET_EVENTFD':
      return setEventfd(call);
    case 'DRM_IOCTL_OA_SUBMIT':
      return submit(call);
    case 'DRM_IOCTL_OA_QUERY_MEMORY': {
      const pool = d.memories[v.memory_id];
      if (!pool) return fail('ENOENT');
      const m = pool.config;
      return out(name, call, {
        kind: MEMORY_KIND[m.kind],
        properties: (m.devices.length > 1 ? 1 : 0) | (m.cpuVisible ? 2 : 0),
        alloc_align: hasCap(d.config, 'device_memory') ? PAGE_SIZE : 0,
        size: BigInt(m.sizeBytes),
        free: BigInt(pool.freeBytes),
      });
    }
    case 'DRM_IOCTL_OA_GEM_CREATE': {
      const pool = d.memories[v.memory_id];
      if (!pool) return fail('ENOENT');
      if (!hasCap(d.config, 'device_memory')) return fail('EOPNOTSUPP');
      const size: bigint = v.size;
      if (size === 0n || size % BigInt(PAGE_SIZE) !== 0n) return fail('EINVAL');
      if (size > BigInt(pool.freeBytes)) return fail('ENOMEM');
      if (file.gem.size >= MAX_HANDLES) return fail('ENOSPC'); // handles_exhausted
      let fd: number;
      try {
        fd = createDmabuf(`${d.config.name}-${pool.config.id}`, Number(size));
      } catch {
        return fail('ENOMEM');
      }
      pool.usedBytes += Number(size);
      const obj = file.state.adopt(fd, Number(size), v.memory_id, pool, pool.config.cpuVisible);
      const handle = file.addGem(obj);
      await d.tell({ op: 'addHandle', ctx: file.id, handle, address: obj.mapping.address, length: obj.size });
      return out(name, call, { handle });
    }
    case 'DRM_IOCTL_OA_GEM_INFO': {
      const obj = file.gem.get(v.handle);
      if (!obj) return fail('ENOENT');
      return out(name, call, { memory_id: obj.pool ? obj.memoryId : MEMORY_ID_IMPORTED, size: BigInt(obj.size), mmap_offset: obj.mmapOffset });
    }
  }
  return fail('EINVAL' as ErrnoName);
}
