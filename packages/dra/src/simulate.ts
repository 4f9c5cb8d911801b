/**
 * The allocation simulator: a fleet of nodes built from topology graphs, every node's ResourceSlices, and
 * the shipped claims allocated on every node by the structured-parameters allocator; each allocation is
 * checked against @openaccel/topology's answer to the same query on that node.
 */
import { performance } from 'node:perf_hooks';
import { chain, nearest, sharedMemory, unmet, type TopologyGraph } from '@openaccel/topology';
import { AllocatedState } from './allocated-state.js';
import { allocateClaim, candidates, explainUnfit } from './allocator.js';
import { exportNode, type NodeExport } from './slices.js';
import type { ShippedQuery, ShippedTemplate } from './shipped.js';
import type { DeviceClass, DeviceRequestAllocationResult } from './types.js';

export interface Machine {
  /** What the machine is (a fixture name). */
  name: string;
  graph: TopologyGraph;
}

export interface NodeOutcome {
  node: string;
  machine: string;
  /** Device names in the pool, by request, or undefined when the claim cannot be allocated on the node. */
  allocation?: DeviceRequestAllocationResult[];
  /** Why the claim does not fit on the node, when it does not. */
  unfit?: string;
  /** Why the allocation and the topology answer differ; undefined when they agree. */
  disagreement?: string;
}

export interface ClaimReport {
  claim: string;
  query: ShippedQuery;
  nodes: number;
  allocated: number;
  agree: number;
  /** Mean allocator time for this claim on one node, in microseconds. */
  microsPerNode: number;
  /** The first few disagreements, for a human. */
  disagreements: NodeOutcome[];
  /** What the claim got on the first node of each machine kind. */
  examples: NodeOutcome[];
}

/** How many copies of a claim one node of a machine kind takes before the next one does not fit, and why. */
export interface SharingReport {
  machine: string;
  claim: string;
  /** Copies allocated (MAX_COPIES when the node would take more). */
  fitted: number;
  /** Device -> allocations of it among those copies. */
  perDevice: Record<string, number>;
  /** Why copy number `fitted + 1` did not fit; absent when the run stopped at MAX_COPIES. */
  unfit?: string;
}

export interface SimulationReport {
  nodes: number;
  devices: number;
  machines: Record<string, number>;
  claims: ClaimReport[];
  sharing: SharingReport[];
}

/** Bound on the copies the sharing run allocates on one node. */
export const MAX_COPIES = 4096;

/** The fleet: `count` nodes named node-0000..., machine kinds taken round-robin. */
export function fleet(machines: readonly Machine[], count: number): { node: string; machine: Machine }[] {
  if (!machines.length) throw new RangeError('a fleet needs at least one machine');
  const width = String(Math.max(count - 1, 0)).length;
  return Array.from({ length: count }, (_, i) => ({ node: `node-${String(i).padStart(Math.max(width, 4), '0')}`, machine: machines[i % machines.length]! }));
}

/** Every SLIT distance in these machines: the tiers a "nearest" claim offers. */
export function fleetDistances(machines: readonly Machine[]): number[] {
  const out = new Set<number>([10]);
  for (const m of machines) for (const row of m.graph.distance.values()) for (const d of row.values()) out.add(d);
  return [...out].sort((a, b) => a - b);
}

export function simulate(machines: readonly Machine[], count: number, templates: readonly ShippedTemplate[], classes: readonly DeviceClass[]): SimulationReport {
  const classMap = new Map(classes.map((c) => [c.metadata.name!, c]));
  const nodes = fleet(machines, count);
  const reports = templates.map((t): ClaimReport => ({ claim: t.template.metadata.name!, query: t.query, nodes: 0, allocated: 0, agree: 0, microsPerNode: 0, disagreements: [], examples: [] }));
  const spent = templates.map(() => 0);
  const machineCount: Record<string, number> = {};
  const exampled = templates.map(() => new Set<string>());
  let deviceCount = 0;
  const sharing: SharingReport[] = [];
  for (const { node, machine } of nodes) {
    machineCount[machine.name] = (machineCount[machine.name] ?? 0) + 1;
    const exp = exportNode(machine.graph, { node });
    const devices = candidates(exp.slices);
    if (!sharing.some((x) => x.machine === machine.name)) sharing.push(...templates.map((t) => share(machine.name, node, t, classMap, devices)));
    deviceCount += devices.length;
    templates.forEach((t, i) => {
      const r = reports[i]!;
      const start = performance.now();
      const a = allocateClaim(r.claim, t.template.spec.spec, classMap, devices);
      spent[i]! += performance.now() - start;
      const allocation = 'results' in a ? a.results : undefined;
      const ids = allocation?.map((a) => exp.devices.get(a.device)!.id);
      const disagreement = compare(machine.graph, t.query, ids, sharedIds(exp));
      const outcome: NodeOutcome = { node, machine: machine.name, ...(allocation ? { allocation } : {}), ...('unfit' in a ? { unfit: explainUnfit(a.unfit) } : {}), ...(disagreement ? { disagreement } : {}) };
      r.nodes++;
      if (allocation) r.allocated++;
      if (!disagreement) r.agree++;
      else if (r.disagreements.length < 5) r.disagreements.push(outcome);
      if (!exampled[i]!.has(machine.name)) {
        exampled[i]!.add(machine.name);
        r.examples.push(outcome);
      }
    });
  }
  reports.forEach((r, i) => (r.microsPerNode = r.nodes ? Math.round((spent[i]! * 1000) / r.nodes * 10) / 10 : 0));
  return { nodes: nodes.length, devices: deviceCount, machines: machineCount, claims: reports, sharing };
}

/** Graph ids of the devices several allocations may share. */
function sharedIds(exp: NodeExport): Set<string> {
  const out = new Set<string>();
  for (const s of exp.slices) for (const d of s.spec.devices ?? []) if (d.allowMultipleAllocations) out.add(exp.devices.get(d.name)!.id);
  return out;
}

/** Copies of one claim allocated on one node, one after another, until the next does not fit. */
function share(machine: string, node: string, t: ShippedTemplate, classes: ReadonlyMap<string, DeviceClass>, devices: ReturnType<typeof candidates>): SharingReport {
  const state = new AllocatedState();
  const claim = t.template.metadata.name!;
  const perDevice = new Map<string, number>();
  for (let n = 0; n < MAX_COPIES; n++) {
    const a = allocateClaim(`${claim}-${n}`, t.template.spec.spec, classes, devices, { state });
    if ('unfit' in a) return { machine, claim, fitted: n, perDevice: Object.fromEntries(perDevice), unfit: explainUnfit(a.unfit) };
    state.add(a.results);
    for (const r of a.results) perDevice.set(r.device, (perDevice.get(r.device) ?? 0) + 1);
  }
  return { machine, claim, fitted: MAX_COPIES, perDevice: Object.fromEntries(perDevice) };
}

/**
 * Topology's verdict on an allocation (graph ids in request order, or undefined for none): a message when
 * they differ. DRA gives two requests two distinct devices, so only topology answers on two devices count
 * for the pair queries; a single device with both functions is a one-request claim.
 */
export function compare(g: TopologyGraph, q: ShippedQuery, ids: readonly string[] | undefined, shared: ReadonlySet<string> = new Set()): string | undefined {
  const none = (what: string) => (ids ? `allocated ${ids.join(', ')} but topology finds ${what}` : undefined);
  const missed = (what: string) => `not allocated but topology finds ${what}`;
  if (q.kind === 'function') {
    const have = g.devicesWith(q.fn).filter((d) => q.queues === undefined || unmet(d, { minFreeQueues: q.queues }) === undefined);
    if (!have.length) return none(`no device with ${q.fn}${q.queues === undefined ? '' : ` and ${q.queues} free queues`}`);
    if (!ids) return missed(have[0]!.id);
    return have.some((d) => d.id === ids[0]) ? undefined : `allocated ${ids[0]} which lacks ${q.fn}`;
  }
  if (q.kind === 'nearest') {
    if (g.numa.size && !g.numa.has(q.numa)) {
      // The node has no such NUMA node: every device with the function is equally far (unknown).
      const have = g.devicesWith(q.fn);
      if (!have.length) return none(`no device with ${q.fn}`);
      if (!ids) return missed(have[0]!.id);
      return have.some((d) => d.id === ids[0]) ? undefined : `allocated ${ids[0]} which lacks ${q.fn}`;
    }
    const answers = nearest(g, q.fn, { numa: q.numa }).answers;
    if (!answers.length) return none(`no device with ${q.fn}`);
    if (!ids) return missed(answers[0]!.device.id);
    const got = answers.find((a) => a.device.id === ids[0]);
    if (!got) return `allocated ${ids[0]} which topology does not offer`;
    return got.distance === answers[0]!.distance ? undefined : `allocated ${ids[0]} at distance ${got.distance}; topology's nearest is ${answers[0]!.device.id} at ${answers[0]!.distance}`;
  }
  const answers = q.kind === 'chain' ? chain(g, q.x, q.y).answers.map((a) => [a.from.id, a.to.id]) : sharedMemory(g, q.x, q.y).answers.map((a) => [a.a.id, a.b.id]);
  const pairs = answers.filter(([a, b]) => a !== b);
  // Both requests may get shares of one device that allows multiple allocations; topology offers that too.
  const offered = answers.filter(([a, b]) => a !== b || shared.has(a!));
  if (!pairs.length && !(ids && offered.length)) return none(`no two devices with ${q.x} and ${q.y} that ${q.kind === 'chain' ? 'can be chained' : 'share a memory'}`);
  if (!ids) return missed(`${pairs[0]![0]} -> ${pairs[0]![1]}`);
  return offered.some(([a, b]) => a === ids[0] && b === ids[1]) ? undefined : `allocated ${ids.join(' -> ')}, which topology does not offer as ${q.kind}`;
}
