/**
 * openaccel-dra-plugin: the program the DaemonSet runs on every node. Publishes the node's ResourceSlices,
 * then serves kubelet until SIGTERM or SIGINT. Logs one JSON object per line on stderr.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { buildFromSysfs } from '@openaccel/topology';
import { CDI_DIR, KUBELET_PLUGINS, KUBELET_PLUGINS_REGISTRY } from './manifests.js';
import { DRIVER } from './names.js';
import { KubeletPlugin } from './plugin.js';
import { apiClaimSource, kubeConfigFor, nodeOwner, publishSlices } from './publish.js';
import { profilesFromReports } from './profiles.js';
import { exportNode } from './slices.js';

const log = (event: string, fields: Record<string, unknown> = {}) => process.stderr.write(JSON.stringify({ schema: 'openaccel-dra-log/1', time: new Date().toISOString(), event, ...fields }) + '\n');

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      node: { type: 'string' },
      'sysfs-root': { type: 'string', default: '/sys' },
      'cdi-dir': { type: 'string', default: CDI_DIR },
      'plugin-dir': { type: 'string', default: join(KUBELET_PLUGINS, DRIVER) },
      'registry-dir': { type: 'string', default: KUBELET_PLUGINS_REGISTRY },
      'api-server': { type: 'string' },
      conformance: { type: 'string', multiple: true },
    },
    strict: true,
  });
  const node = values.node ?? process.env.NODE_NAME;
  if (!node) {
    log('usage', { error: '--node NAME (or NODE_NAME) is required' });
    return 2;
  }
  const { graph, problems } = buildFromSysfs(values['sysfs-root']);
  for (const p of problems) log('sysfs-problem', { message: p.message });
  const exp = exportNode(graph, { node, profiles: profilesFromReports(values.conformance ?? []) });
  for (const n of exp.notes) log('export-note', { message: n });
  const kc = kubeConfigFor(values['api-server']);
  const owner = await nodeOwner(kc, node);
  if (!owner) log('no-node-owner', { node, message: 'the Node cannot be read; slices are published without an owner reference' });
  const published = await publishSlices(kc, node, exp.slices, owner);
  log('published', { ...published });
  const plugin = new KubeletPlugin({ node, devices: exp.devices, claims: apiClaimSource(kc), cdiDir: values['cdi-dir'], pluginDir: values['plugin-dir'], registryDir: values['registry-dir'], sysfsRoot: values['sysfs-root'] });
  plugin.on('restored', (claims: string[]) => log('restored', { claims }));
  plugin.on('registered', () => log('registered'));
  plugin.on('registration-failed', (error: string) => log('registration-failed', { error }));
  await plugin.start();
  log('serving', { draSocket: plugin.draSocket, registrationSocket: plugin.registrationSocket });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await plugin.stop();
  log('stopped');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    log('fatal', { error: e.message });
    process.exit(1);
  },
);
