import { formatDoorbellBench, runDoorbellBench } from '@openaccel/bench';
import { EXIT, intOption, json, parse, type Command } from '../command.js';

export const benchDoorbell: Command = {
  path: ['bench', 'doorbell'],
  summary: 'doorbell round-trip latency next to same-run baselines, the ioctl path, throughput',
  help: `usage: accelctl bench doorbell [--device PATH] [--iterations N] [--json]

Measures NOP round trips (submit, doorbell store, completion by phase bit) with percentiles, a
shared-memory ping-pong baseline in JavaScript and, when gcc is present, in C, measured in the same
run; the OA_IOCTL_SUBMIT path; batched NOP throughput; COPY bandwidth against memcpy. Without
--device it starts a reference device for the run. Run it alone: two spinning threads take both cores.

examples:
  accelctl bench doorbell
  accelctl bench doorbell --json --iterations 200000`,
  async run(argv, io) {
    const { values } = parse(argv, { device: { type: 'string' }, iterations: { type: 'string' }, json: { type: 'boolean' } }, false);
    const iterations = intOption(values.iterations, 'iterations');
    const r = await runDoorbellBench({ ...(values.device ? { device: values.device } : {}), ...(iterations ? { iterations } : {}), onProgress: (s) => io.err(`bench: ${s}`) });
    io.out(values.json ? json(r.schema, r as unknown as Record<string, unknown>) : formatDoorbellBench(r));
    return EXIT.ok;
  },
};
