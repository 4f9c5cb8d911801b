/**
 * The test process of a native run: receives the node, then test ids one at a time, and answers with
 * results. The runner kills and replaces it when a test hangs, so a stuck driver never stops the run.
 */
import { executeNativeTest } from './native-execute.js';
import { nativeTestById } from './native-registry.js';
import type { NodeIdentity } from './node-kind.js';

type Message = { node: NodeIdentity; sysfsRoot: string } | { run: string };

let target: { node: NodeIdentity; sysfsRoot: string } | undefined;
process.on('message', (m: Message) => {
  if ('node' in m) {
    target = m;
    return;
  }
  const t = nativeTestById(m.run);
  if (!t || !target) {
    process.send!({ result: { id: m.run, profile: '', source: '', status: 'error', durationMs: 0, message: t ? 'no target' : 'unknown test id' } });
    return;
  }
  void executeNativeTest(t, target.node, target.sysfsRoot).then((result) => process.send!({ result }));
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
