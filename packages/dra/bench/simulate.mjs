// DRA allocation simulator benchmark: the shipped claims over fleets of 100 and 1,000 nodes built from the
// fixture machines. Prints one JSON object (schema openaccel-bench/1): allocator time per claim per node.
import { fileURLToPath } from 'node:url';
import { buildFromSysfs } from '@openaccel/topology';
import { fleetDistances, shippedClasses, shippedTemplates, simulate } from '../dist/index.js';

const FIXTURES = fileURLToPath(new URL('../../../spec/sysfs/fixtures/', import.meta.url));
const machines = ['two-socket-hbm', 'kfd-xgmi-workstation', 'garbage'].map((name) => ({ name, graph: buildFromSysfs(FIXTURES + name).graph }));
const templates = shippedTemplates(fleetDistances(machines));
const results = [];
for (const nodes of [100, 1000]) {
  const start = performance.now();
  const r = simulate(machines, nodes, templates, shippedClasses());
  const ms = performance.now() - start;
  for (const c of r.claims) results.push({ name: `dra.simulate.${c.claim}`, nodes, unit: 'us/node', value: c.microsPerNode, allocated: c.allocated, agree: c.agree });
  results.push({ name: 'dra.simulate.total', nodes, unit: 'ms', value: Math.round(ms * 10) / 10, devices: r.devices });
}
console.log(JSON.stringify({ schema: 'openaccel-bench/1', benchmark: 'dra-simulate', node: process.version, results }, null, 2));
