import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { startRefdev, type RefdevProcess } from '@openaccel/refdev';
import { openDevice } from '@openaccel/driver';
import { runConformance, RunAborted } from '@openaccel/conformance';
import { eventually, markedProcesses, MARK_VARIABLE } from './processes.js';

const target = (r: RefdevProcess) => ({ device: r.node('accel0'), sysfsRoot: r.sysfsRoot });
/** Long enough for anything that is not stuck; only a leftover process waits it out. */
const GONE_DEADLINE_MS = 30000;
/** Bounds only a hung test: each starts a refdev and test processes, which a busy machine makes slow. */
const TEST_LIMIT_MS = 600000;

let mark = '';
const markRun = () => {
  mark = randomUUID();
  process.env[MARK_VARIABLE] = mark;
};
afterEach(() => {
  delete process.env[MARK_VARIABLE];
});

describe('the runner ends what it started', () => {
  it('a test that times out takes the client processes it spawned with it', async () => {
    const r = await startRefdev();
    // Runs even when the test times out: a refdev left stopped would outlive everything.
    onTestFinished(async () => {
      r.child.kill('SIGCONT');
      await r.stop();
    });
    markRun();
    let stopped = false;
    try {
      // The test's own limit is for a slow machine; capped here, since this test is about what a timeout leaves.
      const run = runConformance({ target: target(r), filters: ['isolation.client_death.no_leak'], maxTestTimeoutMs: 30000 });
      // Once the holding client runs, the device stops answering: the test hangs until its time limit,
      // and the client hangs in its own ioctls (it is not going to notice anything by itself).
      expect(await eventually(() => markedProcesses(mark).some((p) => p.cmdline.includes('clients/hold.js')), 60000, 5)).toBe(true);
      r.child.kill('SIGSTOP');
      stopped = true;
      const report = await run;
      expect(report.tests.map((t) => t.status)).toEqual(['timeout']);
      expect(await eventually(() => markedProcesses(mark).length === 0, GONE_DEADLINE_MS), JSON.stringify(markedProcesses(mark))).toBe(true);
    } finally {
      if (stopped) r.child.kill('SIGCONT');
      await r.stop();
    }
  }, TEST_LIMIT_MS);

  it('a failed isolation check leaves no client holding queues', async () => {
    const r = await startRefdev();
    markRun();
    try {
      const run = runConformance({ target: target(r), filters: ['isolation.client_death.no_leak'] });
      // A queue taken by someone else while the client starts: the test's count of free queues is off by one.
      expect(await eventually(() => markedProcesses(mark).some((p) => p.cmdline.includes('clients/hold.js')), 60000, 5)).toBe(true);
      const other = openDevice(r.node('accel0')).openContext();
      other.createQueue({ sqEntries: 4 });
      const report = await run;
      other.close();
      const t = report.tests[0]!;
      expect(t.status, t.message).toBe('fail');
      expect(Number(t.seen)).toBe(Number(t.expected) - 1);
      expect(await eventually(() => markedProcesses(mark).length === 0, GONE_DEADLINE_MS), JSON.stringify(markedProcesses(mark))).toBe(true);
    } finally {
      await r.stop();
    }
  }, TEST_LIMIT_MS);

  it('an aborted run (SIGINT, SIGTERM in accelctl) rejects with RunAborted and leaves no process', async () => {
    const r = await startRefdev();
    markRun();
    try {
      const abort = new AbortController();
      const run = runConformance({ target: target(r), filters: ['isolation.stress.exactly_once'], signal: abort.signal });
      // Abort while the stress clients are working.
      expect(await eventually(() => markedProcesses(mark).filter((p) => p.cmdline.includes('clients/stress.js')).length === 2, 60000, 5)).toBe(true);
      abort.abort(new Error('SIGTERM'));
      await expect(run).rejects.toBeInstanceOf(RunAborted);
      expect(await eventually(() => markedProcesses(mark).length === 0, GONE_DEADLINE_MS), JSON.stringify(markedProcesses(mark))).toBe(true);
    } finally {
      await r.stop();
    }
  }, TEST_LIMIT_MS);
});

describe('a refdev started for a run', () => {
  it('removes its runtime directory when stopped', async () => {
    const r = await startRefdev();
    expect(existsSync(r.runtimeDir)).toBe(true);
    await r.stop();
    expect(await eventually(() => !existsSync(r.runtimeDir), GONE_DEADLINE_MS)).toBe(true);
  }, TEST_LIMIT_MS);

  it('dies with the process that started it, even one killed with SIGKILL', async () => {
    markRun();
    const script = `import { startRefdev } from '@openaccel/refdev'; const r = await startRefdev(); process.stdout.write(r.runtimeDir + '\\n'); setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: import.meta.dirname, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const runtimeDir = await new Promise<string>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
      const refdevs = () => markedProcesses(mark).filter((p) => p.cmdline.includes('daemon.js'));
      expect(refdevs().length).toBe(1);
      expect(readFileSync(join(runtimeDir, 'refdev.json'), 'utf8')).toContain('"ready":true');
      parent.kill('SIGKILL');
      expect(await eventually(() => refdevs().length === 0, GONE_DEADLINE_MS), JSON.stringify(refdevs())).toBe(true);
    } finally {
      parent.kill('SIGKILL');
    }
  }, TEST_LIMIT_MS);
});

describe('stopping a refdev', () => {
  it('that was already killed by a signal resolves at once', async () => {
    const r = await startRefdev();
    r.child.kill('SIGKILL');
    await new Promise((resolve) => r.child.once('exit', resolve));
    await expect(r.stop()).resolves.toBeNull();
    expect(await eventually(() => !existsSync(r.runtimeDir), GONE_DEADLINE_MS)).toBe(true);
  }, TEST_LIMIT_MS);
});
