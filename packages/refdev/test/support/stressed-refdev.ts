/**
 * A refdev whose V8 collects garbage far more often than usual (scavenges at random points of the
 * young generation, array buffers freed at once rather than by a background sweeper): a use of
 * memory after its owner was collected then shows up as wrong bytes instead of once in a million.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const DAEMON = fileURLToPath(new URL('../../dist/daemon.js', import.meta.url));

export interface StressedRefdev {
  node(device: string): string;
  stop(): Promise<void>;
}

export async function startStressedRefdev(v8Flags: readonly string[]): Promise<StressedRefdev> {
  const runtime = mkdtempSync(join(tmpdir(), 'openaccel-refdev-gc-'));
  const child = spawn(process.execPath, [...v8Flags, DAEMON, '--runtime', runtime], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      // SIGKILL only if SIGTERM is not obeyed in a time no healthy refdev needs.
      const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(runtime, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', () => resolve());
      void exited.then(() => reject(new Error('refdev exited before it was ready')));
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { node: (d) => join(runtime, 'dev', 'openaccel', d), stop };
}
