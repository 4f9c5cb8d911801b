import { formatBytes } from '@openaccel/topology';
import { EXIT, SYSFS_ROOT_OPTION, UsageError, json, parse, type Command } from '../command.js';
import { discover, resolveDevice, warnProblems } from '../discovery.js';

export const info: Command = {
  path: ['info'],
  summary: 'show one device: identity, functions, limits, memories, links',
  help: `usage: accelctl info DEVICE [--sysfs-root DIR] [--json]

DEVICE is a name (accel0, hisi_zip-0), a full id (uacce:hisi_zip-0) or a device node path.

examples:
  accelctl info accel0 --sysfs-root spec/sysfs/fixtures/two-socket-hbm
  accelctl info uacce:hisi_zip-2 --json --sysfs-root spec/sysfs/fixtures/two-socket-hbm`,
  run(argv, io) {
    const { values, positionals } = parse(argv, { ...SYSFS_ROOT_OPTION, json: { type: 'boolean' } });
    if (positionals.length !== 1) throw new UsageError('give exactly one DEVICE');
    const { graph, problems } = discover(values['sysfs-root']!);
    const d = resolveDevice(graph, positionals[0]!);
    const memories = graph.memoriesOf(d.id);
    const links = graph.linksFromDevice(d.id);
    if (values.json) {
      io.out(json('openaccel-cli/info/1', { device: d, memories, links }));
      return EXIT.ok;
    }
    warnProblems(io, problems);
    const lines = [
      `${d.id}`,
      `  model        ${d.model}`,
      `  source       ${d.source}`,
      `  node         ${d.node ?? '-'}`,
      `  numa node    ${d.numa < 0 ? 'unknown (-1)' : d.numa}`,
      `  free queues  ${d.freeQueues ?? 'unknown'}`,
      `  pasid bits   ${d.pasidBits ?? '-'}`,
      `  features     ${d.features.join(' ') || '-'}`,
      `  functions    ${d.functions.join(' ') || '-'}`,
    ];
    lines.push(`  memories     ${memories.length ? '' : '-'}`);
    for (const m of memories) lines.push(`    ${m.memKind} ${formatBytes(m.sizeBytes)}, numa ${m.numa}, reached by ${m.devices.join(', ')}`);
    lines.push(`  links        ${links.length ? '' : '-'}`);
    for (const l of links) lines.push(`    -> ${l.to} ${l.linkKind}${l.bandwidthMBps ? ` ${l.bandwidthMBps} MB/s` : ''}${l.latencyNs ? ` ${l.latencyNs} ns` : ''}${l.coherent ? ' coherent' : ''}${l.p2p ? ' p2p' : ''}`);
    io.out(lines.join('\n'));
    return EXIT.ok;
  },
};
