import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startRefdev } from '@openaccel/refdev';
import { eventually, markedProcesses, MARK_VARIABLE } from '../../../conformance/test/processes.js';

const bin = join(import.meta.dirname, '..', 'dist', 'bin.js');
/** Long enough for anything that is not stuck; only a leftover process or a hang waits it out. */
const DEADLINE_MS = 60000;
/** Bounds only a hung test: each accelctl run starts several processes, which a busy machine makes slow. */
const TEST_LIMIT_MS = 600000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  mark: string;
}

/** Runs accelctl with a fresh mark in its environment; `onErr` sees stderr as it comes (progress). */
function accelctl(args: string[], onErr?: (text: string, child: ReturnType<typeof spawn>, mark: string) => void): Promise<Run> {
  const mark = randomUUID();
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [MARK_VARIABLE]: mark } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    onErr?.(stderr, child, mark);
  });
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr, mark })));
}

/** The runtime directory of a refdev node DIR/dev/accel/accelN (2.0) or DIR/dev/openaccel/accelN (1.0). */
const runtimeOf = (node: string) => dirname(dirname(dirname(node)));

/** Nothing of a run is left: no process carrying its mark, and no runtime directory it created. */
async function expectNothingLeft(run: Run, dirs: string[] = []): Promise<void> {
  expect(await eventually(() => markedProcesses(run.mark).length === 0, DEADLINE_MS), JSON.stringify(markedProcesses(run.mark))).toBe(true);
  for (const d of dirs) expect(existsSync(d), d).toBe(false);
}

describe('accelctl fuzz', () => {
  it("on a refdev of its own (its 2.0 accel0): every input answered as the 2.0 spec allows, nothing leaked, JSON versioned, nothing left", async () => {
    const r = await accelctl(['fuzz', '--inputs', '1200', '--seed', '9', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ schema: 'openaccel-fuzz/1', uapi: '2.0', seed: 9, inputs: 1200, tried: 1200, crashes: [], hangs: [], errnoMismatches: [], fdLeaks: [], ok: true, replay: 'accelctl fuzz --seed 9 --inputs 1200' });
    expect(j.rings).toBeGreaterThan(0);
    expect(j.resources.leaked).toBe(false);
    expect(j.resources.after).toEqual(j.resources.before);
    expect(r.stderr).toMatch(/^fuzz: 1200\/1200 inputs$/m);
    expect(j.device).toMatch(/openaccel-refdev-.*\/dev\/accel\/accel0$/);
    await expectNothingLeft(r, [runtimeOf(j.device)]);
  }, TEST_LIMIT_MS);

  it('a 1.0 node is still fuzzed with the 1.0 spec', async () => {
    const dev = await startRefdev();
    try {
      const r = await accelctl(['fuzz', '--device', dev.node('accel0'), '--inputs', '300', '--seed', '4', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ uapi: '1.0', tried: 300, errnoMismatches: [], ok: true });
    } finally {
      await dev.stop();
    }
  }, TEST_LIMIT_MS);

  it("a 2.0 device that keeps the queues of a closed file is caught by the fuzzer's leak check, exit 1", async () => {
    // refdev's leak-after-death fault: a file's queues are not released when it closes; the fuzzer leaves
    // some of its abused queues for close() to release.
    const dev = await startRefdev({ config: { faults: ['leak-after-death'] } });
    try {
      const r = await accelctl(['fuzz', '--device', dev.accelNode('accel0'), '--inputs', '1000', '--seed', '9', '--leak-ms', '2000', '--json']);
      expect(r.code, r.stderr).toBe(1);
      const j = JSON.parse(r.stdout);
      expect(j).toMatchObject({ uapi: '2.0', crashes: [], hangs: [], errnoMismatches: [], ok: false });
      expect(j.resources.leaked).toBe(true);
      expect(j.resources.after.freeQueues).toBeLessThan(j.resources.before.freeQueues);
    } finally {
      await dev.stop();
    }
  }, TEST_LIMIT_MS);

  it('a device that dies under fuzzing is a crash, exit 1', async () => {
    const dev = await startRefdev();
    try {
      // --hang-ms: a worker blocked on a dead device is not the finding wanted here; the crash is.
      const r = await accelctl(['fuzz', '--device', dev.accelNode('accel0'), '--inputs', '3000', '--seed', '3', '--json'], (err) => {
        if (/fuzz: [1-9]\d*\/3000/.test(err) && dev.child.exitCode === null) dev.child.kill('SIGKILL');
      });
      expect(r.code, r.stderr).toBe(1);
      const j = JSON.parse(r.stdout);
      expect(j.ok).toBe(false);
      expect(j.crashes.length).toBeGreaterThan(0);
      expect(j.replay).toBe(`accelctl fuzz --device ${dev.accelNode('accel0')} --seed 3 --inputs 3000`);
      await expectNothingLeft(r);
    } finally {
      await dev.stop();
    }
  }, TEST_LIMIT_MS);

  it('a device that stops answering is a hang, exit 1', async () => {
    const dev = await startRefdev();
    // Runs even when the test times out: a refdev left stopped would outlive everything.
    onTestFinished(async () => {
      dev.child.kill('SIGCONT');
      await dev.stop();
    });
    let stopped = false;
    try {
      const r = await accelctl(['fuzz', '--device', dev.accelNode('accel0'), '--inputs', '5000', '--hang-ms', '2000', '--json'], (err) => {
        if (!stopped && /fuzz: [1-9]\d*\/5000/.test(err)) {
          stopped = true;
          dev.child.kill('SIGSTOP');
        }
      });
      expect(r.code, r.stderr).toBe(1);
      const j = JSON.parse(r.stdout);
      expect(j.hangs.length).toBeGreaterThan(0);
      expect(j.hangs[0].what).toMatch(/no progress for 2000 ms/);
      await expectNothingLeft(r);
    } finally {
      if (stopped) dev.child.kill('SIGCONT');
      await dev.stop();
    }
  }, TEST_LIMIT_MS);

  it('usage errors exit 2', async () => {
    expect((await accelctl(['fuzz', '--inputs', '0'])).stderr).toMatch(/--inputs must be at least 1/);
    expect((await accelctl(['fuzz', '--seed', 'x'])).code).toBe(2);
    expect((await accelctl(['fuzz', '--device', '/nonexistent/accel0'])).code).toBe(2);
  }, TEST_LIMIT_MS);
});

describe('accelctl stress', () => {
  it('on a refdev of its own (its 2.0 accel0): every completion once and right, every kill done, nothing leaked or left', async () => {
    const r = await accelctl(['stress', '--processes', '2', '--queues', '2', '--commands', '128', '--kills', '3', '--seed', '5', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.device).toMatch(/\/dev\/accel\/accel0$/);
    expect(j).toMatchObject({ schema: 'openaccel-stress/1', uapi: '2.0', seed: 5, processes: 2, queues: 2, commandsPerQueue: 128, completions: { expected: 512, seen: 512 }, errors: [], kills: { requested: 3, done: 3 }, ok: true });
    expect(j.resources.after).toEqual(j.resources.before);
    await expectNothingLeft(r, [runtimeOf(j.device)]);
  }, TEST_LIMIT_MS);

  it("a 2.0 device that keeps a killed client's queues is caught by the leak check, exit 1", async () => {
    const dev = await startRefdev({ config: { faults: ['leak-after-death'] } });
    try {
      const r = await accelctl(['stress', '--device', dev.accelNode('accel0'), '--processes', '1', '--queues', '1', '--commands', '64', '--kills', '2', '--leak-ms', '2000', '--json']);
      expect(r.code, r.stderr).toBe(1);
      const j = JSON.parse(r.stdout);
      expect(j.resources.leaked).toBe(true);
      expect(j.resources.after.freeQueues).toBeLessThan(j.resources.before.freeQueues);
    } finally {
      await dev.stop();
    }
  }, TEST_LIMIT_MS);

  it('a 2.0 device that loses completions is caught, exit 1', async () => {
    const dev = await startRefdev({ config: { faults: ['lost-completion'] } });
    try {
      const r = await accelctl(['stress', '--device', dev.accelNode('accel0'), '--processes', '1', '--queues', '1', '--commands', '256', '--kills', '0', '--hang-ms', '8000', '--json']);
      expect(r.code, r.stderr).toBe(1);
      const j = JSON.parse(r.stdout);
      expect(j.uapi).toBe('2.0');
      expect(j.completions.seen).toBeLessThan(j.completions.expected);
      expect(j.errors.join('\n')).toMatch(/no completion|timed out|CompletionTimeout|within/i);
    } finally {
      await dev.stop();
    }
  }, TEST_LIMIT_MS);
});

describe('accelctl conformance run, interrupted', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} mid-run: exit 128+n, no process of the run and no refdev directory survive`, async () => {
      let sent = false;
      let runtime: string | undefined;
      const r = await accelctl(['conformance', 'run', '--filter', 'core.**', '--filter', 'functions.**'], (err, child, mark) => {
        if (sent || !/^running \d+ tests$/m.test(err)) return;
        sent = true;
        const daemon = markedProcesses(mark).find((p) => p.cmdline.includes('daemon.js'));
        runtime = daemon?.cmdline.match(/--runtime (\S+)/)?.[1];
        child.kill(signal);
      });
      expect(sent, r.stderr).toBe(true);
      expect(runtime, 'the refdev of the run was seen').toBeDefined();
      expect(r.code, r.stderr).toBe(signal === 'SIGTERM' ? 143 : 130);
      expect(r.stderr).toMatch(new RegExp(`interrupted by ${signal}`));
      await expectNothingLeft(r, [runtime!]);
    }, TEST_LIMIT_MS);
  }
});
