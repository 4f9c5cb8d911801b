import { EXIT, SYSFS_ROOT_OPTION, json, parse, table, type Command } from '../command.js';
import { discover, warnProblems } from '../discovery.js';

export const ls: Command = {
  path: ['ls'],
  summary: 'list accelerators: openaccel, uacce, kfd, accel and drm devices, PCI accelerators with or without a driver',
  help: `usage: accelctl ls [--sysfs-root DIR] [--json]

Lists every accelerator the sysfs tree shows, with its source class, model, NUMA node, free queues,
functions and device node. A PCI function that is an accelerator by class (0x12, 0x0b40, a GPU vendor's
display function) and that no class above shows is listed as source 'pci', driver or not.
Malformed attributes are reported as warnings; the rest is still listed.

options:
  --sysfs-root DIR   sysfs to read (default /sys); device nodes are looked up in DIR/../dev
  --json             one JSON object (schema openaccel-cli/ls/1)

examples:
  accelctl ls
  accelctl ls --sysfs-root spec/sysfs/fixtures/two-socket-hbm
  accelctl ls --sysfs-root spec/sysfs/fixtures/pci-no-drivers`,
  run(argv, io) {
    const { values } = parse(argv, { ...SYSFS_ROOT_OPTION, json: { type: 'boolean' } }, false);
    const { graph, problems } = discover(values['sysfs-root']!);
    const devices = [...graph.devices.values()];
    if (values.json) {
      io.out(json('openaccel-cli/ls/1', { sysfsRoot: values['sysfs-root'], devices, problems: problems.map((p) => ({ kind: p.kind, file: p.file, expected: p.expected, found: p.found })) }));
      return EXIT.ok;
    }
    warnProblems(io, problems);
    if (devices.length === 0) {
      io.out(`no accelerators under ${values['sysfs-root']}`);
      return EXIT.ok;
    }
    const rows = [['DEVICE', 'SOURCE', 'MODEL', 'NUMA', 'FREE-Q', 'FUNCTIONS', 'NODE']];
    for (const d of devices) rows.push([d.name, d.source, d.model, String(d.numa), d.freeQueues === undefined ? '-' : String(d.freeQueues), d.functions.join(',') || '-', d.node ?? '-']);
    io.out(table(rows));
    return EXIT.ok;
  },
};
