/** What a device has free (queues, device memory), asked from a probe process, and the leak check built on it. */
import { Client, parseLine, withDeadline } from './clients.js';

export interface Resources {
  freeQueues: number;
  /** Free bytes of memory 0 (a decimal string), or null for a device without device memory. */
  freeBytes: string | null;
}

/** The device's free resources; undefined when it does not answer within `deadlineMs` or refuses. */
export async function probeResources(device: string, deadlineMs: number): Promise<Resources | { error: string } | undefined> {
  const probe = new Client('probe', [device]);
  try {
    if (!(await probe.started())) return { error: 'the probe process did not start' };
    const line = await withDeadline(probe.nextLine(), deadlineMs);
    if (line === 'deadline') return undefined;
    return parseLine<Resources | { error: string }>(line) ?? { error: `probe printed ${JSON.stringify(line)}` };
  } finally {
    probe.kill();
  }
}

const same = (a: Resources, b: Resources) => a.freeQueues === b.freeQueues && a.freeBytes === b.freeBytes;

/**
 * Polls until the device's free resources equal `want` (releases may be asynchronous, as a kernel's last
 * fput is) or `deadlineMs` passes; returns the last reading. The deadline is long: only a leak reaches it.
 */
export async function settleResources(device: string, want: Resources, deadlineMs: number): Promise<Resources | { error: string } | undefined> {
  const end = performance.now() + deadlineMs;
  let now: Awaited<ReturnType<typeof probeResources>>;
  do {
    now = await probeResources(device, Math.max(1000, end - performance.now()));
    if (!now || 'error' in now || same(now, want)) return now;
    await new Promise((r) => setTimeout(r, 50));
  } while (performance.now() < end);
  return now;
}
