import { Interrupted, randomSeed, runFuzz, untilInterrupted, type FuzzReport } from '@openaccel/conformance';
import { startRefdev, type RefdevProcess } from '@openaccel/refdev';
import { EXIT, UsageError, intOption, json, parse, type Output, type Command } from '../command.js';

/**
 * Runs `work` on DEVICE, or on the 2.0 node accel0 of a refdev started for it (stopped, with its directory, however the work
 * ends); SIGINT and SIGTERM abort the work and exit 128+signal after the cleanup.
 */
export async function onDevice(device: string | undefined, io: Output, work: (device: string, signal: AbortSignal) => Promise<number>): Promise<number> {
  try {
    return await untilInterrupted(async (signal) => {
      let refdev: RefdevProcess | undefined;
      try {
        if (!device) {
          io.err('starting a reference device (refdev)...');
          refdev = await startRefdev();
        }
        return await work(device ?? refdev!.accelNode('accel0'), signal);
      } finally {
        await refdev?.stop();
      }
    });
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    io.err(e.message);
    return e.exitCode;
  }
}

/** A positive integer option, or its default. */
export function countOption(value: string | undefined, name: string, fallback: number, min = 1): number {
  const n = intOption(value, name) ?? fallback;
  if (n < min) throw new UsageError(`--${name} must be at least ${min}, got ${n}`);
  return n;
}

export function seedOption(value: string | undefined): number {
  if (value === undefined) return randomSeed();
  if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) throw new UsageError(`--seed takes an integer from 0 to 4294967295, got '${value}'`);
  return Number(value);
}

function formatFuzz(r: FuzzReport): string {
  const res = r.resources;
  const after = res.after && !('error' in res.after) ? `${res.after.freeQueues} queues, ${res.after.freeBytes ?? 'no'} bytes free after` : 'no answer after';
  const lines = [
    `fuzz ${r.device} (uAPI ${r.uapi}): seed ${r.seed}, ${r.tried} malformed ioctls and ${r.rings} abused rings in ${(r.durationMs / 1000).toFixed(1)} s`,
    `crashes ${r.crashes.length}, hangs ${r.hangs.length}, errno mismatches ${r.errnoMismatches.length}, fd leaks ${r.fdLeaks.length}, leaks ${res.leaked ? 'YES' : 'none'} (${res.before.freeQueues} queues, ${res.before.freeBytes ?? 'no'} bytes free before; ${after})`,
  ];
  for (const c of r.crashes) lines.push(`  crash: round ${c.round} (seed ${c.roundSeed}) input ${c.index}: ${c.what}`);
  for (const f of r.fdLeaks) lines.push(`  fd leak: round ${f.round} (seed ${f.roundSeed}): ${f.what}`);
  for (const h of r.hangs) lines.push(`  hang: round ${h.round} (seed ${h.roundSeed}): ${h.what}`);
  for (const m of r.errnoMismatches.slice(0, 20)) lines.push(`  errno: round ${m.round} input ${m.index}: ${m.what}${m.request ? ` request ${m.request} (${m.bytes} bytes)` : ''} answered ${m.errno}; allowed ${m.allowed.join(' ')}`);
  lines.push(`result: ${r.ok ? 'OK' : 'FAILED'} (replay: ${r.replay})`);
  return lines.join('\n');
}

export const fuzz: Command = {
  path: ['fuzz'],
  summary: 'malformed ioctls from the spec and abused rings against a device: crashes, hangs, leaks, errnos',
  help: `usage: accelctl fuzz [--device PATH] [--seed N] [--inputs N] [--hang-ms N] [--leak-ms N] [--json]

Sends malformed ioctls generated from the spec of the node (2.0 for /dev/accel/accelN and a refdev's
dev/accel/ socket: the driver-private and DRM core ioctls; 1.0 for /dev/openaccel/accelN): every
ioctl's struct at wrong sizes, random field bytes, wrong numbers and directions, on bound and unbound
opens; and, one in 250, abuses a ring (garbage entries, a tail past the ring, a wild cq_head; on 1.0
the device-owned sq_head overwritten, on 2.0 a wild cq_arm). Each answer must be an errno the spec
allows for that request; the device must keep answering; a worker silent for --hang-ms is a hang;
every queue and byte of device memory must be free again afterwards, and on 2.0 the worker must hold
no more fds than it started with. The same --seed and --inputs replay the same inputs. Without
--device it fuzzes the 2.0 accel0 of a refdev started for the run.
Exit 0 when nothing was found, 1 when something was, 2 when the device could not be fuzzed.

  --device PATH   device node: /dev/accel/accel0 (kernel driver), /dev/openaccel/accel0 (1.0 kernel
                  driver) or a refdev socket node
  --seed N        generator seed (default: random, printed in the report)
  --inputs N      malformed ioctls to send (default 10000)
  --hang-ms N     how long a worker may go without progress before it counts as hung (default 30000)
  --leak-ms N     how long released queues and memory may take to come back (default 30000)
  --json          one versioned JSON object (openaccel-fuzz/1) on stdout; progress still on stderr

examples:
  accelctl fuzz --inputs 2000
  accelctl fuzz --device /dev/accel/accel0 --seed 1234 --json`,
  async run(argv, io) {
    const { values } = parse(argv, { device: { type: 'string' }, seed: { type: 'string' }, inputs: { type: 'string' }, 'hang-ms': { type: 'string' }, 'leak-ms': { type: 'string' }, json: { type: 'boolean' } }, false);
    const seed = seedOption(values.seed);
    const inputs = countOption(values.inputs, 'inputs', 10000);
    const hangMs = countOption(values['hang-ms'], 'hang-ms', 30000, 100);
    const leakDeadlineMs = countOption(values['leak-ms'], 'leak-ms', 30000, 0);
    return onDevice(values.device, io, async (device, signal) => {
      let shown = -1;
      const r = await runFuzz({
        device,
        seed,
        inputs,
        hangMs,
        leakDeadlineMs,
        signal,
        ...(values.device ? { replayDevice: values.device } : {}),
        onProgress: (p) => {
          const pct = Math.floor((p.tried / p.inputs) * 10);
          if (pct !== shown) io.err(`fuzz: ${p.tried}/${p.inputs} inputs`);
          shown = pct;
        },
      });
      io.out(values.json ? json(r.schema, r as unknown as Record<string, unknown>) : formatFuzz(r));
      return r.ok ? EXIT.ok : EXIT.fail;
    });
  },
};
