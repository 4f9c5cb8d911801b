import { checkClaims, type ManifestProblem } from '@openaccel/capabilities';
import { SysfsTree, readOpenAccelDevice, CLASS_DIR } from '@openaccel/sysfs';
import { EXIT, SYSFS_ROOT_OPTION, UsageError, json, parse, table, type Command } from '../command.js';
import { loadManifest, readManifestFile, requireSysfsRoot } from '../discovery.js';

export const manifestValidate: Command = {
  path: ['manifest', 'validate'],
  summary: 'validate capability manifests against the schema and the semantic rules',
  help: `usage: accelctl manifest validate FILE... [--json]

Exit 0 when every file is valid, 1 when one is not, 2 on a usage error or an unreadable file.
Each problem names a JSON pointer, what was found and what is allowed.

examples:
  accelctl manifest validate spec/capabilities/examples/*.json
  accelctl manifest validate my-device.json --json`,
  run(argv, io) {
    const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
    if (positionals.length === 0) throw new UsageError('give at least one FILE');
    const results: { file: string; valid: boolean; problems: ManifestProblem[] }[] = [];
    for (const file of positionals) {
      const r = readManifestFile(file).validation;
      results.push({ file, valid: r.ok, problems: r.problems });
    }
    if (values.json) io.out(json('openaccel-cli/manifest-validate/1', { results }));
    else {
      for (const r of results) {
        io.out(r.valid ? `${r.file}: valid` : `${r.file}: ${r.problems.length} problem${r.problems.length > 1 ? 's' : ''}`);
        for (const p of r.problems) io.out(`  ${p.pointer || '/'}: ${p.message}`);
      }
    }
    return results.every((r) => r.valid) ? EXIT.ok : EXIT.fail;
  },
};

export const manifestCheck: Command = {
  path: ['manifest', 'check'],
  summary: "check a manifest's claims against what a device shows in sysfs",
  help: `usage: accelctl manifest check FILE --device DEVICE [--as ID] [--sysfs-root DIR] [--json]

DEVICE is an openaccel class device (accel0). The manifest device is the one whose model equals the
device's sysfs model, or the one named by --as. Exit 0 when every claim holds, 1 when one does not.

examples:
  accelctl manifest check spec/capabilities/examples/fpga-chain.json --device accel0 --sysfs-root spec/sysfs/fixtures/two-socket-hbm`,
  run(argv, io) {
    const { values, positionals } = parse(argv, { ...SYSFS_ROOT_OPTION, device: { type: 'string' }, as: { type: 'string' }, json: { type: 'boolean' } });
    if (positionals.length !== 1) throw new UsageError('give exactly one manifest FILE');
    if (!values.device) throw new UsageError('--device DEVICE is required');
    const m = loadManifest(positionals[0]!);
    requireSysfsRoot(values['sysfs-root']!);
    const tree = new SysfsTree(values['sysfs-root']);
    const name = values.device.replace(/^openaccel:/, '').replace(/^.*\/openaccel\//, '');
    const dev = readOpenAccelDevice(tree, name);
    if (!dev) {
      const known = tree.list(CLASS_DIR);
      const why = tree.problems.length ? tree.problems.map((p) => p.message).join('; ') : `devices are ${known.join(', ') || 'none'}`;
      throw new UsageError(`no readable openaccel device '${name}' under ${values['sysfs-root']}: ${why}`);
    }
    const decl = values.as ? m.devices.find((d) => d.id === values.as) : m.devices.find((d) => d.model === dev.model);
    if (!decl) throw new UsageError(values.as ? `the manifest has no device '${values.as}'; it has ${m.devices.map((d) => d.id).join(', ')}` : `no device of the manifest has model '${dev.model}' (it has ${m.devices.map((d) => `${d.id}: ${d.model}`).join(', ')}); use --as ID`);
    const checks = checkClaims(m, decl, dev);
    const failed = checks.filter((c) => c.status === 'mismatch').length;
    if (values.json) io.out(json('openaccel-cli/manifest-check/1', { manifest: positionals[0], manifestDevice: decl.id, device: dev.name, checks, holds: failed === 0 }));
    else {
      io.out(`${positionals[0]} (${decl.id}) against ${dev.name} (${dev.model})`);
      io.out(table([['CLAIM', 'MANIFEST', 'DEVICE', 'RESULT'], ...checks.map((c) => [c.claim, c.manifest, c.device, c.status])]));
      io.out(failed ? `${failed} claim${failed > 1 ? 's do' : ' does'} not hold` : 'every claim holds');
    }
    return failed ? EXIT.fail : EXIT.ok;
  },
};
