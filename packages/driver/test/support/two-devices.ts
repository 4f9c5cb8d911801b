// A refdev and its accel0 and accel1 opened and bound as 2.0 devices, for the tests of one file.
import { afterAll, beforeAll } from 'vitest';
import { startRefdev, type RefdevProcess } from '@openaccel/refdev';
import { openAccelDevice, type AccelDevice } from '../../src/index.js';

export interface TwoDevices {
  refdev: RefdevProcess;
  dev: AccelDevice;
  other: AccelDevice;
}

/** Starts them before the file's tests and stops them after; read the fields inside tests. */
export function twoDevices(config: { engineSpinNs?: number } = {}): TwoDevices {
  const env = {} as TwoDevices;
  beforeAll(async () => {
    env.refdev = await startRefdev({ config });
    env.dev = openAccelDevice(env.refdev.accelNode('accel0'));
    env.other = openAccelDevice(env.refdev.accelNode('accel1'));
    env.dev.bind();
    env.other.bind();
  }, 120_000); // starting a refdev on a busy machine: bounded by its own ready timeout
  afterAll(async () => {
    env.dev?.close();
    env.other?.close();
    await env.refdev?.stop();
  });
  return env;
}
