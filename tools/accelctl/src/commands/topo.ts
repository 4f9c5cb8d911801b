import { spawnSync } from 'node:child_process';
import { formatBytes, type TopologyGraph } from '@openaccel/topology';
import { EXIT, SYSFS_ROOT_OPTION, UsageError, json, parse, table, type Command } from '../command.js';
import { discover, warnProblems } from '../discovery.js';

const FORMATS = ['table', 'json', 'dot', 'svg'] as const;

/** Quotes and backslashes escaped, so a name never breaks out of its DOT string. */
const escapeDot = (s: string) => s.replace(/["\\]/g, '\\$&');
const quote = (s: string) => `"${escapeDot(s)}"`;
/** A multi-line label: lines escaped one by one, then joined by DOT's line break (escaping that too printed a literal \n). */
const label = (...lines: string[]) => `"${lines.map(escapeDot).join('\\n')}"`;
/** A sorted CPU list as the kernel prints it (0-27,56-83): first-last alone would claim the CPUs in the gaps. */
const cpuRanges = (cpus: readonly number[]) => {
  const out: string[] = [];
  for (let i = 0; i < cpus.length; ) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j]! + 1) j++;
    out.push(i === j ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return out.join(',');
};

/** Graphviz source: NUMA nodes as boxes with distance edges, devices attached to their node, memories and links. */
export function toDot(g: TopologyGraph): string {
  const out = ['graph openaccel {', '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];'];
  for (const n of g.numa.values()) {
    const cpus = `cpus ${n.cpus.length ? cpuRanges(n.cpus) : 'none'}`;
    out.push(`  ${quote(n.id)} [shape=box, style=filled, fillcolor="#dde8f5", label=${label(`node ${n.numa}`, cpus, ...(n.memBytes ? [formatBytes(n.memBytes)] : []))}];`);
  }
  const ids = [...g.numa.keys()];
  for (const a of ids) for (const b of ids) if (a < b) {
    const d = g.numaDistance(a, b);
    if (d !== undefined) out.push(`  ${quote(`numa:${a}`)} -- ${quote(`numa:${b}`)} [label="${d}", color="#8899aa"];`);
  }
  for (const d of g.devices.values()) {
    const fns = `${d.functions.slice(0, 4).join(' ')}${d.functions.length > 4 ? ' ...' : ''}`;
    out.push(`  ${quote(d.id)} [shape=component, style=filled, fillcolor="#f5e6cc", label=${label(d.name, d.model, fns)}];`);
    if (d.numa >= 0 && g.numa.has(d.numa)) out.push(`  ${quote(d.id)} -- ${quote(`numa:${d.numa}`)} [style=dashed];`);
  }
  for (const m of g.memories.values()) {
    out.push(`  ${quote(m.id)} [shape=cylinder, style=filled, fillcolor="#e2f0d9", label=${label(m.memKind, formatBytes(m.sizeBytes))}];`);
    for (const d of m.devices) out.push(`  ${quote(d)} -- ${quote(m.id)};`);
  }
  for (const l of g.links) out.push(`  ${quote(l.from)} -- ${quote(l.to)} [dir=forward, color="${l.p2p ? '#c0504d' : '#999999'}", label=${label(`${l.linkKind}${l.bandwidthMBps ? ` ${l.bandwidthMBps} MB/s` : ''}`)}];`);
  out.push('}');
  return out.join('\n');
}

export const topo: Command = {
  path: ['topo'],
  summary: 'show the topology: NUMA nodes and distances, devices, memories, links',
  help: `usage: accelctl topo [--format table|json|dot|svg] [--sysfs-root DIR] [--manifest FILE]...

--format svg renders through Graphviz ('dot' must be installed: apt-get install graphviz).

examples:
  accelctl topo --sysfs-root spec/sysfs/fixtures/two-socket-hbm
  accelctl topo --format svg --sysfs-root spec/sysfs/fixtures/two-socket-hbm > topo.svg`,
  run(argv, io) {
    const { values } = parse(argv, { ...SYSFS_ROOT_OPTION, format: { type: 'string', default: 'table' }, manifest: { type: 'string', multiple: true } }, false);
    const format = values.format as (typeof FORMATS)[number];
    if (!FORMATS.includes(format)) throw new UsageError(`--format is one of ${FORMATS.join(', ')}, got '${values.format}'`);
    const { graph: g, problems } = discover(values['sysfs-root']!, values.manifest ?? []);
    if (format === 'json') {
      io.out(
        json('openaccel-cli/topo/1', {
          numa: [...g.numa.values()].map((n) => ({ ...n, distances: Object.fromEntries(g.distance.get(n.numa) ?? []) })),
          devices: [...g.devices.values()],
          memories: [...g.memories.values()],
          links: g.links,
          problems: problems.map((p) => p.message),
        }),
      );
      return EXIT.ok;
    }
    if (format === 'dot' || format === 'svg') {
      const dot = toDot(g);
      if (format === 'dot') {
        io.out(dot);
        return EXIT.ok;
      }
      const r = spawnSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' });
      if (r.error) {
        io.err(`accelctl topo: Graphviz 'dot' is not installed (${(r.error as NodeJS.ErrnoException).code}); install it (apt-get install graphviz) or use --format dot and render elsewhere`);
        return EXIT.usage;
      }
      if (r.status !== 0) {
        io.err(`accelctl topo: dot failed: ${r.stderr.trim()}`);
        return EXIT.fail;
      }
      io.out(r.stdout.trimEnd());
      return EXIT.ok;
    }
    warnProblems(io, problems);
    const ids = [...g.numa.keys()];
    const numaRows = [['NODE', 'CPUS', 'MEMORY', ...ids.map((i) => `D${i}`)]];
    for (const n of g.numa.values()) {
      const cpus = n.cpus.length ? cpuRanges(n.cpus) : '-';
      const memory = n.memBytes ? [formatBytes(n.memBytes), n.memKind, n.memoryTier !== undefined ? `tier ${n.memoryTier}` : undefined].filter(Boolean).join(' ') : '-';
      numaRows.push([String(n.numa), cpus, memory, ...ids.map((i) => String(g.numaDistance(n.numa, i) ?? '?'))]);
    }
    const parts = [g.numa.size ? table(numaRows) : 'no NUMA information'];
    const devRows = [['DEVICE', 'NUMA', 'MEMORIES', 'LINKS', 'PCI']];
    for (const d of g.devices.values()) {
      const mems = g.memoriesOf(d.id).map((m) => `${m.memKind} ${formatBytes(m.sizeBytes)}${m.devices.length > 1 ? ' (shared)' : ''}`);
      const links = g.linksFromDevice(d.id).map((l) => `${l.to.replace(/^[a-z-]+:/, '')} ${l.linkKind}${l.p2p ? ' p2p' : ''}`);
      // Host bridge, then bridges, then the function: devices that share a prefix share that switch or root port.
      const pci = d.pci ? [d.pci.hostBridge ?? '?', ...d.pci.bridges, d.pci.address].join(' > ') : '-';
      devRows.push([d.id, String(d.numa), mems.join('; ') || '-', links.join('; ') || '-', pci]);
    }
    if (g.devices.size) parts.push(table(devRows));
    io.out(parts.join('\n\n'));
    return EXIT.ok;
  },
};
