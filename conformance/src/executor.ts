/**
 * The test process: receives a target, then test ids one at a time, and answers with results. The
 * runner kills and replaces it when a test hangs past its timeout or the process dies, so one bad
 * test or device never stops the run.
 */
import type { Target } from './env.js';
import { testById } from './registry.js';
import { envFor, executeTest } from './execute.js';

type Message = { target: Target } | { run: string } | { describe: true };

let target: Target | undefined;
process.on('message', (m: Message) => {
  if ('target' in m) {
    target = m.target;
    return;
  }
  if ('describe' in m) {
    // Device I/O happens here, never in the runner, so a hung device cannot block the runner.
    try {
      const env = envFor(target!);
      process.send!({ described: { info: env.info, peers: env.peers().length } });
    } catch (e) {
      process.send!({ described: { error: (e as Error).message } });
    }
    return;
  }
  const t = testById(m.run, target?.spec ?? '1.0');
  if (!t || !target) {
    process.send!({ result: { id: m.run, status: 'error', durationMs: 0, message: t ? 'no target' : 'unknown test id' } });
    return;
  }
  void executeTest(t, target).then((result) => process.send!({ result }));
});
// The runner is gone (it died or closed the channel): nothing is left to report to.
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
