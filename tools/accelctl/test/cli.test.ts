import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMANDS, main } from '../src/index.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const hbm = join(repo, 'spec/sysfs/fixtures/two-socket-hbm');
const kfd = join(repo, 'spec/sysfs/fixtures/kfd-xgmi-workstation');
const examples = join(repo, 'spec/capabilities/examples');
const bin = join(repo, 'tools/accelctl/dist/bin.js');

/** Tests that start node, dot or npx: minutes, not seconds, on a busy 2-core machine. */
const SPAWN_TIMEOUT_MS = 180_000;

const temps: string[] = [];
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'oa-cli-'));
  temps.push(d);
  return d;
}

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('accelctl ls / info / topo', { timeout: SPAWN_TIMEOUT_MS }, () => {
  it('lists every accelerator of the two-socket fixture', async () => {
    const r = await run('ls', '--sysfs-root', hbm);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^DEVICE\s+SOURCE\s+MODEL\s+NUMA\s+FREE-Q\s+FUNCTIONS\s+NODE$/);
    expect(r.out).toMatch(/hisi_zip-2\s+uacce\s+hisi_qm_v3\s+1\s+256\s+deflate,inflate,gzip,zlib,lz77_zstd\s+\/dev\/hisi_zip-2/);
    expect(r.out.split('\n')).toHaveLength(7);
  });

  it('--json is versioned and carries the problems of a broken tree', async () => {
    const r = await run('ls', '--json', '--sysfs-root', join(repo, 'spec/sysfs/fixtures/garbage'));
    const j = JSON.parse(r.out);
    expect(j.schema).toBe('openaccel-cli/ls/1');
    expect(j.devices.map((d: { name: string }) => d.name)).toEqual(['accel0', 'accel3']);
    expect(j.problems.map((p: { file: string }) => p.file)).toContain('class/openaccel/accel1/numa_node');
  });

  it('warns about broken attributes on stderr in table mode', async () => {
    const r = await run('ls', '--sysfs-root', join(repo, 'spec/sysfs/fixtures/garbage'));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^warning: class\/openaccel\/accel1\/numa_node: expected signed decimal \(%d\), found "zero"/m);
  });

  it('info shows memories and links', async () => {
    const r = await run('info', 'accel1', '--sysfs-root', hbm);
    expect(r.code).toBe(0);
    expect(r.out).toContain('hbm 16 GiB, numa 3, reached by openaccel:accel0, openaccel:accel1');
    expect(r.out).toContain('-> openaccel:accel0 onchip 25600 MB/s 150 ns coherent p2p');
    const bad = await run('info', 'accel9', '--sysfs-root', hbm);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/no device 'accel9'; devices are openaccel:accel0, /);
  });

  it('topo prints the distance matrix, and json, dot and svg forms', async () => {
    const t = await run('topo', '--sysfs-root', hbm);
    expect(t.out).toMatch(/^2\s+-\s+64 GiB\s+13\s+23\s+10\s+28$/m);
    const j = JSON.parse((await run('topo', '--format', 'json', '--sysfs-root', kfd)).out);
    expect(j.links.map((l: { linkKind: string }) => l.linkKind)).toEqual(['xgmi', 'xgmi']);
    const dot = await run('topo', '--format', 'dot', '--sysfs-root', hbm);
    expect(dot.out).toMatch(/^graph openaccel \{/);
    expect(dot.out).toContain('"openaccel:accel0" -- "openaccel:accel1" [dir=forward, color="#c0504d"');
    expect((await run('topo', '--format', 'png', '--sysfs-root', hbm)).code).toBe(2);
  });

  it('svg through Graphviz when installed, a clear message when not', async () => {
    const hasDot = spawnSync('dot', ['-V']).status === 0;
    if (hasDot) {
      const svg = await run('topo', '--format', 'svg', '--sysfs-root', hbm);
      expect(svg.code).toBe(0);
      expect(svg.out).toMatch(/<svg[\s\S]*accel0[\s\S]*<\/svg>$/);
    }
    const r = spawnSync(process.execPath, [bin, 'topo', '--format', 'svg', '--sysfs-root', hbm], { env: { PATH: '/nonexistent' }, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Graphviz 'dot' is not installed \(ENOENT\); install it \(apt-get install graphviz\) or use --format dot/);
  });
});

describe('topo pictures read as they should', { timeout: SPAWN_TIMEOUT_MS }, () => {
  it('svg labels are lines of text, with no literal \\n (the DOT labels were escaped twice)', async (ctx) => {
    if (spawnSync('dot', ['-V']).status !== 0) ctx.skip();
    const svg = await run('topo', '--format', 'svg', '--sysfs-root', hbm);
    expect(svg.code).toBe(0);
    const texts = [...svg.out.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))));
    expect(texts.filter((t) => t.includes('\\n'))).toEqual([]);
    // Each line of a device's label is its own text node: name, model, functions.
    const at = texts.indexOf('accel1');
    expect(at).toBeGreaterThanOrEqual(0);
    expect(texts.slice(at, at + 3)).toEqual(['accel1', 'fpga-aes-gcm', 'nop copy fill crc32c ...']);
    expect(texts).toContain('cpus 16-31');
  });

  it('a quote or backslash in a name stays inside its DOT string', async () => {
    const { toDot } = await import('../src/index.js');
    const { buildFromSysfs } = await import('@openaccel/topology');
    const { graph } = buildFromSysfs(hbm, { devRoot: join(hbm, '..', 'dev') });
    const d = graph.devices.get('openaccel:accel0')!;
    (d as { model: string }).model = 'say "hi" \\ bye';
    expect(toDot(graph)).toContain('label="accel0\\nsay \\"hi\\" \\\\ bye\\n');
  });
});

describe('a sysfs root that is not there is an error, not an empty machine', () => {
  it.each([['ls'], ['topo'], ['info', 'accel0'], ['find', '--function', 'nop']])('%s --sysfs-root /nonexistent exits 2', async (...argv) => {
    const r = await run(...argv, '--sysfs-root', '/nonexistent/sys');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--sysfs-root \/nonexistent\/sys: no such directory/);
    expect(r.out).toBe('');
  });

  it('a file as the root exits 2; an empty directory is a machine without accelerators', async () => {
    const file = join(tempDir(), 'f');
    writeFileSync(file, '');
    expect((await run('ls', '--sysfs-root', file)).err).toMatch(/not a directory/);
    expect((await run('manifest', 'check', join(examples, 'fpga-chain.json'), '--device', 'accel0', '--sysfs-root', '/nonexistent')).code).toBe(2);
    const empty = await run('ls', '--sysfs-root', tempDir());
    expect([empty.code, empty.out]).toEqual([0, expect.stringMatching(/^no accelerators under /)]);
  });
});

describe('help and filters answer the same everywhere', () => {
  it.each(COMMANDS.map((c) => [c.path.join(' ')]))('accelctl %s --help exits 0 with its usage', async (path) => {
    for (const flag of ['--help', '-h']) {
      const r = await run(...path.split(' '), flag);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^usage: accelctl ${path}`));
    }
  });

  it('conformance list --filter that matches nothing exits 2, as run does', async () => {
    const list = await run('conformance', 'list', '--filter', 'nothing.matches.this');
    expect(list.code).toBe(2);
    expect(list.err).toMatch(/no test id matches nothing\.matches\.this/);
    const runIt = await run('conformance', 'run', '--filter', 'nothing.matches.this');
    expect([runIt.code, runIt.err.split('\n')[0]]).toEqual([2, list.err.replace('conformance list', 'conformance run').split('\n')[0]]);
  });
});

describe('accelctl find', () => {
  it('nearest to a CPU, with reasons', async () => {
    const r = await run('find', '--function', 'deflate', '--near-cpu', '3', '--sysfs-root', hbm);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[1]).toMatch(/^1\s+uacce:hisi_zip-0\s+10\s+250\s+hisi_zip-0 is on node 0; distance to CPU 3 \(node 0\) is 10 \(local\)$/);
  });

  it('constraints list rejected devices; nothing found exits 1', async () => {
    const r = await run('find', '--function', 'deflate', '--near-node', '1', '--feature', 'sva', '--min-free-queues', '300', '--sysfs-root', hbm);
    expect(r.code).toBe(1);
    expect(r.out).toContain('no device has deflate and meets the constraints');
    expect(r.out).toContain('uacce:hisi_zip-0: 250 free queues; 300 needed');
  });

  it('share-memory and chain, as JSON', async () => {
    const s = JSON.parse((await run('find', '--function', 'deflate', '--with', 'sha256', '--share-memory', '--json', '--sysfs-root', hbm)).out);
    expect(s.schema).toBe('openaccel-cli/find/1');
    expect(s.answers.map((a: { from: string; to: string }) => [a.from, a.to])).toEqual([['openaccel:accel0', 'openaccel:accel1']]);
    const c = JSON.parse((await run('find', '--function', 'deflate', '--with', 'aes_gcm_encrypt', '--chain', '--json', '--sysfs-root', hbm)).out);
    expect(c.answers.map((a: { via: string }) => a.via)).toEqual(['shared-memory', 'p2p-link']);
  });

  it('manifests join the graph', async () => {
    const r = await run('find', '--function', 'inflate', '--with', 'aes_gcm_decrypt', '--chain', '--manifest', join(examples, 'fpga-chain.json'), '--sysfs-root', kfd);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/manifest:deflate\s+manifest:aesgcm\s+shared-memory/);
  });

  it.each([
    [['find'], /--function X is required/],
    [['find', '--function', 'x', '--with', 'y'], /exactly one of --share-memory or --chain/],
    [['find', '--function', 'x', '--near-cpu', 'two'], /--near-cpu takes an integer, got 'two'/],
    [['find', '--function', 'x', '--near-cpu', '99', '--sysfs-root', hbm], /CPU 99 is in no NUMA node's cpulist/],
    [['find', '--function', 'x', '--bogus'], /Unknown option '--bogus'/],
  ])('usage errors exit 2 with a message: %j', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

describe('accelctl manifest', () => {
  it('validate: 0 for the examples', async () => {
    const r = await run('manifest', 'validate', ...['compression-crypto-asic', 'npu-hbm', 'fpga-chain', 'dmabuf-only-dma-engine'].map((f) => join(examples, `${f}.json`)));
    expect(r.code).toBe(0);
    expect(r.out.split('\n').every((l) => l.endsWith(': valid'))).toBe(true);
  });

  it('validate: 1 for an invalid file with pointers, 2 for a missing one', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ $schema: 'urn:openaccel:schema:manifest:1.0', identity: { vendor: 'v', product: 'p' }, uapiVersion: '1.0', devices: [] }));
    const r = await run('manifest', 'validate', bad);
    expect(r.code).toBe(1);
    expect(r.out).toBe(`${bad}: 1 problem\n  /devices: found []; must NOT have fewer than 1 items`);
    const j = JSON.parse((await run('manifest', 'validate', '--json', bad)).out);
    expect(j.results[0].problems[0]).toEqual({ pointer: '/devices', rule: 'schema:minItems', message: 'found []; must NOT have fewer than 1 items' });
    const missing = await run('manifest', 'validate', join(dir, 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read .*nope.json: ENOENT/);
  });

  it('check: every claim of the FPGA manifest holds on its fixture devices', async () => {
    for (const dev of ['accel0', 'accel1']) {
      const r = await run('manifest', 'check', join(examples, 'fpga-chain.json'), '--device', dev, '--sysfs-root', hbm);
      expect(r.out).toContain('every claim holds');
      expect(r.code).toBe(0);
    }
  });

  it('check: a manifest that claims what the device lacks fails, claim by claim', async () => {
    const r = await run('manifest', 'check', join(examples, 'npu-hbm.json'), '--device', 'accel0', '--as', 'npu', '--json', '--sysfs-root', hbm);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    const failed = j.checks.filter((c: { status: string }) => c.status === 'mismatch').map((c: { claim: string }) => c.claim);
    expect(failed).toEqual([
      'pci vendor id',
      'pci device id',
      'function nop maxTransferBytes',
      'function copy maxTransferBytes',
      'function fill maxTransferBytes',
      'function crc32c maxTransferBytes',
      'max cq entries',
      'sva',
      'pasid bits',
      'memory hbm0',
      'memory sram0',
      'p2p links',
    ]);
    expect(j.checks.filter((c: { status: string }) => c.status === 'warn').map((c: { claim: string }) => c.claim)).toEqual(['function deflate', 'function inflate', 'memory memories/0']);
    const noMatch = await run('manifest', 'check', join(examples, 'npu-hbm.json'), '--device', 'accel0', '--sysfs-root', hbm);
    expect(noMatch.code).toBe(2);
    expect(noMatch.err).toMatch(/no device of the manifest has model 'fpga-deflate' \(it has npu: nw-n2\); use --as ID/);
  });
});

describe('manifest files are read bounded', { timeout: SPAWN_TIMEOUT_MS }, () => {
  /** In a child process with a generous deadline: a read that blocks or grows fails the test instead of hanging it. */
  const validate = (file: string) => spawnSync('sh', ['-c', 'ulimit -v 4000000; exec "$0" "$@"', process.execPath, bin, 'manifest', 'validate', file], { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });

  it('a FIFO is refused at once, not waited on', () => {
    const fifo = join(tempDir(), 'm.json');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const r = validate(fifo);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot read .*m\.json: not a regular file \(a FIFO\)/);
  });

  it('/dev/zero is refused, not read until memory runs out', () => {
    const r = validate('/dev/zero');
    expect(r.signal).toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot read \/dev\/zero: not a regular file \(a character device\)/);
  });

  it('a file over the limit is an invalid manifest (exit 1), read no further than the limit', async () => {
    const big = join(tempDir(), 'big.json');
    writeFileSync(big, ' '.repeat(2 * 1024 * 1024));
    const r = await run('manifest', 'validate', big);
    expect(r.code).toBe(1);
    expect(r.out).toBe(`${big}: 1 problem\n  /: document is larger than 1048576 bytes, the most allowed`);
  });

  it('a key given twice is a problem naming the key and its path', async () => {
    const file = join(tempDir(), 'dup.json');
    writeFileSync(file, readFileSync(join(examples, 'npu-hbm.json'), 'utf8').replace('"sva": true', '"sva": true, "sva": false'));
    const r = await run('manifest', 'validate', file);
    expect(r.code).toBe(1);
    expect(r.out).toBe(`${file}: 1 problem\n  /devices/0/sva: key "sva" appears twice in one object; give it once`);
  });
});

describe('accelctl spec diff', () => {
  it('the current spec is compatible with the frozen 1.0 ABI', async () => {
    const r = await run('spec', 'diff', join(repo, 'spec/uapi/abi/1.0.json'), 'current');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^compatible \(0 addition\(s\)\)$/m);
  });

  it('a breaking snapshot exits 1 and names the change', async () => {
    const dir = tempDir();
    const snap = JSON.parse((await import('node:fs')).readFileSync(join(repo, 'spec/uapi/abi/1.0.json'), 'utf8'));
    snap.ioctls.OA_IOCTL_SUBMIT.nr = 0x30;
    writeFileSync(join(dir, 'next.json'), JSON.stringify(snap));
    const r = await run('spec', 'diff', join(repo, 'spec/uapi/abi/1.0.json'), join(dir, 'next.json'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('BREAKING   ioctl OA_IOCTL_SUBMIT: renumbered from nr 0x5 to 0x30');
  });
});

describe('accelctl on this machine', { timeout: SPAWN_TIMEOUT_MS }, () => {
  it('ls and topo --format json run on the real /sys', () => {
    const ls = spawnSync(process.execPath, [bin, 'ls'], { encoding: 'utf8' });
    expect(ls.status).toBe(0);
    const topo = spawnSync(process.execPath, [bin, 'topo', '--format', 'json'], { encoding: 'utf8' });
    expect(topo.status).toBe(0);
    expect(JSON.parse(topo.stdout).schema).toBe('openaccel-cli/topo/1');
  });

  it('help: no command exits 2 with usage, --help exits 0 with examples', () => {
    const none = spawnSync(process.execPath, [bin], { encoding: 'utf8' });
    expect(none.status).toBe(2);
    expect(none.stdout).toMatch(/^usage: accelctl <command>/);
    const h = spawnSync(process.execPath, [bin, 'find', '--help'], { encoding: 'utf8' });
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/examples:\n  accelctl find --function deflate --near-cpu 20/);
  });
});

describe('the installed command', { timeout: SPAWN_TIMEOUT_MS }, () => {
  it('is linked by npm at install time (the bin is a committed file, not a build output)', () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'tools/accelctl/package.json'), 'utf8'));
    expect(pkg.bin.accelctl).toBe('./bin/accelctl.js');
    // git tracks the launcher, so it exists in a fresh clone before anything is built.
    const tracked = spawnSync('git', ['ls-files', '--error-unmatch', 'tools/accelctl/bin/accelctl.js'], { cwd: repo });
    expect(tracked.status).toBe(0);
  });

  it('npx accelctl --version runs the local command, never the registry', () => {
    const r = spawnSync('npx', ['--no-install', 'accelctl', '--version'], { cwd: repo, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^accelctl \d+\.\d+\.\d+ \(uAPI \d+\.\d+\)$/);
    expect(r.status).toBe(0);
  });
});
