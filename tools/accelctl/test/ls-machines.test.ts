import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/index.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const root = (n: string) => join(repo, 'spec/sysfs/fixtures', n);

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Rows of the ls table as [DEVICE, SOURCE, NUMA]. */
const rows = (out: string) => out.split('\n').slice(1).map((l) => l.split(/\s{2,}/)).map((c) => [c[0], c[1], c[3]]);

describe('accelctl ls on machines whose accelerators only PCI and NUMA show', () => {
  it.each([
    ['grace-hopper', [['0009:01:00.0', 'pci', '10']]],
    ['power9-nvlink', [['0004:04:00.0', 'pci', '0'], ['0004:05:00.0', 'pci', '0'], ['0035:03:00.0', 'pci', '8'], ['0035:04:00.0', 'pci', '8']]],
    ['pci-no-drivers', [['0000:19:00.0', 'pci', '0'], ['0000:1a:00.0', 'pci', '0'], ['0000:98:00.0', 'pci', '1'], ['0000:b8:00.0', 'pci', '1']]],
  ])('%s: every accelerator with its node, and nothing else', async (name, expected) => {
    const r = await run('ls', '--sysfs-root', root(name));
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(rows(r.out)).toEqual(expected);
  });

  it('says when no driver is bound, and --json carries the PCI place', async () => {
    const r = await run('ls', '--sysfs-root', root('pci-no-drivers'));
    expect(r.out).toMatch(/^0000:19:00\.0\s+pci\s+1da3:1020 processing-accelerator, no driver\s+0\s+-\s+compute\s+-$/m);
    const j = JSON.parse((await run('ls', '--json', '--sysfs-root', root('pci-no-drivers'))).out);
    expect(j.devices[0].pci).toMatchObject({ address: '0000:19:00.0', hostBridge: 'pci0000:16', bridges: ['0000:16:01.0', '0000:17:00.0', '0000:18:00.0'] });
  });

  it('topo names each node\'s memory: DRAM, HBM, NVM, device memory, with the kernel\'s tier', async () => {
    expect((await run('topo', '--sysfs-root', root('pci-no-drivers'))).out).toMatch(/^2\s+-\s+512 GiB nvm tier 22\s+17/m);
    const gh = (await run('topo', '--sysfs-root', root('grace-hopper'))).out;
    expect(gh).toMatch(/^1\s+-\s+96 GiB hbm tier 4\s+80/m);
    expect(gh).toMatch(/^pci:0009:01:00\.0\s+10\s+hbm 96 GiB\s+-\s+pci0009:00 > 0009:00:00\.0 > 0009:01:00\.0$/m);
    // The Gaudi2 and the co-processor share the switch 0000:17:00.0 (two downstream ports).
    const nd = (await run('topo', '--sysfs-root', root('pci-no-drivers'))).out;
    expect(nd).toMatch(/^pci:0000:19:00\.0\s+0\s+-\s+-\s+pci0000:16 > 0000:16:01\.0 > 0000:17:00\.0 > 0000:18:00\.0 > 0000:19:00\.0$/m);
    expect(nd).toMatch(/^pci:0000:1a:00\.0\s+0\s+-\s+-\s+pci0000:16 > 0000:16:01\.0 > 0000:17:00\.0 > 0000:18:01\.0 > 0000:1a:00\.0$/m);
    expect((await run('topo', '--sysfs-root', root('power9-nvlink'))).out).toMatch(/^253\s+-\s+16 GiB device-memory\s+80/m);
  });

  it('topo prints a node\'s CPUs as the kernel\'s ranges, not first-last (0-83 would claim CPUs of the other socket)', async () => {
    const t = (await run('topo', '--sysfs-root', root('pci-no-drivers'))).out;
    expect(t).toMatch(/^0\s+0-27,56-83\s+256 GiB/m);
    expect(t).toMatch(/^1\s+28-55,84-111\s+256 GiB/m);
    expect((await run('topo', '--format', 'dot', '--sysfs-root', root('pci-no-drivers'))).out).toContain('label="node 0\\ncpus 0-27,56-83\\n256 GiB"');
  });

  it('find: the GPU that owns the memory node is the nearest to it', async () => {
    const r = await run('find', '--function', 'compute', '--near-node', '1', '--sysfs-root', root('grace-hopper'));
    expect(r.out).toMatch(/^1\s+pci:0009:01:00\.0\s+10\s+-\s+0009:01:00\.0's own hbm is node 1: local$/m);
  });
});
