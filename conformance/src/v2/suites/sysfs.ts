/** The openaccel kobject under the accel device: every attribute in its format, equal to GET_INFO and QUERY_MEMORY. */
import { readAccelOpenAccelDevice, SysfsTree, type AccelOpenAccelDevice } from '@openaccel/sysfs';
import { openaccelV2 } from '@openaccel/uapi';
import { ConformanceFailure, expectEqual, type TestCase } from '../../model.js';
import { expectSharedFacts } from '../../suites/sysfs.js';
import type { AccelEnv } from '../accel-env.js';
import { createQueue } from '../accel-queue.js';

type T = TestCase<AccelEnv>;

const KINDS = new Map<number, string>(openaccelV2.enums.find((e) => e.name === 'oa_memory_kind')!.entries.map((e) => [e.value, e.name.replace(/^OA_MEMORY_/, '').toLowerCase()]));

/** The device as sysfs shows it; a missing or malformed attribute fails the test with what was wrong. */
function readDevice(env: AccelEnv): AccelOpenAccelDevice {
  const tree = new SysfsTree(env.target.sysfsRoot);
  const d = readAccelOpenAccelDevice(tree, env.name);
  if (tree.problems.length) throw new ConformanceFailure(tree.problems.map((p) => p.message).join('; '), 'every attribute in its format', `${tree.problems.length} problem(s)`);
  if (!d) throw new ConformanceFailure(`no readable OpenAccel device under ${env.sysfsDir()}/openaccel`, 'the openaccel directory', 'none');
  return d;
}

export const sysfsSuite: T[] = [
  {
    id: 'sysfs.attributes.format',
    doc: 'every attribute of class/accel/<name>/openaccel (and of its memories and links) is present where required and parses in its format',
    profiles: ['core'],
    run(env) {
      readDevice(env);
    },
  },
  {
    id: 'sysfs.attributes.match_get_info',
    doc: 'the openaccel attributes and DRM_IOCTL_OA_GET_INFO and QUERY_FUNCTIONS report the same values, free_queues also while a queue is alive',
    profiles: ['core'],
    run(env) {
      const d = readDevice(env);
      const i = env.info;
      expectSharedFacts(i, d);
      for (const k of ['maxQueues', 'maxSqEntries', 'maxCqEntries', 'maxTransferBytes', 'numaNode', 'pageSize', 'cacheLineSize', 'numOpcodes'] as const) expectEqual(k, i[k], d[k]);
      expectEqual('memories', i.numMemories, d.memories.length);
      // free_queues follows the queues in use: compared again while a queue of this test lives (a few
      // times, as another process of a shared device may take or give back one between the two reads).
      createQueue(env, env.bound(), { sq_entries: 2 });
      const pair = () => [(env.io(env.open(), 'DRM_IOCTL_OA_GET_INFO').out as { free_queues: number }).free_queues, readDevice(env).freeQueues];
      let seen = pair();
      for (let i = 0; i < 10 && seen[0] !== seen[1]; i++) seen = pair();
      expectEqual('free_queues (GET_INFO, sysfs) with a queue created', seen[0], seen[1]);
    },
  },
  {
    id: 'sysfs.memories.match_query_memory',
    doc: 'each memories/<i> directory matches DRM_IOCTL_OA_QUERY_MEMORY of the same id: kind, size, alloc_align, cpu_visible, shared',
    profiles: ['core'],
    run(env) {
      const d = readDevice(env);
      const t = env.open();
      for (const m of d.memories) {
        const r = env.io(t, 'DRM_IOCTL_OA_QUERY_MEMORY', { memory_id: m.index });
        if (r.errno) throw new ConformanceFailure(`QUERY_MEMORY ${m.index} failed with ${r.errno}`, 'success', r.errno);
        const q = r.out as { kind: number; properties: number; alloc_align: number; size: bigint };
        expectEqual(`memory ${m.index} kind`, KINDS.get(q.kind), m.kind);
        expectEqual(`memory ${m.index} size`, q.size, BigInt(m.sizeBytes));
        expectEqual(`memory ${m.index} alloc_align`, q.alloc_align, m.allocAlign);
        expectEqual(`memory ${m.index} cpu_visible`, (q.properties & 2) !== 0, m.cpuVisible);
        expectEqual(`memory ${m.index} shared (OA_MEMORY_SHARED) = a peer in shared_with/`, (q.properties & 1) !== 0, m.sharedWith.length > 0);
      }
    },
  },
];
