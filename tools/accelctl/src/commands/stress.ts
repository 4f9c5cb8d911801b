import { runStress, type StressReport } from '@openaccel/conformance';
import { EXIT, json, parse, type Command } from '../command.js';
import { countOption, onDevice, seedOption } from './fuzz.js';

function formatStress(r: StressReport): string {
  const res = r.resources;
  const after = res.after && !('error' in res.after) ? `${res.after.freeQueues} queues, ${res.after.freeBytes ?? 'no'} bytes free after` : 'no answer after';
  const lines = [
    `stress ${r.device} (uAPI ${r.uapi}): seed ${r.seed}, ${r.processes} processes x ${r.queues} queues x ${r.commandsPerQueue} commands in ${(r.durationMs / 1000).toFixed(1)} s`,
    `completions ${r.completions.seen} of ${r.completions.expected} (each once, every CRC checked), clients killed ${r.kills.done} of ${r.kills.requested}, leaks ${res.leaked ? 'YES' : 'none'} (${res.before.freeQueues} queues, ${res.before.freeBytes ?? 'no'} bytes free before; ${after})`,
  ];
  for (const e of r.errors.slice(0, 20)) lines.push(`  error: ${e}`);
  lines.push(`result: ${r.ok ? 'OK' : 'FAILED'} (replay: ${r.replay})`);
  return lines.join('\n');
}

export const stress: Command = {
  path: ['stress'],
  summary: 'processes x queues x commands with exactly-once and data checks, client kills, leak check',
  help: `usage: accelctl stress [--device PATH] [--processes N] [--queues N] [--commands N] [--kills N]
                       [--seed N] [--hang-ms N] [--leak-ms N] [--json]

Runs --processes client processes, each with --queues queues and --commands commands per queue (FILL
then fenced CRC32C on device memory, in rounds of 16, with data that changes every round; on a 2.0
node each queue is a doorbell queue of one bound DRM file and the memory a GEM object): every
completion must come exactly once, with its tag and the right CRC. Meanwhile --kills more clients
running the same load are SIGKILLed at rounds the seed chooses. Afterwards every queue and byte of
device memory must be free again (GET_INFO free_queues, QUERY_MEMORY free). Needs device memory, FILL
and CRC32C. Without --device it stresses the 2.0 accel0 of a refdev started for the run. Exit 0 when
every check held, 1 when one did not, 2 when it could not run.

  --device PATH    device node: /dev/accel/accel0 (kernel driver), /dev/openaccel/accel0 (1.0 kernel
                   driver) or a refdev socket node
  --processes N    client processes (default 4)
  --queues N       queues per process (default 4)
  --commands N     commands per queue, rounded up to a multiple of 16 (default 1024)
  --kills N        clients killed at a random round (default 16)
  --seed N         seed for the kill points and data (default: random, printed in the report)
  --hang-ms N      how long a client may go without finishing a round before it counts as hung (default 60000);
                   a completion missing for a quarter of it counts as lost
  --leak-ms N      how long released queues and memory may take to come back (default 30000)
  --json           one versioned JSON object (openaccel-stress/1) on stdout; progress still on stderr

examples:
  accelctl stress --processes 2 --queues 2 --commands 256 --kills 4
  accelctl stress --device /dev/accel/accel0 --seed 7 --json`,
  async run(argv, io) {
    const { values } = parse(
      argv,
      {
        device: { type: 'string' },
        processes: { type: 'string' },
        queues: { type: 'string' },
        commands: { type: 'string' },
        kills: { type: 'string' },
        seed: { type: 'string' },
        'hang-ms': { type: 'string' },
        'leak-ms': { type: 'string' },
        json: { type: 'boolean' },
      },
      false,
    );
    const opts = {
      seed: seedOption(values.seed),
      processes: countOption(values.processes, 'processes', 4),
      queues: countOption(values.queues, 'queues', 4),
      commands: countOption(values.commands, 'commands', 1024),
      kills: countOption(values.kills, 'kills', 16, 0),
      hangMs: countOption(values['hang-ms'], 'hang-ms', 60000, 100),
      leakDeadlineMs: countOption(values['leak-ms'], 'leak-ms', 30000, 0),
    };
    return onDevice(values.device, io, async (device, signal) => {
      let shown = -1;
      const r = await runStress({
        device,
        ...opts,
        signal,
        ...(values.device ? { replayDevice: values.device } : {}),
        onProgress: (p) => {
          const pct = Math.floor((p.rounds / p.of) * 10);
          if (pct !== shown) io.err(`stress: ${p.rounds}/${p.of} rounds, ${p.kills} clients killed`);
          shown = pct;
        },
      });
      io.out(values.json ? json(r.schema, r as unknown as Record<string, unknown>) : formatStress(r));
      return r.ok ? EXIT.ok : EXIT.fail;
    });
  },
};
