import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/index.js';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('accelctl refdev', () => {
  it('start, status, discovery, manifest check, stop', { timeout: 30000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oa-cli-refdev-'));
    const started = await run('refdev', 'start', '--runtime', dir);
    expect(started.code).toBe(0);
    try {
      expect(started.out).toMatch(/^refdev running \(pid \d+\): accel0, accel1/);
      expect((await run('refdev', 'start', '--runtime', dir)).code).toBe(1);
      const status = JSON.parse((await run('refdev', 'status', '--json', '--runtime', dir)).out);
      expect(status).toMatchObject({ schema: 'openaccel-cli/refdev-status/1', running: true, devices: [{ name: 'accel0', freeQueues: 64 }, { name: 'accel1' }] });
      const ls = await run('ls', '--sysfs-root', join(dir, 'sys'));
      expect(ls.out).toContain(join(dir, 'dev/openaccel/accel0'));
      const chain = await run('find', '--function', 'deflate', '--with', 'aes_gcm_encrypt', '--chain', '--json', '--sysfs-root', join(dir, 'sys'));
      expect(JSON.parse(chain.out).answers.map((a: { via: string }) => a.via)).toContain('shared-memory');
      for (const dev of ['accel0', 'accel1']) {
        const check = await run('manifest', 'check', join(dir, 'manifests', `${dev}.json`), '--device', dev, '--sysfs-root', join(dir, 'sys'));
        expect(check.out).toContain('every claim holds');
      }
    } finally {
      expect((await run('refdev', 'stop', '--runtime', dir)).code).toBe(0);
    }
    expect((await run('refdev', 'status', '--runtime', dir)).code).toBe(1);
    expect((await run('refdev', 'stop', '--runtime', dir)).code).toBe(1);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a runtime directory others can reach, and never signals a process it cannot prove is refdev', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oa-cli-refdev-'));
    try {
      (await import('node:fs')).chmodSync(dir, 0o755);
      const r = await run('refdev', 'start', '--runtime', dir);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/runtime directory .* is not safe to use: its mode is 755/);
      expect((await run('refdev', 'stop', '--runtime', dir)).code).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad config is a usage error naming the value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oa-cli-refdev-'));
    const cfg = join(dir, 'bad.json');
    (await import('node:fs')).writeFileSync(cfg, JSON.stringify({ devices: [{ name: 'x', functions: ['warp'] }] }));
    const r = await run('refdev', 'start', '--config', cfg, '--runtime', dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown function 'warp'/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('accelctl bench doorbell', () => {
  it('--json prints one versioned object with every figure', { timeout: 60000 }, async () => {
    const r = await run('bench', 'doorbell', '--json', '--iterations', '2000');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.schema).toBe('openaccel-bench/1');
    for (const k of ['p50_ns', 'p90_ns', 'p99_ns', 'p99_9_ns', 'max_ns']) expect(j.doorbell[k]).toBeTypeOf('number');
    expect(j.baseline_js.p50_ns).toBeTypeOf('number');
    expect(j.baseline_c.p50_ns ?? j.baseline_c.unavailable).toBeDefined();
    expect(j.ioctl.p50_ns).toBeTypeOf('number');
    expect(j.throughput.nop_per_s).toBeGreaterThan(0);
    expect(r.err).toMatch(/^bench: starting a reference device/);
  });
});
