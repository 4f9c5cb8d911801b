/**
 * The loop of a fuzz worker, the same for 1.0 and 2.0: inputs on fresh opens of the device (every other
 * open bound), an abused ring every RING_EVERY inputs, and the JSON lines the runner reads ({"i":N} per
 * open, {"mismatch":...}, {"gone":...}, last {"summary":...}).
 */
import { openTransport, type Transport } from '@openaccel/driver';
import { parentGone } from './lifeline.js';

const PER_OPEN = 100;
const RING_EVERY = 250;

export const printLine = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`);

export interface FuzzTarget {
  path: string;
  bind(t: Transport): void;
  /** One abused ring on a fresh file (its errnos checked through `check`). */
  abuseRing(i: number): void;
  /** Input i on the open file t: sent and checked. */
  send(t: Transport, i: number): void;
}

/**
 * An answer's errno checked (`answers`: the device answers its info ioctl on a fresh open) against what the spec allows; an ENODEV from a device that no longer answers
 * ends the worker with {"gone":...}.
 */
export function checker(target: { path: string; answers(t: Transport): boolean }) {
  const alive = () => {
    try {
      const t = openTransport(target.path);
      try {
        return target.answers(t);
      } finally {
        t.close();
      }
    } catch {
      return false;
    }
  };
  return (what: string, i: number, errno: string | undefined, allowed: ReadonlySet<string>, detail: Record<string, unknown> = {}): void => {
    if (errno === 'ENODEV' && !alive()) {
      printLine({ gone: { index: i, what } });
      process.exit(0);
    }
    if (errno !== undefined && !allowed.has(errno)) printLine({ mismatch: { index: i, what, errno, allowed: [...allowed], ...detail } });
  };
}

/** Runs `count` inputs; returns how many were sent and how many rings were abused. */
export function runFuzzInputs(target: FuzzTarget, count: number): { tried: number; rings: number } {
  let tried = 0;
  let rings = 0;
  let t: Transport | undefined;
  for (let i = 0; i < count; i++) {
    if (i % PER_OPEN === 0) {
      if (parentGone()) process.exit(70);
      t?.close();
      t = openTransport(target.path);
      if ((i / PER_OPEN) % 2) target.bind(t);
      printLine({ i });
    }
    if (i % RING_EVERY === RING_EVERY - 1) {
      target.abuseRing(i);
      rings++;
    }
    target.send(t!, i);
    tried++;
  }
  t?.close();
  return { tried, rings };
}
