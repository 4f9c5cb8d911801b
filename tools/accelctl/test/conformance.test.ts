import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRefdev } from '@openaccel/refdev';
import { describe, expect, it, onTestFinished } from 'vitest';

const bin = join(import.meta.dirname, '..', 'dist', 'bin.js');
const accelctl = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120000 });

describe('accelctl conformance', () => {
  it('run with no device: starts a refdev, checks its 2.0 accel0, prints the verdict and the latency table, exits 0', () => {
    const r = accelctl('conformance', 'run');
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^OpenAccel conformance 2\.0: \/.*\/dev\/accel\/accel0 \(refdev-a\)$/m);
    expect(r.stderr).toMatch(/^starting a reference device \(refdev\)\.\.\.\nrunning \d+ tests/);
    expect(r.stdout).toMatch(/^verdict: CONFORMANT for core, queue, sva, dmabuf, chain$/m);
    expect(r.stdout).toMatch(/^doorbell NOP round trip\s+\d+/m);
    expect(r.stdout).toMatch(/^core\s+yes\s+conformant/m);
  }, 120000);

  it('a broken refdev fails in the test that names the rule, exit 1; JSON and KTAP are machine-readable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oa-conf-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const out = join(dir, 'r.json');
    const r = accelctl('conformance', 'run', '--refdev-fault', 'no-phase-flip', '--filter', 'queue.ring', '--format', 'json', '--output', out, '--bundle', join(dir, 'claim.json'));
    expect(r.status).toBe(1);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.schema).toBe('openaccel-conformance/1');
    expect(j.tests.find((t: { id: string }) => t.id === 'queue.ring.wraparound').status).toBe('fail');
    expect(JSON.parse(readFileSync(join(dir, 'claim.json'), 'utf8'))).toMatchObject({ schema: 'openaccel-claim/1', verdict: 'not-conformant', manifest: { uapiVersion: '1.0' } });
    const k = accelctl('conformance', 'run', '--spec', '1.0', '--filter', 'mmap', '--format', 'ktap');
    expect(k.status).toBe(0);
    expect(k.stdout).toMatch(/^KTAP version 1\n/);
    expect(k.stdout).toMatch(/^ {2}ok \d+ mmap\.map_once$/m);
  }, 120000);

  it('usage errors exit 2', () => {
    expect(accelctl('conformance', 'run', '--format', 'xml').status).toBe(2);
    const spec = accelctl('conformance', 'run', '--spec', '3.0');
    expect([spec.status, spec.stderr]).toEqual([2, expect.stringMatching(/--spec is one of 1\.0, 2\.0, got '3\.0'/)]);
    expect(accelctl('conformance', 'run', '--spec', '2.0', '--filter', 'queue.ring.wraparound').stderr).toMatch(/no test id matches queue\.ring\.wraparound/);
    expect(accelctl('conformance', 'run', '--filter', 'nothing.matches.this').stderr).toMatch(/no test id matches/);
    expect(accelctl('conformance', 'run', '--refdev-fault', 'bogus').stderr).toMatch(/unknown refdev fault 'bogus'/);
    const missing = accelctl('conformance', 'run', '--device', '/nonexistent/accel0');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot check \/nonexistent\/accel0/);
  }, 120000);

  it('list and refdev faults', () => {
    const l = accelctl('conformance', 'list', '--spec', '1.0', '--filter', 'mmap');
    expect(l.stdout).toMatch(/^mmap\.map_once\s+queue\s+each region is mappable once/m);
    const l2 = accelctl('conformance', 'list', '--filter', 'protocol.ring.overrun');
    expect(l2.stdout).toMatch(/^protocol\.ring\.overrun\s+queue\s+a doorbell tail more than sq_entries past sq_head stops the queue/m);
    expect(l2.stdout).toMatch(/^1 of \d+ tests of uAPI 2\.0$/m);
    const f = accelctl('refdev', 'faults');
    expect(f.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(15);
    expect(f.stdout).toMatch(/^no-phase-flip$/m);
  }, 120000);
});

describe('conformance run finds the sysfs tree of the device, or says it cannot run', () => {
  it('a refdev node without a sysfs option: its tree is DIR/sys; --sysfs-root and --sysfs say the same', async () => {
    const refdev = await startRefdev();
    try {
      const node = refdev.node('accel0');
      // sysfs.attributes: the sysfs tests that need no manifest (none is given here).
      const found = accelctl('conformance', 'run', '--device', node, '--filter', 'sysfs.attributes', '--format', 'json');
      expect(found.status, found.stderr).toBe(0);
      expect(JSON.parse(found.stdout).device).toMatchObject({ node, sysfsRoot: refdev.sysfsRoot });
      for (const option of ['--sysfs-root', '--sysfs']) {
        const given = accelctl('conformance', 'run', '--device', node, option, refdev.sysfsRoot, '--filter', 'sysfs.attributes');
        expect(given.status, given.stderr).toBe(0);
      }
      const both = accelctl('conformance', 'run', '--device', node, '--sysfs', refdev.sysfsRoot, '--sysfs-root', '/sys', '--filter', 'sysfs');
      expect([both.status, both.stderr]).toEqual([2, expect.stringMatching(/--sysfs is --sysfs-root; give one of them/)]);
      // The 2.0 node of the same device: the suite is picked by the node, the tree found the same way.
      const node2 = join(refdev.runtimeDir, 'dev/accel/accel0');
      const v2 = accelctl('conformance', 'run', '--device', node2, '--filter', 'protocol.binding.*', '--format', 'json');
      expect(v2.status, v2.stderr).toBe(0);
      expect(JSON.parse(v2.stdout)).toMatchObject({ specVersion: '2.0', device: { node: node2, sysfsRoot: refdev.sysfsRoot }, totals: { pass: 3 } });
      const v1 = accelctl('conformance', 'run', '--device', node2, '--spec', '1.0', '--filter', 'sysfs.attributes');
      expect([v1.status, v1.stderr]).toEqual([2, expect.stringMatching(/could not run: .*\/dev\/accel\/accel0 is a uAPI 2\.0 node, not 1\.0\nhint: /)]);
    } finally {
      await refdev.stop();
    }
  }, 240000);

  it.each([
    [['--device', '/dev/null'], /could not run: \/dev\/null is character device 1:3 \(.*\), not \/sys\/class\/openaccel\/null\nhint: /],
    [['--device', '/nonexistent/accel0'], /could not run: cannot check \/nonexistent\/accel0: no such device node\nhint: /],
    [['--device', '/dev/null', '--sysfs-root', 'EMPTY'], /could not run: .*class\/openaccel\/null does not exist \(from --sysfs-root\)\nhint: /],
    [['--device', '/dev/null', '--sysfs-root', 'FILE'], /could not run: sysfs root .* \(from --sysfs-root\) is not a directory\nhint: /],
    [['--output', 'NODIR/r.json'], /could not run: --output .*r\.json: directory .* does not exist\nhint: /],
    [['--filter', 'sysfs', '--bundle', 'DIR'], /could not run: --bundle .* is a directory\nhint: /],
  ])('%j exits 2 before anything runs, with a hint', (args, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'oa-conf-'));
    try {
      writeFileSync(join(dir, 'file'), '');
      const argv = args.map((a) => ({ EMPTY: dir, FILE: join(dir, 'file'), DIR: dir })[a] ?? a.replace('NODIR', join(dir, 'nodir')));
      const r = accelctl('conformance', 'run', ...argv);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/starting a reference device|running \d+ tests/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120000);
});
