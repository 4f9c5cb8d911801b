/** accelctl dra ...: Kubernetes DRA objects from the topology, the shipped manifests, validation and the allocation simulator. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import yaml from 'js-yaml';
import { ConformanceReportError, DraNameError, FileTooLargeError, profilesFromReports, deployFiles, readFileBounded, exportNode, fleetDistances, shippedClasses, shippedTemplates, simulate, toYaml, validateObject, type Machine } from '@openaccel/dra';
import { buildFromSysfs } from '@openaccel/topology';
import { EXIT, UsageError, intOption, json, parse, table, type Command } from '../command.js';
import { warnProblems } from '../discovery.js';

/** Objects files are read whole, so they are capped first. */
const MAX_OBJECT_FILE = 4 * 1024 * 1024;

export const draSlices: Command = {
  path: ['dra', 'slices'],
  summary: 'the ResourceSlices (resource.k8s.io/v1) a node publishes, from its topology',
  help: `usage: accelctl dra slices --node NAME [--sysfs-root DIR] [--conformance REPORT.json]... [--generation N]
                          [--format yaml|json]

One pool named after the node, one device per accelerator, attributes in the openaccel.dev domain:
fn_<function>, cap_<feature>, numaNode, numaDist<N>, memoryDomain (devices sharing a memory share it),
linkDomain (devices that can be chained share it), model, source, kernelName, pasidBits. A device with
free queues allows multiple allocations and offers them as the consumable capacity 'queues' (one per
allocation by default), and memory only it reaches as 'memory'. Every slice is checked against the
resource.k8s.io/v1 schema and the API server's rules before it is printed. JSON output is a Kubernetes
List (kubectl apply -f takes it).

  --conformance REPORT.json   a report of 'accelctl conformance run --format json': the device it names
                              gets profile_<name> for each profile it passed

examples:
  accelctl dra slices --node node-a --sysfs-root spec/sysfs/fixtures/two-socket-hbm
  accelctl dra slices --node node-a --format json`,
  run(argv, io) {
    const { values } = parse(argv, { 'sysfs-root': { type: 'string', default: '/sys' }, node: { type: 'string' }, generation: { type: 'string' }, format: { type: 'string', default: 'yaml' }, conformance: { type: 'string', multiple: true } }, false);
    if (!values.node) throw new UsageError('--node NAME is required (the Kubernetes node name)');
    if (values.format !== 'yaml' && values.format !== 'json') throw new UsageError(`--format is yaml or json, got '${values.format}'`);
    const { graph, problems } = buildFromSysfs(values['sysfs-root']);
    warnProblems(io, problems);
    const profiles = exportOrUsage(() => profilesFromReports(values.conformance ?? []));
    const exp = exportOrUsage(() => exportNode(graph, { node: values.node!, generation: intOption(values.generation, 'generation') ?? 0, profiles }));
    for (const n of exp.notes) io.err(`note: ${n}`);
    for (const s of exp.slices) {
      const bad = validateObject(s);
      if (bad.length) {
        io.err(`accelctl dra slices: slice ${s.metadata.name} would be rejected: ${bad.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
        return EXIT.fail;
      }
    }
    io.out(values.format === 'json' ? JSON.stringify({ apiVersion: 'v1', kind: 'List', items: exp.slices }, null, 2) : toYaml(exp.slices).trimEnd());
    return EXIT.ok;
  },
};

export const draManifests: Command = {
  path: ['dra', 'manifests'],
  summary: 'the DeviceClasses, claim templates, RBAC and DaemonSet a cluster admin applies',
  help: `usage: accelctl dra manifests [--out DIR] [--sysfs-root DIR]...

Prints (or writes into DIR) rbac.yaml, daemonset.yaml, deviceclasses.yaml and claim-templates.yaml.
The "nearest" templates offer one alternative per NUMA distance found in the machines given with
--sysfs-root (DRA has no scoring, only ordered alternatives); without it, the SLIT tables of /sys.

examples:
  accelctl dra manifests --out packages/dra/deploy --sysfs-root spec/sysfs/fixtures/two-socket-hbm`,
  run(argv, io) {
    const { values } = parse(argv, { out: { type: 'string' }, 'sysfs-root': { type: 'string', multiple: true } }, false);
    const files = exportOrUsage(() => deployFiles(fleetDistances(machinesOf(values['sysfs-root'] ?? ['/sys']))));
    if (!values.out) {
      io.out(Object.entries(files).map(([name, text]) => `# ---- ${name}\n${text}`).join('\n').trimEnd());
      return EXIT.ok;
    }
    mkdirSync(values.out, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      const tmp = join(values.out, `.${name}.${process.pid}.tmp`);
      writeFileSync(tmp, text);
      renameSync(tmp, join(values.out, name));
      io.out(join(values.out, name));
    }
    return EXIT.ok;
  },
};

export const draValidate: Command = {
  path: ['dra', 'validate'],
  summary: 'check resource.k8s.io/v1 objects (YAML or JSON) as the API server would',
  help: `usage: accelctl dra validate FILE...

Checks every ResourceSlice, DeviceClass, ResourceClaim and ResourceClaimTemplate in the files (other kinds
are skipped) against the official resource.k8s.io/v1 schema and the API server's rules: name formats,
attribute names and value lengths, devices per slice, unions, CEL selectors that compile.
Exit 0 when all are valid, 1 when one is not, 2 when a file cannot be read.

examples:
  accelctl dra validate packages/dra/deploy/*.yaml`,
  run(argv, io) {
    const { positionals } = parse(argv, {});
    if (!positionals.length) throw new UsageError('give at least one FILE');
    let bad = 0;
    for (const file of positionals) {
      const docs = readObjects(file);
      for (const [i, doc] of docs.entries()) {
        const o = doc as { kind?: string; metadata?: { name?: string } };
        if (!o || typeof o !== 'object' || !['ResourceSlice', 'DeviceClass', 'ResourceClaim', 'ResourceClaimTemplate'].includes(String(o.kind))) continue;
        const problems = validateObject(o);
        const what = `${file}: ${o.kind} ${o.metadata?.name ?? `#${i}`}`;
        if (!problems.length) io.out(`${what}: valid`);
        else {
          bad++;
          io.out(`${what}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
          for (const p of problems) io.out(`  ${p.path || '/'}: ${p.message}`);
        }
      }
    }
    return bad ? EXIT.fail : EXIT.ok;
  },
};

export const draSimulate: Command = {
  path: ['dra', 'simulate'],
  summary: 'allocate the shipped claims over a fleet, as the scheduler does, and check them against topology',
  help: `usage: accelctl dra simulate --sysfs-root DIR [--sysfs-root DIR]... [--nodes N] [--json]

Builds a fleet of N nodes (default 1000) from the machines given (round-robin), publishes each node's
ResourceSlices, allocates every shipped claim template on every node with the structured-parameters
allocator's rules (first fit, firstAvailable in order, matchAttribute, backtracking), and compares each
allocation with @openaccel/topology's answer to the same query on that node. Exit 1 on any disagreement.

examples:
  accelctl dra simulate --nodes 1000 --sysfs-root spec/sysfs/fixtures/two-socket-hbm \\
      --sysfs-root spec/sysfs/fixtures/kfd-xgmi-workstation --sysfs-root spec/sysfs/fixtures/garbage`,
  run(argv, io) {
    const { values } = parse(argv, { 'sysfs-root': { type: 'string', multiple: true }, nodes: { type: 'string' }, json: { type: 'boolean' } }, false);
    const roots = values['sysfs-root'];
    if (!roots?.length) throw new UsageError('give the fleet\'s machines with --sysfs-root DIR (one or more)');
    const n = intOption(values.nodes, 'nodes') ?? 1000;
    if (n < 1 || n > 100_000) throw new UsageError('--nodes is 1 to 100000');
    const machines = machinesOf(roots);
    const report = exportOrUsage(() => simulate(machines, n, shippedTemplates(fleetDistances(machines)), shippedClasses()));
    const disagree = report.claims.reduce((s, c) => s + (c.nodes - c.agree), 0);
    if (values.json) {
      io.out(json('openaccel-cli/dra-simulate/1', { report }));
      return disagree ? EXIT.fail : EXIT.ok;
    }
    io.out(`${report.nodes} nodes (${Object.entries(report.machines).map(([m, k]) => `${k} ${m}`).join(', ')}), ${report.devices} devices`);
    io.out(table([['CLAIM', 'ALLOCATED', 'AGREES', 'US/NODE'], ...report.claims.map((c) => [c.claim, `${c.allocated}/${c.nodes}`, `${c.agree}/${c.nodes}`, c.microsPerNode.toFixed(1)])]));
    for (const c of report.claims) {
      const got = c.examples.filter((e) => e.allocation).map((e) => `${e.machine}: ${e.allocation!.map((a) => `${a.request}=${a.device}`).join(' ')}`);
      if (got.length) io.out(`${c.claim}: ${got.join('; ')}`);
      for (const d of c.disagreements) io.out(`  DISAGREES on ${d.node} (${d.machine}): ${d.disagreement}`);
    }
    // Copies of one claim on one node of each machine, until the next does not fit (devices shared by queues).
    const shared = report.sharing.filter((s) => s.fitted > 0);
    io.out(table([['CLAIM', 'ON ONE NODE OF', 'COPIES FIT'], ...shared.map((s) => [s.claim, s.machine, String(s.fitted)])]));
    // The last request in the claim the search reached is where it got stuck (--json has every request).
    for (const s of shared) if (s.unfit) io.out(`${s.claim} on ${s.machine}, copy ${s.fitted + 1}: ${s.unfit.split('\n').at(-1)}`);
    return disagree ? EXIT.fail : EXIT.ok;
  },
};

export const DRA_COMMANDS: Command[] = [draSlices, draManifests, draValidate, draSimulate];

function machinesOf(roots: readonly string[]): Machine[] {
  return roots.map((root) => ({ name: basename(root.replace(/\/+$/, '')) || root, graph: buildFromSysfs(root).graph }));
}

/** A name the driver cannot express is the caller's input problem: exit 2 with the reason. */
function exportOrUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DraNameError || e instanceof ConformanceReportError || e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
}

function readObjects(file: string): unknown[] {
  let text: string;
  try {
    text = readFileBounded(file, MAX_OBJECT_FILE);
  } catch (e) {
    throw new UsageError(e instanceof FileTooLargeError ? e.message : `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const docs = yaml.loadAll(text);
    return docs.flatMap((d) => (d && typeof d === 'object' && (d as { kind?: string }).kind === 'List' ? ((d as { items?: unknown[] }).items ?? []) : [d]));
  } catch (e) {
    throw new UsageError(`${file} is not YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
}
