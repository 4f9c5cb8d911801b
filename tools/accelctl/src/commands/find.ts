import { chain, nearest, sharedMemory, unmet, type Constraints, type Rejected } from '@openaccel/topology';
import { EXIT, SYSFS_ROOT_OPTION, UsageError, intOption, json, parse, table, type Command, type Output } from '../command.js';
import { discover, warnProblems } from '../discovery.js';

export const find: Command = {
  path: ['find'],
  summary: 'find devices by function: nearest a node or CPU, sharing memory, or chainable',
  help: `usage: accelctl find --function X [--near-node N | --near-cpu C]
                     [--with Y (--share-memory | --chain)]
                     [--min-free-queues N] [--feature F]... [--min-pasid-bits N]
                     [--manifest FILE]... [--sysfs-root DIR] [--json]

Answers are ranked best first and each comes with its reason. Devices that have the function but fail a
constraint are listed as rejected, with why. Exit 0 when something was found, 1 when nothing was.

  --near-node N      rank by NUMA distance to node N (a CPU node, or a CPU-less HBM/CXL node)
  --near-cpu C       rank by NUMA distance to the node of CPU C
  --with Y --share-memory   pairs (X, Y) on devices that reach one memory (HBM, device DDR, ...)
  --with Y --chain          pairs where Y can consume X's output without a CPU copy
  --feature F        require a capability word (sva, dmabuf_import, dmabuf_export, device_memory, eventfd)

examples:
  accelctl find --function deflate --near-cpu 20 --sysfs-root spec/sysfs/fixtures/two-socket-hbm
  accelctl find --function deflate --with aes_gcm_encrypt --chain --sysfs-root spec/sysfs/fixtures/two-socket-hbm`,
  run(argv, io) {
    const { values } = parse(
      argv,
      {
        ...SYSFS_ROOT_OPTION,
        function: { type: 'string' },
        'near-node': { type: 'string' },
        'near-cpu': { type: 'string' },
        with: { type: 'string' },
        'share-memory': { type: 'boolean' },
        chain: { type: 'boolean' },
        'min-free-queues': { type: 'string' },
        feature: { type: 'string', multiple: true },
        'min-pasid-bits': { type: 'string' },
        manifest: { type: 'string', multiple: true },
        json: { type: 'boolean' },
      },
      false,
    );
    const fn = values.function;
    if (!fn) throw new UsageError('--function X is required');
    if (values['near-node'] !== undefined && values['near-cpu'] !== undefined) throw new UsageError('give --near-node or --near-cpu, not both');
    if (values.with !== undefined && values['share-memory'] === values.chain) throw new UsageError('--with Y needs exactly one of --share-memory or --chain');
    if (values.with === undefined && (values['share-memory'] || values.chain)) throw new UsageError('--share-memory and --chain need --with Y');
    if (values.with !== undefined && (values['near-node'] !== undefined || values['near-cpu'] !== undefined)) throw new UsageError('--near-* ranks single devices; it does not combine with --with');
    const c: Constraints = {};
    const mfq = intOption(values['min-free-queues'], 'min-free-queues');
    const mpb = intOption(values['min-pasid-bits'], 'min-pasid-bits');
    if (mfq !== undefined) c.minFreeQueues = mfq;
    if (mpb !== undefined) c.minPasidBits = mpb;
    if (values.feature) c.features = values.feature;
    const { graph, problems } = discover(values['sysfs-root']!, values.manifest ?? []);
    if (!values.json) warnProblems(io, problems);
    const y = values.with;
    if (y !== undefined) {
      const r = values.chain ? chain(graph, fn, y, c) : sharedMemory(graph, fn, y, c);
      const rows = r.answers.map((a) =>
        'via' in a
          ? { from: a.from.id, to: a.to.id, via: a.via, reason: a.reason }
          : { from: a.a.id, to: a.b.id, via: `memory ${a.memory.id}`, reason: a.reason },
      );
      if (values.json) io.out(json('openaccel-cli/find/1', { query: { function: fn, with: y, mode: values.chain ? 'chain' : 'share-memory', constraints: c }, answers: rows, rejected: r.rejected }));
      else {
        io.out(rows.length ? table([['#', fn.toUpperCase(), y.toUpperCase(), 'VIA', 'REASON'], ...rows.map((a, i) => [String(i + 1), a.from, a.to, a.via.startsWith('memory') ? 'shared-memory' : a.via, a.reason.text])]) : `no ${fn} and ${y} ${values.chain ? 'can be chained' : 'share a memory'}`);
        printRejected(io, r.rejected);
      }
      return rows.length ? EXIT.ok : EXIT.fail;
    }
    let target: { numa: number } | { cpu: number } | undefined;
    if (values['near-node'] !== undefined) target = { numa: intOption(values['near-node'], 'near-node')! };
    if (values['near-cpu'] !== undefined) target = { cpu: intOption(values['near-cpu'], 'near-cpu')! };
    let answers: { device: string; distance: number | null; freeQueues: number | null; reason: string }[];
    let rejected: Rejected[];
    if (target) {
      let r;
      try {
        r = nearest(graph, fn, target, c);
      } catch (e) {
        if (e instanceof RangeError) throw new UsageError(e.message);
        throw e;
      }
      answers = r.answers.map((a) => ({ device: a.device.id, distance: a.distance, freeQueues: a.device.freeQueues ?? null, reason: a.reason.text }));
      rejected = r.rejected;
    } else {
      rejected = [];
      answers = [];
      for (const d of graph.devicesWith(fn)) {
        const why = unmet(d, c);
        if (why) rejected.push({ device: d.id, why });
        else answers.push({ device: d.id, distance: null, freeQueues: d.freeQueues ?? null, reason: `has ${fn}` });
      }
      answers.sort((a, b) => (b.freeQueues ?? -1) - (a.freeQueues ?? -1));
    }
    if (values.json) io.out(json('openaccel-cli/find/1', { query: { function: fn, target: target ?? null, constraints: c }, answers, rejected }));
    else {
      io.out(answers.length ? table([['#', 'DEVICE', 'DISTANCE', 'FREE-Q', 'REASON'], ...answers.map((a, i) => [String(i + 1), a.device, a.distance === null ? '?' : String(a.distance), a.freeQueues === null ? '-' : String(a.freeQueues), a.reason])]) : `no device has ${fn}${rejected.length ? ' and meets the constraints' : ''}`);
      printRejected(io, rejected);
    }
    return answers.length ? EXIT.ok : EXIT.fail;
  },
};

function printRejected(io: Output, rejected: readonly Rejected[]): void {
  if (rejected.length) io.out(`rejected:\n${rejected.map((r) => `  ${r.device}: ${r.why}`).join('\n')}`);
}
