/** What a device has free (queues, device memory), asked from a probe process, and the leak check built on it. */
import { Client, parseLine, withDeadline } from './clients.js';
import { specOfNode } from '../v2/node-spec.js';

/** The uAPI a reliability run speaks to a node: picked from the node as `conformance run` picks its suite. */
export type NodeUapi = '1.0' | '2.0';

/** The client processes of each uAPI (clients/*.ts). */
export const RELIABILITY_CLIENTS: Readonly<Record<NodeUapi, { probe: string; fuzz: string; stress: string }>> = {
  '1.0': { probe: 'probe', fuzz: 'fuzz', stress: 'stress' },
  '2.0': { probe: 'accel-probe', fuzz: 'accel-fuzz', stress: 'accel-stress' },
};

/** 2.0 for a kernel accel node with the openaccel kobject or a refdev socket under dev/accel/; 1.0 otherwise. */
export function uapiOfNode(device: string, sysfsRoot = '/sys'): NodeUapi {
  return specOfNode(device, sysfsRoot) === '2.0' ? '2.0' : '1.0';
}

export interface Resources {
  freeQueues: number;
  /** Free bytes of memory 0 (a decimal string), or null for a device without device memory. */
  freeBytes: string | null;
}

/** The device's free resources (queues, memory region 0); undefined when it does not answer within `deadlineMs` or refuses. */
export async function probeResources(device: string, deadlineMs: number): Promise<Resources | { error: string } | undefined> {
  const probe = new Client(RELIABILITY_CLIENTS[uapiOfNode(device)].probe, [device]);
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
