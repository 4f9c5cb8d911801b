import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../src/command.js';
import { DRA_COMMANDS } from '../src/commands/dra.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const fixtures = join(repo, 'spec/sysfs/fixtures');
const fleet = ['two-socket-hbm', 'kfd-xgmi-workstation', 'garbage'].flatMap((m) => ['--sysfs-root', join(fixtures, m)]);

const temps: string[] = [];
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'oa-dra-cli-'));
  temps.push(d);
  return d;
}

async function run(...argv: string[]) {
  const cmd = DRA_COMMANDS.filter((c) => c.path.every((w, i) => argv[i] === w)).sort((a, b) => b.path.length - a.path.length)[0]!;
  const out: string[] = [];
  const err: string[] = [];
  const code = await cmd.run(argv.slice(cmd.path.length), { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('accelctl dra', { timeout: 120_000 }, () => {
  it('slices prints the node\'s pool as YAML and as a JSON List', async () => {
    const y = await run('dra', 'slices', '--node', 'node-a', '--sysfs-root', join(fixtures, 'two-socket-hbm'));
    expect(y.code).toBe(0);
    const slice = yaml.load(y.out) as { kind: string; spec: { pool: { name: string }; devices: { name: string }[] } };
    expect(slice.kind).toBe('ResourceSlice');
    expect(slice.spec.pool.name).toBe('node-a');
    expect(slice.spec.devices.map((d) => d.name)).toEqual(['openaccel-accel0', 'openaccel-accel1', 'uacce-hisi-sec2-1', 'uacce-hisi-sec2-3', 'uacce-hisi-zip-0', 'uacce-hisi-zip-2']);
    const j = await run('dra', 'slices', '--node', 'node-a', '--sysfs-root', join(fixtures, 'two-socket-hbm'), '--format', 'json');
    expect(JSON.parse(j.out)).toEqual({ apiVersion: 'v1', kind: 'List', items: [slice] });
  });

  it('slices marks the profiles a conformance report says a device passed', async () => {
    const report = join(tempDir(), 'report.json');
    writeFileSync(report, JSON.stringify({ schema: 'openaccel-conformance/1', device: { name: 'accel1' }, profiles: [{ profile: 'core', verdict: 'conformant' }] }));
    const r = await run('dra', 'slices', '--node', 'node-a', '--sysfs-root', join(fixtures, 'two-socket-hbm'), '--format', 'json', '--conformance', report);
    const items = (JSON.parse(r.out) as { items: { spec: { devices: { name: string; attributes: Record<string, unknown> }[] } }[] }).items;
    expect(items[0]!.spec.devices.filter((d) => 'profile_core' in d.attributes).map((d) => d.name)).toEqual(['openaccel-accel1']);
    await expect(run('dra', 'slices', '--node', 'n', '--sysfs-root', join(fixtures, 'two-socket-hbm'), '--conformance', join(fixtures, 'make-fixtures.mjs'))).rejects.toThrow(UsageError);
  });

  it('slices refuses a node name the API would reject, and needs --node', async () => {
    await expect(run('dra', 'slices', '--node', 'Node_A', '--sysfs-root', join(fixtures, 'garbage'))).rejects.toThrow(UsageError);
    await expect(run('dra', 'slices')).rejects.toThrow(/--node NAME is required/);
  });

  it('manifests writes the four files the package ships, identical to them', async () => {
    const dir = tempDir();
    const r = await run('dra', 'manifests', '--out', dir, ...fleet);
    expect(r.code).toBe(0);
    for (const f of ['rbac.yaml', 'daemonset.yaml', 'deviceclasses.yaml', 'claim-templates.yaml']) expect(readFileSync(join(dir, f), 'utf8'), f).toBe(readFileSync(join(repo, 'packages/dra/deploy', f), 'utf8'));
  });

  it('validate passes the shipped files and names each problem of a broken one', async () => {
    const ok = await run('dra', 'validate', join(repo, 'packages/dra/deploy/deviceclasses.yaml'), join(repo, 'packages/dra/deploy/claim-templates.yaml'));
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/claim-templates\.yaml: ResourceClaimTemplate openaccel-deflate-aes-gcm-encrypt-chain: valid/);
    const bad = join(tempDir(), 'bad.yaml');
    writeFileSync(bad, 'apiVersion: resource.k8s.io/v1\nkind: DeviceClass\nmetadata: {name: Bad_Class}\nspec:\n  selectors:\n  - cel: {expression: "device.driver =="}\n');
    const r = await run('dra', 'validate', bad);
    expect(r.code).toBe(1);
    expect(r.out).toContain("/metadata/name: 'Bad_Class' is not a DNS subdomain");
    expect(r.out).toMatch(/\/spec\/selectors\/0\/cel\/expression: CEL compile error/);
    await expect(run('dra', 'validate', join(tempDir(), 'missing.yaml'))).rejects.toThrow(/cannot read .*ENOENT/);
  });

  it('simulate allocates over the fleet, agrees everywhere, and reports JSON', async () => {
    const t = await run('dra', 'simulate', '--nodes', '30', ...fleet);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/^30 nodes \(10 two-socket-hbm, 10 kfd-xgmi-workstation, 10 garbage\)/);
    expect(t.out).toContain('openaccel-deflate-aes-gcm-encrypt-chain: two-socket-hbm: deflate=openaccel-accel0 aes-gcm-encrypt=openaccel-accel1');
    expect(t.out).toContain("openaccel-copy on garbage, copy 65: request accel: 1 device match; openaccel-accel0 0 of 64 'queues' left, 1 needed");
    const j = await run('dra', 'simulate', '--nodes', '30', '--json', ...fleet);
    const body = JSON.parse(j.out) as { schema: string; report: { claims: { agree: number; nodes: number }[] } };
    expect(body.schema).toBe('openaccel-cli/dra-simulate/1');
    for (const c of body.report.claims) expect(c.agree).toBe(c.nodes);
    await expect(run('dra', 'simulate')).rejects.toThrow(/--sysfs-root/);
  });
});
