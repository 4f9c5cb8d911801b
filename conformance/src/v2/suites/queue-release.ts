/**
 * DESTROY_QUEUE gives back everything CREATE_QUEUE took (rule ioctl.create_queue.no_free_queue: a CREATE
 * fails only when no queue is free). A device that leaks a little per queue (a ring, a file, an id) runs
 * out after enough cycles, and its CREATE then fails while free_queues says a queue is free.
 */
import { ConformanceFailure, expectEqual, type TestCase } from '../../model.js';
import type { AccelEnv } from '../accel-env.js';
import { QUEUE_SYNCOBJ } from '../accel-queue.js';
import { freeQueues } from './lifetime.js';

/**
 * Enough for a leak of a few files per queue to exhaust a device process limited to 1024 open files (the
 * mutation runner starts refdev so), and cheap on a kernel device in an emulated guest: two ioctls a cycle.
 */
export const QUEUE_CYCLES = 256;

export const queueReleaseSuite: TestCase<AccelEnv>[] = [
  {
    id: 'ioctl.create_queue.no_free_queue.cycles',
    doc: `DESTROY_QUEUE releases everything of the queue: ${QUEUE_CYCLES} CREATE_QUEUE/DESTROY_QUEUE cycles (doorbell queues, and syncobj queues on a device with OA_CAP_SYNCOBJ) all succeed, and free_queues ends where it began`,
    profiles: ['queue'],
    run(env) {
      const t = env.bound();
      const before = freeQueues(env);
      const kinds = env.has('syncobj') ? [0, QUEUE_SYNCOBJ] : [0];
      for (let i = 0; i < QUEUE_CYCLES; i++) {
        const flags = kinds[i % kinds.length]!;
        const r = env.io(t, 'DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 2, flags });
        if (r.errno) throw new ConformanceFailure(`CREATE_QUEUE number ${i + 1} failed after ${i} CREATE/DESTROY cycles`, 'success', r.errno);
        const id = (r.out as { queue_id: number }).queue_id;
        const d = env.io(t, 'DRM_IOCTL_OA_DESTROY_QUEUE', { queue_id: id }).errno;
        if (d) throw new ConformanceFailure(`DESTROY_QUEUE of queue ${id} (cycle ${i + 1}) failed`, 'success', d);
      }
      expectEqual(`free_queues after ${QUEUE_CYCLES} cycles`, before, freeQueues(env));
    },
  },
];
