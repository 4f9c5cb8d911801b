/** The device's capability manifest: it validates, and every claim holds on the device. */
import { checkClaims, validateManifest } from '@openaccel/capabilities';
import { ConformanceFailure, type TestCase } from '../model.js';

export const manifestSuite: TestCase[] = [
  {
    id: 'manifest.validates',
    doc: 'the manifest passes the schema and the semantic checks',
    profiles: ['core'],
    requires: { manifest: true },
    run(env) {
      const r = validateManifest(env.manifest);
      if (!r.ok) throw new ConformanceFailure(r.problems.map((p) => `${p.pointer || '/'}: ${p.message}`).join('; '), 'a valid manifest', `${r.problems.length} problem(s)`);
    },
  },
  {
    id: 'manifest.claims.hold',
    doc: "the manifest's claims (functions, limits, SVA, dma-buf, memories, links) hold on the device",
    profiles: ['core'],
    requires: { manifest: true },
    run(env) {
      const d = env.sysfs().device;
      if (!d) throw new ConformanceFailure(`no readable sysfs device ${env.name}`, 'a device directory', 'none');
      const decl = env.manifest!.devices.find((x) => x.model === d.model);
      if (!decl) throw new ConformanceFailure(`no device of the manifest has model '${d.model}'`, `a device with model '${d.model}'`, env.manifest!.devices.map((x) => x.model).join(', '));
      const bad = checkClaims(env.manifest!, decl, d).filter((c) => c.status === 'mismatch');
      if (bad.length) throw new ConformanceFailure(bad.map((c) => `${c.claim}: manifest ${c.manifest}, device ${c.device}`).join('; '), 'every claim holds', `${bad.length} claim(s) do not`);
      const absent = decl.functions.filter((f) => !env.info.functions.includes(f.name));
      if (absent.length) throw new ConformanceFailure(`GET_INFO lacks claimed functions ${absent.map((f) => f.name).join(', ')}`, 'every claimed function', 'missing');
    },
  },
];
