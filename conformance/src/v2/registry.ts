/** Every test of the 2.0 suite, in run order: binding, queue ioctls, the data path, functions, GEM, PRIME, syncobjs, fdinfo, then the DRM core errno rules. */
import type { TestCase } from '../model.js';
import type { AccelEnv } from './accel-env.js';
import { bindingSuite } from './suites/binding.js';
import { coreErrnoSuite } from './suites/core-errnos.js';
import { functionsSuite } from './suites/functions.js';
import { gemSyncSuite } from './suites/gem-sync.js';
import { lifetimeSuite } from './suites/lifetime.js';
import { queueIoctlSuite } from './suites/queue-ioctls.js';
import { ringSuite } from './suites/ring.js';
import { syncQueueSuite } from './suites/sync-queues.js';

export const V2_TESTS: readonly TestCase<AccelEnv>[] = [...bindingSuite, ...queueIoctlSuite, ...ringSuite, ...functionsSuite, ...gemSyncSuite, ...syncQueueSuite, ...lifetimeSuite, ...coreErrnoSuite];
