/**
 * Signals delivered to this process while it blocks in one call (rule wait.interrupted): a helper process
 * signals it through a pidfd while the call runs, under a Node handler, which Node installs with
 * SA_RESTART. The helper is ended through its handle and the handler removed after the helper is gone,
 * on every path.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { closeFd, pidfdOpen } from '@openaccel/sys';

const SENDER = fileURLToPath(new URL('./signal-sender.js', import.meta.url));
const SIGNAL = 'SIGUSR2';
/** Bounds only a stuck helper start (a busy or emulated machine loads modules slowly). */
const STARTUP_MS = 600_000;
/** Longest line kept of the helper's output. */
const MAX_LINE = 1 << 16;

export interface StormResult<R> {
  result: R;
  /** Signals sent while the call blocked (between its start and its return). */
  inside: number;
  start: bigint;
  end: bigint;
}

/** Runs `call` (which blocks) while signals arrive `intervalMs` apart (at most `count` of them). */
export async function underSignals<R>(call: () => R, count = 2000, intervalMs = 10): Promise<StormResult<R>> {
  const self = pidfdOpen(process.pid);
  if (typeof self === 'string') throw new Error(`pidfd_open of this process: ${self}`);
  const onSignal = () => {};
  process.on(SIGNAL, onSignal);
  const child = spawn(process.execPath, [SENDER, String(count), String(intervalMs), String(constants.signals[SIGNAL])], { stdio: ['pipe', 'pipe', 'inherit', self] });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  child.stdin!.on('error', () => {});
  const lines: string[] = [];
  const waiters: ((l: string | undefined) => void)[] = [];
  const rl = createInterface({ input: child.stdout! });
  rl.on('line', (l) => {
    const line = l.slice(0, MAX_LINE);
    const w = waiters.shift();
    if (w) w(line);
    else if (lines.length < 16) lines.push(line);
  });
  rl.on('close', () => waiters.splice(0).forEach((w) => w(undefined)));
  const nextLine = (ms: number) =>
    new Promise<string | undefined>((resolve) => {
      const l = lines.shift();
      if (l !== undefined) return resolve(l);
      const timer = setTimeout(() => resolve(undefined), ms);
      waiters.push((x) => (clearTimeout(timer), resolve(x)));
    });
  try {
    if ((await nextLine(STARTUP_MS)) !== 'ready') throw new Error('the signal helper did not start');
    // The call starts only once the helper is signalling, and the helper goes on until the call is over:
    // however slowly the helper is scheduled (an emulated guest), signals fall inside the call.
    child.stdin!.write('go\n');
    if ((await nextLine(STARTUP_MS)) !== 'started') throw new Error('the signal helper sent no signal');
    const start = process.hrtime.bigint();
    const result = call();
    const end = process.hrtime.bigint();
    child.stdin!.write('stop\n');
    const sent = await nextLine(STARTUP_MS);
    const times = (sent ?? '').split(' ').slice(1).filter(Boolean).map(BigInt);
    return { result, inside: times.filter((t) => t > start && t < end).length, start, end };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    rl.close();
    process.off(SIGNAL, onSignal);
    closeFd(self);
  }
}
