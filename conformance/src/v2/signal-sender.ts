/**
 * The helper process of protocol.wait.interrupted: sends `count` signals, `intervalMs` apart, to the
 * process whose pidfd it inherits as fd 3 (never a pid number), once a line arrives on stdin. Prints
 * "ready", then "sent" and the CLOCK_MONOTONIC time of each signal in ns. Ends with its parent (stdin).
 */
import { pidfdSignal } from '@openaccel/sys';

const PIDFD = 3;
const [count, intervalMs, signal] = process.argv.slice(2, 5).map(Number) as [number, number, number];

async function send(): Promise<void> {
  const times: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const e = pidfdSignal(PIDFD, signal);
    if (e) break; // the parent is gone
    times.push(process.hrtime.bigint());
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  process.stdout.write(`sent ${times.join(' ')}\n`, () => process.exit(0));
}

process.stdin.once('data', () => void send());
process.stdin.once('end', () => process.exit(70));
process.stdout.write('ready\n');
