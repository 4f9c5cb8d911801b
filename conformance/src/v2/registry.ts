/** Every test of the 2.0 suite, in run order: sysfs, binding, queue ioctls, the data path, functions, GEM, PRIME, syncobjs, interrupted waits, fdinfo, the DRM core errno rules, then latency. */
import type { TestCase } from '../model.js';
import type { AccelEnv } from './accel-env.js';
import { bindingSuite } from './suites/binding.js';
import { coreErrnoSuite } from './suites/core-errnos.js';
import { functionsSuite } from './suites/functions.js';
import { gemSyncSuite } from './suites/gem-sync.js';
import { interruptedWaitSuite } from './suites/interrupted-waits.js';
import { latencySuite } from './suites/latency.js';
import { lifetimeSuite } from './suites/lifetime.js';
import { queueIoctlSuite } from './suites/queue-ioctls.js';
import { queueReleaseSuite } from './suites/queue-release.js';
import { requestDirectionSuite } from './suites/request-direction.js';
import { ringSuite } from './suites/ring.js';
import { submitRefusedSuite } from './suites/submit-refused.js';
import { svaSuite } from './suites/sva.js';
import { syncPointsSuite } from './suites/sync-points.js';
import { syncQueueSuite } from './suites/sync-queues.js';
import { sysfsSuite } from './suites/sysfs.js';

export const V2_TESTS: readonly TestCase<AccelEnv>[] = [...sysfsSuite, ...bindingSuite, ...requestDirectionSuite, ...queueIoctlSuite, ...queueReleaseSuite, ...ringSuite, ...functionsSuite, ...svaSuite, ...gemSyncSuite, ...syncQueueSuite, ...submitRefusedSuite, ...syncPointsSuite, ...interruptedWaitSuite, ...lifetimeSuite, ...coreErrnoSuite, ...latencySuite];
