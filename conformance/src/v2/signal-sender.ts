/**
 * The helper process of protocol.wait.interrupted: sends signals `intervalMs` apart to the process whose
 * pidfd it inherits as fd 3 (never a pid number) from the first line on stdin until the second (or
 * `count` of them). Prints "ready", "started" after the first signal, then "sent" and the CLOCK_MONOTONIC
 * time of each signal in ns. Ends with its parent (stdin).
 */
import { pidfdSignal } from '@openaccel/sys';

const PIDFD = 3;
const [count, intervalMs, signal] = process.argv.slice(2, 5).map(Number) as [number, number, number];

let stopped = false;

/** Signals until told to stop (a second line) or `count` are sent; "started" follows the first one. */
async function send(): Promise<void> {
  const times: bigint[] = [];
  for (let i = 0; i < count && !stopped; i++) {
    const e = pidfdSignal(PIDFD, signal);
    if (e) break; // the parent is gone
    times.push(process.hrtime.bigint());
    if (i === 0) process.stdout.write('started\n');
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  process.stdout.write(`sent ${times.join(' ')}\n`, () => process.exit(0));
}

let lines = 0;
process.stdin.on('data', (chunk: Buffer) => {
  for (const b of chunk) if (b === 10 && ++lines === 1) void send();
  if (lines >= 2) stopped = true;
});
process.stdin.once('end', () => process.exit(70));
process.stdout.write('ready\n');
