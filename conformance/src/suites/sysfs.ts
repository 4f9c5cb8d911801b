/** The openaccel sysfs class: every attribute readable in its format, and equal to what OA_IOCTL_GET_INFO says. */
import { ConformanceFailure, expectEqual, type TestCase } from '../model.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Version = { major: number; minor: number };

/** The facts GET_INFO and the sysfs directory share in both uAPI versions: equal, or the test fails. */
export function expectSharedFacts(i: { apiVersion: Version; name: string; caps: string[]; functions: string[]; vendorId: number; deviceId: number }, d: { apiVersion: Version; model: string; caps: string[]; functions: string[]; vendorId?: number | undefined; deviceId?: number | undefined }): void {
  expectEqual('api_version', `${i.apiVersion.major}.${i.apiVersion.minor}`, `${d.apiVersion.major}.${d.apiVersion.minor}`);
  expectEqual('model / name', i.name, d.model);
  expectEqual('caps', i.caps, d.caps);
  expectEqual('functions', i.functions, d.functions);
  expectEqual('vendor_id (absent = 0)', i.vendorId, d.vendorId ?? 0);
  expectEqual('device_id (absent = 0)', i.deviceId, d.deviceId ?? 0);
}

export const sysfsSuite: TestCase[] = [
  {
    id: 'sysfs.attributes.format',
    doc: 'every attribute of the device directory is present where required and parses in its format',
    profiles: ['core'],
    run(env) {
      const { device, problems } = env.sysfs();
      if (problems.length) throw new ConformanceFailure(problems.map((p) => p.message).join('; '), 'every attribute in its format', `${problems.length} problem(s)`);
      if (!device) throw new ConformanceFailure(`no readable device ${env.name} under ${env.sysfsDir()}`, 'a device directory', 'none');
    },
  },
  {
    id: 'sysfs.attributes.match_get_info',
    doc: 'sysfs and OA_IOCTL_GET_INFO report the same values',
    profiles: ['core'],
    run(env) {
      const d = env.sysfs().device;
      if (!d) throw new ConformanceFailure(`no readable device ${env.name}`, 'a device directory', 'none');
      const i = env.info;
      expectSharedFacts(i, d);
      expectEqual('max_queues', i.maxQueues, d.maxQueues);
      expectEqual('max_sq_entries', i.maxSqEntries, d.maxSqEntries);
      expectEqual('max_cq_entries', i.maxCqEntries, d.maxCqEntries);
      expectEqual('max_transfer_bytes', i.maxTransferBytes, d.maxTransferBytes);
      expectEqual('sqe_size', i.sqeSize, d.sqeSize);
      expectEqual('cqe_size', i.cqeSize, d.cqeSize);
      expectEqual('doorbell_size', i.doorbellSize, d.doorbellSize);
      expectEqual('numa_node', i.numaNode, d.numaNode);
      expectEqual('pasid_bits', i.pasidBits, d.pasidBits);
      expectEqual('memories', i.numMemories, d.memories.length);
    },
  },
  {
    id: 'sysfs.memories.match_query_memory',
    doc: 'each memories/<i> directory matches OA_IOCTL_QUERY_MEMORY of the same id',
    profiles: ['core'],
    run(env) {
      const d = env.sysfs().device;
      if (!d) throw new ConformanceFailure(`no readable device ${env.name}`, 'a device directory', 'none');
      const ctx = env.context();
      for (const m of d.memories) {
        const q = ctx.queryMemory(m.index);
        expectEqual(`memory ${m.index} kind`, m.kind, q.kind);
        expectEqual(`memory ${m.index} size`, m.sizeBytes, q.totalBytes);
        expectEqual(`memory ${m.index} numa node`, m.numaNode, q.numaNode);
        expectEqual(`memory ${m.index} shared`, m.sharedWith.length > 0, q.shared);
        expectEqual(`memory ${m.index} cpu visible`, m.cpuVisible, q.cpuVisible);
      }
    },
  },
  {
    id: 'sysfs.free_queues.tracks',
    doc: 'free_queues drops when a queue is created and comes back when it is destroyed',
    profiles: ['core'],
    async run(env) {
      const ctx = env.context();
      const read = () => env.sysfs().device?.freeQueues;
      const settle = async (want: number) => {
        for (let i = 0; i < 100 && read() !== want; i++) await sleep(10);
        return read();
      };
      const before = ctx.ioctl('OA_IOCTL_GET_INFO', {}).free_queues;
      expectEqual('free_queues before', before, await settle(before));
      const id = ctx.ioctl('OA_IOCTL_CREATE_QUEUE', { sq_entries: 2 }).queue_id;
      expectEqual('free_queues with one more queue', before - 1, await settle(before - 1));
      ctx.ioctl('OA_IOCTL_DESTROY_QUEUE', { queue_id: id });
      expectEqual('free_queues after destroy', before, await settle(before));
    },
  },
];
