/** Starting and stopping a refdev process from another program (tests, accelctl, the conformance runner). */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseConfig, type RefdevConfig } from './config.js';
import { layoutOf, type RefdevLayout } from './server.js';
import { accelNodePath } from './v2/paths.js';

export interface StartOptions {
  /** Runtime directory; a fresh temporary one by default. */
  runtimeDir?: string;
  /** Partial config (defaults fill the rest). */
  config?: Partial<RefdevConfig>;
  /** How long to wait for the process to be ready. */
  timeoutMs?: number;
}

export class RefdevStartError extends Error {
  constructor(detail: string) {
    super(`refdev did not start: ${detail}`);
    this.name = 'RefdevStartError';
  }
}

export interface RefdevProcess extends RefdevLayout {
  pid: number;
  devices: string[];
  /** Device node path of a device (a socket): the 1.0 node. */
  node(device: string): string;
  /** The 2.0 node of a device (a socket standing in for /dev/accel/accelN). */
  accelNode(device: string): string;
  /** SIGTERM and wait for a clean exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
  readonly child: ChildProcess;
}

const DAEMON = new URL('./daemon.js', import.meta.url);

/** A refdev that fails to start exits, and that is seen at once; this bounds only one that hangs while starting. */
const READY_TIMEOUT_MS = 60000;

export async function startRefdev(opts: StartOptions = {}): Promise<RefdevProcess> {
  const runtimeDir = opts.runtimeDir ?? mkdtempSync(join(tmpdir(), 'openaccel-refdev-'));
  const config = parseConfig(opts.config ?? {});
  const configFile = join(runtimeDir, 'config.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  // stdin is a pipe the daemon watches: it exits when this process goes, however that happens.
  const args = [DAEMON.pathname, '--runtime', runtimeDir, '--config', configFile, ...(opts.runtimeDir ? [] : ['--remove-runtime'])];
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, UV_THREADPOOL_SIZE: '8' },
  });
  child.stdin!.on('error', () => {});
  // A directory made here is removed by the daemon when it stops (even if this process is gone by then), and
  // here once the daemon has exited (it may have failed to start, or been killed).
  child.once('exit', () => {
    if (!opts.runtimeDir) rmSync(runtimeDir, { recursive: true, force: true });
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = await new Promise<{ pid: number; devices: string[] }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new RefdevStartError(`no ready line within ${opts.timeoutMs ?? READY_TIMEOUT_MS} ms; stderr: ${stderr.trim()}`));
    }, opts.timeoutMs ?? READY_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (l) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(l));
      } catch {
        reject(new RefdevStartError(`unexpected output ${JSON.stringify(l)}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new RefdevStartError(`exited with ${code}; stderr: ${stderr.trim()}`));
    });
  });
  const layout = layoutOf(runtimeDir);
  let exited: Promise<number | null> | undefined;
  return {
    ...layout,
    pid: ready.pid,
    devices: ready.devices,
    child,
    node: (d) => join(layout.devRoot, 'openaccel', d),
    accelNode: (d) => accelNodePath(runtimeDir, d),
    stop(timeoutMs = 5000) {
      if (exited) return exited;
      exited = new Promise((resolve) => {
        // Already gone (exited, or killed by a signal): its 'exit' event will not come again.
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.once('exit', (code) => {
          clearTimeout(t);
          resolve(code);
        });
        child.kill('SIGTERM');
      });
      return exited;
    },
  };
}
