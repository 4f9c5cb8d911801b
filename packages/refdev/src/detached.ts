/**
 * A refdev that outlives the program that started it (`accelctl refdev start/status/stop`). Its runtime
 * directory is checked before it is trusted (runtime-dir.ts), and the process is proven by its control
 * socket: SO_PEERPIDFD of a connection names the process listening there, so stop signals that pidfd and
 * never a pid number from a file (which may by then name any process).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { C, closeFd, pidfdExited, pidfdSignal, UnixSocket } from '@openaccel/sys';
import { parseConfig, type RefdevConfig } from './config.js';
import { RefdevStartError } from './launcher.js';
import { checkPrivateDir, ensurePrivateDir } from './runtime-dir.js';
import { layoutOf } from './server.js';

export interface RunningRefdev {
  pid: number;
  devices: string[];
  runtime: string;
}

const DAEMON = new URL('./daemon.js', import.meta.url);
/** Most bytes read from a file of the runtime directory (refdev.json, the log) before it is trusted. */
const MAX_STATE_BYTES = 64 * 1024;

/** Starts a detached refdev serving `runtimeDir`, its output in RUNTIME/refdev.log; resolves once its control socket answers. */
export async function startDetachedRefdev(runtimeDir: string, config: Partial<RefdevConfig> = {}, timeoutMs = 10000): Promise<RunningRefdev> {
  ensurePrivateDir(runtimeDir);
  const running = findRefdev(runtimeDir);
  if (running) throw new RefdevStartError(`one is already running under ${runtimeDir} (pid ${running.pid})`);
  // Files are made afresh with O_EXCL, so nothing planted under these names is followed or reused.
  const configFile = join(runtimeDir, 'config.json');
  const logFile = join(runtimeDir, 'refdev.log');
  for (const f of [configFile, logFile, join(runtimeDir, 'refdev.json')]) rmSync(f, { force: true });
  writeFileSync(configFile, JSON.stringify(parseConfig(config), null, 2), { flag: 'wx', mode: 0o600 });
  const log = openSync(logFile, 'wx', 0o600);
  const child = spawn(process.execPath, [DAEMON.pathname, '--runtime', runtimeDir, '--config', configFile], { detached: true, stdio: ['ignore', log, log], env: { ...process.env, UV_THREADPOOL_SIZE: '8' } });
  child.unref();
  closeSync(log);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    const info = findRefdev(runtimeDir);
    if (info && info.pid === child.pid) return info;
    await new Promise((r) => setTimeout(r, 25));
  }
  if (child.exitCode === null) child.kill('SIGKILL'); // still our child: its pid cannot have been reused
  const why = readBounded(logFile).trim();
  throw new RefdevStartError(`not ready within ${timeoutMs} ms${why ? `: ${why}` : ''}`);
}

/**
 * Stops the refdev serving `runtimeDir`: SIGTERM to the pidfd its control socket proves, SIGKILL to the same
 * pidfd after `timeoutMs`. false when none runs there (a stale refdev.json names nobody to stop).
 */
export async function stopDetachedRefdev(runtimeDir: string, timeoutMs = 5000): Promise<boolean> {
  if (!existsSync(runtimeDir)) return false;
  checkPrivateDir(runtimeDir);
  const p = probe(runtimeDir);
  if (!p) return false;
  try {
    pidfdSignal(p.pidfd, C.SIGTERM);
    if (!(await exited(p.pidfd, timeoutMs))) {
      pidfdSignal(p.pidfd, C.SIGKILL);
      await exited(p.pidfd, timeoutMs);
    }
    return true;
  } finally {
    closeFd(p.pidfd);
  }
}

/** The refdev serving `runtimeDir`, proven by its control socket, or undefined. Throws RuntimeDirError for an unsafe directory. */
export function findRefdev(runtimeDir: string): RunningRefdev | undefined {
  if (!existsSync(runtimeDir)) return undefined;
  checkPrivateDir(runtimeDir);
  const p = probe(runtimeDir);
  if (!p) return undefined;
  closeFd(p.pidfd);
  let devices: string[] = [];
  try {
    const state = JSON.parse(readBounded(join(runtimeDir, 'refdev.json'))) as { devices?: unknown };
    if (Array.isArray(state.devices)) devices = state.devices.filter((d): d is string => typeof d === 'string');
  } catch {
    // written as the daemon starts; the device list is for display only
  }
  return { pid: p.pid, devices, runtime: runtimeDir };
}

/** Connects to the control socket: a pidfd of the process listening there, when it runs as this user. */
function probe(runtimeDir: string): { pid: number; pidfd: number } | undefined {
  let s: UnixSocket;
  try {
    s = UnixSocket.connect(layoutOf(runtimeDir).controlSocket);
  } catch {
    return undefined;
  }
  try {
    const cred = s.peerCred();
    // Without SO_PEERPIDFD (Linux < 6.5) the process cannot be proven, so it is never signalled.
    const pidfd = cred.uid === process.getuid!() ? s.peerPidfd() : undefined;
    if (pidfd === undefined) return undefined;
    if (pidfdExited(pidfd)) {
      closeFd(pidfd);
      return undefined;
    }
    return { pid: cred.pid, pidfd };
  } finally {
    s.close();
  }
}

async function exited(pidfd: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!pidfdExited(pidfd)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

function readBounded(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const buf = Buffer.alloc(MAX_STATE_BYTES);
    return buf.subarray(0, readSync(fd, buf, 0, MAX_STATE_BYTES, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
