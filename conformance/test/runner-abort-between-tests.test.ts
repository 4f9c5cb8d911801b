import { describe, expect, it, onTestFinished } from 'vitest';
import { accelNodePath, startRefdev } from '@openaccel/refdev';
import { runConformance, RunAborted } from '@openaccel/conformance';

/** Each test's limit in this run: short, so that a timer left behind by an aborted test fires during the test. */
const TEST_LIMIT_MS = 4000;

describe('a run aborted between two tests', () => {
  // Aborting from onEvent (as tools/mutation does at the first failing test) lands after one test's result
  // and before the next test starts: the next test's start must not turn into an unhandled rejection.
  it('rejects with RunAborted and leaves no unhandled rejection or stray test timer behind', async () => {
    const r = await startRefdev();
    onTestFinished(() => r.stop());
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
    onTestFinished(() => void process.off('unhandledRejection', onUnhandled).off('uncaughtException', onUnhandled));
    const abort = new AbortController();
    const run = runConformance({
      target: { device: accelNodePath(r.runtimeDir, 'accel0'), sysfsRoot: r.sysfsRoot, spec: '2.0' },
      filters: ['ioctl.get_info.*', 'ioctl.query_memory.*'],
      signal: abort.signal,
      // The abandoned test's timer, had it been set, fires within the wait below.
      maxTestTimeoutMs: TEST_LIMIT_MS,
      onEvent: (e) => {
        if (e.type === 'result') abort.abort(new Error('first result seen'));
      },
    });
    await expect(run).rejects.toBeInstanceOf(RunAborted);
    // The abandoned start of the next test settles within a few turns of the event loop, and a timer it
    // set would fire after TEST_LIMIT_MS: wait past both.
    await new Promise((resolve) => setTimeout(resolve, TEST_LIMIT_MS + 2000));
    expect(unhandled.map(String)).toEqual([]);
  }, 120000);
});
