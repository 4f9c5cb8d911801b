import { describe, expect, it } from 'vitest';
import { main } from '../src/index.js';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('accelctl conformance coverage', () => {
  it('prints every rule with its tests and exits 0 when none is untested', async () => {
    const r = await run('conformance', 'coverage');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^RULE\s+KIND\s+TESTS$/);
    expect(r.out).toMatch(/^protocol\.ring\.consume\s+protocol\s+queue\.consume\.once$/m);
    expect(r.out).toMatch(/^common\.device_gone\s+common\s+exempt: A run reaches the device only through its node/m);
    expect(lines.at(-1)).toMatch(/^(\d+) rules of uAPI 1\.0: (\d+) tested, (\d+) exempt, 0 untested$/);
    const [, total, tested, exempt] = /^(\d+) rules of uAPI 1\.0: (\d+) tested, (\d+) exempt/.exec(lines.at(-1)!)!.map(Number);
    expect(tested! + exempt!).toBe(total);
    expect(lines.length).toBe(total! + 2);
  });

  it('filters by kind and by untested, and gives versioned JSON', async () => {
    const protocol = await run('conformance', 'coverage', '--kind', 'protocol');
    expect(protocol.out.split('\n').slice(1, -1).every((l) => l.startsWith('protocol.'))).toBe(true);
    const untested = await run('conformance', 'coverage', '--untested', '--json');
    const body = JSON.parse(untested.out) as { schema: string; rules: { id: string; tests: string[]; exemption?: string }[]; untested: string[] };
    expect(body.schema).toBe('openaccel-cli/conformance-coverage/1');
    expect(body.untested).toEqual([]);
    expect(body.rules.map((r) => r.id)).toContain('common.device_gone');
    expect(body.rules.every((r) => r.tests.length === 0 && (r.exemption?.length ?? 0) > 0)).toBe(true);
  });

  it('--spec 2.0: the rules of 2.0 (driver and DRM core errno rules, sections, fdinfo keys) against the 2.0 suite', async () => {
    const r = await run('conformance', 'coverage', '--spec', '2.0');
    expect(r.code, r.out.split('\n').filter((l) => l.includes('UNTESTED')).join('\n')).toBe(0);
    expect(r.out).toMatch(/^core\.syncobj_wait\.timed_out\s+core\s+core\.syncobj\.wait_signal$/m);
    expect(r.out).toMatch(/^protocol\.ring\.overrun\s+protocol\s+protocol\.ring\.overrun$/m);
    expect(r.out.split('\n').at(-1)).toMatch(/^(\d+) rules of uAPI 2\.0: (\d+) tested, (\d+) exempt, 0 untested$/);
    expect((await run('conformance', 'coverage', '--spec', '3.0')).code).toBe(2);
  });

  it('refuses an unknown kind (exit 2)', async () => {
    const r = await run('conformance', 'coverage', '--kind', 'vibes');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--kind vibes: kinds are common, errno/);
  });
});
